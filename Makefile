# backlot: the two commands people need are `make dev` (the main job) and `make test`.
#
# Python is 3.13, the version of the Lambda runtime (python3.13). PYTHON=... overrides; otherwise
# the first candidate that really runs 3.13 (a pyenv shim named python3.13 exits with an error
# unless that version is selected, so each candidate is run, not just looked up).
PY_WANT := 3.13
PY_CANDIDATES := python$(PY_WANT) \
  $(wildcard $(PYENV_ROOT)/versions/$(PY_WANT)*/bin/python$(PY_WANT)) \
  $(wildcard $(HOME)/.pyenv/versions/$(PY_WANT)*/bin/python$(PY_WANT)) \
  $(wildcard /root/.pyenv/versions/$(PY_WANT)*/bin/python$(PY_WANT)) \
  /usr/local/bin/python$(PY_WANT) /usr/bin/python$(PY_WANT) python3
PY_VERSION_OF := -c 'import sys; print("%d.%d" % sys.version_info[:2])'
ifeq ($(origin PYTHON),undefined)
PYTHON := $(firstword $(foreach p,$(PY_CANDIDATES),$(shell $(p) $(PY_VERSION_OF) 2>/dev/null | grep -qx '$(PY_WANT)' && echo $(p))))
endif
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# The one lock file: every package of the venv and of the Lambda dependencies layer, pinned.
LOCK   := requirements.lock

.PHONY: install dev test test-fast bench lint build clean lock openapi

# The venv holds exactly the lock's versions (`pip install -r`), then the project itself without
# resolving anything again (`--no-deps`). A venv of another Python version is made anew.
$(STAMP): pyproject.toml $(LOCK)
	@test -n "$(PYTHON)" || { echo "python$(PY_WANT) not found: install it (e.g. pyenv install $(PY_WANT)) or run make PYTHON=/path/to/python$(PY_WANT)" >&2; exit 1; }
	@if [ -x $(BIN)/python ] && [ "$$($(BIN)/python $(PY_VERSION_OF))" != "$(PY_WANT)" ]; then \
	  echo "$(VENV) is not python$(PY_WANT): making it anew"; rm -rf $(VENV); fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r $(LOCK)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

install: $(STAMP) ## create .venv with the package, the local runtime and the test tools

dev: install ## serve every product on http://127.0.0.1:3000 (embedded PostgreSQL + AWS emulator); PORT=, MAX_WORKERS=, IDLE_TIMEOUT= to change
	$(BIN)/backlot dev$(if $(PORT), --port $(PORT))$(if $(MAX_WORKERS), --max-workers $(MAX_WORKERS))$(if $(IDLE_TIMEOUT), --idle-timeout $(IDLE_TIMEOUT))

test: install ## unit, contract, integration and end-to-end tests
	$(BIN)/python -m pytest -q -p no:cacheprovider

test-fast: install ## unit and contract tests only
	$(BIN)/python -m pytest -q tests/unit tests/contract

openapi: install ## write openapi/<product>.json from the products' apps (tests/contract/test_openapi.py fails on drift)
	$(BIN)/backlot openapi

bench: install ## every benchmark; each result is one line `BENCH <name> key=value ...`
	@set -e; for f in tests/bench/bench_*.py; do echo "# $$f"; $(BIN)/python $$f; done

lint: install ## template checks
	$(BIN)/sam validate --lint
	$(BIN)/cfn-lint template.yaml functions/*/*.yaml

build: install ## sam build without Docker (layers and functions use BuildMethod: makefile)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/sam build

# Re-resolve the lock after a change to pyproject.toml's dependencies: one universal resolution, for
# python3.13, of the runtime dependencies and every extra, wheels only. Pins that still fit are kept;
# `make lock UPGRADE=1` takes the newest release of everything instead.
# tests/contract/test_dependencies.py checks that pyproject, the lock, the venv and the layer agree.
lock: install ## re-resolve requirements.lock with uv (UPGRADE=1: newest releases of everything)
	$(BIN)/uv pip compile pyproject.toml --all-extras --universal --python-version $(PY_WANT) \
		--only-binary :all: $(if $(UPGRADE),--upgrade) --quiet --custom-compile-command 'make lock' -o $(LOCK)

clean:
	rm -rf .aws-sam .backlot
