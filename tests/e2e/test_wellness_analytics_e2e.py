"""Wellness analytics over HTTP against ``backlot dev`` (issue 10 items 5-7): an upload's
recalculation goes through the real queue (``RecalculateQueue`` → ``RecalculateFunction``), so
within seconds the caller sees patterns with reasons, goal progress, streaks and a wellness
score; the real StayFree export gives statistics too, and says which detectors lack data."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest

pytestmark = pytest.mark.e2e

KINDS = ("app_usage_time", "app_usage_count", "device_unlocks")


def client_for(dev_server, user: str) -> httpx.Client:
    return httpx.Client(base_url=dev_server.url, timeout=120,
                        headers={"Authorization": f"Bearer {dev_server.token(user)}"})


def new_device(http: httpx.Client) -> str:
    found = http.post("/wellness/api/devices/", json={"name": "Phone", "platform": "android", "personality_type": "anxious"})
    assert found.status_code == 201, found.text
    return found.json()["id"]


def eventually(probe: Callable[[], Any], seconds: float = 30.0) -> Any:
    """Poll ``probe`` until it returns something truthy (the queue is asynchronous)."""
    deadline = time.monotonic() + seconds
    while True:
        got = probe()
        if got or time.monotonic() > deadline:
            return got
        time.sleep(0.5)


def test_an_upload_shows_patterns_goals_and_score_within_seconds(dev_server) -> None:
    with client_for(dev_server, f"ana-{uuid.uuid4().hex[:6]}") as http:
        device = new_device(http)
        today = datetime.now(timezone.utc).date()
        days, sessions = [], []
        for n in range(1, 29):
            d = today - timedelta(days=n)
            recent = n <= 7
            days.append({"date": d.isoformat(), "screen_time_minutes": 150, "unlocks": 140 if recent else 50, "notifications": 30,
                         "apps": [{"app": "com.instagram.android", "name": "Instagram", "category": "Social", "minutes": 100, "launches": 20},
                                  {"app": "com.slack", "name": "Slack", "category": "Productivity", "minutes": 50, "launches": 5}]})
            if recent:
                sessions.append({"app": "com.instagram.android", "start": f"{d.isoformat()}T23:10:00+00:00",
                                 "end": f"{(d + timedelta(days=1)).isoformat()}T00:05:00+00:00"})
        started = time.monotonic()
        up = http.post("/wellness/api/usage/data/bulk_upload/", json={"device_id": device, "days": days, "sessions": sessions})
        assert up.status_code == 200, up.text

        def active_types() -> set[str]:
            r = http.get("/wellness/api/usage/patterns/", params={"status": "active"})
            assert r.status_code == 200, r.text
            found = {p["pattern_type"] for p in r.json()["results"]}
            return found if {"phantom_vibration", "night_owl", "doom_scrolling"} <= found else set()

        found = eventually(active_types)
        seconds = time.monotonic() - started
        assert found, dev_server.log()[-3000:]
        assert seconds < 30
        print(f"patterns visible {seconds:.1f} s after the upload was sent")
        stats = http.get("/wellness/api/analytics/stats/").json()
        assert 0 <= stats["wellness_score"] <= 100 and stats["as_of"] == (today - timedelta(days=1)).isoformat()
        assert stats["current_streak"] == 28 and stats["metrics"]["days_tracked"] == 28  # 150 min a day: within 3 h
        goal = http.post("/wellness/api/usage/goals/", json={"goal_type": "daily_screen_time", "target": 120})
        assert goal.status_code == 201 and goal.json()["achieved_days"] == 0 and goal.json()["measured_days"] == 28
        assert http.get("/wellness/api/analytics/stats/").json()["current_streak"] == 0
        week = http.get("/wellness/api/analytics/comparisons/", params={"period": "week"}).json()
        assert week["change_pct"]["unlocks"] == 180.0


def test_the_stayfree_export_gives_statistics_and_says_what_is_missing(dev_server, shared_data: Path) -> None:
    folder = shared_data / "usage" / "stayfree_personal"
    with client_for(dev_server, f"sf-{uuid.uuid4().hex[:6]}") as http:
        device = new_device(http)
        files = {k: (f"{k}_motorola.csv", (folder / f"{k}_motorola.csv").read_bytes(), "text/csv") for k in KINDS}
        found = http.post("/wellness/api/usage/data/import/stayfree/", data={"device_id": device}, files=files)
        assert found.status_code == 200, found.text

        def stats() -> dict | None:
            body = http.get("/wellness/api/analytics/stats/").json()
            return body if body["as_of"] == "2024-04-22" else None

        body = eventually(stats, 60)
        assert body, dev_server.log()[-3000:]
        assert body["metrics"]["days_tracked"] == 552 and body["wellness_score"] is not None
        assert body["longest_streak"] >= 1 and body["current_streak"] == 0  # the export ends in 2024
        verdicts = {c["pattern_type"]: c for c in body["pattern_checks"]}
        assert verdicts["night_owl"]["verdict"] == "insufficient_data" and "time of day" in verdicts["night_owl"]["reason"]
        assert verdicts["phantom_vibration"]["verdict"] in ("detected", "not_detected")
        patterns = http.get("/wellness/api/usage/patterns/").json()["results"]
        assert all(p["reason"] and p["metadata"] for p in patterns)
