"""Bulk-upload validation (issue 10 item 4): every rule with a case that breaks it, and the
good records of the same upload kept."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from decimal import Decimal

import pytest

from wellness.domain.ingest import MAX_DAYS, UploadShapeError, validate_upload

DEVICE = "6f1c1a52-3a65-4c43-9d0e-0d5b3b0a3a11"
TODAY = date(2024, 3, 10)
NOW = datetime(2024, 3, 10, 12, 0, tzinfo=timezone.utc)


def check(body: dict) -> tuple:
    upload = validate_upload({"device_id": DEVICE, **body}, today=TODAY, now=NOW)
    return upload, {r.path: r.reason for r in upload.rejected}


def test_the_issue_example_is_accepted_whole():
    upload, rejected = check({
        "days": [{"date": "2021-10-03", "screen_time_minutes": 575, "unlocks": 67, "notifications": 80,
                  "first_pickup": "07:38",
                  "apps": [{"app": "com.google.android.youtube", "name": "YouTube", "category": "Entertainment",
                            "minutes": 296, "launches": 10, "notifications": 27}],
                  "categories": [{"category": "Social", "minutes": 226}]}],
        "sessions": [{"app": "com.instagram.android", "start": "2024-03-01T23:12:00+01:00",
                      "end": "2024-03-01T23:58:00+01:00"}],
        "unlock_events": ["2024-03-01T07:38:00+01:00"]})
    assert rejected == {}
    assert upload.accepted() == {"days": 1, "apps": 1, "sessions": 1, "unlock_events": 1}
    day = upload.days[0]
    assert (day.usage_date, day.screen_time_minutes, day.unlocks, day.notifications, day.first_pickup) == (
        date(2021, 10, 3), 575, 67, 80, time(7, 38))
    assert upload.apps[0].minutes == Decimal("296.0") and upload.categories[0].minutes == Decimal("226.0")
    assert upload.merged_sessions[0].utc_offset_seconds == 3600
    assert upload.affected_dates() == [date(2021, 10, 3), date(2024, 3, 1)]


def test_every_part_but_the_date_is_optional():
    upload, rejected = check({"days": [{"date": "2024-03-09"}]})
    assert rejected == {} and upload.accepted()["days"] == 1
    upload, rejected = check({})
    assert rejected == {} and upload.accepted() == {"days": 0, "apps": 0, "sessions": 0, "unlock_events": 0}


def test_a_day_over_1440_minutes_drops_that_total_and_keeps_the_rest():
    upload, rejected = check({"days": [
        {"date": "2024-03-08", "screen_time_minutes": 3000, "unlocks": 12},
        {"date": "2024-03-09", "screen_time_minutes": 100}]})
    assert "more than the 1440 minutes" in rejected["days[0].screen_time_minutes"]
    assert [(d.usage_date.day, d.screen_time_minutes, d.unlocks) for d in upload.days] == [(8, None, 12), (9, 100, None)]


def test_an_app_over_1440_minutes_or_apps_adding_up_past_a_day_are_refused():
    upload, rejected = check({"days": [{"date": "2024-03-08", "apps": [
        {"app": "a", "minutes": 1441}, {"app": "b", "minutes": 30}]}]})
    assert list(rejected) == ["days[0].apps[0].minutes"]
    assert [a.app_key for a in upload.apps] == ["b"]
    upload, rejected = check({"days": [{"date": "2024-03-08", "apps": [
        {"app": "a", "minutes": 1000}, {"app": "b", "minutes": 1000}]}]})
    assert "add up to 2000.0 minutes" in rejected["days[0].apps"] and upload.apps == []
    assert len(upload.days) == 1


@pytest.mark.parametrize("value", ["2024-03-11", "2030-01-01"])
def test_future_dates_are_refused_relative_to_the_users_today(value):
    upload, rejected = check({"days": [{"date": value, "screen_time_minutes": 5}, {"date": "2024-03-10"}]})
    assert "in the future (today is 2024-03-10" in rejected["days[0].date"]
    assert [d.usage_date for d in upload.days] == [TODAY]


@pytest.mark.parametrize("value", ["2024-3-1", "01/03/2024", "2024-02-30", 20240301, None, "1999-12-31"])
def test_a_bad_or_missing_date_drops_the_day(value):
    upload, rejected = check({"days": [{"date": value, "screen_time_minutes": 5}] if value is not None
                              else [{"screen_time_minutes": 5}]})
    assert list(rejected) == ["days[0].date"] and upload.days == []


def test_a_repeated_date_keeps_the_first():
    upload, rejected = check({"days": [{"date": "2024-03-01", "unlocks": 1}, {"date": "2024-03-01", "unlocks": 2}]})
    assert "already in days[0]" in rejected["days[1].date"] and upload.days[0].unlocks == 1


@pytest.mark.parametrize(("field", "value"), [("unlocks", -1), ("notifications", -3), ("unlocks", 2.5),
                                              ("unlocks", True), ("notifications", "12"), ("screen_time_minutes", -1),
                                              ("screen_time_minutes", float("nan"))])
def test_negative_fractional_or_non_numeric_counts_are_refused(field, value):
    upload, rejected = check({"days": [{"date": "2024-03-01", field: value}]})
    assert list(rejected) == [f"days[0].{field}"]
    assert getattr(upload.days[0], field) is None


@pytest.mark.parametrize(("field", "value"), [("launches", -1), ("notifications", -2), ("minutes", -0.5),
                                              ("launches", 1.5), ("minutes", "ten")])
def test_a_bad_app_field_drops_that_app_only(field, value):
    upload, rejected = check({"days": [{"date": "2024-03-01", "apps": [
        {"app": "ok", "minutes": 3}, {"app": "bad", field: value}]}]})
    assert list(rejected) == [f"days[0].apps[1].{field}"]
    assert [a.app_key for a in upload.apps] == ["ok"]


def test_apps_need_an_identifier_and_appear_once_per_day():
    upload, rejected = check({"days": [{"date": "2024-03-01", "apps": [
        {"name": "no id"}, {"app": "  "}, "text", {"app": "x", "minutes": 1}, {"app": "x", "minutes": 2}]}]})
    assert set(rejected) == {"days[0].apps[0].app", "days[0].apps[1].app", "days[0].apps[2]", "days[0].apps[4].app"}
    assert [(a.app_key, a.minutes) for a in upload.apps] == [("x", Decimal("1.0"))]


def test_categories_need_a_name_and_minutes():
    upload, rejected = check({"days": [{"date": "2024-03-01", "categories": [
        {"category": "Social"}, {"minutes": 5}, {"category": "Games", "minutes": 2000}, {"category": "News", "minutes": 7}]}]})
    assert set(rejected) == {"days[0].categories[0].minutes", "days[0].categories[1].category",
                             "days[0].categories[2].minutes"}
    assert [(c.category, c.minutes) for c in upload.categories] == [("News", Decimal("7.0"))]


@pytest.mark.parametrize("value", ["7:38", "24:00", "07:60", "0738", 738, "07:38:00"])
def test_first_pickup_is_hh_mm(value):
    _, rejected = check({"days": [{"date": "2024-03-01", "first_pickup": value}]})
    assert list(rejected) == ["days[0].first_pickup"]


def test_float_noise_rounds_to_a_tenth_and_totals_to_whole_minutes():
    upload, rejected = check({"days": [{"date": "2024-03-01", "screen_time_minutes": 270.33000000000004,
                                        "apps": [{"app": "a", "minutes": 0.15000000000000002}]}]})
    assert rejected == {}
    assert upload.days[0].screen_time_minutes == 270 and upload.apps[0].minutes == Decimal("0.2")


def session(start: str, end: str, app: str = "com.instagram.android") -> dict:
    return {"app": app, "start": start, "end": end}


@pytest.mark.parametrize(("start", "end", "reason"), [
    ("2024-03-01T23:12:00", "2024-03-01T23:58:00+01:00", "has no UTC offset"),
    ("2024-03-01T23:12:00+01:00", "2024-03-01T23:58:00", "has no UTC offset"),
    ("2024-03-01T23:12:00+25:00", "2024-03-01T23:58:00+01:00", "not an ISO 8601 date-time with a valid UTC offset"),
    ("2024-03-01T23:12:00+15:00", "2024-03-01T23:58:00+15:00", "outside -12:00..+14:00"),
    ("2024-03-01T23:12:00+1:00", "2024-03-01T23:58:00+01:00", "not an ISO 8601"),
    ("yesterday", "2024-03-01T23:58:00+01:00", "ISO 8601"),
    ("2024-03-11T10:00:00+00:00", "2024-03-11T11:00:00+00:00", "in the future"),
])
def test_session_times_need_a_valid_offset_and_the_past(start, end, reason):
    upload, rejected = check({"sessions": [session(start, end), session("2024-03-02T10:00:00Z", "2024-03-02T10:05:00Z")]})
    [(path, why)] = rejected.items()
    assert path.startswith("sessions[0].") and reason in why
    assert len(upload.sessions) == 1


@pytest.mark.parametrize(("start", "end", "reason"), [
    ("2024-03-01T23:58:00+01:00", "2024-03-01T23:12:00+01:00", "before it starts"),
    ("2024-03-01T23:12:00+01:00", "2024-03-01T23:12:00+01:00", "no duration"),
    ("2024-03-01T10:00:00+00:00", "2024-03-02T10:00:01+00:00", "more than 24 hours"),
])
def test_reversed_empty_and_overlong_sessions_are_refused(start, end, reason):
    upload, rejected = check({"sessions": [session(start, end)]})
    assert reason in rejected["sessions[0]"] and upload.sessions == []


def test_overlapping_sessions_of_one_app_are_merged_in_the_upload():
    upload, rejected = check({"sessions": [
        session("2024-03-01T10:00:00+01:00", "2024-03-01T10:30:00+01:00"),
        session("2024-03-01T09:20:00Z", "2024-03-01T09:45:00Z"),  # 10:20-10:45 at +01:00: overlaps
        session("2024-03-01T10:45:00+01:00", "2024-03-01T11:00:00+01:00"),  # touches: stays apart
        session("2024-03-01T10:10:00+01:00", "2024-03-01T10:20:00+01:00", app="other")]})
    assert rejected == {}
    got = [(s.app_key, s.started_at.isoformat(), s.ended_at.isoformat()) for s in upload.merged_sessions]
    assert upload.accepted()["sessions"] == 4
    assert got == [
        ("com.instagram.android", "2024-03-01T10:00:00+01:00", "2024-03-01T09:45:00+00:00"),
        ("com.instagram.android", "2024-03-01T10:45:00+01:00", "2024-03-01T11:00:00+01:00"),
        ("other", "2024-03-01T10:10:00+01:00", "2024-03-01T10:20:00+01:00")]


def test_unlock_events_need_offsets_and_repeat_once():
    upload, rejected = check({"unlock_events": ["2024-03-01T07:38:00+01:00", "2024-03-01T06:38:00Z",
                                                "2024-03-01T07:38:00", 12, "2099-01-01T00:00:00Z"]})
    assert set(rejected) == {"unlock_events[2]", "unlock_events[3]", "unlock_events[4]"}
    assert len(upload.unlock_events) == 1  # the same instant written at two offsets is one unlock


@pytest.mark.parametrize(("body", "field"), [
    ([], "non_field_errors"), ({"days": []}, "device_id"), ({"device_id": "not-a-uuid"}, "device_id"),
    ({"device_id": 12}, "device_id"), ({"device_id": DEVICE, "days": {"date": "2024-03-01"}}, "days"),
    ({"device_id": DEVICE, "sessions": "x"}, "sessions"),
    ({"device_id": DEVICE, "days": [{"date": "2024-03-01"}] * (MAX_DAYS + 1)}, "days"),
])
def test_a_body_that_cannot_be_read_record_by_record_is_refused_whole(body, field):
    with pytest.raises(UploadShapeError) as caught:
        validate_upload(body, today=TODAY, now=NOW)
    assert field in caught.value.errors
