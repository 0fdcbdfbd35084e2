"""Contract of the per-function entry modules (issue 8, cold starts).

For every HTTP function of the templates, its ``Handler`` module, imported alone in a fresh
interpreter (as a Lambda cold start imports it):

- exposes ``handler`` and an ``app`` whose only API route is the template's (method, path), the
  path compared without its trailing slash (HTTP API routes carry none; clients keep the design
  documents' paths);
- imports no other resource's route module (``<product>.routes.<resource>``): a cold start pays
  for one resource only;
- imports neither the X-Ray SDK (API functions trace with Lambda active tracing, see
  docs/decisions.md) nor Pillow (only the media processor decodes images), and no boto3 client
  is created at import (boto3 itself is imported on first use by ``backlot.storage``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from fastapi.routing import APIRoute

from backlot_local.template import Function, load_application

from tests.conftest import REPO_ROOT

PROBE = """
import importlib, json, sys
module = importlib.import_module(sys.argv[1])
routes = [(method.upper(), path) for path, ops in module.app.openapi()["paths"].items() for method in ops]
print(json.dumps({"routes": routes, "modules": sorted(sys.modules), "handler": callable(getattr(module, "handler", None))}))
"""
FORBIDDEN_AT_IMPORT = ("aws_xray_sdk", "PIL", "boto3", "imageio_ffmpeg", "pillow_heif")


def http_functions() -> list[Function]:
    app = load_application(REPO_ROOT, aws_endpoint="http://127.0.0.1:5999")
    return [f for f in app.functions if any(e["Type"] == "HttpApi" for e in f.events.values())]


HTTP_FUNCTIONS = http_functions()


def test_every_http_function_names_its_own_entry_module() -> None:
    assert len(HTTP_FUNCTIONS) >= 56
    for function in HTTP_FUNCTIONS:
        product = function.code_dir.name
        snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in function.logical_id.removesuffix("Function")).lstrip("_")
        assert function.handler == f"{product}.handlers.{snake}.handler", function.id


@pytest.mark.parametrize("function", HTTP_FUNCTIONS, ids=[f.id for f in HTTP_FUNCTIONS])
def test_entry_module_holds_only_its_route_and_imports_only_its_resource(function: Function) -> None:
    module_name = function.handler.rpartition(".")[0]
    product = module_name.partition(".")[0]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env |= {**function.environment, "DATABASE_URL": "postgresql://127.0.0.1:1/x", "AWS_DEFAULT_REGION": "us-east-1",
            "PYTHONPATH": os.pathsep.join([str(function.code_dir), *map(str, function.layer_dirs)])}
    out = subprocess.run([sys.executable, "-c", PROBE, module_name], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout)
    assert found["handler"], f"{module_name}.handler is not callable"

    ((method, path),) = found["routes"]  # exactly one API route
    for event in [e["Properties"] for e in function.events.values() if e["Type"] == "HttpApi"]:
        assert method == event["Method"].upper(), (method, event)
        # a companion route `/x/{proxy+}` serves the documents' `/x/` (HTTP APIs route no trailing slash)
        assert path.rstrip("/") == event["Path"].removesuffix("/{proxy+}").rstrip("/"), (path, event["Path"])

    route_modules = {m for m in found["modules"] if m.startswith(f"{product}.routes.")}
    assert len(route_modules) == 1, f"{module_name} imports other resources' routes: {route_modules}"
    heavy = {m for m in found["modules"] if m.split(".")[0] in FORBIDDEN_AT_IMPORT}
    assert not heavy, f"{module_name} imports {sorted(heavy)} at cold start"


def test_the_probe_can_fail() -> None:
    """The whole-product app holds every route: the same probe sees many routes and modules."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")} | {
        "DATABASE_URL": "postgresql://127.0.0.1:1/x", "UPLOADS_BUCKET": "b", "MEDIA_BUCKET": "b"}
    out = subprocess.run([sys.executable, "-c", PROBE, "family.api"], capture_output=True, text=True, env=env, timeout=120, check=True)
    found = json.loads(out.stdout)
    assert len(found["routes"]) > 1
    assert len({m for m in found["modules"] if m.startswith("family.routes.")}) > 1


def test_a_one_route_app_serves_its_route_and_nothing_else() -> None:
    """Request validation runs before the route's code, so no database is needed here."""
    from fastapi.testclient import TestClient

    from movies.handlers import get_session_status

    client = TestClient(get_session_status.app)
    invalid = client.get("/api/session/not-a-uuid/status")
    assert invalid.status_code == 422 and invalid.json()["code"] == "validation_error"
    other = client.get("/api/session/00000000-0000-4000-8000-000000000000/stats")
    assert other.status_code == 404 and other.headers["content-type"].startswith("application/problem+json")


def test_one_route_lookup_names_what_exists() -> None:
    from backlot.http import one_route
    from family.routes import households

    assert [r.name for r in one_route(households.router, "create_household").routes if isinstance(r, APIRoute)] == ["create_household"]
    with pytest.raises(LookupError, match="list_households"):
        one_route(households.router, "no_such_route")
