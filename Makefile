# Two commands do all the set-up on a fresh machine:
#   make demo   the whole conversation against the built-in simulator (no key needed)
#   make test   lint, type-check and the test suite (what CI runs)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck layers pytest bench catalogs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,mcp,redis,serve,feishu,discord]'
	touch $(STAMP)

# TEXT is the person's message: data, never make or shell syntax. $(value TEXT) takes it
# unexpanded (so "$(shell ...)" or "$(HOME)" in it stays text), it reaches the command in the
# environment, and --text-env reads it there, so no shell sees it either. TEXT itself is not
# exported: make would expand it to build the recipe's environment.
unexport TEXT
demo: export DEMO_TEXT := $(value TEXT)
demo: $(STAMP)
	$(BIN)/ima-nano-banana demo --text-env DEMO_TEXT

test: $(STAMP) lint typecheck layers pytest

lint: $(STAMP)
	$(BIN)/ruff check skill tests bench
	$(BIN)/ruff format --check skill tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# The layering contract in pyproject.toml ([tool.importlinter]): no import runs upward.
layers: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP)
	$(BIN)/pytest -q

# BENCH=polling runs only the named benchmarks (bench/run.py lists them).
bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH)

# The gettext cycle: extract template strings, merge them into both catalogs, compile.
catalogs: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -o locales/messages.pot --no-location --omit-header -k N_ templates skill/reasons.py
	$(BIN)/pybabel update -i locales/messages.pot -d locales --no-fuzzy-matching --ignore-pot-creation-date
	$(BIN)/pybabel compile -d locales --statistics

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist
