"""Schema migrations with yoyo-migrations: plain SQL files, one folder per owner.

The platform owns ``backlot/migrations`` (schema ``platform``); each product owns
``<product>/migrations`` (its own schema). File names start with the owner's name
(``family_0001_init.sql``) so migration ids never collide in yoyo's shared log table.
The same code runs locally (``backlot migrate``) and on deploy (each product's migration
function, a CloudFormation custom resource), where it must survive a real deploy:

* **The database may not answer yet.** A product stack's migration can run before RDS Proxy's
  target is available; with a ``deadline``, :func:`apply` retries the connection with capped
  exponential backoff and full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter";
  the loop is tenacity's) until the deadline, then raises :class:`DatabaseUnavailable`.
* **Product stacks migrate at the same time**, against one database. yoyo serialises them with a
  lock row (``yoyo_lock``, ``DatabaseBackend.lock(timeout)``: it polls every 0.5 s and raises
  ``yoyo.exceptions.LockTimeout`` after ``timeout`` seconds, 10 by default, too short for several
  stacks). :func:`apply` waits for it until the deadline. The lock row outlives a process that is
  killed while holding it (it is a row, not a session lock); a row older than
  :data:`STALE_LOCK_S` (Lambda's longest timeout) has no live owner and is removed.
* **The product's role** (``backlot.roles``) is created and granted under the same lock, after
  the migrations, so each deploy's grants cover that deploy's tables.
"""

from __future__ import annotations

import importlib
import logging
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from tenacity import RetryCallState, Retrying, retry_if_exception_type, wait_exponential
from yoyo import get_backend, read_migrations
from yoyo.backends import DatabaseBackend

from backlot import roles

PLATFORM_MIGRATIONS = Path(__file__).with_name("migrations")

#: Seconds after which a ``yoyo_lock`` row is taken for one left by a killed process: 15 minutes,
#: the longest a Lambda function can run (AWS docs, "Configure Lambda function timeout").
STALE_LOCK_S = 900

#: Without a deadline (``backlot migrate``, ``backlot dev``, tests): how long to wait for the lock.
DEFAULT_LOCK_TIMEOUT_S = 60.0

#: Backoff between connection attempts: the n-th wait is uniform in [0, min(CAP, BASE * 2**n)]
#: seconds ("full jitter"), never past the deadline.
BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 10.0

#: The most a single connection attempt may take (libpq ``connect_timeout``), in seconds.
CONNECT_TIMEOUT_S = 10

log = logging.getLogger(__name__)

T = TypeVar("T")


class DatabaseUnavailable(RuntimeError):
    """The database did not accept a connection before the deadline (the message says why)."""


def migration_dirs(products: list[str]) -> list[Path]:
    """Return the platform's migration folder followed by each product's (``<product>/migrations``).

    Raises:
        ModuleNotFoundError: a product package is not importable.
    """
    dirs = [PLATFORM_MIGRATIONS]
    for product in products:
        module = importlib.import_module(product)
        dirs.append(Path(module.__file__).parent / "migrations")
    return [d for d in dirs if d.is_dir()]


def _yoyo_url(database_url: str, **params: object) -> str:
    """The yoyo URL (``postgresql+psycopg://``) of a libpq URL, with extra query parameters
    (yoyo passes them to ``psycopg.connect``)."""
    for prefix in ("postgresql://", "postgres://"):
        if database_url.startswith(prefix):
            database_url = "postgresql+psycopg://" + database_url[len(prefix):]
            break
    if not params:
        return database_url
    parts = urlsplit(database_url)
    query = dict(parse_qsl(parts.query)) | {k: str(v) for k, v in params.items()}
    return urlunsplit(parts._replace(query=urlencode(query)))


def retry_until(
    attempt: Callable[[float], T],
    *,
    deadline: float,
    retry_on: tuple[type[BaseException], ...],
    what: str,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    jitter: Callable[[], float] = random.random,
) -> T:
    """Call ``attempt(seconds_left)`` until it returns, waiting with capped exponential backoff and
    full jitter between failures, until ``deadline`` (a ``clock()`` value).

    The loop is tenacity's (``Retrying``): ``retry_if_exception_type(retry_on)``; the n-th wait is
    ``jitter()`` (uniform in [0, 1)) times ``wait_exponential(multiplier=BACKOFF_BASE_S,
    max=BACKOFF_CAP_S)`` (``BASE * 2**(n-1)``, capped), and never past the deadline: "full jitter"
    of the AWS Architecture Blog, "Exponential Backoff And Jitter". It stops when no time is left.
    ``clock``, ``sleep`` and ``jitter`` are injectable for tests.

    Args:
        attempt: does the work; gets the seconds left before the deadline (to bound its own timeout).
        retry_on: the exceptions that mean "try again"; anything else propagates at once.
        what: what is being waited for, for the log and the error message.

    Raises:
        DatabaseUnavailable: the deadline passed; the message names ``what``, the number of
            attempts, the seconds waited and the last error (also chained as ``__cause__``).
    """
    started = clock()
    backoff = wait_exponential(multiplier=BACKOFF_BASE_S, max=BACKOFF_CAP_S)

    def left() -> float:
        return max(deadline - clock(), 0.0)

    def wait(state: RetryCallState) -> float:
        return min(left(), jitter() * backoff(state))

    def log_retry(state: RetryCallState) -> None:
        wait_s = state.next_action.sleep if state.next_action else 0.0
        log.warning("%s not reachable (attempt %d), retrying in %.1f s: %s", what, state.attempt_number, wait_s,
                    state.outcome.exception() if state.outcome else None)

    def give_up(state: RetryCallState) -> NoReturn:
        exc = state.outcome.exception() if state.outcome else None
        raise DatabaseUnavailable(
            f"{what} not reachable after {state.attempt_number} attempts in {clock() - started:.0f} s: {exc}".strip()
        ) from exc

    retrying = Retrying(
        retry=retry_if_exception_type(retry_on),
        stop=lambda state: left() <= 0,
        wait=wait,
        sleep=sleep,
        before_sleep=log_retry,
        retry_error_callback=give_up,
    )
    return retrying(lambda: attempt(left()))


def connect_backend(database_url: str, *, deadline: float | None = None) -> DatabaseBackend:
    """Open yoyo's backend (its connection, and its lock table if missing).

    Without a deadline, one attempt; with one (a ``time.monotonic()`` value), attempts until then
    (:func:`retry_until`), each bounded by ``CONNECT_TIMEOUT_S`` and by the time left.

    Raises:
        DatabaseUnavailable: no connection before the deadline.
        psycopg.OperationalError: without a deadline, the one attempt failed.
    """
    if deadline is None:
        return get_backend(_yoyo_url(database_url))

    def attempt(left: float) -> DatabaseBackend:
        timeout = max(1, min(CONNECT_TIMEOUT_S, int(left)))  # libpq: whole seconds, 2 at least in effect
        return get_backend(_yoyo_url(database_url, connect_timeout=timeout))

    host = urlsplit(database_url).hostname or "local socket"
    return retry_until(attempt, deadline=deadline, retry_on=(psycopg.OperationalError,), what=f"database at {host}")


def clear_stale_lock(backend: DatabaseBackend) -> int:
    """Delete a ``yoyo_lock`` row older than :data:`STALE_LOCK_S`; return how many were deleted.

    yoyo writes ``ctime`` as a UTC timestamp without a time zone.
    """
    with backend.transaction():
        cursor = backend.execute(
            f"DELETE FROM {backend.lock_table_quoted} "
            f"WHERE ctime < (now() AT TIME ZONE 'UTC') - make_interval(secs => {float(STALE_LOCK_S)})"
        )
        deleted = cursor.rowcount
    if deleted:
        log.warning("removed a migration lock older than %d s (its holder was stopped)", STALE_LOCK_S)
    return deleted


def apply(
    database_url: str,
    products: list[str],
    *,
    deadline: float | None = None,
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
) -> list[str]:
    """Apply every pending migration of the platform and the given products, in order, then
    create and grant each product's role (``backlot.roles.ensure_product_role``).

    Holds yoyo's lock, so concurrent deploys or ``backlot dev`` starts do not race.

    Args:
        database_url: libpq URL of a user that owns the schemas and may create roles.
        deadline: ``time.monotonic()`` value to give up by: connection attempts are retried until
            then, the lock is waited for until then, and no single statement may run past it
            (``statement_timeout``). None: one connection attempt, ``lock_timeout_s`` for the lock.
        lock_timeout_s: without a deadline, seconds to wait for another migration's lock.

    Returns:
        the ids of the migrations applied now (empty when the database was up to date).

    Raises:
        DatabaseUnavailable: no connection before the deadline.
        yoyo.exceptions.LockTimeout: another migration held the lock until the deadline.
        psycopg.errors.QueryCanceled: a statement was still running at the deadline.
    """
    backend = connect_backend(database_url, deadline=deadline)
    try:
        migrations = read_migrations(*[str(d) for d in migration_dirs(products)])
        clear_stale_lock(backend)
        wait = lock_timeout_s if deadline is None else deadline - time.monotonic()
        if wait <= 0:
            raise DatabaseUnavailable("no time left to wait for the migration lock")
        with backend.lock(timeout=wait):
            if deadline is not None:
                _statement_timeout(backend, deadline)
            pending = backend.to_apply(migrations)
            backend.apply_migrations(pending)
            for product in products:
                roles.ensure_product_role(backend.connection, product)
    finally:
        backend.connection.close()
    return [m.id for m in pending]


def _statement_timeout(backend: DatabaseBackend, deadline: float) -> None:
    left_ms = max(1, int((deadline - time.monotonic()) * 1000))
    backend.connection.execute("SELECT set_config('statement_timeout', %s, false)", (f"{left_ms}ms",))
