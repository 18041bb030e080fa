# Every target creates .venv itself from the pinned lock file (requirements.lock).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench clean

$(STAMP): requirements.lock pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/eligo protocol show cart-autoimmune > /dev/null  # compiles the protocol cache once
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/eligo demo
	mkdir -p .demo
	$(BIN)/eligo synth --persons 10000 --seed 1 --out .demo/population.duckdb --force --no-progress
	$(BIN)/eligo population --omop .demo/population.duckdb --as-of 2026-06-01 \
		--out .demo/population --no-progress

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_screen.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
