# Two entry points that work on a fresh machine with only Python 3.11:
#   make demo   simulated data -> ingest -> enrich -> coordination -> narratives -> dashboard
#   make test   lint (ruff, mypy), the dashboard bundle, Chromium, and the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR := demo
DEMO_POSTS ?= 50000
DEMO_PORT ?= 8050
STATIC := voxpop/web/static

.PHONY: demo test lint pytest bench clean docs frontend chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The dashboard bundle: npm ci when the lock file changes, esbuild when any source changes.
frontend/node_modules/.package-lock.json: frontend/package-lock.json
	@command -v npm >/dev/null || { echo "the dashboard needs Node.js 18+ and npm: apt-get install -y nodejs npm"; exit 1; }
	cd frontend && npm ci --no-audit --no-fund

$(STATIC)/.built: frontend/node_modules/.package-lock.json frontend/build.mjs $(wildcard frontend/src/*)
	cd frontend && npm run build
	touch $@

frontend: $(STATIC)/.built

# The browser tests drive Debian's Chromium (never a downloaded one).
chromium:
	test -x /usr/bin/chromium || apt-get install -y chromium || (apt-get update && apt-get install -y chromium)

demo: $(VENV)/.installed frontend
	rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	$(BIN)/voxpop simulate --posts $(DEMO_POSTS) --seed 1 --out $(DEMO_DIR)/data
	$(BIN)/voxpop --db $(DEMO_DIR)/voxpop.duckdb ingest $(DEMO_DIR)/data/posts.jsonl --collection demo
	$(BIN)/voxpop --db $(DEMO_DIR)/voxpop.duckdb enrich --sentiment
	$(BIN)/voxpop --db $(DEMO_DIR)/voxpop.duckdb stats
	$(BIN)/voxpop --db $(DEMO_DIR)/voxpop.duckdb coordination --out $(DEMO_DIR)/coordination.gexf
	$(BIN)/voxpop --db $(DEMO_DIR)/voxpop.duckdb narratives --limit 10
	$(BIN)/voxpop --db $(DEMO_DIR)/voxpop.duckdb serve --port $(DEMO_PORT)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check voxpop tests bench
	$(BIN)/ruff format --check voxpop tests bench
	$(BIN)/mypy

pytest: $(VENV)/.installed-dev frontend chromium
	$(BIN)/pytest -q

test: lint pytest

docs: $(VENV)/.installed-dev
	$(BIN)/python tests/test_docs.py

bench: $(VENV)/.installed-dev
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.ingest

clean:
	rm -rf $(VENV) $(DEMO_DIR) .mypy_cache .ruff_cache .pytest_cache $(STATIC) frontend/node_modules
