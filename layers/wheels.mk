# Shared by the layers made of third-party wheels (layers/dependencies, layers/ffmpeg): each
# layer's Makefile sets HERE (its own folder, from its own path) and includes this file, then its
# sam build target runs $(install-wheels), which installs the layer's requirements.txt.
#
# Wheels for the Lambda target, fetched on any host, no Docker: pip's --platform/--only-binary.
# Versions: the project's one lock file (requirements.lock at the repository root, `make lock`) as
# constraints, so a layer holds exactly the versions the tests run with; requirements.txt names
# what the layer holds. sam build copies the layer's folder elsewhere and runs make there with the
# Makefile's own path, so the lock (and this file) are found from the Makefile's path, not from
# the working folder.
PYTHON ?= python3
PY_VERSION ?= 3.13
LOCK ?= $(HERE)../../requirements.lock
# Lambda python3.13 runs on Amazon Linux 2023 (glibc 2.34), arm64. pip does not widen a
# manylinux_2_34 --platform to older glibc tags, so every tag the target accepts is given
# (manylinux_2_17 is manylinux2014); pip then takes the best wheel of each locked version.
PLATFORMS ?= $(foreach v,34 33 32 31 30 29 28 27 26 25 24 23 22 21 20 19 18 17,manylinux_2_$(v)_aarch64) manylinux2014_aarch64

# Bytecode for the Lambda runtime, after pip's own .pyc files (the build host's Python) are removed:
# compiled by python3.13 (its magic number), hash-based and unchecked (PEP 552), valid in Lambda's
# read-only /opt (docs/decisions.md, 2026-12-05). PYTHON313=/path/to/python3.13 overrides the finder.
PYTHON313 ?= $(firstword $(foreach p,python3.13 $(wildcard $(PYENV_ROOT)/versions/3.13*/bin/python3.13 $(HOME)/.pyenv/versions/3.13*/bin/python3.13),$(shell $(p) -c 'import sys; sys.version_info[:2] == (3, 13) and print(sys.executable)' 2>/dev/null)))

define install-wheels
	$(PYTHON) -m pip install --quiet --disable-pip-version-check $(addprefix --platform ,$(PLATFORMS)) --implementation cp --python-version $(PY_VERSION) --only-binary=:all: --upgrade --target "$(ARTIFACTS_DIR)/python" -r requirements.txt -c "$(LOCK)"
	find "$(ARTIFACTS_DIR)/python" -name "__pycache__" -type d -prune -exec rm -rf {} +
	@test -n "$(PYTHON313)" || { echo "python3.13 not found: set PYTHON313=/path/to/python3.13" >&2; exit 1; }
	"$(PYTHON313)" -m compileall -q -f -j 0 --invalidation-mode unchecked-hash "$(ARTIFACTS_DIR)/python"
endef
