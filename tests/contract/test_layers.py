"""Which function gets which layer, from the templates (Globals merged as SAM merges them: a
function's own ``Layers`` add to the Globals' ones).

- every function gets the dependencies and platform layers (the product stack's Globals);
- the ffmpeg layer (imageio-ffmpeg's ~131 MB static executable, layers/ffmpeg) goes to the
  functions that run ffmpeg and to no other, so the others keep that room under Lambda's 250 MB
  unzipped quota (measured on the build by tests/contract/test_sam.py).
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO_ROOT
from tests.contract.stacks import products, root

#: ``<product>/<Function>`` of the functions that run ffmpeg (family's media processor: videos,
#: ``family.media.video``).
FFMPEG_FUNCTIONS = {"family/MediaProcessorFunction"}
#: The product stacks whose functions verify bearer tokens themselves (``backlot.bearer``): they get
#: the jwt layer (PyJWT[crypto]), in their Globals.
JWT_STACKS = {"styles"}
#: ``<stack>/<Function>`` of the functions that call OpenAI (``wellness.conversations.provider``):
#: the only ones that get the openai layer (the SDK, ~30 MB).
OPENAI_FUNCTIONS = {"wellness-jobs/GenerateFunction", "wellness-jobs/AiSubmitFunction", "wellness-jobs/AiCollectFunction"}


def _layer_params(props: dict) -> set[str]:
    return {layer["Ref"] for layer in props.get("Layers") or [] if isinstance(layer, dict) and "Ref" in layer}


def test_root_declares_the_ffmpeg_layer_from_its_own_folder() -> None:
    layers = root().of_type("AWS::Serverless::LayerVersion")
    assert layers["FfmpegLayer"]["Properties"]["ContentUri"].rstrip("/") == "layers/ffmpeg"
    assert layers["FfmpegLayer"]["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}


def test_only_the_stacks_that_verify_tokens_get_the_jwt_layer() -> None:
    layers = root().of_type("AWS::Serverless::LayerVersion")
    assert layers["JwtLayer"]["Properties"]["ContentUri"].rstrip("/") == "layers/jwt"
    for stack in products():
        passed = stack.parameters.get("JwtLayerArn")
        assert (passed == {"Ref": "JwtLayer"}) if stack.name in JWT_STACKS else passed is None, stack.name
        for lid, props in stack.functions().items():
            assert ("JwtLayerArn" in _layer_params(props)) == (stack.name in JWT_STACKS), f"{stack.name}/{lid}"


def test_every_function_gets_the_dependencies_and_platform_layers() -> None:
    for stack in products():
        for lid, props in stack.functions().items():
            assert {"DependenciesLayerArn", "PlatformLayerArn"} <= _layer_params(props), f"{stack.name}/{lid}"


def _attached_only_to(layer: str, functions: set[str]) -> None:
    """``<layer>LayerArn`` is in the ``Layers`` of exactly ``functions`` (``<stack>/<Function>``) and
    passed (as ``!Ref <layer>Layer``) only to their stacks."""
    param = f"{layer}LayerArn"
    got = {f"{stack.name}/{lid}" for stack in products() for lid, props in stack.functions().items()
           if param in _layer_params(props)}
    assert got == functions
    for stack in products():
        passed = stack.parameters.get(param)
        uses = any(name.startswith(f"{stack.name}/") for name in functions)
        assert (passed == {"Ref": f"{layer}Layer"}) if uses else passed is None, stack.name


def test_only_the_functions_that_run_ffmpeg_get_the_ffmpeg_layer() -> None:
    _attached_only_to("Ffmpeg", FFMPEG_FUNCTIONS)


def test_only_the_functions_that_call_openai_get_the_openai_layer() -> None:
    layers = root().of_type("AWS::Serverless::LayerVersion")
    assert layers["OpenAiLayer"]["Properties"]["ContentUri"].rstrip("/") == "layers/openai"
    _attached_only_to("OpenAi", OPENAI_FUNCTIONS)


def test_no_function_without_the_openai_layer_imports_openai() -> None:
    """Every other wellness function's handler module, imported in a fresh interpreter, leaves
    ``openai`` unimported (on Lambda it would be an ImportError: the SDK is only in its layer)."""
    modules = sorted({props["Handler"].rsplit(".", 1)[0] for stack in products() if stack.product == "wellness"
                      for lid, props in stack.functions().items() if f"{stack.name}/{lid}" not in OPENAI_FUNCTIONS})
    assert len(modules) > 80
    code = ("import importlib, sys\n"
            "bad = []\n"
            "for name in sys.argv[1:]:\n"
            "    importlib.import_module(name)\n"
            "    if 'openai' in sys.modules:\n"
            "        bad.append(name); break\n"
            "print(bad)")
    paths = [REPO_ROOT / "layers" / "platform" / "python", REPO_ROOT / "functions" / "wellness"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, paths))}
    out = subprocess.run([sys.executable, "-c", code, *modules], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]", f"imports openai: {out.stdout.strip()}"
