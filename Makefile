# Two entry points that work on a fresh machine with only Python 3.11:
#   make demo   simulated data -> ingest -> stats
#   make test   lint (ruff, mypy) and the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR := demo
DEMO_POSTS ?= 50000

.PHONY: demo test lint pytest bench clean docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

demo: $(VENV)/.installed
	rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	$(BIN)/voxpop simulate --posts $(DEMO_POSTS) --seed 1 --out $(DEMO_DIR)/data
	$(BIN)/voxpop --db $(DEMO_DIR)/voxpop.duckdb ingest $(DEMO_DIR)/data/posts.jsonl --collection demo
	$(BIN)/voxpop --db $(DEMO_DIR)/voxpop.duckdb enrich --sentiment
	$(BIN)/voxpop --db $(DEMO_DIR)/voxpop.duckdb stats
	$(BIN)/voxpop --db $(DEMO_DIR)/voxpop.duckdb coordination --out $(DEMO_DIR)/coordination.gexf

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check voxpop tests bench
	$(BIN)/ruff format --check voxpop tests bench
	$(BIN)/mypy

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest -q

test: lint pytest

docs: $(VENV)/.installed-dev
	$(BIN)/python tests/test_docs.py

bench: $(VENV)/.installed-dev
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.ingest

clean:
	rm -rf $(VENV) $(DEMO_DIR) .mypy_cache .ruff_cache .pytest_cache
