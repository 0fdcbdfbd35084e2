"""The local services functions talk to: PostgreSQL and the AWS emulator.

:class:`LocalServices` uses ``DATABASE_URL`` / ``AWS_ENDPOINT_URL`` when they are set; otherwise,
with ``reuse_dev``, the database and emulator of a running ``backlot dev`` (recorded in
``<state>/dev.json``); otherwise it starts embedded PostgreSQL (``<state>/pgdata``) and moto itself.
:meth:`LocalServices.overrides` are the environment variables every function gets on top of its
template ``Environment`` (the database URL, the emulator endpoint, fake credentials, the region, and
Powertools tracing/metrics switched off because there is no X-Ray daemon or CloudWatch locally).
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

from backlot_local import REGION
from backlot_local.database import EmbeddedPostgres, start_embedded
from backlot_local.emulator import CREDENTIALS, MotoServer, start_moto

DEV_FILE = "dev.json"


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
            self.postgres = start_embedded(self.state / "pgdata", log=self.log)
            self.database_url = self.postgres.url
            self.log(f"[db] embedded PostgreSQL with pgvector, data in {self.postgres.pgdata}")
        return self.database_url

    def start_emulator(self) -> str:
        """``AWS_ENDPOINT_URL``, a running dev server's emulator, or moto on a free loopback port."""
        if os.environ.get("AWS_ENDPOINT_URL"):
            self.aws_endpoint = os.environ["AWS_ENDPOINT_URL"]
            self.log(f"[aws] using AWS_ENDPOINT_URL={self.aws_endpoint}")
        elif self.reuse_dev and (dev := running_dev(self.state)):
            self.aws_endpoint = dev["aws_endpoint"]
            self.log(f"[aws] using the emulator of the running backlot dev at {self.aws_endpoint}")
        else:
            self.moto = start_moto()
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
