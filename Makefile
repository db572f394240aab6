# Caravan — every target creates and uses a local virtual environment (.venv).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export CARAVAN_DATABASE_URL ?= sqlite:///$(CURDIR)/var/caravan.db

.PHONY: setup demo serve test test-fast lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## Set up, create the SQLite database, load the demo region, start http://127.0.0.1:8000
demo: setup
	$(BIN)/caravan demo
	$(BIN)/caravan serve --host 127.0.0.1 --port 8000

serve: setup
	$(BIN)/caravan serve

## Set up and run lint plus every test (SQLite; PostgreSQL too when CARAVAN_TEST_DATABASE_URL is set)
test: setup lint
	scripts/ensure-chromium.sh
	$(BIN)/pytest -q

test-fast: setup
	$(BIN)/pytest -q -m "not browser"

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: setup
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

## Benchmarks; results go to bench/RESULTS.md
bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
