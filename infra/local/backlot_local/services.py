"""The local services functions talk to: PostgreSQL and the AWS emulator.

:class:`LocalServices` uses ``DATABASE_URL`` / ``AWS_ENDPOINT_URL`` when they are set; otherwise,
with ``reuse_dev``, the database and emulator of a running ``backlot dev`` (recorded in
``<state>/dev.json``); otherwise it starts embedded PostgreSQL (``<state>/pgdata``) and moto itself.
:meth:`LocalServices.overrides` are the environment variables every function gets on top of its
template ``Environment`` (the database URL, the emulator endpoint, fake credentials, the region, and
Powertools tracing/metrics switched off because there is no X-Ray daemon or CloudWatch locally).

The database and the emulator's S3 live and die together: the S3 recording
(``<state>/s3-recording.jsonl``, see :mod:`backlot_local.emulator`) is created with the database, and
a database whose recording is missing (deleted, or made by an older backlot) is removed before it
starts, so no row ever names a file the emulator has lost. :func:`reset` removes both on purpose.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

from backlot_local import REGION
from backlot_local.database import EmbeddedPostgres, start_embedded, stop_orphaned
from backlot_local.emulator import CREDENTIALS, MotoServer, start_moto

DEV_FILE = "dev.json"
RECORDING = "s3-recording.jsonl"
PGDATA = "pgdata"


class StateInUse(RuntimeError):
    """The state folder's database is in use by a live process; it cannot be reset now."""


def reset(state: Path, *, log: Callable[[str], None] = print) -> None:
    """Remove the embedded database and the S3 recording of ``state`` together (a server left
    running by a killed backlot is stopped first).

    Raises:
        StateInUse: a ``backlot dev`` runs on this state, or a live process holds the database.
    """
    if running_dev(state):
        raise StateInUse(f"a backlot dev runs on {state}; stop it first")
    pgdata = state / PGDATA
    stop_orphaned(pgdata)
    if (pgdata / "postmaster.pid").exists():
        raise StateInUse(f"PostgreSQL on {pgdata} is in use by another backlot process; stop it first")
    shutil.rmtree(pgdata, ignore_errors=True)
    (state / RECORDING).unlink(missing_ok=True)
    log(f"[backlot] reset: database and S3 of {state} removed")


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 80), timeout=1):
            return True
    except OSError:
        return False


def running_dev(state: Path) -> dict[str, str] | None:
    """What a running ``backlot dev`` recorded (``url``, ``aws_endpoint``, ``database_url``), if it is alive."""
    path = state / DEV_FILE
    try:
        info = json.loads(path.read_text())
        os.kill(int(info["pid"]), 0)
    except (OSError, ValueError, KeyError):
        return None
    return info if _reachable(info.get("aws_endpoint", "")) else None


class LocalServices:
    """Database and emulator for local functions.

    Args:
        state: the state folder (``pgdata`` lives there).
        reuse_dev: use a running ``backlot dev``'s database and emulator when there is one.
    """

    def __init__(self, state: Path, *, reuse_dev: bool = False, log: Callable[[str], None] = print):
        self.state, self.reuse_dev, self.log = state, reuse_dev, log
        self.database_url: str | None = None
        self.aws_endpoint: str | None = None
        self.postgres: EmbeddedPostgres | None = None
        self.moto: MotoServer | None = None
        self.owns_emulator = False

    def start_database(self) -> str:
        """``DATABASE_URL``, a running dev server's database, or embedded PostgreSQL."""
        if os.environ.get("DATABASE_URL"):
            self.database_url = os.environ["DATABASE_URL"]
            self.log("[db] using DATABASE_URL")
        elif self.reuse_dev and (dev := running_dev(self.state)):
            self.database_url = dev["database_url"]
            self.log(f"[db] using the database of the running backlot dev (pid {dev['pid']})")
        else:
            self._pair_with_emulator()
            self.postgres = start_embedded(self.state / PGDATA, log=self.log)
            self.database_url = self.postgres.url
            self.log(f"[db] embedded PostgreSQL with pgvector, data in {self.postgres.pgdata}")
        return self.database_url

    def _pair_with_emulator(self) -> None:
        """Before the embedded database starts: when our own emulator will keep S3 in the recording
        and the recording is missing while the database exists, remove the database (its rows would
        name files that are gone); then make sure the recording exists."""
        if os.environ.get("AWS_ENDPOINT_URL"):
            return  # someone else's emulator: its state is its own business
        recording, pgdata = self.state / RECORDING, self.state / PGDATA
        if recording.exists():
            return
        if (pgdata / "PG_VERSION").exists():
            try:
                reset(self.state, log=lambda line: None)
            except StateInUse as exc:
                self.log(f"[backlot] S3 recording {recording} is missing but the database cannot be reset: {exc}")
                return
            self.log(f"[backlot] S3 recording {recording} was missing, so files the database names were gone: the database was reset too")
        recording.touch()

    def start_emulator(self) -> str:
        """``AWS_ENDPOINT_URL``, a running dev server's emulator, or moto on a free loopback port."""
        if os.environ.get("AWS_ENDPOINT_URL"):
            self.aws_endpoint = os.environ["AWS_ENDPOINT_URL"]
            self.log(f"[aws] using AWS_ENDPOINT_URL={self.aws_endpoint}")
        elif self.reuse_dev and (dev := running_dev(self.state)):
            self.aws_endpoint = dev["aws_endpoint"]
            self.log(f"[aws] using the emulator of the running backlot dev at {self.aws_endpoint}")
        else:
            self.moto = start_moto(self.state / RECORDING, log=self.log)
            self.aws_endpoint = self.moto.endpoint
            self.owns_emulator = True
            self.log(f"[aws] moto (S3, SQS, ...) on {self.aws_endpoint}")
        return self.aws_endpoint

    def overrides(self) -> dict[str, str]:
        """Environment variables every local function gets on top of its template environment."""
        if self.database_url is None or self.aws_endpoint is None:
            raise RuntimeError("start the database and the emulator first")
        return {
            "DATABASE_URL": self.database_url,
            "AWS_ENDPOINT_URL": self.aws_endpoint,
            **CREDENTIALS,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }

    def stop(self) -> None:
        """Stop what this object started (moto, then this process's PostgreSQL handle)."""
        if self.moto is not None:
            self.moto.stop()
            self.moto = None
        if self.postgres is not None:
            self.postgres.stop()
            self.postgres = None
