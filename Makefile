# Two entry points, each doing its own set-up: `make demo` and `make check` (the README's).
# `make check` is `make test` (lint, types, import contracts, every test once: the everyday
# loop, under four minutes here) and then `make test-variants`: the product's integration tests
# once more against a sandbox playing each unknown of the real API (docs/SAGE200_API.md §8)
# another way: every combination of $count answer and error body (the default pair is the main
# run), and a Professional tunnel that times out above 600 rows.
# `make sandbox` serves the emulator on http://127.0.0.1:8200 for trying things by hand;
# `make bench` prints the benchmark's figures (README, Performance); `make mutations` breaks
# each listed behaviour on purpose and checks its tests notice (tests/mutations.toml).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

PYTEST := $(BIN)/pytest -n 2
VARIANTS := \
	count_style=number,error_style=gateway count_style=number,error_style=empty \
	count_style=odata,error_style=message count_style=odata,error_style=gateway \
	count_style=odata,error_style=empty count_style=unsupported,error_style=message \
	count_style=unsupported,error_style=gateway count_style=unsupported,error_style=empty \
	tunnel_timeout_rows=600

.PHONY: demo check test test-variants lint typecheck sandbox bench mutations clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/sage200-mcp demo

sandbox: $(STAMP)
	$(BIN)/sage200-mcp sandbox --port 8200

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy --strict bench

check: test
	$(MAKE) --no-print-directory test-variants

test: lint typecheck
	$(PYTEST)

test-variants: $(STAMP)
	@set -e; for variant in $(VARIANTS); do \
		echo "== sandbox variant $$variant"; \
		SAGE200_TEST_SANDBOX=$$variant $(PYTEST) -q; \
	done

# every behaviour broken on purpose must be noticed by its tests (tests/mutations.md)
mutations: $(STAMP)
	$(BIN)/python -m tests.mutate

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
