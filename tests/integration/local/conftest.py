"""Integration fixtures for backlot_local: moto and embedded PostgreSQL started for real, once per
session, through the local runtime's own functions, with the resources of the real templates."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from backlot_local.database import EmbeddedPostgres, start_embedded
from backlot_local.emulator import client, provision, start_moto
from backlot_local.template import Application, load_application

REPO_ROOT = Path(__file__).resolve().parents[3]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
AWS_EVENTS = REPO_ROOT.parent / "shared" / "data" / "aws-events"


@pytest.fixture(scope="session")
def local_moto() -> Iterator[str]:
    """moto in server mode on a free loopback port (``backlot dev``'s emulator); yields its URL."""
    server = start_moto()
    yield server.endpoint
    server.stop()


@pytest.fixture(scope="session")
def local_postgres() -> Iterator[EmbeddedPostgres]:
    """Embedded PostgreSQL with pgvector in a temporary data folder.

    The folder is not under pytest's ``tmp_path``: PostgreSQL runs as another user when the tests
    run as root, and every new pytest session makes ``/tmp/pytest-of-<user>`` private again (0700),
    which would lock that user out in the middle of ``initdb``.
    """
    folder = Path(tempfile.mkdtemp(prefix="backlot-local-pg-"))
    server = start_embedded(folder / "pgdata")
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def family_app(local_moto: str) -> Application:
    """The real templates, with their buckets, queues and notifications created on the emulator."""
    app = load_application(REPO_ROOT, aws_endpoint=local_moto)
    provision(app, local_moto, log=lambda line: None)
    return app


@pytest.fixture(scope="session")
def jobs_app(local_moto: str) -> Application:
    """The consumer test application in ``fixtures/``, provisioned on the emulator."""
    app = load_application(FIXTURES, aws_endpoint=local_moto)
    provision(app, local_moto, log=lambda line: None)
    return app


def drain(sqs, url: str) -> None:
    """Delete every visible message of a queue (PurgeQueue is limited to once a minute)."""
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            return
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture()
def sqs(local_moto: str):
    return client("sqs", local_moto)


@pytest.fixture()
def s3(local_moto: str):
    return client("s3", local_moto)
