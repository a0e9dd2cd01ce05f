# Caseload: the two commands are `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := caseload
DEMO_PASSWORD := $(or $(CASELOAD_DEMO_PASSWORD),demo)
# Where `make run` serves: `PORT=8080 make run`, `HOST=0.0.0.0 PORT=8080 make run`.
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-sqlite test-postgres worker bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	@echo ""
	@echo "  Caseload is starting on http://$(HOST):$(PORT)"
	@echo "  Sign in as 'leader' (team leader), 'admin' (administrator) or 'advisor1' (advisor)"
	@echo "  with the password '$(DEMO_PASSWORD)'. Stop with Ctrl-C."
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	  $(BIN)/huey_consumer caseload.worker.huey --workers 1 --quiet & \
	  $(BIN)/flask run --host '$(HOST)' --port '$(PORT)'

worker: $(VENV)/.installed
	$(BIN)/huey_consumer caseload.worker.huey --workers 1

test: $(VENV)/.installed-test
	bash .ci/debian-packages
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-postgres: $(VENV)/.installed-test
	CASELOAD_TEST_POSTGRES=1 bash .ci/debian-packages
	CASELOAD_TEST_POSTGRES=1 $(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(BIN)/python -m scheduler bench

clean:
	rm -rf $(VENV) instance/*.db* .pytest_cache
