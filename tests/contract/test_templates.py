"""Contract between the SAM templates, the code and the sample events, for every product.

- every function has an importable handler, and an HTTP function's app has its route;
- every function has a sample event in ``events/<product>/<Function>.json`` (and an HTTP event's
  routeKey is the function's route);
- every queue consumed by a function has a dead-letter queue and a visibility timeout of at least
  six times its consumer's timeout (AWS docs, "Using Lambda with Amazon SQS": "set the source
  queue's visibility timeout to at least six times the timeout that you configure on your function");
- cfn-lint reports nothing on any template; the dependencies layer lists what pyproject lists.
"""

from __future__ import annotations

import importlib
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from backlot_local.routing import match_path
from cfnlint.decode import cfn_yaml

from tests.conftest import REPO_ROOT
from tests.contract.stacks import products, refs

ROOT_TEMPLATE = REPO_ROOT / "template.yaml"


def nested_templates() -> dict[str, Path]:
    """``{stack: template path}`` for every nested stack the root template declares (the stack is
    the product, or ``<product>-<file stem>`` for a product's other stacks: tests/contract/stacks.py)."""
    return {stack.name: stack.path for stack in products()}


def product_of(stack: str) -> str:
    """The product (folder under functions/, events/) a nested stack belongs to."""
    return next(s.product for s in products() if s.name == stack)


def functions(stack: str) -> dict[str, dict[str, Any]]:
    """The stack's functions with SAM Globals merged in (the properties the contract needs)."""
    template = cfn_yaml.load(str(nested_templates()[stack]))
    globals_ = (template.get("Globals") or {}).get("Function", {})
    out = {}
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            out[name] = {**globals_, **resource["Properties"]}
    return out


def queues(stack: str) -> dict[str, dict[str, Any]]:
    template = cfn_yaml.load(str(nested_templates()[stack]))
    return {n: r.get("Properties", {}) for n, r in template["Resources"].items() if r["Type"] == "AWS::SQS::Queue"}


STACKS = sorted(nested_templates())
FUNCTIONS = [(product_of(s), name, props) for s in STACKS for name, props in functions(s).items()]
IDS = [f"{p}/{name}" for p, name, _ in FUNCTIONS]


def test_every_product_stack_is_declared() -> None:
    assert "family" in STACKS
    for stack in STACKS:
        product = product_of(stack)
        assert (REPO_ROOT / "functions" / product / product / "__init__.py").is_file()


def test_function_ids_are_unique_within_a_product() -> None:
    """A product's stacks share events/<product>/ and the entry modules, so a logical id names one
    function of the product."""
    assert len(set(IDS)) == len(IDS)


@pytest.mark.parametrize(("product", "name", "props"), FUNCTIONS, ids=IDS)
def test_handler_is_importable_and_serves_its_route(product: str, name: str, props: dict[str, Any]) -> None:
    module_name, _, attr = props["Handler"].rpartition(".")
    code_uri = REPO_ROOT / "functions" / product / props.get("CodeUri", "./")
    assert (code_uri / Path(*module_name.split("."))).with_suffix(".py").is_file(), f"{module_name} not under {code_uri}"
    module = importlib.import_module(module_name)
    assert callable(getattr(module, attr))
    for event in (props.get("Events") or {}).values():
        if event["Type"] != "HttpApi":
            continue
        app = getattr(module, "app", None)
        assert app is not None, f"{module_name} has no FastAPI app to serve {event}"
        method, path = event["Properties"]["Method"].upper(), event["Properties"]["Path"]
        if path.endswith("/{proxy+}"):
            continue  # the companion serving the document's trailing slash (tests/contract/test_routes.py)
        served = {(m.upper(), path_) for path_, ops in app.openapi()["paths"].items() for m in ops}
        # the app documents the design document's path, which may end in "/" where the route cannot
        assert {(method, path), (method, path + "/")} & served, f"{method} {path} is not a route of {module_name}.app"


@pytest.mark.parametrize(("product", "name", "props"), FUNCTIONS, ids=IDS)
def test_every_function_has_a_sample_event(product: str, name: str, props: dict[str, Any]) -> None:
    path = REPO_ROOT / "events" / product / f"{name}.json"
    assert path.is_file(), f"missing sample event {path.relative_to(REPO_ROOT)}"
    event = json.loads(path.read_text())
    routes = {f"{s['Properties']['Method'].upper()} {s['Properties']['Path']}": s["Properties"]["Path"]
              for s in (props.get("Events") or {}).values() if s["Type"] == "HttpApi"}
    if routes:
        # one of the function's routes, and the one API Gateway selects for the event's path
        assert event["version"] == "2.0" and event["routeKey"] in routes
        api_path = event["rawPath"].removeprefix(props.get("Environment", {}).get("Variables", {}).get("API_BASE_PATH", ""))
        assert match_path(routes[event["routeKey"]], api_path) is not None, f"{event['rawPath']} is not {event['routeKey']}"
    for spec in (props.get("Events") or {}).values():
        if spec["Type"] == "SQS":
            assert event["Records"][0]["eventSource"] == "aws:sqs"


def _consumers() -> list[tuple[str, str, str, int]]:
    out = []
    for stack in STACKS:
        for name, props in functions(stack).items():
            for spec in (props.get("Events") or {}).values():
                if spec["Type"] == "SQS":
                    queue_ref = spec["Properties"]["Queue"]
                    queue = queue_ref["Fn::GetAtt"][0] if isinstance(queue_ref, dict) else queue_ref
                    out.append((stack, name, queue, int(props.get("Timeout", 3))))
    return out


@pytest.mark.parametrize(("stack", "function", "queue", "timeout"), _consumers())
def test_consumed_queues_have_dlq_and_long_enough_visibility(stack: str, function: str, queue: str, timeout: int) -> None:
    """The consumer and its queue are in one stack (a queue consumed in another stack is not
    found here: queues live with their consumers)."""
    props = queues(stack)[queue]
    assert "RedrivePolicy" in props, f"{queue} has no dead-letter queue"
    assert int(props["RedrivePolicy"]["maxReceiveCount"]) >= 1
    assert int(props.get("VisibilityTimeout", 30)) >= 6 * timeout, f"{queue} visibility < 6 x {function} timeout"


def _failure_destinations(stack: str) -> set[str]:
    found: set[str] = set()
    for props in functions(stack).values():
        found |= refs(((props.get("EventInvokeConfig") or {}).get("DestinationConfig") or {}).get("OnFailure"))
        for event in (props.get("Events") or {}).values():
            found |= refs((event.get("Properties") or {}).get("DeadLetterConfig"))
    return found


@pytest.mark.parametrize("stack", STACKS)
def test_every_queue_has_a_dead_letter_queue(stack: str) -> None:
    all_queues = queues(stack)
    dead_letter = {
        props["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for props in all_queues.values()
        if "RedrivePolicy" in props
    }
    # queues that receive failed asynchronous invocations and undelivered schedules
    dead_letter |= {q for q in _failure_destinations(stack) if q in all_queues}
    missing = [name for name, props in all_queues.items() if name not in dead_letter and "RedrivePolicy" not in props]
    assert missing == []
    for name in dead_letter:
        assert int(all_queues[name].get("MessageRetentionPeriod", 345600)) == 1209600, f"{name} keeps failures < 14 days"


@pytest.mark.parametrize("template", [ROOT_TEMPLATE, *nested_templates().values()], ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_cfn_lint_is_clean(template: Path) -> None:
    from cfnlint.api import ManualArgs, lint_file

    matches = lint_file(template, config=ManualArgs(regions=["us-east-1"]))
    assert [str(m) for m in matches] == []

