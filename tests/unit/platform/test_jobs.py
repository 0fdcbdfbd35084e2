"""The scheduled-job wrapper (backlot.jobs): the job gets the context and the environment's one
database connection, its summary is returned and logged, and a failure is not swallowed (the
Scheduler's retry policy and dead-letter queue must see it)."""

from __future__ import annotations

from typing import Any

import pytest

from backlot import db
from backlot.jobs import remaining_ms, scheduled_job_handler
from tests.support.apigw import LambdaContext

SCHEDULER_EVENT = {"version": "0", "detail-type": "Scheduled Event", "source": "aws.scheduler", "detail": "{}"}


def test_the_job_runs_in_the_invocation_scope_and_its_summary_is_returned_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    seen: dict[str, Any] = {}

    def sweep(context: Any) -> dict[str, int]:
        seen["remaining_ms"] = remaining_ms(context)()
        seen["scoped"] = db._scoped.get() is db._environment_slot  # noqa: SLF001 - the scope under test
        return {"done": 3, "failed": 0}

    handler = scheduled_job_handler(sweep)
    assert handler(SCHEDULER_EVENT, LambdaContext()) == {"done": 3, "failed": 0}
    assert seen == {"remaining_ms": 10_000, "scoped": True}
    assert db._scoped.get() is None  # noqa: SLF001 - the scope ends with the invocation
    (finished,) = [r for r in caplog.records if r.getMessage() == "scheduled job finished"]
    assert finished.job == "sweep" and finished.summary == {"done": 3, "failed": 0}


def test_a_failing_job_fails_the_invocation() -> None:
    def broken(context: Any) -> dict[str, int]:
        raise RuntimeError("database unreachable")

    with pytest.raises(RuntimeError, match="database unreachable"):
        scheduled_job_handler(broken)(SCHEDULER_EVENT, LambdaContext())
    assert db._scoped.get() is None  # noqa: SLF001 - released even on failure


def test_remaining_ms_without_a_deadline() -> None:
    assert remaining_ms(object()) is None
    clock = remaining_ms(LambdaContext())
    assert clock is not None and clock() == 10_000
