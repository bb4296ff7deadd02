# rnnlab: `make run` sets up and starts the main job; `make test` sets up and runs the checks.
# torch is installed first and pinned to 2.13.0 (a CPU build that lies on this machine's disk);
# see DEVELOPERS.md for why a bare `torch` must never reach pip here.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml Makefile | cksum | cut -d' ' -f1)

.PHONY: run test browser-deps lint format bench clean

$(STAMP):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# The web workbench on http://127.0.0.1:8000/ (the bundled samples are ready to train on).
run: $(STAMP)
	@echo "rnnlab workbench: open http://127.0.0.1:8000/ (Ctrl-C stops it)"
	@echo "the rnnlab command: $(BIN)/rnnlab, or run '. $(BIN)/activate' to have rnnlab on PATH"
	$(BIN)/rnnlab serve --host 127.0.0.1 --port 8000

test: $(STAMP) lint browser-deps
	$(BIN)/pytest -q
	@echo "the rnnlab command: $(BIN)/rnnlab, or run '. $(BIN)/activate' to have rnnlab on PATH"

# The browser tests (tests/browser) drive Debian's chromium through Playwright; they never
# download a browser (`playwright install`). CI runs as root where apt-get works.
browser-deps:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# The benchmark suite (bench/run_all.py): every script in turn, each in its own process;
# writes bench/results.md. Takes a while: run it on a quiet machine.
bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
