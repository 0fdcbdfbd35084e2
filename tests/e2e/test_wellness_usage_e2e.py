"""Wellness usage over HTTP against ``backlot dev``, as a phone app would (issue 10 items 4 and 8):
a token, a device, the real StayFree export imported, the summary and top apps checked against
totals computed here from the files with the csv module, and hostile uploads each refused by
record with the valid records of the same upload kept."""

from __future__ import annotations

import csv
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e

UPLOAD = "/wellness/api/usage/data/bulk_upload/"
KINDS = ("app_usage_time", "app_usage_count", "device_unlocks")


def client_for(dev_server, user: str) -> httpx.Client:
    return httpx.Client(base_url=dev_server.url, timeout=120,
                        headers={"Authorization": f"Bearer {dev_server.token(user)}"})


@pytest.fixture(scope="module")
def alice(dev_server) -> httpx.Client:
    with client_for(dev_server, f"alice-{uuid.uuid4().hex[:6]}") as http:
        yield http


def new_device(http: httpx.Client, name: str = "Moto") -> str:
    found = http.post("/wellness/api/devices/", json={"name": name, "platform": "android", "personality_type": "snarky"})
    assert found.status_code == 201, found.text
    return found.json()["id"]


def whole(value: str) -> int:
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_the_stayfree_export_end_to_end(alice: httpx.Client, shared_data: Path) -> None:
    folder = shared_data / "usage" / "stayfree_personal"
    device = new_device(alice)
    files = {k: (f"{k}_motorola.csv", (folder / f"{k}_motorola.csv").read_bytes(), "text/csv") for k in KINDS}
    found = alice.post("/wellness/api/usage/data/import/stayfree/", data={"device_id": device}, files=files)
    assert found.status_code == 200, found.text
    assert found.json()["accepted"]["days"] == 552
    with (folder / "app_usage_time_motorola.csv").open(encoding="utf-8", newline="") as f:
        times = {r["date"]: r for r in csv.DictReader(f, delimiter=";")}
    with (folder / "device_unlocks_motorola.csv").open(encoding="utf-8", newline="") as f:
        unlocks = {r["date"]: float(r["Device Unlocks"]) for r in csv.DictReader(f, delimiter=";")}
    # the summary reads at most 366 days: the export in two periods
    for start, end in ((date(2022, 10, 19), date(2023, 10, 18)), (date(2023, 10, 19), date(2024, 4, 22))):
        summary = alice.get("/wellness/api/usage/data/summary/", params={"start": str(start), "end": str(end)})
        assert summary.status_code == 200, summary.text
        got = {d["date"]: (d["screen_time_minutes"], d["unlocks"]) for d in summary.json()["days"]}
        want = {d: (whole(r["total_usage"]), int(unlocks[d]) if unlocks[d].is_integer() else None)
                for d, r in times.items() if str(start) <= d <= str(end)}
        assert got == want
    top = alice.get("/wellness/api/usage/data/top_apps/", params={"start": "2023-01-01", "end": "2023-12-31", "limit": 5})
    assert top.status_code == 200, top.text
    per_app: dict[str, float] = {}
    for d, row in times.items():
        if "2023-01-01" <= d <= "2023-12-31":
            for column, value in row.items():
                if column not in ("date", "total_usage"):
                    name = "Call of Duty" if column == "com.activision.callofduty.shooter" else column
                    per_app[name] = per_app.get(name, 0.0) + float(value)
    assert [a["app"] for a in top.json()["results"]] == sorted(per_app, key=per_app.get, reverse=True)[:5]
    page = alice.get("/wellness/api/usage/data/", params={"device": device, "limit": 3})
    assert [d["date"] for d in page.json()["results"]] == ["2024-04-22", "2024-04-21", "2024-04-20"]
    assert page.json()["next"] and "cursor=" in page.json()["next"]


def test_hostile_uploads_are_refused_by_record_and_the_rest_kept(dev_server, alice: httpx.Client) -> None:
    device = new_device(alice, "Pixel")
    yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).date().isoformat()
    body = {"device_id": device,
            "days": [{"date": "2024-03-01", "screen_time_minutes": 3000, "unlocks": 40},
                     {"date": "2024-03-02", "screen_time_minutes": 200, "unlocks": -5},
                     {"date": yesterday, "screen_time_minutes": 100,
                      "apps": [{"app": "com.instagram.android", "minutes": 60}, {"app": "com.x", "minutes": 5000}]}],
            "sessions": [{"app": "com.instagram.android", "start": "2024-03-01T23:12:00+01:00", "end": "2024-03-01T23:58:00+01:00"},
                         {"app": "com.instagram.android", "start": "2024-03-01T23:30:00+01:00", "end": "2024-03-02T00:20:00+01:00"},
                         {"app": "com.instagram.android", "start": "2024-03-01T12:00:00+01:00", "end": "2024-03-01T11:00:00+01:00"},
                         {"app": "com.instagram.android", "start": "2024-03-01T12:00:00+99:00", "end": "2024-03-01T13:00:00+01:00"},
                         {"app": "com.instagram.android", "start": "2024-03-01T12:00:00", "end": "2024-03-01T13:00:00"}],
            "unlock_events": ["2024-03-01T07:38:00+01:00", "2024-03-01T07:38:00"]}
    found = alice.post(UPLOAD, json=body)
    assert found.status_code == 200, found.text
    answer = found.json()
    assert answer["accepted"] == {"days": 3, "apps": 1, "sessions": 2, "unlock_events": 1}
    reasons = {r["path"]: r["reason"] for r in answer["rejected"]}
    assert set(reasons) == {"days[0].screen_time_minutes", "days[1].unlocks", "days[2].apps[1].minutes", "sessions[2]",
                            "sessions[3].start", "sessions[4].start", "unlock_events[1]"}
    assert "1440" in reasons["days[0].screen_time_minutes"] and "before it starts" in reasons["sessions[2]"]
    # the same upload again: the same answer, the same stored days (nothing counted twice)
    first = alice.get("/wellness/api/usage/data/summary/", params={"device": device, "start": "2024-03-01", "end": "2024-03-02"}).json()
    again = alice.post(UPLOAD, json=body)
    assert again.status_code == 200 and again.json() == answer
    assert alice.get("/wellness/api/usage/data/summary/", params={"device": device, "start": "2024-03-01", "end": "2024-03-02"}).json() == first
    assert [(d["date"], d["screen_time_minutes"], d["unlocks"]) for d in first["days"]] == [
        ("2024-03-01", None, 40), ("2024-03-02", 200, None)]
    # malformed JSON, a body over the limit, another user's device: refused whole, nothing stored
    bad = alice.post(UPLOAD, content=b'{"device_id": ', headers={"content-type": "application/json"})
    assert bad.status_code == 400 and bad.json()["code"] == "not_json"
    huge = alice.post(UPLOAD, content=b'{"device_id": "' + b"x" * 6_100_000 + b'"}', headers={"content-type": "application/json"})
    assert huge.status_code == 413, huge.text
    with client_for(dev_server, f"mallory-{uuid.uuid4().hex[:6]}") as mallory:
        stolen = mallory.post(UPLOAD, json={"device_id": device, "days": [{"date": "2024-03-03", "screen_time_minutes": 1}]})
        assert stolen.status_code == 404 and stolen.json()["code"] == "device_not_found"
        assert mallory.get("/wellness/api/usage/data/summary/", params={"device": device}).status_code == 404
    days = alice.get("/wellness/api/usage/data/", params={"device": device, "start": "2024-03-03", "end": "2024-03-03"})
    assert days.json()["results"] == []
