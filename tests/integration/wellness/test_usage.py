"""Usage ingestion through the handlers on real PostgreSQL and the emulated SQS queue (issue 10
items 4, 6 and 7): stored records, rejected records by path, idempotent re-uploads, concurrent
uploads of one day, another user's device, the StayFree export, summary and top apps, the
recalculation message and its consumer."""

from __future__ import annotations

import asyncio
import csv
import importlib.util
import json
import threading
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import boto3
import psycopg
import pytest

from tests.support.clients import ApiClient, QueueDriver

UPLOAD = "/api/usage/data/bulk_upload/"
IMPORT = "/api/usage/data/import/stayfree/"
KINDS = ("app_usage_time", "app_usage_count", "device_unlocks")


@pytest.fixture(scope="module")
def queue_url(wellness_env: dict[str, str]) -> str:
    """RecalculateQueue in the emulator, named in the settings as the template does."""
    import os

    from wellness.services import usage
    from wellness.settings import get_settings

    url = boto3.client("sqs").create_queue(QueueName=f"recalculate-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    os.environ["RECALCULATE_QUEUE_URL"] = url
    get_settings.cache_clear()
    usage._sqs.cache_clear()
    yield url
    os.environ.pop("RECALCULATE_QUEUE_URL", None)
    get_settings.cache_clear()


def user_uuid(subject: str) -> uuid.UUID:
    from backlot.auth import user_id_for_subject

    return user_id_for_subject(subject)


def new_device(api: ApiClient, database_url: str, user: str) -> str:
    """A device of ``user``, written as the devices endpoint stores one (the user made by /me/)."""
    assert api.get("/api/accounts/users/me/", user=user).status == 200
    device_id = uuid.uuid4()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("INSERT INTO wellness.devices (id, user_id, name, platform, personality_type)"
                     " VALUES (%s, %s, 'Moto', 'android', 'snarky')", (device_id, user_uuid(user)))
    return str(device_id)


@pytest.fixture()
def device(api: ApiClient, database_url: str, user: str) -> str:
    return new_device(api, database_url, user)


def rows(database_url: str, sql: str, *params: Any) -> list[tuple]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(sql, params).fetchall()


def day_state(database_url: str, device: str, day: str) -> tuple:
    totals = rows(database_url, "SELECT screen_time_minutes, unlocks FROM wellness.daily_usage"
                  " WHERE device_id = %s AND usage_date = %s", device, day)
    apps = rows(database_url, "SELECT app_key, minutes FROM wellness.app_daily_usage"
                " WHERE device_id = %s AND usage_date = %s ORDER BY app_key", device, day)
    return totals, apps


YESTERDAY = (datetime.now(timezone.utc) - timedelta(days=1)).date().isoformat()


def test_valid_records_are_stored_and_each_bad_one_is_named(api: ApiClient, database_url: str, user: str,
                                                           device: str, queue_url: str) -> None:
    body = {"device_id": device,
            "days": [{"date": "2024-03-01", "screen_time_minutes": 575, "unlocks": 67, "notifications": 80,
                      "first_pickup": "07:38",
                      "apps": [{"app": "com.google.android.youtube", "name": "YouTube", "minutes": 296, "launches": 10},
                               {"app": "com.bad", "minutes": -4}],
                      "categories": [{"category": "Social", "minutes": 226}]},
                     {"date": "2024-03-02", "screen_time_minutes": 3000, "unlocks": 12},
                     {"date": "2999-01-01", "screen_time_minutes": 10}],
            "sessions": [{"app": "com.instagram.android", "start": "2024-03-01T23:12:00+01:00", "end": "2024-03-01T23:58:00+01:00"},
                         {"app": "com.instagram.android", "start": "2024-03-01T23:50:00+01:00", "end": "2024-03-02T00:10:00+01:00"},
                         {"app": "x", "start": "2024-03-01T10:00:00+01:00", "end": "2024-03-01T09:00:00+01:00"},
                         {"app": "x", "start": "2024-03-01T10:00:00+25:00", "end": "2024-03-01T11:00:00+01:00"},
                         {"app": "x", "start": "2024-03-01T10:00:00", "end": "2024-03-01T11:00:00"}],
            "unlock_events": ["2024-03-01T07:38:00+01:00", "07:38"]}
    found = api.post(UPLOAD, body, user=user)
    assert found.status == 200, found.body
    assert found.body["accepted"] == {"days": 2, "apps": 1, "sessions": 2, "unlock_events": 1}
    assert {r["path"] for r in found.body["rejected"]} == {
        "days[0].apps[1].minutes", "days[1].screen_time_minutes", "days[2].date", "sessions[2]",
        "sessions[3].start", "sessions[4].start", "unlock_events[1]"}
    assert day_state(database_url, device, "2024-03-01") == ([(575, 67)], [("com.google.android.youtube", Decimal("296.0"))])
    assert day_state(database_url, device, "2024-03-02") == ([(None, 12)], [])
    sessions = rows(database_url, "SELECT app_key, started_at, ended_at, utc_offset_seconds FROM wellness.app_sessions"
                    " WHERE device_id = %s", device)
    assert [(s[0], s[2] - s[1], s[3]) for s in sessions] == [("com.instagram.android", timedelta(minutes=58), 3600)]
    # one recalculation message with the user's affected local dates
    messages = boto3.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    bodies = [json.loads(m["Body"]) for m in messages]
    assert {"user_id": str(user_uuid(user)), "dates": ["2024-03-01", "2024-03-02"]} in bodies


def test_uploading_a_day_again_replaces_it_and_nothing_counts_twice(api: ApiClient, database_url: str, user: str,
                                                                   device: str) -> None:
    body = {"device_id": device, "days": [{"date": YESTERDAY, "screen_time_minutes": 100, "unlocks": 5,
                                           "apps": [{"app": "a", "minutes": 60}, {"app": "b", "minutes": 40}]}],
            "sessions": [{"app": "a", "start": f"{YESTERDAY}T10:00:00+00:00", "end": f"{YESTERDAY}T11:00:00+00:00"}],
            "unlock_events": [f"{YESTERDAY}T09:59:00+00:00"]}
    for _ in range(2):
        assert api.post(UPLOAD, body, user=user).status == 200
    assert day_state(database_url, device, YESTERDAY) == ([(100, 5)], [("a", Decimal("60.0")), ("b", Decimal("40.0"))])
    assert rows(database_url, "SELECT count(*) FROM wellness.app_sessions WHERE device_id = %s", device) == [(1,)]
    assert rows(database_url, "SELECT count(*) FROM wellness.unlock_events WHERE device_id = %s", device) == [(1,)]
    summary = api.get("/api/usage/data/summary/", user=user, query={"start": YESTERDAY, "end": YESTERDAY})
    assert summary.body["days"] == [{"date": YESTERDAY, "screen_time_minutes": 100, "unlocks": 5,
                                     "notifications": None, "devices": 1}]
    # a new version of the day replaces the old one: app b is gone, not kept beside it
    body["days"][0] = {"date": YESTERDAY, "apps": [{"app": "a", "minutes": 30}]}
    assert api.post(UPLOAD, body, user=user).status == 200
    assert day_state(database_url, device, YESTERDAY) == ([(None, None)], [("a", Decimal("30.0"))])
    summary = api.get("/api/usage/data/summary/", user=user, query={"start": YESTERDAY, "end": YESTERDAY})
    assert summary.body["days"][0]["screen_time_minutes"] == 30  # no total sent: the apps' minutes
    # neither a total nor apps nor categories: no screen time (null), not a guess
    body["days"][0] = {"date": YESTERDAY, "unlocks": 3}
    assert api.post(UPLOAD, body, user=user).status == 200
    summary = api.get("/api/usage/data/summary/", user=user, query={"start": YESTERDAY, "end": YESTERDAY})
    assert summary.body["days"][0]["screen_time_minutes"] is None and summary.body["days"][0]["unlocks"] == 3


def test_sessions_overlapping_stored_ones_are_merged(api: ApiClient, database_url: str, user: str, device: str) -> None:
    first = {"device_id": device, "sessions": [{"app": "a", "start": "2024-03-01T10:00:00Z", "end": "2024-03-01T10:30:00Z"}]}
    second = {"device_id": device, "sessions": [{"app": "a", "start": "2024-03-01T10:20:00Z", "end": "2024-03-01T11:00:00Z"},
                                                {"app": "a", "start": "2024-03-01T09:00:00Z", "end": "2024-03-02T08:00:00Z"}]}
    assert api.post(UPLOAD, first, user=user).status == 200
    found = api.post(UPLOAD, second, user=user)
    # the long session chains with the two others into one of 23 h (under 24 h): one session
    assert found.status == 200 and found.body["rejected"] == []
    spans = rows(database_url, "SELECT started_at, ended_at FROM wellness.app_sessions WHERE device_id = %s", device)
    assert [(b.isoformat(), e.isoformat()) for b, e in spans] == [("2024-03-01T09:00:00+00:00", "2024-03-02T08:00:00+00:00")]
    third = {"device_id": device, "sessions": [{"app": "a", "start": "2024-03-02T07:00:00Z", "end": "2024-03-02T12:00:00Z"}]}
    found = api.post(UPLOAD, third, user=user)
    assert [r["path"] for r in found.body["rejected"]] == ["sessions[0]"] and "more than 24 hours" in found.body["rejected"][0]["reason"]
    assert len(rows(database_url, "SELECT 1 FROM wellness.app_sessions WHERE device_id = %s", device)) == 1


def test_concurrent_uploads_of_one_day_end_as_one_of_them(api: ApiClient, database_url: str, user: str,
                                                          device: str) -> None:
    versions = [{"device_id": device, "days": [{"date": YESTERDAY, "screen_time_minutes": 100 + n, "unlocks": n,
                                                "apps": [{"app": f"app{n}-{k}", "minutes": 10 + k} for k in range(20)]}],
                 # overlapping sessions of one app from every upload: merged into one, whatever the order
                 "sessions": [{"app": "s", "start": f"{YESTERDAY}T10:{n:02d}:00+00:00", "end": f"{YESTERDAY}T10:{30 + n:02d}:00+00:00"}],
                 "unlock_events": [f"{YESTERDAY}T09:00:00+00:00", f"{YESTERDAY}T09:0{n}:30+00:00"]}
                for n in range(6)]
    barrier = threading.Barrier(len(versions))
    results: list[int] = []

    def send(body: dict[str, Any]) -> None:
        loop = asyncio.new_event_loop()  # the Lambda handler (Mangum) needs one in its thread
        asyncio.set_event_loop(loop)
        try:
            barrier.wait()
            results.append(api.post(UPLOAD, body, user=user).status)
        finally:
            loop.close()

    for _ in range(3):
        threads = [threading.Thread(target=send, args=(v,)) for v in versions]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        totals, apps = day_state(database_url, device, YESTERDAY)
        assert len(totals) == 1 and len(apps) == 20
        n = totals[0][1]
        assert totals[0][0] == 100 + n and {a for a, _ in apps} == {f"app{n}-{k}" for k in range(20)}
    assert results == [200] * 18
    spans = rows(database_url, "SELECT started_at, ended_at FROM wellness.app_sessions WHERE device_id = %s", device)
    assert [(b.strftime("%H:%M"), e.strftime("%H:%M")) for b, e in spans] == [("10:00", "10:35")]
    assert rows(database_url, "SELECT count(*) FROM wellness.unlock_events WHERE device_id = %s", device) == [(7,)]


def test_another_users_device_is_404_and_nothing_is_stored(api: ApiClient, database_url: str, user: str,
                                                            device: str) -> None:
    other = f"other-{uuid.uuid4().hex[:8]}"
    api.get("/api/accounts/users/me/", user=other)
    body = {"device_id": device, "days": [{"date": "2024-03-01", "screen_time_minutes": 5}]}
    found = api.post(UPLOAD, body, user=other)
    assert found.status == 404 and found.body == {"detail": "device not found", "code": "device_not_found"}
    assert rows(database_url, "SELECT count(*) FROM wellness.daily_usage WHERE device_id = %s", device) == [(0,)]
    for path in ("/api/usage/data/summary/", "/api/usage/data/top_apps/", "/api/usage/data/"):
        assert api.get(path, user=other, query={"device": device}).status == 404
    unknown = api.post(UPLOAD, {**body, "device_id": str(uuid.uuid4())}, user=user)
    assert unknown.status == 404


@pytest.mark.parametrize(("raw", "field"), [
    (b"{not json", None), (b"[]", "non_field_errors"), (b'{"days": []}', "device_id"),
    (b'{"device_id": "nope"}', "device_id"), (b'{"device_id": "6f1c1a52-3a65-4c43-9d0e-0d5b3b0a3a11", "days": 3}', "days")])
def test_unreadable_bodies_are_400(api: ApiClient, user: str, raw: bytes, field: str | None) -> None:
    found = api.call("POST", UPLOAD, user=user, body=raw, content_type="application/json")
    assert found.status == 400, found.body
    if field is None:
        assert found.body["code"] == "not_json"
    else:
        assert field in found.body


def test_an_oversized_body_is_413(api: ApiClient, user: str, device: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from wellness.settings import get_settings

    monkeypatch.setattr(get_settings(), "max_upload_bytes", 1000)
    found = api.post(UPLOAD, {"device_id": device, "days": [{"date": "2024-03-01"}] * 100}, user=user)
    assert found.status == 413 and found.body["code"] == "upload_too_large"


# ---------------------------------------------------------------- StayFree, end to end through the handlers
def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
    for name, (filename, data) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: text/csv\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def whole(value: str) -> int:
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_the_stayfree_export_imports_and_the_summary_matches_the_files(api: ApiClient, user: str, device: str,
                                                                       shared_data: Path) -> None:
    folder = shared_data / "usage" / "stayfree_personal"
    files = {k: (f"{k}_motorola.csv", (folder / f"{k}_motorola.csv").read_bytes()) for k in KINDS}
    body, content_type = multipart({"device_id": device}, files)
    found = api.call("POST", IMPORT, user=user, body=body, content_type=content_type)
    assert found.status == 200, found.body
    assert found.body["accepted"]["days"] == 552
    assert all(r["path"].startswith(("app_usage_count_motorola.csv:", "device_unlocks_motorola.csv:"))
               for r in found.body["rejected"])
    with (folder / "app_usage_time_motorola.csv").open(encoding="utf-8", newline="") as f:
        times = {r["date"]: r for r in csv.DictReader(f, delimiter=";")}
    with (folder / "device_unlocks_motorola.csv").open(encoding="utf-8", newline="") as f:
        unlocks = {r["date"]: float(r["Device Unlocks"]) for r in csv.DictReader(f, delimiter=";")}
    start, end = date(2023, 1, 1), date(2023, 12, 31)
    summary = api.get("/api/usage/data/summary/", user=user, query={"start": str(start), "end": str(end)})
    assert summary.status == 200, summary.body
    got = {d["date"]: (d["screen_time_minutes"], d["unlocks"]) for d in summary.body["days"]}
    expected = {d: (whole(r["total_usage"]), int(unlocks[d]) if unlocks[d].is_integer() else None)
                for d, r in times.items() if str(start) <= d <= str(end)}
    assert got == expected
    assert summary.body["totals"]["screen_time_minutes"] == sum(v[0] for v in expected.values())
    # top apps over the same year: minutes per app summed from the file (both names of Call of Duty)
    top = api.get("/api/usage/data/top_apps/", user=user, query={"start": str(start), "end": str(end), "limit": "3"})
    per_app: dict[str, float] = {}
    for d, row in times.items():
        if str(start) <= d <= str(end):
            for column, value in row.items():
                if column not in ("date", "total_usage"):
                    name = "Call of Duty" if column == "com.activision.callofduty.shooter" else column
                    per_app[name] = per_app.get(name, 0.0) + float(value)
    best = sorted(per_app, key=per_app.get, reverse=True)[:3]
    assert [a["app"] for a in top.body["results"]] == best
    for app in top.body["results"]:
        assert abs(app["minutes"] - per_app[app["app"]]) < 0.05 * app["days"] + 1e-6
    # importing the same export again changes nothing
    again = api.call("POST", IMPORT, user=user, body=body, content_type=content_type)
    assert again.status == 200
    assert api.get("/api/usage/data/summary/", user=user, query={"start": str(start), "end": str(end)}).body == summary.body


def test_the_day_list_pages_with_cursor_links(api: ApiClient, user: str, device: str) -> None:
    days = [{"date": (date(2024, 1, 1) + timedelta(days=n)).isoformat(), "unlocks": n} for n in range(5)]
    assert api.post(UPLOAD, {"device_id": device, "days": days}, user=user).status == 200
    seen, query = [], {"limit": "2"}
    for _ in range(5):
        page = api.get("/api/usage/data/", user=user, query=query)
        assert page.status == 200, page.body
        seen += [d["date"] for d in page.body["results"]]
        if not page.body["next"]:
            break
        assert "cursor=" in page.body["next"]
        query = {"limit": "2", "cursor": page.body["next"].split("cursor=")[1]}
    assert seen == [d["date"] for d in reversed(days)]
    back = api.get("/api/usage/data/", user=user, query={"limit": "2", "cursor": page.body["previous"].split("cursor=")[1]})
    assert [d["date"] for d in back.body["results"]] == seen[2:4]


@pytest.mark.parametrize(("files", "field"), [
    ({"app_usage_time": ("t.csv", b"day,A\n2024-01-01,1\n")}, "app_usage_time"),
    ({"device_unlocks": ("u.csv", b"date;Apps\n2024-01-01;1\n")}, "device_unlocks"),
    ({}, "non_field_errors")])
def test_files_that_are_not_stayfree_tables_are_400_naming_the_field(api: ApiClient, user: str, device: str,
                                                                      files: dict, field: str) -> None:
    body, content_type = multipart({"device_id": device}, files)
    found = api.call("POST", IMPORT, user=user, body=body, content_type=content_type)
    assert found.status == 400 and field in found.body, found.body


# ---------------------------------------------------------------- the recalculation consumer
def test_a_malformed_recalculation_message_is_dropped_not_retried(wellness_env: dict[str, str]) -> None:
    from wellness.jobs.recalculate import handler

    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=f"malformed-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    for body in ("not json", json.dumps({"user_id": "x", "dates": ["2024-01-01"]}),
                 json.dumps({"user_id": str(uuid.uuid4()), "dates": ["01/02/2024"]}),
                 json.dumps({"user_id": str(uuid.uuid4()), "dates": []})):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    driver = QueueDriver(handler, url)
    assert driver.drain() == 4
    assert driver.receive(wait=0) == []  # all deleted: none failed, none will be retried


@pytest.mark.skipif(importlib.util.find_spec("wellness.analytics") is None,
                    reason="wellness.analytics (wanalytics) is not merged yet")
def test_an_upload_is_recalculated_through_the_queue(api: ApiClient, database_url: str, user: str, device: str,
                                                    queue_url: str) -> None:
    from wellness.jobs.recalculate import handler

    driver = QueueDriver(handler, queue_url)
    driver.drain()
    assert api.post(UPLOAD, {"device_id": device, "days": [{"date": YESTERDAY, "screen_time_minutes": 90}]},
                    user=user).status == 200
    messages = driver.receive()
    assert [json.loads(m["Body"])["dates"] for m in messages] == [[YESTERDAY]]
    assert driver.deliver(messages) == {"batchItemFailures": []}
    # the day's statistics exist at once (wanalytics' table), and a redelivery changes nothing
    query = "SELECT * FROM wellness.user_daily_stats WHERE user_id = %s AND stat_date = %s"
    first = rows(database_url, query, user_uuid(user), YESTERDAY)
    assert len(first) == 1
    assert driver.deliver(messages) == {"batchItemFailures": []}
    again = rows(database_url, query, user_uuid(user), YESTERDAY)
    assert [r[:-1] for r in again] == [r[:-1] for r in first]  # the same figures (the last column: when computed)


def test_top_apps_period_and_bad_periods(api: ApiClient, user: str, device: str) -> None:
    today = datetime.now(timezone.utc).date()
    days = [{"date": (today - timedelta(days=n)).isoformat(), "apps": [{"app": "recent" if n < 7 else "old", "minutes": 50}]}
            for n in range(1, 20)]
    assert api.post(UPLOAD, {"device_id": device, "days": days}, user=user).status == 200
    week = api.get("/api/usage/data/top_apps/", user=user, query={"period": "week"})
    assert week.status == 200 and [(a["app"], a["minutes"], a["days"]) for a in week.body["results"]] == [("recent", 300.0, 6)]
    month = api.get("/api/usage/data/top_apps/", user=user, query={"period": "month"})
    assert [a["app"] for a in month.body["results"]] == ["old", "recent"]
    both = api.get("/api/usage/data/top_apps/", user=user, query={"period": "week", "start": str(today)})
    assert both.status == 400 and "period" in both.body
    for query in ({"start": "2024-03-02", "end": "2024-03-01"}, {"start": "2020-01-01", "end": "2024-01-01"},
                  {"start": "yesterday"}, {"period": "fortnight"}):
        found = api.get("/api/usage/data/summary/" if "period" not in query else "/api/usage/data/top_apps/",
                        user=user, query=query)
        assert found.status == 400, (query, found.body)


def test_deleting_a_device_deletes_its_usage(api: ApiClient, database_url: str, user: str, device: str) -> None:
    body = {"device_id": device, "days": [{"date": "2024-03-01", "screen_time_minutes": 5, "apps": [{"app": "a", "minutes": 5}],
                                           "categories": [{"category": "Social", "minutes": 5}]}],
            "sessions": [{"app": "a", "start": "2024-03-01T10:00:00Z", "end": "2024-03-01T10:05:00Z"}],
            "unlock_events": ["2024-03-01T10:00:00Z"]}
    assert api.post(UPLOAD, body, user=user).status == 200
    assert api.delete(f"/api/devices/{device}/", user=user).status == 204
    for table in ("daily_usage", "app_daily_usage", "category_daily_usage", "app_sessions", "unlock_events"):
        assert rows(database_url, f"SELECT count(*) FROM wellness.{table} WHERE device_id = %s", device) == [(0,)], table


def test_deleting_a_device_recalculates_its_days_through_the_queue(api: ApiClient, database_url: str, user: str, device: str,
                                                                   queue_url: str) -> None:
    from wellness.jobs.recalculate import handler

    driver = QueueDriver(handler, queue_url)
    driver.drain()
    assert api.post(UPLOAD, {"device_id": device, "days": [{"date": YESTERDAY, "screen_time_minutes": 90}]},
                    user=user).status == 200
    assert driver.deliver(driver.receive()) == {"batchItemFailures": []}
    query = "SELECT screen_time_minutes FROM wellness.user_daily_stats WHERE user_id = %s AND stat_date = %s"
    assert rows(database_url, query, user_uuid(user), YESTERDAY) == [(Decimal("90.0"),)]
    assert api.delete(f"/api/devices/{device}/", user=user).status == 204
    messages = driver.receive()
    assert [json.loads(m["Body"]) for m in messages] == [{"user_id": str(user_uuid(user)), "dates": [YESTERDAY]}]
    assert driver.deliver(messages) == {"batchItemFailures": []}
    assert rows(database_url, query, user_uuid(user), YESTERDAY) == []  # the deleted usage no longer counts
