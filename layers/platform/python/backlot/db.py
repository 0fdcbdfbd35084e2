"""The PostgreSQL connection: one per execution environment, opened lazily, checked before reuse.

Rules from ARCHITECTURE.md ("Data"): psycopg 3, ``prepare_threshold=None`` because RDS Proxy pins
a connection that uses prepared statements, and pgvector's adapter registered so ``vector``
columns read and write as numpy-free Python lists / ``pgvector.Vector``.

Lambda runs one request at a time per execution environment; the local runtime may run several
functions in threads, so the connection is kept per thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from backlot.settings import get_settings

_local = threading.local()


def _conninfo() -> dict[str, Any]:
    settings = get_settings()
    if settings.database_url:
        return {"conninfo": settings.database_url}
    from aws_lambda_powertools.utilities.parameters import get_secret

    secret = get_secret(settings.db_secret_arn, transform="json", max_age=300)
    return {
        "host": settings.db_host,
        "port": settings.db_port,
        "dbname": settings.db_name,
        "user": secret["username"],
        "password": secret["password"],
        "sslmode": "require",
    }


def connect() -> psycopg.Connection:
    """Open a new autocommit connection with dict rows and pgvector registered.

    Raises:
        psycopg.OperationalError: the server cannot be reached.
    """
    settings = get_settings()
    conn = psycopg.connect(
        **_conninfo(),
        autocommit=True,
        prepare_threshold=None,
        row_factory=dict_row,
        connect_timeout=settings.db_connect_timeout_s,
        application_name=f"backlot-{settings.stage}",
    )
    has_vector = conn.execute("SELECT 1 FROM pg_type WHERE typname = 'vector'").fetchone()
    if has_vector:
        from pgvector.psycopg import register_vector

        register_vector(conn)
    return conn


#: A connection idle for longer than this (seconds) is checked with ``SELECT 1`` before reuse:
#: between invocations, not between the queries of one request.
CHECK_AFTER_IDLE_S = 1.0


def connection() -> psycopg.Connection:
    """Return this execution environment's connection, reconnecting if it is closed or broken.

    The check before reuse is a ``SELECT 1`` when the connection sat idle for more than
    :data:`CHECK_AFTER_IDLE_S` (a frozen Lambda environment may have lost it); a connection that
    fails the check is replaced.
    """
    conn: psycopg.Connection | None = getattr(_local, "conn", None)
    now = time.monotonic()
    if conn is not None and not conn.closed and not conn.broken:
        if now - getattr(_local, "last_used", now) <= CHECK_AFTER_IDLE_S:
            _local.last_used = now
            return conn
        try:
            conn.execute("SELECT 1")
            _local.last_used = time.monotonic()
            return conn
        except psycopg.OperationalError:
            conn.close()
    conn = connect()
    _local.conn = conn
    _local.last_used = time.monotonic()
    return conn


def reset() -> None:
    """Close and forget this thread's connection (tests, or after the schema changes)."""
    conn = getattr(_local, "conn", None)
    if conn is not None:
        conn.close()
    _local.conn = None


@contextmanager
def transaction() -> Iterator[psycopg.Connection]:
    """Run the block in one transaction on the shared connection; rolls back on any exception."""
    conn = connection()
    with conn.transaction():
        yield conn


def insert(table: str, values: dict[str, Any], *, returning: str = "*", on_conflict: str = "") -> dict[str, Any] | None:
    """``INSERT INTO <table> (<keys>) VALUES (<values>) [<on_conflict>] RETURNING <returning>``.

    Returns the row, or None when ``on_conflict`` (e.g. ``ON CONFLICT (a, b) DO NOTHING``) skipped it.

    Args:
        table: ``schema.table``, a trusted identifier from our own code.
        values: column → value; column names are quoted as identifiers, values are parameters.
        returning: the trusted column list to return.
        on_conflict: a trusted ``ON CONFLICT ...`` clause, or empty.
    """
    schema, _, name = table.rpartition(".")
    target = sql.Identifier(schema, name) if schema else sql.Identifier(name)
    query = sql.SQL("INSERT INTO {} ({}) VALUES ({}) " + on_conflict + " RETURNING " + returning).format(
        target,
        sql.SQL(", ").join(map(sql.Identifier, values)),
        sql.SQL(", ").join(map(sql.Placeholder, values)),
    )
    return connection().execute(query, values).fetchone()


def assignments(changes: dict[str, Any], *, prefix: str = "set_") -> tuple[sql.Composed, dict[str, Any]]:
    """The ``col = %(set_col)s, ...`` list of an UPDATE and its parameters (prefixed so they cannot
    clash with the WHERE clause's)."""
    clause = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(k), sql.Placeholder(prefix + k)) for k in changes
    )
    return clause, {prefix + k: v for k, v in changes.items()}
