"""Shared helpers of the styles integration tests: users, balances and running things at once."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any


def new_user(welcome: bool = True) -> uuid.UUID:
    """A new styles user (made as on first sight: 100 welcome tokens), or without the grant."""
    from backlot import db

    from styles.users import repository, service

    user_id = uuid.uuid4()
    with db.transaction() as conn:
        if welcome:
            service.ensure_user_in(conn, service.Identity(user_id=user_id, email=f"{user_id}@example.com"))
        else:
            repository.insert_user(conn, user_id=user_id, email=None, display_name=None, profile_image_url=None,
                                   provider=None, provider_user_id=None)
    return user_id


def at_once(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` for i in 0..count-1 in ``count`` threads released together (a barrier); each
    thread has its own database connection. Returns each result or the exception it raised."""
    from backlot import db

    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        try:
            db.connection()  # connect before the barrier, so the work itself starts together
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc
        finally:
            db.reset()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results
