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
	$(BIN)/python -m pip install -e '.[test,ocr]'
	touch $@

HOST   ?= 127.0.0.1
PORT   ?= 8000

# Ingest the sample corpus, then serve the web UI on it until Ctrl-C.
demo: venv
	$(BIN)/gongbao ingest $(CORPUS) --db $(DB)
	$(BIN)/gongbao list --db $(DB)
	@echo "web UI: http://$(HOST):$(PORT)/   API docs: http://$(HOST):$(PORT)/docs"
	$(BIN)/gongbao serve --db $(DB) --host $(HOST) --port $(PORT)

test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Ingest benchmark (~7 min on 2 cores); `make bench BENCH_SIZES=10,100` for a quick run.
BENCH_SIZES ?= 10,100,1000
bench: venv
	$(BIN)/python bench/ingest.py --sizes $(BENCH_SIZES) --corpus $(CORPUS)
