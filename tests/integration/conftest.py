"""Integration fixtures: real PostgreSQL (pgvector) and the AWS emulator, started once per session."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.conftest import REPO_ROOT
from tests.support.services import aws_emulator, postgres

#: every product package: functions/<name>/<name>/__init__.py
PRODUCTS = sorted(d.name for d in (REPO_ROOT / "functions").iterdir() if (d / d.name / "__init__.py").is_file())


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh database with every migration applied; ``DATABASE_URL`` points at it."""
    from backlot import db, migrations

    with postgres() as url:
        os.environ["DATABASE_URL"] = url
        migrations.apply(url, PRODUCTS)
        yield url
        db.reset()


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    """A moto server on loopback; ``AWS_ENDPOINT_URL`` points at it."""
    with aws_emulator() as endpoint:
        os.environ["AWS_ENDPOINT_URL"] = endpoint
        yield endpoint
