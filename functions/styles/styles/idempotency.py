"""``Idempotency-Key`` for the styles API's paid requests (IETF draft-ietf-httpapi-idempotency-key-header):
a retried request gets the first answer back and never does the work twice.

Used by ``POST /api/tokens/purchase/`` and ``POST /api/images/generate``. The key is per user
(``PRIMARY KEY (user_id, key)``); the request is identified by a hash of its route and body
(:func:`request_hash`).

How it holds under concurrency: :func:`idempotent` runs inside the caller's transaction and first
inserts the key row. A second request with the same key blocks on that insert (the primary key)
until the first transaction ends: if it committed, the second finds its stored answer; if it
rolled back (an error: nothing was done), the second does the work itself. So an answer is stored
exactly when its work committed, and an error is never replayed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

import psycopg
from fastapi import Header
from psycopg.types.json import Jsonb
from pydantic_core import to_jsonable_python

from styles.errors import IdempotencyKeyReused

KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
"""A key: 1-255 visible ASCII characters (a UUID 4 is what clients should send; the draft's key is
a Structured Header String)."""

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", pattern=KEY_PATTERN,
           description="optional; a unique value per operation (a UUID 4): a retry with the same key and body "
                       "answers the first result without doing the work again; the same key with another body "
                       "is a 422 `idempotency_key_reused`"),
]
"""The ``Idempotency-Key`` request header of a route (optional)."""

_KEY = re.compile(KEY_PATTERN)


def request_hash(route: str, body: Any) -> str:
    """SHA-256 (hex) of the route and the body as canonical JSON (sorted keys, no spaces): the same
    request always hashes the same, whatever order its fields came in."""
    canonical = json.dumps({"route": route, "body": body}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotent(conn: psycopg.Connection, *, user_id: UUID, key: str, request_hash: str,
               compute: Callable[[psycopg.Connection], Any]) -> tuple[Any, bool]:
    """Do ``compute(conn)`` once per ``(user_id, key)``; returns ``(answer, replayed)``.

    Must run inside a transaction on ``conn`` (``with db.transaction() as conn``): ``compute``'s
    work and the stored answer commit together. ``compute`` returns a JSON-serialisable value
    (stored as ``jsonb``; a replay returns it as parsed JSON).

    Raises:
        IdempotencyKeyReused: (422) the key was used before with another request.
        ValueError: ``key`` is not 1-255 visible ASCII characters.
        Whatever ``compute`` raises (nothing is stored; the key is free again on rollback).
    """
    if not _KEY.fullmatch(key):
        raise ValueError("an Idempotency-Key is 1-255 visible ASCII characters")
    claimed = conn.execute(
        """INSERT INTO styles.idempotency_keys (user_id, key, request_hash, response) VALUES (%s, %s, %s, 'null'::jsonb)
           ON CONFLICT (user_id, key) DO NOTHING RETURNING key""",
        (user_id, key, request_hash),
    ).fetchone()
    if claimed is None:
        stored = conn.execute("SELECT request_hash, response FROM styles.idempotency_keys WHERE user_id = %s AND key = %s",
                              (user_id, key)).fetchone()
        if stored["request_hash"] != request_hash:
            raise IdempotencyKeyReused(f"Idempotency-Key {key!r} was already used with a different request",
                                       fields=[{"field": "Idempotency-Key", "message": "already used with another request"}])
        return stored["response"], True
    answer = to_jsonable_python(compute(conn))  # what a replay returns: the first answer gets the same form
    conn.execute("UPDATE styles.idempotency_keys SET response = %s WHERE user_id = %s AND key = %s",
                 (Jsonb(answer), user_id, key))
    return answer, False


def stored_answer(conn: psycopg.Connection, *, user_id: UUID, key: str, request_hash: str) -> tuple[bool, Any]:
    """Look a key up without claiming it (before an external call such as a payment):
    ``(found, answer)``; ``(False, None)`` when the key is unused.

    Raises:
        IdempotencyKeyReused: (422) the key was used before with another request.
    """
    stored = conn.execute("SELECT request_hash, response FROM styles.idempotency_keys WHERE user_id = %s AND key = %s",
                          (user_id, key)).fetchone()
    if stored is None:
        return False, None
    if stored["request_hash"] != request_hash:
        raise IdempotencyKeyReused(f"Idempotency-Key {key!r} was already used with a different request",
                                   fields=[{"field": "Idempotency-Key", "message": "already used with another request"}])
    return True, stored["response"]
