"""The nightly sweep of ``Idempotency-Key`` records (``styles.idempotency``): keys older than
``IDEMPOTENCY_KEY_TTL_HOURS`` (24 by default, the window Stripe keeps keys; the IETF draft leaves
expiry to the resource, section 2.3) are deleted, so the table stays bounded. A retry later than
that is a new request. Kept out of ``styles.idempotency``: the schedule's tracer (the X-Ray SDK)
must not weigh on the HTTP functions that import it.
"""

from __future__ import annotations

import os
from typing import Any

from backlot import db
from backlot.jobs import scheduled_job_handler

BATCH = 5000
"""Rows deleted per statement (short transactions; the job loops until none is left)."""


def expire_idempotency_keys(context: Any = None) -> dict[str, int]:
    """Delete expired keys, ``BATCH`` at a time; ``{"deleted": n}``."""
    hours = int(os.environ.get("IDEMPOTENCY_KEY_TTL_HOURS", "24"))
    deleted = 0
    while True:
        with db.transaction() as conn:
            count = conn.execute(
                """DELETE FROM styles.idempotency_keys WHERE (user_id, key) IN (
                       SELECT user_id, key FROM styles.idempotency_keys
                        WHERE created_at < now() - make_interval(hours => %s) LIMIT %s)""",
                (hours, BATCH),
            ).rowcount
        deleted += count
        if count < BATCH:
            return {"deleted": deleted}


handler = scheduled_job_handler(expire_idempotency_keys)
