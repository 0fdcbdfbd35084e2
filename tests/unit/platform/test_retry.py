"""The connection retry loop of the migrations (``backlot.migrations.retry_until``) on a fake
clock: capped exponential backoff with full jitter, never past the deadline, and only for the
errors that mean "not up yet"."""

from __future__ import annotations

import pytest

from backlot import migrations


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def test_waits_grow_exponentially_up_to_the_cap_and_stop_at_the_deadline() -> None:
    t = FakeTime()
    lefts: list[float] = []

    def refuse(left: float) -> None:
        lefts.append(left)
        raise ConnectionRefusedError("refused")

    with pytest.raises(migrations.DatabaseUnavailable, match=r"^db not reachable after 11 attempts in 60 s: refused$"):
        migrations.retry_until(
            refuse, deadline=60.0, retry_on=(ConnectionRefusedError,), what="db",
            clock=t.clock, sleep=t.sleep, jitter=lambda: 1.0,  # the top of each jitter range
        )
    assert t.waits == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0, 10.0, 4.5]  # the last one: what was left
    assert all(w <= migrations.BACKOFF_CAP_S for w in t.waits)
    assert t.now == 60.0, "the last wait ends at the deadline, not after it"
    assert lefts[0] == 60.0 and lefts[-1] == 0.0


def test_full_jitter_draws_each_wait_from_zero_to_the_exponential() -> None:
    t = FakeTime()
    draws = iter([0.5, 0.25, 0.1])

    def refuse_three_times(left: float) -> str:
        if len(t.waits) < 3:
            raise ConnectionRefusedError
        return "connected"

    out = migrations.retry_until(
        refuse_three_times, deadline=100.0, retry_on=(ConnectionRefusedError,), what="db",
        clock=t.clock, sleep=t.sleep, jitter=lambda: next(draws),
    )
    assert out == "connected"
    assert t.waits == [0.25, 0.25, 0.2]  # 0.5*0.5, 0.25*1.0, 0.1*2.0


def test_other_errors_are_not_retried() -> None:
    t = FakeTime()

    def bad_password(left: float) -> None:
        raise PermissionError("password authentication failed")

    with pytest.raises(PermissionError):
        migrations.retry_until(
            bad_password, deadline=60.0, retry_on=(ConnectionRefusedError,), what="db", clock=t.clock, sleep=t.sleep
        )
    assert t.waits == []
