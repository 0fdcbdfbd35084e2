"""The migration function of a product: applies the platform's and the product's migrations and
creates the product's database role.

Invoked by CloudFormation as a custom resource on every deploy (each product template's
``Migration`` resource) and callable directly. Custom resource protocol (AWS docs, "Custom
resources", "Custom resource response objects"): the function must PUT a response to
``ResponseURL`` whatever happens, or the stack waits for an hour. So:

* the work has a deadline, :data:`ANSWER_MARGIN_S` before the invocation's end
  (``context.get_remaining_time_in_millis()``): connection attempts are retried and the
  migration lock is waited for until then (``backlot.migrations.apply``), and what fails is
  answered ``FAILED`` with the reason;
* a watchdog answers ``FAILED`` shortly after the deadline if the work has not returned by then
  (whatever it is stuck in), early enough for the PUT to finish before Lambda stops the function;
* only the first answer is sent.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from backlot import migrations
from backlot.observability import logger
from backlot.settings import get_settings

#: Seconds before the invocation's end by which the work must be done (the deadline).
ANSWER_MARGIN_S = 20.0
#: Seconds after the deadline at which the watchdog answers FAILED: the work's own errors (lock
#: timeout, unreachable database) arrive first, with their reason.
WATCHDOG_GRACE_S = 5.0
#: Seconds the PUT to ``ResponseURL`` may take (less than ANSWER_MARGIN_S - WATCHDOG_GRACE_S).
RESPONSE_TIMEOUT_S = 10.0
#: The budget when there is no Lambda context (a direct call).
DEFAULT_BUDGET_S = 300.0


def database_url() -> str:
    """The libpq URL for migrations: ``DATABASE_URL``, or the master user's, built from
    ``DB_HOST`` and the ``DB_SECRET_ARN`` secret with the same TLS settings as every connection.

    Migrations never use IAM auth: they create the roles that IAM auth logs in as.

    Raises:
        ValueError: neither ``DATABASE_URL`` nor ``DB_HOST`` and ``DB_SECRET_ARN`` are set.
    """
    from backlot import db

    settings = get_settings()
    if settings.database_url:
        return settings.database_url
    info = db.master_conninfo()
    tls = {k: info[k] for k in ("sslmode", "sslrootcert") if k in info}
    return (
        f"postgresql://{quote(info['user'], safe='')}:{quote(info['password'], safe='')}@{info['host']}:{info['port']}/"
        f"{quote(info['dbname'])}?{urlencode(tls)}"
    )


class CustomResourceResponse:
    """The one answer to a CloudFormation custom resource event, whichever thread sends it first."""

    def __init__(self, event: dict[str, Any]):
        self._event = event
        self._lock = threading.Lock()
        self.status: str | None = None

    def send(self, status: str, reason: str, data: dict[str, Any] | None = None) -> bool:
        """PUT the response (``SUCCESS`` or ``FAILED``); return False if one was already sent.

        A failed PUT is logged, not raised: there is nobody else to tell.
        """
        with self._lock:
            if self.status is not None:
                return False
            self.status = status
        event = self._event
        body = json.dumps(
            {
                "Status": status,
                "Reason": reason[:1000],
                "PhysicalResourceId": event.get("PhysicalResourceId") or f"backlot-migrations-{event['LogicalResourceId']}",
                "StackId": event["StackId"],
                "RequestId": event["RequestId"],
                "LogicalResourceId": event["LogicalResourceId"],
                "Data": data or {},
            }
        ).encode()
        request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": ""})
        try:
            urllib.request.urlopen(request, timeout=RESPONSE_TIMEOUT_S).close()  # noqa: S310 - URL given by CloudFormation
        except Exception:
            logger.exception("could not answer CloudFormation", extra={"status": status})
        return True


def _budget_s(context: Any) -> float:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return remaining() / 1000 if remaining is not None else DEFAULT_BUDGET_S


def make_handler(product: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """Build the Lambda handler that migrates the platform and ``product`` and grants its role.

    The handler returns ``{"applied": [migration ids]}``; as a custom resource it answers
    ``SUCCESS`` or ``FAILED`` (with the error as the reason) to CloudFormation (Delete is a no-op:
    data outlives stacks). Invoked directly, it raises the error instead.
    """

    @logger.inject_lambda_context
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        response = CustomResourceResponse(event) if "ResponseURL" in event else None
        if response is not None and event.get("RequestType") == "Delete":
            response.send("SUCCESS", "nothing to do on delete")
            return {"applied": []}
        deadline = time.monotonic() + _budget_s(context) - ANSWER_MARGIN_S
        watchdog = None
        if response is not None:
            watchdog = threading.Timer(
                max(0.0, deadline + WATCHDOG_GRACE_S - time.monotonic()),
                _give_up,
                args=(response, product),
            )
            watchdog.daemon = True
            watchdog.start()
        try:
            applied = migrations.apply(database_url(), [product], deadline=deadline)
        except Exception as exc:
            logger.exception("migration failed")
            if response is None:
                raise
            response.send("FAILED", f"migrations of {product} failed: {type(exc).__name__}: {exc}")
            return {"applied": [], "error": str(exc)}
        finally:
            if watchdog is not None:
                watchdog.cancel()
        logger.info("migrations applied", extra={"applied": applied})
        if response is not None:
            response.send("SUCCESS", "migrations applied", {"Applied": ",".join(applied)})
        return {"applied": applied}

    return handler


def _give_up(response: CustomResourceResponse, product: str) -> None:
    if response.send(
        "FAILED",
        f"migrations of {product} were still running {ANSWER_MARGIN_S - WATCHDOG_GRACE_S:.0f} s before the "
        "function's timeout; answered FAILED so the stack does not wait (see the function's log)",
    ):
        logger.error("migration still running at the deadline; answered FAILED")
