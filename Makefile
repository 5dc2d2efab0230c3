# Two commands on a fresh machine (Python 3.11 + PyPI):
#   make run   — set up .venv, run the demo scenario, write a report and plots to out/
#   make test  — set up .venv, run lint, type check and the test suite (what .ci/run calls)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup run test test-all lint bench calibrate clean

$(STAMP): pyproject.toml scripts/system-deps.sh
	bash scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/kratomsim warm-up --brief
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/kratomsim demo --out out

lint: setup
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/pyright

test: lint
	$(BIN)/python -m pytest -m "not slow" -q

test-all: lint
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python benchmarks/bench_engine.py --out BENCHMARKS.md

calibrate: setup
	$(BIN)/kratomsim calibrate --out src/kratomsim/evidence/data/pk_calibrated.toml

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache .hypothesis
