# Two commands on a fresh machine (Python 3.11 + PyPI):
#   make run   — set up .venv, run the demo scenario, write a report and plots to out/
#   make test  — set up .venv, run lint, type check, a strict docs build and the test suite
#   make docs  — build the documentation site into site/ (open site/index.html)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup run test test-all lint docs docs-check bench calibrate clean

$(STAMP): pyproject.toml scripts/system-deps.sh
	bash scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q src  # bytecode of the editable package: ~0.2 s per command
	$(BIN)/kratomsim warm-up --brief
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/kratomsim demo --out out

lint: setup
	$(BIN)/ruff format --check src tests benchmarks docs
	$(BIN)/ruff check src tests benchmarks docs
	$(BIN)/pyright

# The site, with the qualification report (validate --fast, about a minute) written beside it.
docs: setup
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# The same strict build without the qualification run (seconds): every page, link, generated
# reference and API docstring is checked on each `make test`.
docs-check: setup
	KRATOMSIM_DOCS_QUALIFICATION=skip NO_MKDOCS_2_WARNING=1 \
		$(BIN)/mkdocs build --strict --quiet --site-dir build/docs-check

test: lint docs-check
	$(BIN)/python -m pytest -m "not slow" -q

test-all: lint docs-check
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python benchmarks/bench_engine.py --out BENCHMARKS.md
	$(BIN)/python benchmarks/bench_method.py --out BENCHMARKS.md
	$(BIN)/python benchmarks/bench_cli.py --out BENCHMARKS.md

calibrate: setup
	$(BIN)/kratomsim calibrate --out src/kratomsim/evidence/data/pk_calibrated.toml

clean:
	rm -rf $(VENV) out site build/docs-check .pytest_cache .ruff_cache .hypothesis
