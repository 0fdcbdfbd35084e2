"""Fixtures for backlot_local's unit tests: the real templates and a small test application."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backlot_local.template import Application, load_application

REPO_ROOT = Path(__file__).resolve().parents[3]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
AWS_EVENTS = REPO_ROOT.parent / "shared" / "data" / "aws-events"


@pytest.fixture(scope="session")
def family_app() -> Application:
    """The real root template and its nested stacks, as ``backlot dev`` loads them."""
    return load_application(REPO_ROOT, aws_endpoint="http://127.0.0.1:5999")


@pytest.fixture(scope="session")
def test_app() -> Application:
    """The test application in ``fixtures/`` (JWT and Lambda authorizers, queues, schedules)."""
    return load_application(FIXTURES, aws_endpoint="http://127.0.0.1:5999")


@pytest.fixture(scope="session")
def aws_event():
    """Load a real sample event from ``../shared/data/aws-events``; skips when the folder is absent."""

    def load(relative: str) -> dict:
        path = AWS_EVENTS / relative
        if not path.is_file():
            pytest.skip(f"sample event {path} is absent (../shared/data is not beside the checkout)")
        return json.loads(path.read_text())

    return load
