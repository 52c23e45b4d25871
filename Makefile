# The project's commands; CI runs the same targets (.ci/run).
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: install install-test demo test test-postgres lint typecheck check serve bench proofs clean

$(PY):
	"$$(scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

install: $(PY)
	$(PY) -m pip install --quiet -e .

# Installed once per change of pyproject.toml (an editable install sees code changes by itself),
# so two `make test` runs side by side (CI runs the slow proofs beside the rest) never race pip.
$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

install-test: $(VENV)/.installed-test

demo: install
	$(VENV)/bin/pollwatch demo

serve: install
	$(VENV)/bin/pollwatch serve

test: install-test
	$(PY) -m pytest $(PYTEST_ARGS)

test-postgres: install-test
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/pollwatch} $(PY) -m pytest $(PYTEST_ARGS)

lint: $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	$(VENV)/bin/ruff check pollwatch benchmarks tests conftest.py
	$(VENV)/bin/ruff format --check pollwatch benchmarks tests conftest.py

typecheck: $(PY)
	$(PY) -m pip install --quiet -e ".[dev,test]"
	$(VENV)/bin/mypy pollwatch

check: lint typecheck test

bench: install-test
	$(PY) benchmarks/run_all.py

# Fault proofs under load (pass or fail, a few minutes): bad audit events and a killed sealer on
# SQLite and PostgreSQL, then a killed web worker and a PostgreSQL restart (it restarts the
# machine's PostgreSQL: not beside other work on it). See benchmarks/README.md.
proofs: install-test
	$(PY) benchmarks/fault_audit.py
	$(PY) benchmarks/fault_audit.py --postgres
	$(PY) benchmarks/fault_ingest.py
	$(PY) benchmarks/fault_messages.py

clean:
	rm -rf $(VENV) pollwatch-data .pytest_cache .mypy_cache .ruff_cache
