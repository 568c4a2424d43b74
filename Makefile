# The two commands the README opens with: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest docs bench clean i18n-extract i18n-update i18n-compile

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: build the example campaign (heavy-equipment newsletter, four segments) into out/demo
demo: $(STAMP)
	$(BIN)/b2bmail build examples/heavy-equipment/campaign.yaml --out out/demo

## test: the whole suite — ruff, mypy, pytest and the documentation build (what .ci/run runs)
test: lint typecheck pytest docs

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

## docs: the documentation site (mkdocs.yml, docs/) into site/; --strict turns every warning
## (a broken link or anchor, a page missing from the nav) into a failure. Not --quiet: MkDocs 1.6
## checks anchors only when its logger shows warnings (mkdocs/mkdocs#3991).
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

bench: $(STAMP)
	$(BIN)/python benchmarks/personalize.py
	$(BIN)/python benchmarks/lint.py
	$(BIN)/python benchmarks/source_map.py
	$(BIN)/python benchmarks/audit.py
	$(BIN)/python benchmarks/startup.py

## i18n-*: the message catalogues (src/b2bmail/locale): extract the .pot files, merge them into
## the fr and nl .po files, compile the .mo files the package ships (tools/catalogues.py)
i18n-extract: $(STAMP)
	$(BIN)/python tools/catalogues.py extract

i18n-update: $(STAMP)
	$(BIN)/python tools/catalogues.py update

i18n-compile: $(STAMP)
	$(BIN)/python tools/catalogues.py compile

clean:
	rm -rf out site build dist .pytest_cache .mypy_cache .ruff_cache
