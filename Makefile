# vendorcast: `make demo` runs the pipeline locally, `make test` runs every check.
# Both set themselves up: a .venv with the locked dependencies (uv is installed into .tools if missing).

SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: setup test lint unit integration demo demo-regions bench clean synth

setup: $(VENV)/.synced

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv

$(VENV)/.synced: pyproject.toml uv.lock $(if $(findstring .tools,$(UV)),.tools/bin/uv)
	$(UV) sync --frozen --extra neural --python $(PYTHON)
	touch $@

lint: setup
	$(VENV)/bin/ruff check .

test: lint
	$(VENV)/bin/pytest

unit: setup
	$(VENV)/bin/pytest tests/unit

integration: setup
	$(VENV)/bin/pytest tests/integration

# Every CDK stack into cdk.out/ (vendorcast.toml, else the example config), offline: no AWS credentials,
# no Docker, no network; the Lambda bundles and the Glue job's wheel are skipped and the forecast image's
# context is only staged (`npx cdk deploy` builds them).
synth: setup
	VENDORCAST_SKIP_BUNDLING=1 $(VENV)/bin/python app.py

demo: setup
	$(VENV)/bin/vendorcast demo

# The demo with a European account (UK, DE, FR, IT, ES) and a Japanese one beside the US one, each region on its own
# SP-API emulator; a smaller catalogue, so it takes about as long as `make demo`.
demo-regions: setup
	$(VENV)/bin/vendorcast demo --regions NA,EU,FE --asins 40 --weeks 60 --output demo-output-regions

bench: setup
	$(VENV)/bin/python bench/parse_reports.py

clean:
	rm -rf $(VENV) .tools demo-output demo-output-regions .pytest_cache .ruff_cache
