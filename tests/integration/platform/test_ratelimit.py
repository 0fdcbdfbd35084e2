"""backlot.ratelimit on real PostgreSQL: several windows at once, the Retry-After of the window
that is full, nothing written when refused, rows past the longest window pruned, and concurrent
takes of one user never passing a limit."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.rows import dict_row

from backlot.errors import TooManyRequests
from backlot.ratelimit import SlidingWindowLimiter, Window

LIMITER = SlidingWindowLimiter("public", "ratelimit_test_actions")


@pytest.fixture(scope="module")
def table(database_url: str) -> Iterator[str]:
    with psycopg.connect(database_url, autocommit=True) as c:
        c.execute("CREATE TABLE public.ratelimit_test_actions (user_id uuid NOT NULL, action text NOT NULL, "
                  "created_at timestamptz NOT NULL DEFAULT clock_timestamp())")
        yield database_url
        c.execute("DROP TABLE public.ratelimit_test_actions")


def take(url: str, user: uuid.UUID, windows: list[Window], action: str = "poke") -> None:
    with psycopg.connect(url, row_factory=dict_row) as c, c.transaction():
        LIMITER.take(c, user_id=user, action=action, windows=windows, what="pokes")


def rows(url: str, user: uuid.UUID) -> int:
    with psycopg.connect(url) as c:
        return c.execute("SELECT count(*) FROM public.ratelimit_test_actions WHERE user_id = %s", (user,)).fetchone()[0]


def age(url: str, user: uuid.UUID, seconds: int) -> None:
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("UPDATE public.ratelimit_test_actions SET created_at = created_at - make_interval(secs => %s) "
                  "WHERE user_id = %s", (seconds, user))


def test_the_full_window_says_how_long_to_wait(table: str) -> None:
    user = uuid.uuid4()
    windows = [Window(2, 60), Window(3, 3600)]
    take(table, user, windows)
    take(table, user, windows)
    with pytest.raises(TooManyRequests) as minute:
        take(table, user, windows)
    assert 55 <= minute.value.retry_after <= 60 and "2 per minute" in str(minute.value.detail)
    assert rows(table, user) == 2  # a refused action is not written
    age(table, user, 61)  # the minute has passed; the hour has one slot left
    take(table, user, windows)
    with pytest.raises(TooManyRequests) as hour:
        take(table, user, windows)
    assert 3470 <= hour.value.retry_after <= 3540 and "3 per hour" in str(hour.value.detail)
    # actions of another kind, or of another user, are counted apart
    take(table, user, windows, action="prod")
    take(table, uuid.uuid4(), windows)


def test_rows_past_the_longest_window_are_pruned(table: str) -> None:
    user = uuid.uuid4()
    for _ in range(3):
        take(table, user, [Window(5, 60)])
    age(table, user, 120)
    take(table, user, [Window(5, 60)])
    assert rows(table, user) == 1


def test_a_zero_limit_refuses_everything(table: str) -> None:
    with pytest.raises(TooManyRequests) as refused:
        take(table, uuid.uuid4(), [Window(0, 3600)])
    assert refused.value.retry_after >= 1 and refused.value.headers == {"Retry-After": str(refused.value.retry_after)}


def test_concurrent_takes_never_pass_the_limit(table: str) -> None:
    user = uuid.uuid4()
    barrier = threading.Barrier(8, timeout=10)
    outcomes: list[str] = []

    def one() -> None:
        barrier.wait()
        try:
            take(table, user, [Window(3, 60), Window(100, 86400)])
            outcomes.append("ok")
        except TooManyRequests:
            outcomes.append("429")

    threads = [threading.Thread(target=one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["429"] * 5 + ["ok"] * 3 and rows(table, user) == 3

