.PHONY: run test bench lifecycle
run:  ## install and run on SQLite with demo data
	./scripts/run.sh
test: ## install test needs and run the suite on PostgreSQL and Redis
	./scripts/test.sh
bench:
	./bench/run.sh
lifecycle: ## rewrite README.md's lifecycle table from the transition tables
	UPDATE_README=1 $${PYTHON:-python3} -m pytest -q -p no:cacheprovider tests/kernel/test_workflow.py -k lifecycle
