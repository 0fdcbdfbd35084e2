"""Each product stack stays well under CloudFormation's 500-resource limit per stack (AWS docs,
"CloudFormation quotas"): issue 10 asks to split a product into more than one nested stack once
one would pass 300 resources after SAM's transform (a function with a route costs about four: the
function, its role and a Lambda permission per route event)."""

from __future__ import annotations

import pytest

from tests.contract.stacks import products, transformed

LIMIT = 300


@pytest.mark.parametrize("stack", [s.name for s in products()])
def test_stack_has_at_most_300_resources_after_the_transform(stack: str) -> None:
    count = len(transformed(stack)["Resources"])
    assert count <= LIMIT, f"{stack}: {count} resources after SAM's transform; split it into nested stacks"
