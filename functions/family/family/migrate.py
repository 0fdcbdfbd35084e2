"""Migration function: applies the platform's and the family product's migrations.

Invoked by CloudFormation as a custom resource on every deploy (``Migration`` in the template)
and callable directly. Custom resource protocol: AWS docs, "Custom resources" — the function must
PUT a response to ``ResponseURL`` whatever happens, or the stack waits for an hour.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from backlot import migrations
from backlot.observability import logger
from backlot.settings import get_settings

PRODUCTS = ["family"]


def _database_url() -> str:
    from backlot import db

    settings = get_settings()
    if settings.database_url:
        return settings.database_url
    info = db._conninfo()  # noqa: SLF001 - same resolution as the connection
    return f"postgresql://{info['user']}:{info['password']}@{info['host']}:{info['port']}/{info['dbname']}?sslmode=require"


def _respond(event: dict[str, Any], context: Any, status: str, reason: str, data: dict[str, Any]) -> None:
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason[:500],
            "PhysicalResourceId": event.get("PhysicalResourceId") or "backlot-family-migrations",
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": data,
        }
    ).encode()
    request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": ""})
    urllib.request.urlopen(request, timeout=10)  # noqa: S310 - URL given by CloudFormation


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Apply pending migrations; returns ``{"applied": [ids]}``."""
    is_custom_resource = "ResponseURL" in event
    if is_custom_resource and event.get("RequestType") == "Delete":
        _respond(event, context, "SUCCESS", "nothing to do on delete", {})
        return {"applied": []}
    try:
        applied = migrations.apply(_database_url(), PRODUCTS)
    except Exception as exc:
        logger.exception("migration failed")
        if is_custom_resource:
            _respond(event, context, "FAILED", f"migration failed: {exc}", {})
            return {"applied": [], "error": str(exc)}
        raise
    logger.info("migrations applied", extra={"applied": applied})
    if is_custom_resource:
        _respond(event, context, "SUCCESS", "migrations applied", {"Applied": ",".join(applied)})
    return {"applied": applied}
