"""Which function gets which layer, from the templates (Globals merged as SAM merges them: a
function's own ``Layers`` add to the Globals' ones).

- every function gets the dependencies and platform layers (the product stack's Globals);
- the ffmpeg layer (imageio-ffmpeg's ~131 MB static executable, layers/ffmpeg) goes to the
  functions that run ffmpeg and to no other, so the others keep that room under Lambda's 250 MB
  unzipped quota (measured on the build by tests/contract/test_sam.py).
"""

from __future__ import annotations

from tests.contract.stacks import products, root

#: ``<product>/<Function>`` of the functions that run ffmpeg (family's media processor: videos,
#: ``family.media.video``).
FFMPEG_FUNCTIONS = {"family/MediaProcessorFunction"}
#: The product stacks whose functions verify bearer tokens themselves (``backlot.bearer``): they get
#: the jwt layer (PyJWT[crypto]), in their Globals.
JWT_STACKS = {"styles"}


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


def test_only_the_functions_that_run_ffmpeg_get_the_ffmpeg_layer() -> None:
    got = {f"{stack.name}/{lid}" for stack in products() for lid, props in stack.functions().items()
           if "FfmpegLayerArn" in _layer_params(props)}
    assert got == FFMPEG_FUNCTIONS
    for stack in products():
        passed = stack.parameters.get("FfmpegLayerArn")
        uses = any(name.startswith(f"{stack.name}/") for name in FFMPEG_FUNCTIONS)
        assert (passed == {"Ref": "FfmpegLayer"}) if uses else passed is None, stack.name
