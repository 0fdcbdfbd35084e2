"""Shared pytest setup: the repository's paths and the real data folder beside it."""

from __future__ import annotations

from pathlib import Path

import logging

import pytest

logging.getLogger("werkzeug").setLevel(logging.WARNING)

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (real inputs written outside this project); skips when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent")
    return SHARED_DATA
