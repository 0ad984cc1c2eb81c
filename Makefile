# Developer entry points. `make test` is what CI runs (through .ci/run).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Reinstall only when the dependencies can have changed: one stamp per set of extras, so
# `make test` after `make demo` still installs the test extras.
RUNTIME := $(VENV)/.installed-runtime
DEV     := $(VENV)/.installed-test
CORPUS ?= ../shared/corpus
DB     ?= gongbao.db

.PHONY: venv demo test bench test-tools

# The development venv: gongbao with the test extras and OCR (tests/test_formats_ocr.py reads scans).
venv: $(DEV)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The demo needs only the runtime (no test tools, no OCR models).
$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e .
	touch $@

$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[test,ocr]'
	touch $@ $(RUNTIME)

HOST   ?= 127.0.0.1
PORT   ?= 8000

# Ingest the sample corpus, then serve the web UI on it until Ctrl-C.
demo: $(RUNTIME)
	$(BIN)/gongbao ingest $(CORPUS) --db $(DB)
	$(BIN)/gongbao list --db $(DB)
	@echo "web UI: http://$(HOST):$(PORT)/   API docs: http://$(HOST):$(PORT)/docs"
	@echo "the command line: $(BIN)/gongbao --help   (or: . $(BIN)/activate, then gongbao --help)"
	$(BIN)/gongbao serve --db $(DB) --host $(HOST) --port $(PORT)

# What the tests need from the system besides Python (.ci/run installs all three).
test-tools:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { echo "make test needs the PostgreSQL server: apt-get install postgresql (.ci/run installs it)" >&2; exit 1; }
	@test -x /usr/bin/chromium || { echo "make test needs Chromium at /usr/bin/chromium: apt-get install chromium (.ci/run installs it)" >&2; exit 1; }
	@test -f /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc || { echo "make test needs the Noto CJK fonts: apt-get install fonts-noto-cjk (.ci/run installs them)" >&2; exit 1; }

test: test-tools $(DEV)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Ingest benchmark (~7 min on 2 cores); `make bench BENCH_SIZES=10,100` for a quick run.
BENCH_SIZES ?= 10,100,1000
bench: $(RUNTIME)
	$(BIN)/python bench/ingest.py --sizes $(BENCH_SIZES) --corpus $(CORPUS)
