# Two entry points, each doing its own set-up: `make demo` and `make check` (the README's).
# `make check` is `make test` (lint, types, import contracts, every test once: the everyday
# loop, under four minutes here), then `make packaging` (the wheel and sdist built as PyPI would
# take them, the wheel installed in a fresh venv and run by uv as `uvx` would, and the tests
# marked `wheel` run against them), then `make test-variants`: the product's integration tests
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

# the package as users get it (tests/packaging/): built into dist/, installed in a venv of its own
DIST := dist
INSTALLED := .venv-installed
# uv's cache lives in that venv's folder: each `make installed` starts uv from nothing too
UV_ENV := UV_CACHE_DIR=$(CURDIR)/$(INSTALLED)/uv-cache UV_PYTHON_DOWNLOADS=never

.PHONY: demo check test test-variants packaging dist installed lint typecheck sandbox bench \
	mutations mcpb clean

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

check: mcpb test
	$(MAKE) --no-print-directory packaging
	$(MAKE) --no-print-directory test-variants

# the tests marked `wheel` need what `make packaging` builds and installs (PyPI is for set-up,
# never for tests): they run there, and would only skip here
test: lint typecheck
	$(PYTEST) -m 'not wheel'

# the wheel and sdist, built afresh from this tree in isolation (setuptools fetched from PyPI,
# as for anyone building the sdist) and checked as PyPI would check an upload; without an old
# build's egg-info, whose file list setuptools would reuse: a data file dropped from the
# package-data would still ship, from this machine only
dist: $(STAMP)
	rm -rf $(DIST)/*.whl $(DIST)/*.tar.gz src/*.egg-info
	$(BIN)/python -m build --outdir $(DIST) .
	$(BIN)/twine check --strict $(DIST)/*.whl $(DIST)/*.tar.gz

# the wheel installed as users get it: `pip install` in a fresh venv (not editable, no dev
# extras, nothing of this tree on its path), and uv's cache warmed so the tests can run the
# wheel as `uvx --from` does with --offline
installed: dist
	rm -rf $(INSTALLED)
	$(PYTHON) -m venv $(INSTALLED)
	$(INSTALLED)/bin/python -m pip install --quiet $(DIST)/*.whl
	$(UV_ENV) $(BIN)/uv tool run --quiet --from $(DIST)/*.whl sage200-mcp --version

packaging: installed
	SAGE200_DIST=$(CURDIR)/$(DIST) SAGE200_INSTALLED_BIN=$(CURDIR)/$(INSTALLED)/bin/sage200-mcp \
		$(UV_ENV) $(PYTEST) -m wheel tests/packaging

test-variants: $(STAMP)
	@set -e; for variant in $(VARIANTS); do \
		echo "== sandbox variant $$variant"; \
		SAGE200_TEST_SANDBOX=$$variant $(PYTEST) -q; \
	done

# The Claude Desktop extension, dist/sage200-mcp-<version>.mcpb, checked by the official mcpb
# tool (pinned in packaging/package-lock.json). It is a manifest_version 0.4 bundle of server
# type "uv": the package's source, its pyproject.toml and an entry point, no dependencies.
# Claude Desktop installs those with uv, as wheels for the user's own platform and Python, on
# first start. The other kind, "python", would run the user's own `python` (often missing on
# macOS and Windows, or older than 3.11) against dependencies vendored in server/lib, and
# pydantic-core and rpds-py are compiled: one bundle per platform and Python version, and
# still broken on a machine whose Python differs.
MCPB := packaging/node_modules/.bin/mcpb
MCPB_DIR := build/mcpb
VERSION := $(shell sed -n 's/^__version__ = "\(.*\)"$$/\1/p' src/sage200_mcp/__init__.py)

$(MCPB): packaging/package.json packaging/package-lock.json
	cd packaging && npm ci --no-audit --no-fund --loglevel=error
	touch $@

mcpb: $(MCPB)
	rm -rf $(MCPB_DIR)
	mkdir -p $(MCPB_DIR)/src dist
	cp packaging/mcpb/manifest.json pyproject.toml README.md LICENSE $(MCPB_DIR)/
	cp -R packaging/mcpb/server $(MCPB_DIR)/server
	cp -R src/sage200_mcp $(MCPB_DIR)/src/
	find $(MCPB_DIR) -name __pycache__ -prune -exec rm -rf {} +
	$(MCPB) validate $(MCPB_DIR)/manifest.json
	$(MCPB) pack $(MCPB_DIR) dist/sage200-mcp-$(VERSION).mcpb
	$(MCPB) info dist/sage200-mcp-$(VERSION).mcpb

# every behaviour broken on purpose must be noticed by its tests (tests/mutations.md)
mutations: $(STAMP)
	$(BIN)/python -m tests.mutate

clean:
	rm -rf $(VENV) $(INSTALLED) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist \
		packaging/node_modules
