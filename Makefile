# backlot: the two commands people need are `make dev` (the main job) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install dev test test-fast bench lint build clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,sam]'
	touch $(STAMP)

install: $(STAMP) ## create .venv with the package, the local runtime and the test tools

dev: install ## serve every product on http://127.0.0.1:3000 (embedded PostgreSQL + AWS emulator); PORT=, MAX_WORKERS=, IDLE_TIMEOUT= to change
	$(BIN)/backlot dev$(if $(PORT), --port $(PORT))$(if $(MAX_WORKERS), --max-workers $(MAX_WORKERS))$(if $(IDLE_TIMEOUT), --idle-timeout $(IDLE_TIMEOUT))

test: install ## unit, contract, integration and end-to-end tests
	$(BIN)/python -m pytest -q -p no:cacheprovider

test-fast: install ## unit and contract tests only
	$(BIN)/python -m pytest -q tests/unit tests/contract

bench: install ## every benchmark; each result is one line `BENCH <name> key=value ...`
	@set -e; for f in tests/bench/bench_*.py; do echo "# $$f"; $(BIN)/python $$f; done

lint: install ## template checks
	$(BIN)/sam validate --lint
	$(BIN)/cfn-lint template.yaml functions/*/template.yaml

build: install ## sam build without Docker (layers and functions use BuildMethod: makefile)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/sam build

clean:
	rm -rf .aws-sam .backlot
