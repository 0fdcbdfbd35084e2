"""The PostgreSQL connection: one per execution environment, opened lazily, checked before reuse.

Rules from ARCHITECTURE.md ("Data"): psycopg 3, ``prepare_threshold=None`` because RDS Proxy pins
a connection that uses prepared statements, and pgvector's adapter registered so ``vector``
columns read and write as numpy-free Python lists / ``pgvector.Vector``.

How a connection logs in (``Settings``): locally ``DATABASE_URL``; on AWS each product's functions
log in to RDS Proxy as the product's own role (``DB_USER``, e.g. ``backlot_family``, created by
``backlot.roles``) with an RDS IAM auth token as the password (``DB_IAM_AUTH=true``), and only the
migration functions use the master secret (``DB_SECRET_ARN``). TLS is ``verify-full`` against the
proxy's ACM certificate.

Lambda runs one invocation at a time per execution environment, but FastAPI runs sync routes and
dependencies in anyio worker threads that end with each invocation: a connection kept per thread
would be a new connection (TLS, authentication through RDS Proxy) on every request. So the Lambda
handler wrappers (``backlot.http``, ``backlot.queues``) run each invocation in
:func:`invocation_scope`, which lends the execution environment's one connection to every thread of
that invocation. Outside a scope (tests, scripts, threads started by code), the connection is kept
per thread, so threads running at the same time never share one.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from backlot.settings import get_settings

class _Slot:
    """Where one connection lives, and when it was last handed out."""

    __slots__ = ("conn", "last_used")

    def __init__(self) -> None:
        self.conn: psycopg.Connection | None = None
        self.last_used = 0.0


_local = threading.local()
#: The execution environment's connection, lent to the threads of one invocation at a time.
_environment_slot = _Slot()
_environment_lock = threading.Lock()
_scoped: ContextVar[_Slot | None] = ContextVar("backlot_db_slot", default=None)


def _slot() -> _Slot:
    scoped = _scoped.get()
    if scoped is not None:
        return scoped
    slot = getattr(_local, "slot", None)
    if slot is None:
        slot = _local.slot = _Slot()
    return slot


@contextmanager
def invocation_scope() -> Iterator[None]:
    """Run one invocation with the execution environment's connection, in whatever threads it runs.

    The context is copied into the worker threads FastAPI (anyio) starts, so they all use the
    same connection, and so does the next invocation. If another invocation holds the
    environment's connection (only possible when handlers are called from several threads of
    one process), this one falls back to per-thread connections.
    """
    if not _environment_lock.acquire(blocking=False):
        yield
        return
    token = _scoped.set(_environment_slot)
    try:
        yield
    finally:
        _scoped.reset(token)
        _environment_lock.release()


def _conninfo(*, force_fetch: bool = False) -> dict[str, Any]:
    """The keyword arguments of ``psycopg.connect`` for the configured way in (see ``Settings``)."""
    settings = get_settings()
    if settings.database_url:
        return {"conninfo": settings.database_url}
    if settings.db_iam_auth:
        return iam_conninfo()
    return master_conninfo(force_fetch=force_fetch)


#: Seconds an RDS IAM auth token is valid for; it is only checked when a connection is opened.
#: Source: AWS docs, "IAM database authentication" (tokens have a lifetime of 15 minutes).
IAM_TOKEN_LIFETIME_S = 900


def iam_conninfo() -> dict[str, Any]:
    """Connection arguments for ``DB_USER`` at ``DB_HOST`` with a fresh RDS IAM auth token.

    A token is made for every new connection: it is a local SigV4 signature (no network call,
    well under a millisecond once botocore is imported) and it expires 15 minutes after it is
    made, while a connection lives as long as the execution environment. The proxy checks the
    signature and that the function's role may ``rds-db:connect`` as that user.
    """
    settings = get_settings()
    assert settings.db_host and settings.db_user and settings.aws_region  # Settings validated it
    return {
        "host": settings.db_host,
        "port": settings.db_port,
        "dbname": settings.db_name,
        "user": settings.db_user,
        "password": iam_auth_token(
            host=settings.db_host, port=settings.db_port, user=settings.db_user, region=settings.aws_region
        ),
        **_tls(),
    }


def iam_auth_token(*, host: str, port: int, user: str, region: str) -> str:
    """Return an RDS IAM auth token: the password for ``user`` at ``host:port`` for 15 minutes.

    The token is what boto3's ``rds`` client ``generate_db_auth_token(DBHostname, Port,
    DBUsername, Region)`` returns (``botocore.signers.generate_db_auth_token``: a SigV4
    query-string presigned ``GET https://host:port/?Action=connect&DBUser=user`` for the
    ``rds-db`` service, expiring in 900 s, without the scheme), built here from botocore's signer
    directly: creating an ``rds`` client loads the whole RDS service model (about 55 ms of a
    cold start on python3.13) for a signature that needs none of it. A unit test checks that
    both give the same token.

    Credentials: the execution role's keys that Lambda puts in the environment, else botocore's
    usual chain (profiles, container credentials, ...).

    Raises:
        RuntimeError: no AWS credentials can be found.
    """
    from botocore.auth import SigV4QueryAuth
    from botocore.awsrequest import AWSRequest

    request = AWSRequest(method="GET", url=f"https://{host}:{port}/", params={"Action": "connect", "DBUser": user})
    SigV4QueryAuth(_aws_credentials(), "rds-db", region, expires=IAM_TOKEN_LIFETIME_S).add_auth(request)
    return request.prepare().url[len("https://"):]


def _aws_credentials() -> Any:
    from botocore.credentials import EnvProvider

    credentials = EnvProvider().load()
    if credentials is None:
        import botocore.session

        credentials = botocore.session.get_session().get_credentials()
    if credentials is None:
        raise RuntimeError("no AWS credentials to sign the RDS IAM auth token")
    return credentials.get_frozen_credentials()


def master_conninfo(*, force_fetch: bool = False) -> dict[str, Any]:
    """Connection arguments for the master user from the ``DB_SECRET_ARN`` secret (migrations).

    The secret is cached for 5 minutes (Powertools parameters); ``force_fetch`` reads it again.

    Raises:
        ValueError: ``DB_HOST`` or ``DB_SECRET_ARN`` is not set.
    """
    settings = get_settings()
    if not (settings.db_host and settings.db_secret_arn):
        raise ValueError("the master secret path needs DB_HOST and DB_SECRET_ARN")
    from aws_lambda_powertools.utilities.parameters import get_secret

    secret = get_secret(settings.db_secret_arn, transform="json", max_age=300, force_fetch=force_fetch)
    return {
        "host": settings.db_host,
        "port": settings.db_port,
        "dbname": settings.db_name,
        "user": secret["username"],
        "password": secret["password"],
        **_tls(),
    }


def _tls() -> dict[str, str]:
    """``sslmode`` and, when the server's certificate is verified, ``sslrootcert``."""
    settings = get_settings()
    tls = {"sslmode": settings.db_sslmode}
    if settings.db_sslmode in ("verify-ca", "verify-full"):
        tls["sslrootcert"] = settings.db_ssl_root_cert or default_root_cert()
    return tls


def default_root_cert() -> str:
    """The CA bundle that verifies RDS Proxy's certificate: botocore's ``cacert.pem``.

    RDS Proxy's certificates come from AWS Certificate Manager (AWS docs, "Using TLS/SSL with RDS
    Proxy"), so they chain to the Amazon Trust Services roots (Amazon Root CA 1-4, Starfield),
    which botocore's bundle carries; botocore is in every Lambda Python runtime. Found without
    importing botocore. Without botocore, libpq's ``system`` trust store.
    """
    import importlib.util

    spec = importlib.util.find_spec("botocore")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            bundle = f"{folder}/cacert.pem"
            if os.path.isfile(bundle):
                return bundle
    return "system"


def connect() -> psycopg.Connection:
    """Open a new autocommit connection with dict rows and pgvector registered.

    With the master secret, a refused connection is tried once more with the secret fetched
    again: the cached copy (5 minutes) may predate a rotation. With IAM auth every connection
    gets a new token, so there is nothing to refresh.

    Raises:
        psycopg.OperationalError: the server cannot be reached or refuses the credentials.
    """
    settings = get_settings()
    info = _conninfo()
    try:
        conn = _open(info)
    except psycopg.OperationalError:
        if settings.database_url or settings.db_iam_auth:
            raise
        fresh = _conninfo(force_fetch=True)
        if (fresh["user"], fresh["password"]) == (info["user"], info["password"]):
            raise
        conn = _open(fresh)
    has_vector = conn.execute("SELECT 1 FROM pg_type WHERE typname = 'vector'").fetchone()
    if has_vector:
        from pgvector.psycopg import register_vector

        register_vector(conn)
    return conn


def _open(info: dict[str, Any]) -> psycopg.Connection:
    settings = get_settings()
    return psycopg.connect(
        **info,
        autocommit=True,
        prepare_threshold=None,
        row_factory=dict_row,
        connect_timeout=settings.db_connect_timeout_s,
        application_name=f"backlot-{settings.stage}",
    )


#: A connection idle for longer than this (seconds) is checked with ``SELECT 1`` before reuse:
#: between invocations, not between the queries of one request.
CHECK_AFTER_IDLE_S = 1.0


def connection() -> psycopg.Connection:
    """Return this execution environment's connection, reconnecting if it is closed or broken.

    Inside :func:`invocation_scope` it is the environment's one connection; outside, this
    thread's. The check before reuse is a ``SELECT 1`` when the connection sat idle for more than
    :data:`CHECK_AFTER_IDLE_S` (a frozen Lambda environment may have lost it); a connection that
    fails the check is replaced.
    """
    slot = _slot()
    conn = slot.conn
    now = time.monotonic()
    if conn is not None and not conn.closed and not conn.broken:
        if now - slot.last_used <= CHECK_AFTER_IDLE_S:
            slot.last_used = now
            return conn
        try:
            conn.execute("SELECT 1")
            slot.last_used = time.monotonic()
            return conn
        except psycopg.OperationalError:
            conn.close()
    slot.conn = connect()
    slot.last_used = time.monotonic()
    return slot.conn


def reset() -> None:
    """Close and forget the connection :func:`connection` would return here (tests, or after the
    schema changes)."""
    slot = _slot()
    if slot.conn is not None:
        slot.conn.close()
    slot.conn = None


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
