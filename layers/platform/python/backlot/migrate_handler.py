"""The migration function of a product: applies the platform's and the product's migrations.

Invoked by CloudFormation as a custom resource on every deploy (each product template's
``Migration`` resource) and callable directly. Custom resource protocol: AWS docs, "Custom
resources" — the function must PUT a response to ``ResponseURL`` whatever happens, or the stack
waits for an hour.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from backlot import migrations
from backlot.observability import logger
from backlot.settings import get_settings


def database_url() -> str:
    """The libpq URL for migrations: ``DATABASE_URL``, or built from the RDS Proxy host and secret."""
    from backlot import db

    settings = get_settings()
    if settings.database_url:
        return settings.database_url
    info = db._conninfo()  # noqa: SLF001 - the same resolution as the connection
    return (
        f"postgresql://{quote(info['user'])}:{quote(info['password'])}@{info['host']}:{info['port']}/"
        f"{info['dbname']}?sslmode=require"
    )


def _respond(event: dict[str, Any], status: str, reason: str, data: dict[str, Any]) -> None:
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason[:500],
            "PhysicalResourceId": event.get("PhysicalResourceId") or f"backlot-migrations-{event['LogicalResourceId']}",
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": data,
        }
    ).encode()
    request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": ""})
    urllib.request.urlopen(request, timeout=10)  # noqa: S310 - URL given by CloudFormation


def make_handler(product: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """Build the Lambda handler that migrates the platform and ``product``.

    The handler returns ``{"applied": [migration ids]}``; as a custom resource it reports SUCCESS
    or FAILED to CloudFormation (Delete is a no-op: data outlives stacks).
    """

    @logger.inject_lambda_context
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        is_custom_resource = "ResponseURL" in event
        if is_custom_resource and event.get("RequestType") == "Delete":
            _respond(event, "SUCCESS", "nothing to do on delete", {})
            return {"applied": []}
        try:
            applied = migrations.apply(database_url(), [product])
        except Exception as exc:
            logger.exception("migration failed")
            if is_custom_resource:
                _respond(event, "FAILED", f"migration failed: {exc}", {})
                return {"applied": [], "error": str(exc)}
            raise
        logger.info("migrations applied", extra={"applied": applied})
        if is_custom_resource:
            _respond(event, "SUCCESS", "migrations applied", {"Applied": ",".join(applied)})
        return {"applied": applied}

    return handler
