"""HTTP API routes: none ends in ``/``, and every path a client uses reaches its function.

API Gateway HTTP APIs create no route whose path ends in ``/`` (serverless-application-model issue
1949: SAM keeps it in the API body, trims it in the permission, and the route is silently missing),
and route ``/x`` does not match a request for ``/x/`` (Powertools' end-to-end test
``test_api_gateway_http_trailing_slash``). So each function whose design-document path is ``/x/``
declares ``/x`` and a companion ``/x/{proxy+}``, which matches ``/x/`` (README, "Routes").
Which route a request selects is decided by ``backlot_local.routing``, the local model of API
Gateway's selection (tests/unit/local/test_local_routing.py); the app side by Starlette's matcher.
"""

from __future__ import annotations

import importlib
import re
from functools import cache
from typing import Any

import pytest
from starlette.routing import Match

from tests.conftest import REPO_ROOT
from tests.contract.stacks import products

GREEDY = "/{proxy+}"
SAMPLE_ID = "11111111-1111-4111-8111-111111111111"


def _http_events() -> list[tuple[str, str, str, dict[str, Any], dict[str, Any]]]:
    """``(product, function, event name, event properties, function properties)`` of every HttpApi event."""
    out = []
    for stack in products():
        for name, props in stack.functions().items():
            for event_name, event in (props.get("Events") or {}).items():
                if event.get("Type") == "HttpApi":
                    out.append((stack.product, name, event_name, event["Properties"], props))
    return out


EVENTS = _http_events()
PRIMARY = [e for e in EVENTS if not e[3]["Path"].endswith(GREEDY)]


@pytest.mark.parametrize(("product", "function", "event", "spec", "props"), EVENTS,
                         ids=[f"{p}/{f}.{e}" for p, f, e, *_ in EVENTS])
def test_no_route_ends_with_a_slash(product: str, function: str, event: str, spec: dict, props: dict) -> None:
    assert spec["Path"] == "/" or not spec["Path"].endswith("/")


@pytest.mark.parametrize(("product", "function", "event", "spec", "props"), EVENTS,
                         ids=[f"{p}/{f}.{e}" for p, f, e, *_ in EVENTS])
def test_a_slash_route_mirrors_the_functions_route(product: str, function: str, event: str, spec: dict, props: dict) -> None:
    """``/x/{proxy+}`` exists only beside ``/x`` of the same function, method and authorizer."""
    if not spec["Path"].endswith(GREEDY):
        return
    bare = spec["Path"][: -len(GREEDY)]
    twins = [e for e in (props.get("Events") or {}).values() if e.get("Type") == "HttpApi" and e["Properties"]["Path"] == bare]
    assert twins, f"{spec['Path']} has no {bare} beside it"
    (twin,) = twins
    assert twin["Properties"]["Method"] == spec["Method"]
    assert twin["Properties"].get("Auth") == spec.get("Auth")


@cache
def _router():
    from backlot_local.routing import Router
    from backlot_local.template import load_application

    return Router(load_application(REPO_ROOT, aws_endpoint="http://127.0.0.1:5999"))


def _app(product: str, handler: str) -> Any:
    """The function's own app (its entry module); the product's app until the entry modules exist."""
    try:
        module = importlib.import_module(handler.rpartition(".")[0])
    except ModuleNotFoundError:
        module = importlib.import_module(f"{product}.api")
    return module.app


def _app_serves(app: Any, method: str, path: str) -> bool:
    """Whether ``app`` routes ``method path`` itself (its slash aliases applied), without a redirect."""
    for middleware in app.user_middleware:
        for pattern in (middleware.kwargs or {}).get("patterns", ()):
            if not path.endswith("/") and pattern.match(path):
                path += "/"
    scope = {"type": "http", "path": path, "method": method, "root_path": ""}
    return any(route.matches(scope)[0] == Match.FULL for route in app.router.routes)


@pytest.mark.parametrize(("product", "function", "event", "spec", "props"), PRIMARY,
                         ids=[f"{p}/{f}" for p, f, *_ in PRIMARY])
def test_the_documented_path_and_the_route_reach_the_function(product: str, function: str, event: str, spec: dict, props: dict) -> None:
    """A client calling the design document's path (``/x/``) or the route (``/x``) reaches this
    function, behind the same authorizer, and its app serves the path without redirecting."""
    app = _app(product, props["Handler"])
    method, path = spec["Method"].upper(), spec["Path"]
    documented = {(m.upper(), p) for p, ops in app.openapi()["paths"].items() for m in ops}
    assert (method, path) in documented or (method, path + "/") in documented, f"{method} {path} is not a route of the app"
    router = _router()
    for client_path in {path, path + "/" if (method, path + "/") in documented else path}:
        concrete = re.sub(r"\{[^}/]+\}", SAMPLE_ID, client_path)
        (primary,) = [r for r in router.app.routes if r.function.handler == props["Handler"] and r.path == path]
        found = router.match(method, router.base_path(primary.api) + concrete)
        assert found is not None, f"{method} {client_path}: API Gateway answers 404"
        assert found.route.function is primary.function, f"{method} {client_path} reaches {found.route.function.id}"
        assert found.route.authorizer == primary.authorizer
        assert _app_serves(app, method, concrete), f"the app does not serve {method} {concrete}"
