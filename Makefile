# Developer entry points. `make test` is what CI runs (through .ci/run).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Reinstall only when the dependencies can have changed.
STAMP  := $(VENV)/.installed
CORPUS ?= ../shared/corpus
DB     ?= gongbao.db

.PHONY: venv demo test bench

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -e '.[test]'
	touch $@

demo: venv
	$(BIN)/gongbao ingest $(CORPUS) --db $(DB)
	$(BIN)/gongbao list --db $(DB)

test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: venv
	@test -f bench/run.py || { echo "bench/run.py does not exist yet" >&2; exit 1; }
	$(BIN)/python bench/run.py $(CORPUS)
