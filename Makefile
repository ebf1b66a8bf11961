# Two commands: `make run` (install, migrate, load the demo, serve) and `make test` (the whole suite).
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export HOMEBOUND_DATABASE_URL ?= sqlite:///var/homebound.sqlite3

.PHONY: run test lint fmt bench clean install dev

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

run: install
	$(BIN)/homebound db upgrade
	$(BIN)/homebound demo
	$(BIN)/homebound serve

test: dev
	$(BIN)/pytest

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
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
