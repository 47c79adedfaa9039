# Thin front door: set-up, then one regpack command per target.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ARR    ?=

.PHONY: setup submission test test-fast bench clean system-deps templates

setup: $(STAMP) system-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

system-deps:
	@sh tools/system-deps.sh

submission: setup
	$(BIN)/regpack build $(if $(ARR),--arrangement $(ARR))

test: setup
	$(BIN)/pytest -q

test-fast: setup
	$(BIN)/pytest -q -m "not libreoffice"

# bootstrap: writes templates/*.docx only where missing or unedited since it wrote them (FORCE=1 overwrites)
templates: $(STAMP)
	$(BIN)/python tools/templates/make_templates.py $(if $(FORCE),--force)

bench: setup
	$(BIN)/python -m pipeline.bench

clean:
	rm -rf build
