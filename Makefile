# Two commands on a fresh machine: `make run` and `make test`.
# Each bootstraps .venv from pyproject.toml the first time (and again when it changes).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench clean console

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,duckdb,clickhouse,mysql]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/warroom migrate
	$(BIN)/warroom demo-data --if-empty
	$(BIN)/warroom run

console: $(STAMP)
	$(BIN)/warroom console

test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache
