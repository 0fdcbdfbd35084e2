"""Unzipped sizes of a ``sam build`` output, as Lambda counts them against its quota.

Lambda quota (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html):
"Deployment package (.zip file archive) size: 250 MB (unzipped)", for the function's code and
all its layers together. A function's size here is the bytes of every file in its built code
folder plus every file of each of its layers' built folders (what the layer's zip extracts under
``/opt``). The functions and their layers are read from the built templates with the local
runtime's reader (``backlot_local.template``: Globals merged as SAM merges them, so a function's
own ``Layers`` add to the Globals' ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: 250 MB as AWS counts it here (MiB: 262,144,000 bytes).
LAMBDA_UNZIPPED_BYTES = 250 * 1024 * 1024


def tree_bytes(folder: Path) -> int:
    """Bytes of every regular file under ``folder`` (0 when it does not exist)."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


@dataclass(frozen=True)
class FunctionSize:
    """``function`` is ``<Stack>/<LogicalId>``; ``layers`` maps a layer's built folder name (its
    logical id, e.g. ``DependenciesLayer``) to its bytes; ``total`` is code plus layers."""

    function: str
    code_bytes: int
    layers: dict[str, int]

    @property
    def total(self) -> int:
        return self.code_bytes + sum(self.layers.values())


def function_sizes(build_dir: Path) -> list[FunctionSize]:
    """Every function of the built application (``build_dir`` holds the built root
    ``template.yaml``) with its code and layer sizes, largest total first."""
    from backlot_local.template import load_application

    app = load_application(build_dir)
    layer_cache: dict[Path, int] = {}
    sizes = []
    for function in app.functions:
        layers = {}
        for python_dir in function.layer_dirs:  # <built layer folder>/python
            folder = python_dir.parent
            layers[folder.name] = layer_cache.setdefault(folder, tree_bytes(folder))
        sizes.append(FunctionSize(function.id, tree_bytes(function.code_dir), layers))
    return sorted(sizes, key=lambda s: s.total, reverse=True)


def layer_sizes(build_dir: Path) -> dict[str, int]:
    """``{layer folder name: bytes}`` of every layer the built application declares."""
    from backlot_local.template import load_application

    return {folder.name: tree_bytes(folder) for folder in sorted(set(load_application(build_dir).layers.values()))}
