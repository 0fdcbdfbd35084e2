"""Schedules: ``rate()``, ``cron()`` and ``at()`` expressions, and the events they send.

Expressions follow the EventBridge Scheduler User Guide ("Schedule types"):

* ``rate(value unit)`` with unit ``minute(s)``, ``hour(s)``, ``day(s)`` (singular exactly when the
  value is 1); the first run is one interval after the schedule is created (here: when
  ``backlot dev`` starts).
* ``cron(minutes hours day-of-month month day-of-week year)``: six fields, one of day-of-month and
  day-of-week must be ``?``; day-of-week is 1-7 = SUN-SAT (or SUN-SAT names), with ``L`` ("6L" =
  last Friday) and ``#`` ("2#1" = first Monday); day-of-month allows ``L`` and ``W``. Evaluated in
  ``ScheduleExpressionTimezone`` (default UTC) with croniter after translating to its 5-field syntax
  (day-of-week 0-6 = SUN-SAT); the year field is applied as a filter.
* ``at(yyyy-mm-ddThh:mm:ss)``: once.

Events: a ``ScheduleV2`` (EventBridge Scheduler) target without ``Input`` receives Scheduler's
default event, whose ``detail`` is the string ``"{}"``
(``shared/data/aws-events/powertools/eventBridgeSchedulerEvent.json``); a ``Schedule`` (EventBridge
rule) sends the classic ``aws.events`` event with ``detail: {}``. With ``Input``, the input itself
(parsed JSON) is the event.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from backlot_local import ACCOUNT_ID, REGION
from backlot_local.template import Function, ScheduleSource
from backlot_local.workers import InvokeResult


class ScheduleExpressionError(ValueError):
    """The expression is not a valid rate(), cron() or at() expression."""


_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class RateSchedule:
    """Every ``interval``, counted from ``anchor``."""

    interval: timedelta
    anchor: datetime

    def next_after(self, after: datetime) -> datetime:
        """The first run strictly after ``after``."""
        if after < self.anchor:
            return self.anchor + self.interval
        periods = int((after - self.anchor) / self.interval) + 1
        return self.anchor + periods * self.interval


def parse_rate(expression: str, anchor: datetime) -> RateSchedule:
    """Parse ``rate(5 minutes)``.

    Raises:
        ScheduleExpressionError: bad syntax, a zero value, or a unit whose number does not agree
            with the value (``rate(1 minutes)``, ``rate(2 hour)``), which AWS rejects.
    """
    match = _RATE.match(expression.strip())
    if not match:
        raise ScheduleExpressionError(f"not a rate expression: {expression!r}")
    value, unit = int(match.group(1)), match.group(2)
    if value <= 0:
        raise ScheduleExpressionError(f"rate value must be positive: {expression!r}")
    if (value == 1) != (not unit.endswith("s")):
        raise ScheduleExpressionError(f"use the singular unit for 1 and the plural otherwise: {expression!r}")
    return RateSchedule(timedelta(seconds=value * _UNIT_SECONDS[unit.rstrip("s")]), anchor)


_DOW_NAMES = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}


def _dow_value(text: str) -> str:
    if text.upper() in _DOW_NAMES:
        return text.upper()
    if not text.isdigit() or not 1 <= int(text) <= 7:
        raise ScheduleExpressionError(f"day-of-week {text!r} is not 1-7 or SUN-SAT")
    return str(int(text) - 1)


def _translate_dow(field: str) -> str:
    if field in ("?", "*"):
        return "*"
    parts = []
    for token in field.split(","):
        if token.endswith("L") and len(token) > 1:
            parts.append("L" + _dow_value(token[:-1]))
        elif "#" in token:
            day, nth = token.split("#", 1)
            parts.append(f"{_dow_value(day)}#{nth}")
        else:
            base, slash, step = token.partition("/")
            if base == "*":
                translated = "*"
            elif "-" in base:
                low, high = base.split("-", 1)
                translated = f"{_dow_value(low)}-{_dow_value(high)}"
            else:
                translated = _dow_value(base)
            parts.append(translated + (slash + step if slash else ""))
    return ",".join(parts)


def _year_matcher(field: str) -> Callable[[int], bool]:
    if field in ("*", "?"):
        return lambda year: True
    tests: list[Callable[[int], bool]] = []
    for token in field.split(","):
        base, _, step = token.partition("/")
        stride = int(step) if step else 1
        if base == "*":
            low, high = 1970, 2199
        elif "-" in base:
            low, high = (int(v) for v in base.split("-", 1))
        else:
            low = int(base)
            high = 2199 if step else low
        tests.append(lambda year, lo=low, hi=high, st=stride: lo <= year <= hi and (year - lo) % st == 0)
    return lambda year: any(test(year) for test in tests)


@dataclass(frozen=True)
class CronSchedule:
    """An AWS 6-field cron expression in a time zone."""

    croniter_expression: str
    year_field: str
    zone: str

    def next_after(self, after: datetime) -> datetime | None:
        """The first run strictly after ``after`` (None when the year field excludes every later run)."""
        from croniter import croniter

        matches_year = _year_matcher(self.year_field)
        zone = ZoneInfo(self.zone)
        start = after.astimezone(zone)
        while True:
            candidate: datetime = croniter(self.croniter_expression, start).get_next(datetime)
            if candidate.year > 2199:
                return None
            if matches_year(candidate.year):
                return candidate.astimezone(timezone.utc)
            year = next((y for y in range(candidate.year + 1, 2200) if matches_year(y)), None)
            if year is None:
                return None
            start = datetime(year, 1, 1, tzinfo=zone) - timedelta(seconds=1)


def parse_cron(expression: str, zone: str = "UTC") -> CronSchedule:
    """Parse ``cron(0 3 * * ? *)`` into a :class:`CronSchedule`.

    Raises:
        ScheduleExpressionError: not six fields, neither day field is ``?``, a day-of-week outside
            1-7, ``LW``, or a field croniter rejects.
    """
    text = expression.strip()
    if not (text.startswith("cron(") and text.endswith(")")):
        raise ScheduleExpressionError(f"not a cron expression: {expression!r}")
    fields = text[5:-1].split()
    if len(fields) != 6:
        raise ScheduleExpressionError(f"cron needs 6 fields (minutes hours day-of-month month day-of-week year): {expression!r}")
    minutes, hours, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise ScheduleExpressionError(f"exactly one of day-of-month and day-of-week must be '?': {expression!r}")
    if "LW" in dom.upper():
        raise ScheduleExpressionError(f"'LW' is not supported locally: {expression!r}")
    translated = f"{minutes} {hours} {'*' if dom == '?' else dom} {month} {_translate_dow(dow)}"
    from croniter import croniter

    if not croniter.is_valid(translated):
        raise ScheduleExpressionError(f"invalid cron expression {expression!r} (as croniter: {translated!r})")
    _year_matcher(year)
    return CronSchedule(translated, year, zone)


@dataclass(frozen=True)
class AtSchedule:
    """Once, at ``when``."""

    when: datetime

    def next_after(self, after: datetime) -> datetime | None:
        return self.when if self.when > after else None


def parse_schedule(expression: str, zone: str = "UTC", *, anchor: datetime | None = None) -> RateSchedule | CronSchedule | AtSchedule:
    """Parse any schedule expression; ``anchor`` is when a rate schedule starts counting (now by default).

    Raises:
        ScheduleExpressionError: see :func:`parse_rate` and :func:`parse_cron`.
    """
    text = expression.strip()
    if text.startswith("rate("):
        return parse_rate(text, anchor or datetime.now(timezone.utc))
    if text.startswith("cron("):
        return parse_cron(text, zone)
    if text.startswith("at(") and text.endswith(")"):
        try:
            when = datetime.fromisoformat(text[3:-1]).replace(tzinfo=ZoneInfo(zone))
        except ValueError as exc:
            raise ScheduleExpressionError(f"invalid at() expression: {expression!r}") from exc
        return AtSchedule(when.astimezone(timezone.utc))
    raise ScheduleExpressionError(f"not a schedule expression: {expression!r}")


def schedule_event(source: ScheduleSource, when: datetime) -> Any:
    """The event a schedule sends at ``when`` (see the module docstring)."""
    if source.input is not None:
        try:
            return json.loads(source.input)
        except json.JSONDecodeError:
            return source.input
    stamp = when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if source.kind == "ScheduleV2":
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.scheduler",
            "account": ACCOUNT_ID,
            "time": stamp,
            "region": REGION,
            "resources": [f"arn:aws:scheduler:{REGION}:{ACCOUNT_ID}:schedule/default/{source.name}"],
            "detail": "{}",
        }
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": stamp,
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{source.name}"],
        "detail": {},
    }


class Scheduler:
    """Fires every enabled schedule at its times, each run in its own thread.

    Raises (at construction):
        ScheduleExpressionError: a schedule's expression is invalid.
    """

    def __init__(self, schedules: list[ScheduleSource], invoke: Callable[[Function, Any], InvokeResult], *, log: Callable[[str], None] = print):
        now = datetime.now(timezone.utc)
        self.invoke, self.log = invoke, log
        self.entries = [(s, parse_schedule(s.expression, s.timezone, anchor=now)) for s in schedules if s.enabled]
        self.next_runs: dict[int, datetime | None] = {i: e[1].next_after(now) for i, e in enumerate(self.entries)}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        for source in schedules:
            if not source.enabled:
                log(f"[schedule] {source.function.id} {source.kind} {source.expression}: disabled")

    def _fire(self, source: ScheduleSource, when: datetime) -> None:
        started = time.perf_counter()
        result = self.invoke(source.function, schedule_event(source, when))
        outcome = "ok" if result.ok else f"error {result.error.get('errorType') if result.error else ''}"
        took = (time.perf_counter() - started) * 1000
        self.log(f"[schedule] {source.function.id} <- {source.kind} {source.expression} ({source.name}): {outcome} [{took:.0f} ms]")

    def run(self) -> None:
        """Sleep until the next run, fire what is due, repeat until :meth:`stop`."""
        while not self._stop.is_set():
            upcoming = [t for t in self.next_runs.values() if t is not None]
            if not upcoming:
                return
            delay = (min(upcoming) - datetime.now(timezone.utc)).total_seconds()
            if delay > 0 and self._stop.wait(min(delay, 60)):
                return
            now = datetime.now(timezone.utc)
            for index, (source, schedule) in enumerate(self.entries):
                when = self.next_runs[index]
                if when is not None and when <= now:
                    threading.Thread(target=self._fire, args=(source, when), daemon=True).start()
                    self.next_runs[index] = schedule.next_after(when)

    def start(self) -> None:
        """Run in a daemon thread."""
        for index, (source, _) in enumerate(self.entries):
            self.log(f"[schedule] {source.function.id} <- {source.kind} {source.expression} ({source.timezone}); next run {self.next_runs[index]}")
        self._thread = threading.Thread(target=self.run, name="scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop firing (runs in flight finish on their own)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
