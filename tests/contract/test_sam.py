"""`sam validate --lint` and `sam build` pass on a machine without Docker.

`sam build` uses BuildMethod: makefile for every function and layer, so it needs neither Docker nor
a python3.13 interpreter; the dependencies layer is filled with wheels for python3.13 on arm64.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

SAM = shutil.which("sam") or str(Path(sys.executable).with_name("sam"))
pytestmark = pytest.mark.skipif(not Path(SAM).exists(), reason="SAM CLI not installed (pip install -e '.[sam]')")


def run_sam(*args: str, timeout: int) -> subprocess.CompletedProcess:
    env = {"SAM_CLI_TELEMETRY": "0", "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(Path.home()),
           "AWS_DEFAULT_REGION": "us-east-1"}
    return subprocess.run([SAM, *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout, env=env)


def test_sam_validate_lint() -> None:
    out = run_sam("validate", "--lint", timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr


def test_sam_build_without_docker(tmp_path: Path) -> None:
    build = tmp_path / "build"
    out = run_sam("build", "--build-dir", str(build), "--parallel", timeout=1500)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    layer = build / "DependenciesLayer" / "python"
    native = [p.name for p in layer.rglob("*.so")]
    assert any("aarch64" in name and "cpython-313" in name for name in native), native[:10]
    assert not any("x86_64" in name for name in native)
    assert (build / "PlatformLayer" / "python" / "backlot" / "db.py").is_file()
    assert (build / "FamilyStack" / "CreateExperienceFunction" / "family" / "api.py").is_file()
