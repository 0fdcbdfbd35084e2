"""One lock file for the tests' venv and the Lambda layers made of wheels (dependencies, ffmpeg).

``requirements.lock`` (``make lock``: ``uv pip compile`` of pyproject.toml's runtime dependencies and
every extra, one universal resolution for python3.13, wheels only) pins every package. ``make
install`` installs the venv from it (``pip install -r``); the layers' Makefiles (layers/wheels.mk)
install each layer with it as constraints. Checked here:

- every requirement of pyproject.toml (runtime and extras) is pinned to a version it accepts, and
  the lock is exactly what they pull in: nothing missing, nothing left over;
- the venv the tests run in has the lock's version of every package;
- the layers' requirements together name exactly pyproject's runtime dependencies, each in one
  layer (imageio-ffmpeg and its ~131 MB ffmpeg alone in layers/ffmpeg, attached only to the
  functions that run ffmpeg), and everything they pull in on Lambda (python3.13, Linux, arm64) is
  pinned in the lock;
- each layer's Makefile installs with the lock as constraints, for python3.13 and every manylinux
  tag of arm64 up to glibc 2.34 (Lambda's python3.13 runs on Amazon Linux 2023: glibc 2.34);
- built, each layer holds the lock's versions, as arm64 wheels; the dependencies layer leaves room
  under Lambda's size quota (each built function with all its layers: tests/contract/test_sam.py).

Requirement graphs are walked over the venv's installed metadata (``importlib.metadata``), with
markers evaluated for the target (``packaging``).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker, default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import REPO_ROOT

LOCK = REPO_ROOT / "requirements.lock"
#: The layers made of wheels: ``{name: folder}`` (sam build target ``build-<Name>Layer``).
LAYERS = {"dependencies": REPO_ROOT / "layers" / "dependencies", "ffmpeg": REPO_ROOT / "layers" / "ffmpeg",
          "jwt": REPO_ROOT / "layers" / "jwt", "openai": REPO_ROOT / "layers" / "openai"}
#: What only the ffmpeg layer may hold (its wheel carries a ~131 MB static executable).
FFMPEG_ONLY = {"imageio-ffmpeg"}
#: What only the jwt layer may hold (PyJWT with cryptography: ~17 MB the media processor has no room for).
JWT_ONLY = {"pyjwt"}
#: What the jwt layer pulls in with it, and the dependencies layer must not (it would be duplicated).
JWT_PULLS_IN = {"pyjwt", "cryptography", "cffi", "pycparser"}
#: What only the openai layer may hold (the SDK: ~30 MB only wellness's AI functions use).
OPENAI_ONLY = {"openai"}
#: What the openai layer brings that the dependencies layer does not have: the SDK, its HTTP client
#: (openai 3.x uses httpx2/httpcore2, not our httpx) and jiter. The rest of what it pulls in
#: (pydantic, anyio ...) is the dependencies layer's own, in the same locked versions.
OPENAI_PULLS_IN = {"openai", "httpx2", "httpcore2", "truststore", "sniffio", "jiter"}
#: The openai layer's ceiling (about 45 MB built with the shared packages' copies).
OPENAI_LAYER_MAX_BYTES = 70 * 1024 * 1024
#: The jwt layer's ceiling (about 17 MB built).
JWT_LAYER_MAX_BYTES = 30 * 1024 * 1024
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]

#: PEP 508 environment of Lambda's python3.13 on arm64 (Amazon Linux 2023).
LAMBDA_ENV = {
    "python_version": "3.13",
    "python_full_version": "3.13.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "aarch64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}
#: glibc of Amazon Linux 2023 (Lambda python3.13): wheels for manylinux_2_17 ... manylinux_2_34 fit.
LAMBDA_GLIBC_MINOR = 34
#: Lambda quota, "Deployment package (.zip file archive) size: 250 MB (unzipped)", counting every
#: layer and the function code (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
LAMBDA_UNZIPPED_BYTES = 250 * 1024 * 1024
#: room the dependencies layer leaves for the platform layer, a function's own code, and the
#: ffmpeg layer (about 131 MB) where a function needs it.
CODE_HEADROOM_BYTES = 10 * 1024 * 1024
FFMPEG_LAYER_MAX_BYTES = 140 * 1024 * 1024


def metadata_env() -> dict[str, str]:
    """The PEP 508 environment of the interpreter running the tests (the venv's)."""
    return dict(default_environment())


def read_lock() -> dict[str, tuple[Version, Marker | None]]:
    """``{canonical name: (pinned version, marker or None)}`` of requirements.lock."""
    pins: dict[str, tuple[Version, Marker | None]] = {}
    for line in LOCK.read_text().splitlines():
        if not line.strip() or line.startswith(("#", " ", "-")):
            continue
        req = Requirement(line)
        (spec,) = req.specifier
        assert spec.operator == "==", line
        pins[canonicalize_name(req.name)] = (Version(spec.version), req.marker)
    return pins


def applies(marker: Marker | None, env: dict[str, str], extra: str = "") -> bool:
    return marker is None or marker.evaluate({**env, "extra": extra})


def pyproject_requirements(*, extras: bool) -> list[Requirement]:
    reqs = [Requirement(r) for r in PYPROJECT["dependencies"]]
    if extras:
        reqs += [Requirement(r) for group in PYPROJECT["optional-dependencies"].values() for r in group]
    return reqs


def layer_requirements(layer: str) -> list[Requirement]:
    lines = (LAYERS[layer] / "requirements.txt").read_text().splitlines()
    return [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]


def walk(roots: list[Requirement], env: dict[str, str], pins: dict[str, tuple[Version, Marker | None]]) -> tuple[set[str], list[str]]:
    """Every distribution installing ``roots`` brings in ``env``, read from installed metadata.

    Returns:
        (canonical names, problems): a problem is a requirement whose package is not pinned or
        whose pinned version it does not accept.
    """
    seen: dict[str, set[str]] = {}
    problems: list[str] = []
    todo = [(req, "pyproject") for req in roots if applies(req.marker, env)]
    while todo:
        req, parent = todo.pop()
        name = canonicalize_name(req.name)
        pin = pins.get(name)
        if pin is None:
            problems.append(f"{name} (required by {parent}: {req}) is not in the lock")
            continue
        if not req.specifier.contains(pin[0], prereleases=True):
            problems.append(f"{name}=={pin[0]} does not satisfy {parent}'s {req}")
        first = name not in seen
        new_extras = set(req.extras) - seen.get(name, set())
        if not first and not new_extras:
            continue
        seen.setdefault(name, set()).update(req.extras)
        for dep in map(Requirement, metadata.distribution(name).requires or []):
            if (first and applies(dep.marker, env)) or any(applies(dep.marker, env, e) for e in new_extras):
                todo.append((dep, name))
    return set(seen), problems


def test_lock_is_exactly_what_pyproject_requires() -> None:
    pins = read_lock()
    env = metadata_env()
    names, problems = walk(pyproject_requirements(extras=True), env, pins)
    assert problems == []
    locked_here = {name for name, (_, marker) in pins.items() if applies(marker, env)}
    assert sorted(locked_here - names) == [], "pinned but required by nothing: run `make lock`"


def test_venv_has_the_lock_versions() -> None:
    env = metadata_env()
    wrong = {}
    for name, (version, marker) in read_lock().items():
        if not applies(marker, env):
            continue
        try:
            installed = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            wrong[name] = f"lock {version}, venv {installed}"
    assert wrong == {}, "the venv is not the lock's: run `make install`"


def names_of(reqs: list[Requirement]) -> set[str]:
    return {canonicalize_name(r.name) for r in reqs}


def test_layer_requirements_are_pyprojects_runtime_dependencies_each_once() -> None:
    layers = {layer: names_of(layer_requirements(layer)) for layer in LAYERS}
    assert set.union(*layers.values()) == names_of(pyproject_requirements(extras=False))
    assert sum(map(len, layers.values())) == len(set.union(*layers.values())), f"a package in two layers: {layers}"
    assert layers["ffmpeg"] == FFMPEG_ONLY
    assert layers["jwt"] == JWT_ONLY
    assert layers["openai"] == OPENAI_ONLY
    for layer in LAYERS:
        assert all(not r.specifier for r in layer_requirements(layer)), "versions come from the lock, not requirements.txt"


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_everything_a_layer_pulls_in_on_lambda_is_locked(layer: str) -> None:
    pins = read_lock()
    names, problems = walk(layer_requirements(layer), LAMBDA_ENV, pins)
    assert problems == []
    assert not [n for n in names if not applies(pins[n][1], LAMBDA_ENV)]
    if layer == "dependencies":
        assert {"pillow", "pillow-heif", "psycopg-binary", "pydantic-core"} <= names
        assert not names & FFMPEG_ONLY, "ffmpeg belongs to its own layer (layers/ffmpeg)"
        assert not names & JWT_PULLS_IN, "PyJWT[crypto] belongs to its own layer (layers/jwt)"
        assert not names & OPENAI_PULLS_IN, "the openai SDK belongs to its own layer (layers/openai)"
    elif layer == "jwt":
        assert names == JWT_PULLS_IN
    elif layer == "openai":
        shared, _ = walk(layer_requirements("dependencies"), LAMBDA_ENV, pins)
        assert set(names) - set(shared) == OPENAI_PULLS_IN
    else:
        assert names == FFMPEG_ONLY, "the ffmpeg layer pulls in nothing else (it would be duplicated)"


def pip_command_of_layer_build(layer: str, workdir: Path, artifacts: Path) -> list[str]:
    """The pip command line ``make build-<Layer>Layer`` runs, as sam build runs it: from a copy of
    the folder, with the Makefile given by its path."""
    out = subprocess.run(
        ["make", "--no-print-directory", "-n", "--makefile", str(LAYERS[layer] / "Makefile"), build_target(layer),
         f"ARTIFACTS_DIR={artifacts}", f"PYTHON={sys.executable}"],
        cwd=workdir, capture_output=True, text=True, check=True,
    ).stdout.replace("\\\n", " ")
    (line,) = [line for line in out.splitlines() if " pip install " in line]
    return shlex.split(line)


def build_target(layer: str) -> str:
    """``build-DependenciesLayer``, ``build-FfmpegLayer``: the root template's logical ids."""
    return "build-OpenAiLayer" if layer == "openai" else f"build-{layer.capitalize()}Layer"


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_layer_makefile_installs_the_lock_for_python313_arm64(layer: str, tmp_path: Path) -> None:
    args = pip_command_of_layer_build(layer, tmp_path, tmp_path / "artifacts")

    def values(flag: str) -> list[str]:
        return [args[i + 1] for i, arg in enumerate(args) if arg == flag]

    assert [Path(p).resolve() for p in values("-c")] == [LOCK]
    assert values("-r") == ["requirements.txt"]
    assert values("--python-version") == ["3.13"] and values("--implementation") == ["cp"]
    assert "--only-binary=:all:" in args
    wanted = {f"manylinux_2_{minor}_aarch64" for minor in range(17, LAMBDA_GLIBC_MINOR + 1)} | {"manylinux2014_aarch64"}
    assert set(values("--platform")) == wanted


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_built_layer_holds_the_lock_versions_as_arm64_wheels(layer: str, tmp_path: Path) -> None:
    """Builds the layer for real (wheels from PyPI, as ``sam build`` does)."""
    workdir = tmp_path / "src"
    shutil.copytree(LAYERS[layer], workdir)
    artifacts = tmp_path / "artifacts"
    out = subprocess.run(
        ["make", "--makefile", str(LAYERS[layer] / "Makefile"), build_target(layer), f"ARTIFACTS_DIR={artifacts}",
         f"PYTHON={sys.executable}"],
        cwd=workdir, capture_output=True, text=True, timeout=900, env={**os.environ, "PIP_NO_INPUT": "1"},
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    site = artifacts / "python"
    built = {}
    for info in site.glob("*.dist-info"):
        meta = (info / "METADATA").read_text(errors="replace")
        name = next(line.split(":", 1)[1].strip() for line in meta.splitlines() if line.startswith("Name:"))
        built[canonicalize_name(name)] = Version(next(line.split(":", 1)[1].strip() for line in meta.splitlines() if line.startswith("Version:")))
        tags = [line.split(":", 1)[1].strip() for line in (info / "WHEEL").read_text().splitlines() if line.startswith("Tag:")]
        assert all(t.endswith("-any") or "aarch64" in t for t in tags), (name, tags)
        assert all(t.split("-")[0] in {"py3", "cp313", "py2.py3"} or t.endswith("-any") or "abi3" in t for t in tags), (name, tags)
    pins = read_lock()
    expected, _ = walk(layer_requirements(layer), LAMBDA_ENV, pins)
    assert built == {name: pins[name][0] for name in expected}
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    print(f"BENCH layer.{layer} bytes={size} quota_bytes={LAMBDA_UNZIPPED_BYTES}")
    if layer == "dependencies":
        assert size + CODE_HEADROOM_BYTES <= LAMBDA_UNZIPPED_BYTES
    elif layer == "openai":
        assert size <= OPENAI_LAYER_MAX_BYTES
        assert (site / "openai" / "resources" / "batches.py").is_file()
    elif layer == "jwt":
        assert size <= JWT_LAYER_MAX_BYTES
        assert (site / "jwt" / "jwks_client.py").is_file() and list((site / "cryptography" / "hazmat").rglob("*.so"))
    else:  # the ffmpeg executable must run from /opt, which is read-only: no chmod there
        assert size <= FFMPEG_LAYER_MAX_BYTES
        (exe,) = (site / "imageio_ffmpeg" / "binaries").glob("ffmpeg-*")
        assert os.access(exe, os.X_OK) and "aarch64" in exe.name, exe

