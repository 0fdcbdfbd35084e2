"""The deployed templates as the contract tests read them: the root stack and each product stack.

Pure template reading: cfn-lint's decoder for the YAML (intrinsics as ``{"Ref": ...}`` dicts),
samtranslator's own ``Globals`` merge for what a function really gets, and samtranslator's
transform where a rule is about what SAM generates. Nothing here calls AWS.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_yaml
from samtranslator.plugins.globals.globals import Globals

from tests.conftest import REPO_ROOT

ROOT_TEMPLATE = REPO_ROOT / "template.yaml"
FUNCTION = "AWS::Serverless::Function"


@dataclass
class Stack:
    """One template. ``name`` is ``root``, the product for its ``template.yaml``, or
    ``<product>-<file stem>`` for another stack of the product (``wellness-jobs`` for
    functions/wellness/jobs.yaml); ``product`` is the folder under functions/ (``root`` for the
    root); ``parameters`` are the values the root stack passes to a nested stack (intrinsics
    unresolved), empty for the root; ``logical_id`` is the nested stack's resource in the root."""

    name: str
    path: Path
    template: dict[str, Any]
    parameters: dict[str, Any] = field(default_factory=dict)
    product: str = ""
    logical_id: str = ""

    def __post_init__(self) -> None:
        self.product = self.product or self.name

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.template.get("Resources") or {}

    def of_type(self, *kinds: str) -> dict[str, dict[str, Any]]:
        """``{logical id: resource}`` of the given types."""
        return {lid: r for lid, r in self.resources.items() if r.get("Type") in kinds}

    def functions(self) -> dict[str, dict[str, Any]]:
        """Every function's properties with the template's ``Globals`` merged as SAM merges them."""
        merger = Globals(copy.deepcopy(self.template))
        return {
            lid: merger.merge(FUNCTION, copy.deepcopy(r.get("Properties") or {}), lid, r.get("IgnoreGlobals"))
            for lid, r in self.of_type(FUNCTION).items()
        }

    def globals_function(self) -> dict[str, Any]:
        return (self.template.get("Globals") or {}).get("Function") or {}


def load(path: Path) -> dict[str, Any]:
    """A template as plain dicts and lists (cfn-lint's decoder, no source-position types)."""
    return json.loads(json.dumps(cfn_yaml.load(str(path))))


@cache
def root() -> Stack:
    return Stack("root", ROOT_TEMPLATE, load(ROOT_TEMPLATE))


@cache
def products() -> tuple[Stack, ...]:
    """Every nested product stack the root template declares, with the parameters it is given
    (a product may have several: the ``template.yaml`` one and e.g. ``jobs.yaml``)."""
    out = []
    for logical_id, resource in root().of_type("AWS::Serverless::Application").items():
        props = resource["Properties"]
        path = REPO_ROOT / props["Location"]
        product = path.parent.name
        name = product if path.name == "template.yaml" else f"{product}-{path.stem}"
        out.append(Stack(name, path, load(path), props.get("Parameters") or {}, product, logical_id))
    return tuple(sorted(out, key=lambda s: s.name))


def stacks_of(product: str) -> tuple[Stack, ...]:
    """The nested stacks of one product."""
    return tuple(s for s in products() if s.product == product)


def all_stacks() -> tuple[Stack, ...]:
    return (root(), *products())


def refs(value: Any) -> set[str]:
    """Names a value refers to: ``Ref`` targets, ``GetAtt`` resources and ``${X}`` in ``Sub``."""
    import re

    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner.split(".")[0])
            elif key == "Fn::GetAtt":
                found.add(inner[0] if isinstance(inner, list) else str(inner).split(".")[0])
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                found |= {name.split(".")[0] for name in re.findall(r"\$\{([^!}][^}]*)\}", text)}
                if isinstance(inner, list):
                    found |= refs(inner[1])
            else:
                found |= refs(inner)
    elif isinstance(value, list):
        for item in value:
            found |= refs(item)
    return found


@cache
def transformed(stack_name: str) -> dict[str, Any]:
    """The product template after SAM's transform (code URIs replaced as ``sam package`` would)."""
    from samtranslator.translator.transform import transform

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    stack = next(s for s in products() if s.name == stack_name)
    template = copy.deepcopy(stack.template)
    template["Globals"]["Function"]["CodeUri"] = "s3://bucket/code.zip"
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    return transform(template, {}, NoManagedPolicies())
