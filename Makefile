# relwork: `make tex` builds the Related Work section, `make test` runs the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
RELWORK := $(BIN)/relwork

.PHONY: tex pdf png check lint sync zip watch test test-fast lint-code bench golden docs clean help

help:
	@echo "make tex    - build latex/related_work.tex from summaries/ and bib/"
	@echo "make pdf    - build and compile latex/preview.pdf (needs TeX Live)"
	@echo "make check  - show how each paper matched the bibliography"
	@echo "make sync   - build and push to the Overleaf project (git bridge)"
	@echo "make test   - run the test suite"
	@echo "make test-fast - the tests that need no TeX, no git server and take under ~2 s each"
	@echo "make bench  - benchmarks against pandoc and bibtexparser"
	@echo "make docs   - build the manual (docs/) into build/site"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

tex: $(STAMP)
	$(RELWORK) build

pdf: $(STAMP)
	$(RELWORK) build --compile --png

check: $(STAMP)
	$(RELWORK) check

lint: $(STAMP)
	$(RELWORK) lint

sync: $(STAMP)
	$(RELWORK) sync

zip: $(STAMP)
	$(RELWORK) zip

watch: $(STAMP)
	$(RELWORK) watch

test: $(STAMP)
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not tex and not git"

lint-code: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/run.py

# Regenerate the expected outputs of the golden tests (review the diff before committing).
golden: $(STAMP)
	RELWORK_REGEN=1 $(BIN)/python -m pytest -q tests/pipeline/test_golden.py

# The manual: installs the docs extra (mkdocs) into the venv when it is missing.
docs: $(STAMP)
	@$(BIN)/python -c 'import mkdocs' 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[dev,docs]'
	$(BIN)/mkdocs build --strict -d build/site

clean:
	rm -rf $(VENV) .relwork build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
	rm -f latex/related_work.tex latex/references.bib latex/preview* latex/overleaf.zip
	rm -rf latex/build
