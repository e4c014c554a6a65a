# Two commands on a fresh machine: `make run` and `make test`.
# Each bootstraps .venv from pyproject.toml the first time (and again when it changes).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench clean console catalogs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,duckdb,clickhouse,mysql]"
	touch $(STAMP)

# The compiled message catalogs follow their .po files (bot/language/locale).
CATALOGS := $(patsubst %.po,%.mo,$(wildcard bot/language/locale/*/LC_MESSAGES/messages.po))

$(CATALOGS): %.mo: %.po $(STAMP)
	$(BIN)/python -m bot.language.catalog compile

# Extract the marked strings of bot/, handlers/ and jobs/ and merge them into every .po.
catalogs: $(STAMP)
	$(BIN)/python -m bot.language.catalog update
	$(BIN)/python -m bot.language.catalog compile

run: $(STAMP) $(CATALOGS)
	$(BIN)/warroom migrate
	$(BIN)/warroom demo-data --if-empty
	$(BIN)/warroom run

console: $(STAMP) $(CATALOGS)
	$(BIN)/warroom console

test: $(STAMP) $(CATALOGS)
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
