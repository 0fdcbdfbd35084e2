"""Polling helpers for end-to-end tests (work that finishes in a queue consumer or a job)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def wait_until(check: Callable[[], T], timeout: float = 90.0) -> T:
    """Call ``check`` every 0.5 s until it returns something truthy, and return that.

    Raises:
        AssertionError: nothing truthy within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError("not done in time")


def training_photos(shared_data: Path, count: int) -> list[tuple[str, bytes]]:
    """``count`` (name, bytes) JPEGs from ``shared/data/images`` (orientation set + one with GPS),
    repeated as needed: a styles training set of real photos."""
    folder = shared_data / "images" / "orientation"
    files = sorted(folder.glob("*.jpg")) + [shared_data / "images" / "gps" / "exif_gps.jpg"]
    return [(f"{i:03d}-{files[i % len(files)].name}", files[i % len(files)].read_bytes()) for i in range(count)]
