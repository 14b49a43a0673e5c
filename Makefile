# `make demo` and `make test` work on a fresh machine with only Python 3.11:
# each creates .venv (package installed editable) when it is missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR := demo

.PHONY: demo test lint bench clean venv

$(BIN)/icestats: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(BIN)/icestats

venv: $(BIN)/icestats

demo: $(BIN)/icestats
	$(BIN)/python -m icestats.demo --dir $(DEMO_DIR)

lint: $(BIN)/icestats
	$(BIN)/ruff check src tests bench docs
	$(BIN)/mypy

test: $(BIN)/icestats lint
	$(BIN)/pytest -m 'slow or not slow'  # every test; plain `pytest` runs the fast set

bench: $(BIN)/icestats
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .hypothesis
