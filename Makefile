# The two commands the README opens with: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest bench clean i18n-extract i18n-update i18n-compile

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: build the example campaign (heavy-equipment newsletter, four segments) into out/demo
demo: $(STAMP)
	$(BIN)/b2bmail build examples/heavy-equipment/campaign.yaml --out out/demo

## test: the whole suite — ruff, mypy and pytest (what .ci/run runs)
test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

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
	rm -rf out build dist .pytest_cache .mypy_cache .ruff_cache
