.PHONY: run test bench
run:  ## install and run on SQLite with demo data
	./scripts/run.sh
test: ## install test needs and run the suite on PostgreSQL and Redis
	./scripts/test.sh
bench:
	./bench/run.sh
