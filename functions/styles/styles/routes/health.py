"""``GET /api/health`` (document 004, M1-Initialization: ``{"status": "ok", "database": "connected"}``).

No token: the route is open (``Auth: NONE`` in the template), for load balancers and uptime checks.
The answer is the document's bare object (not the success envelope). When the database does not
answer, a 503 ``database_unavailable`` in the styles error shape.
"""

from __future__ import annotations

from typing import Literal

import psycopg
from backlot import db
from backlot.models import PublicModel
from fastapi import APIRouter

from styles.errors import ServiceUnavailable
from styles.http_api import API

router = APIRouter(tags=["health"])


class Health(PublicModel):
    """The service and its database are up."""

    status: Literal["ok"]
    database: Literal["connected"]


@router.get("/api/health", response_model=Health, responses=API.errors(503))
def health() -> Health:
    """Check the database with ``SELECT 1``.

    Raises:
        ServiceUnavailable: the connection cannot be opened or the query fails (503).
    """
    try:
        db.connection().execute("SELECT 1").fetchone()
    except psycopg.Error as exc:
        db.reset()
        raise ServiceUnavailable("database: disconnected") from exc
    return Health(status="ok", database="connected")
