"""`sam validate --lint` and `sam build` pass on a machine without Docker, and every built
function fits Lambda's unzipped size quota with its layers.

`sam build` uses BuildMethod: makefile for every function and layer, so it needs neither Docker nor
a python3.13 interpreter; the dependencies and ffmpeg layers are filled with wheels for python3.13
on arm64 (what deploys). Sizes: ``tests/support/lambda_sizes.py`` (function code + every layer it
gets, 250 MB unzipped quota).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.support.lambda_sizes import LAMBDA_UNZIPPED_BYTES, function_sizes, layer_sizes

SAM = shutil.which("sam") or str(Path(sys.executable).with_name("sam"))
pytestmark = pytest.mark.skipif(not Path(SAM).exists(), reason="SAM CLI not installed (pip install -e '.[sam]')")

#: The functions that run ffmpeg (family's media processor: videos), the only ones that get the
#: ffmpeg layer.
FFMPEG_FUNCTIONS = {"FamilyStack/MediaProcessorFunction"}
#: Room every function without ffmpeg must keep under the quota for dependencies to come (the
#: openai SDK and its own dependencies for wellness and styles, about 15 MB unzipped).
ROOM_WITHOUT_FFMPEG_BYTES = 100 * 1024 * 1024


def run_sam(*args: str, timeout: int) -> subprocess.CompletedProcess:
    env = {"SAM_CLI_TELEMETRY": "0", "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(Path.home()),
           "AWS_DEFAULT_REGION": "us-east-1"}
    return subprocess.run([SAM, *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ``sam build`` for this module's tests: the build folder (its ``template.yaml`` is the
    built root template)."""
    build = tmp_path_factory.mktemp("sam") / "build"
    out = run_sam("build", "--build-dir", str(build), "--parallel", timeout=1500)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return build


def test_sam_validate_lint() -> None:
    out = run_sam("validate", "--lint", timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr


def test_sam_build_without_docker(build: Path) -> None:
    layer = build / "DependenciesLayer" / "python"
    native = [p.name for p in layer.rglob("*.so")]
    assert any("aarch64" in name and "cpython-313" in name for name in native), native[:10]
    assert not any("x86_64" in name for name in native)
    assert (build / "PlatformLayer" / "python" / "backlot" / "db.py").is_file()
    assert (build / "FamilyStack" / "CreateExperienceFunction" / "family" / "api.py").is_file()
    assert list((build / "FfmpegLayer" / "python" / "imageio_ffmpeg" / "binaries").glob("ffmpeg-linux-aarch64*"))
    assert not (layer / "imageio_ffmpeg").exists(), "ffmpeg belongs to its own layer"


def test_every_function_fits_lambdas_unzipped_quota_with_its_layers(build: Path) -> None:
    sizes = function_sizes(build)
    print("BENCH layers " + " ".join(f"{name}_bytes={size}" for name, size in layer_sizes(build).items())
          + f" largest_function={sizes[0].function} largest_function_bytes={sizes[0].total} quota_bytes={LAMBDA_UNZIPPED_BYTES}")
    too_big = {s.function: s.total for s in sizes if s.total > LAMBDA_UNZIPPED_BYTES}
    assert too_big == {}, f"over Lambda's 250 MB unzipped (function + layers): {too_big}"
    with_ffmpeg = {s.function for s in sizes if "FfmpegLayer" in s.layers}
    assert with_ffmpeg == FFMPEG_FUNCTIONS
    for s in sizes:
        assert {"DependenciesLayer", "PlatformLayer"} <= set(s.layers), s
        if s.function not in FFMPEG_FUNCTIONS:
            assert s.total + ROOM_WITHOUT_FFMPEG_BYTES <= LAMBDA_UNZIPPED_BYTES, s
