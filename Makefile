# Two commands: `make run` (install, migrate, load the demos, serve them) and `make test` (the whole suite);
# `make test-fast` is the developer's loop (no browser, Schemathesis, load, crash or Spark runs).
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export HOMEBOUND_DATABASE_URL ?= sqlite:///var/homebound.sqlite3

.PHONY: run run-single test test-fast lint fmt bench clean install dev

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev,spark]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

# The demo federation (party UA, party RU, the mediator: one node each, its own database and keys under
# .demo/, on ports 8001-8003) and, beside it, the single-server demo on 8000 with every feature (agreements
# and handover do not travel as packages yet). `make run-single` serves the single-server demo alone.
run: install
	$(BIN)/homebound db upgrade
	$(BIN)/homebound demo
	$(BIN)/homebound federation-demo --dir .demo --serve --with-single

run-single: install
	$(BIN)/homebound db upgrade
	$(BIN)/homebound demo
	$(BIN)/homebound serve

# Two workers (pytest-xdist), each with its own SQLite files and PostgreSQL databases; the browser, load and
# Spark tests stay together on one worker each (xdist_group), so one Chromium, one JVM, one load at a time.
XDIST ?= -n 2 --dist loadgroup

test: dev
	$(BIN)/pytest $(XDIST) --durations=15

test-fast: dev
	$(BIN)/pytest $(XDIST) -m "not slow"

lint: dev
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/mypy

fmt: dev
	$(BIN)/ruff format src tests bench tools
	$(BIN)/ruff check --fix src tests bench tools

bench: dev
	$(BIN)/python bench/import_list.py

clean:
	rm -rf var .demo .pytest_cache .mypy_cache .ruff_cache
