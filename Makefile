# rnnlab: `make run` sets up and starts the main job; `make test` sets up and runs the checks.
# torch is installed first and pinned to 2.13.0 (a CPU build that lies on this machine's disk);
# see DEVELOPERS.md for why a bare `torch` must never reach pip here.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml Makefile | cksum | cut -d' ' -f1)

.PHONY: run test lint format bench clean

$(STAMP):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	@run_id=$$($(BIN)/rnnlab train examples/configs/char_lm.yaml) && \
	echo "generating from run $$run_id:" && \
	$(BIN)/rnnlab generate $$run_id --prompt "The " --length 400 --temperature 0.8 --seed 0

test: $(STAMP) lint
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
