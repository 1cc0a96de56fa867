.PHONY: run test bench fuzz lint fmt typecheck requirements hooks lifecycle app
VENV ?= .venv

run:  ## install and run on SQLite with demo data
	./scripts/run.sh
test: ## install test needs and run the suite on PostgreSQL and Redis
	./scripts/test.sh
app: ## regenerate the schema and the borrowers' app client, type-check and rebuild static/app/
	PYTHON=$${PYTHON:-$(VENV)/bin/python} ./scripts/app.sh
bench:
	./bench/run.sh
fuzz: ## the API under hostile input and schemathesis, with three logins: no server error (bench/FUZZ_RESULTS.md)
	./scripts/fuzz.sh

$(VENV)/.test-deps: requirements-test.txt requirements.txt
	[ -x $(VENV)/bin/python ] || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check --require-hashes -r requirements-test.txt
	touch $@

lint: $(VENV)/.test-deps ## ruff's rules and formatting, as CI checks them
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
fmt: $(VENV)/.test-deps ## format and fix what ruff can
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
typecheck: $(VENV)/.test-deps ## mypy with django-stubs over the kernel, the lending engine and the services
	./scripts/typecheck.sh
requirements: ## recompile the pinned, hashed requirements from the .in files
	$(VENV)/bin/pip install -q pip-tools==7.6.2
	$(VENV)/bin/pip-compile -q --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links \
		-o requirements.txt requirements.in
	$(VENV)/bin/pip-compile -q --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links \
		-o requirements-test.txt requirements-test.in
	$(VENV)/bin/pip-compile -q --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links \
		-o requirements-fuzz.txt requirements-fuzz.in
	$(VENV)/bin/pip-compile -q --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links \
		-o requirements-client.txt requirements-client.in
hooks: $(VENV)/.test-deps ## install the git pre-commit hooks (ruff check, ruff format)
	$(VENV)/bin/pre-commit install
lifecycle: ## rewrite README.md's lifecycle table from the transition tables
	UPDATE_README=1 $${PYTHON:-$(VENV)/bin/python} -m pytest -q -p no:cacheprovider tests/kernel/test_workflow.py -k lifecycle
