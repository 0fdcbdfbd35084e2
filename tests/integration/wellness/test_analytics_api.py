"""The patterns, goals and analytics endpoints through the product's Lambda handler on real
PostgreSQL: what the computation wrote is what the caller reads, only their own, in DRF shapes."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import psycopg
import pytest
from psycopg.rows import dict_row

from backlot.auth import user_id_for_subject
from tests.support.clients import ApiClient
from wellness import analytics

from .usage_seed import day

TODAY = date.today()


@pytest.fixture()
def conn(database_url: str):
    with psycopg.connect(database_url, row_factory=dict_row, autocommit=True) as c:
        yield c


@pytest.fixture()
def heavy_user(api: ApiClient, user: str, conn: psycopg.Connection) -> str:
    """``user`` with 35 days uploaded: unlocks jump this week, Social 120 min a day."""
    assert api.get("/api/accounts/users/me/", user=user).status == 200  # the user and profile exist
    uid, dev = user_id_for_subject(user), uuid.uuid4()
    conn.execute("INSERT INTO wellness.devices (id, user_id, name, platform, personality_type) VALUES (%s, %s, 'P', 'ios', 'gen_z')", (dev, uid))
    dates = [TODAY - timedelta(days=i) for i in range(35)]
    for d in dates:
        recent = d > TODAY - timedelta(days=7)
        day(conn, uid, dev, d, screen=240, unlocks=150 if recent else 60, notifications=40,
            apps=[("com.instagram.android", "Social", 120, 30), ("com.slack", "Productivity", 60, 10)])
    with conn.transaction():
        analytics.recalculate(conn, uid, dates)
    return user


def test_patterns_list_filter_and_retrieve(api: ApiClient, heavy_user: str) -> None:
    page = api.get("/api/usage/patterns/", user=heavy_user)
    assert page.status == 200 and set(page.body) == {"next", "previous", "results"}
    types = {p["pattern_type"]: p for p in page.body["results"]}
    assert {"phantom_vibration", "doom_scrolling"} <= set(types)
    p = types["phantom_vibration"]
    assert p["status"] == "active" and p["severity"] in ("low", "medium", "high") and 0 < p["confidence"] <= 1
    assert p["metadata"]["baseline"] == 60 and "unlocks a day" in p["reason"]
    only = api.get("/api/usage/patterns/", user=heavy_user, query={"pattern_type": "doom_scrolling", "status": "active"})
    assert [x["pattern_type"] for x in only.body["results"]] == ["doom_scrolling"]
    assert api.get("/api/usage/patterns/", user=heavy_user, query={"status": "resolved"}).body["results"] == []
    one = api.get(f"/api/usage/patterns/{p['id']}/", user=heavy_user)
    assert one.status == 200 and one.body["id"] == p["id"]
    # another user's pattern is not found; a bad filter names the field
    other = api.get(f"/api/usage/patterns/{p['id']}/", user="someone-else")
    assert other.status == 404 and other.body["code"] == "pattern_not_found"
    bad = api.get("/api/usage/patterns/", user=heavy_user, query={"pattern_type": "sleepy"})
    assert bad.status == 400 and "pattern_type" in bad.body
    assert api.get("/api/usage/patterns/not-a-uuid/", user=heavy_user).status == 400
    assert api.get("/api/usage/patterns/", user=heavy_user, query={"limit": "0"}).status == 400
    assert api.get("/api/usage/patterns/", user=heavy_user, query={"cursor": "garbage!"}).status == 400


def test_patterns_paginate_with_cursor_links(api: ApiClient, heavy_user: str) -> None:
    first = api.get("/api/usage/patterns/", user=heavy_user, query={"limit": "1"})
    assert len(first.body["results"]) == 1 and first.body["next"] and first.body["previous"] is None
    cursor = first.body["next"].split("cursor=")[1].split("&")[0]
    second = api.get("/api/usage/patterns/", user=heavy_user, query={"limit": "1", "cursor": cursor})
    assert second.body["results"][0]["id"] != first.body["results"][0]["id"] and second.body["previous"]


def test_stats_after_recalculation(api: ApiClient, heavy_user: str) -> None:
    s = api.get("/api/analytics/stats/", user=heavy_user)
    assert s.status == 200
    b = s.body
    assert 0 <= b["wellness_score"] <= 100 and set(b["score_components"]) == {"balance", "screen_time", "pickups", "goals", "patterns"}
    assert b["as_of"] == TODAY.isoformat() and b["metrics"]["days_tracked"] == 35
    assert b["metrics"]["avg_daily_unlocks"] == 150 and b["metrics"]["week_over_week_change_pct"] == 0.0
    assert b["current_streak"] == 0 and b["longest_streak"] == 0  # 240 min a day > the 3 h default limit
    assert {c["pattern_type"]: c["verdict"] for c in b["pattern_checks"]}["night_owl"] == "insufficient_data"
    assert len(b["pattern_checks"]) == 9


def test_stats_before_any_upload(api: ApiClient, user: str) -> None:
    s = api.get("/api/analytics/stats/", user=user)
    assert s.status == 200 and s.body["wellness_score"] is None and s.body["current_streak"] == 0 and s.body["metrics"] is None


def test_goal_crud_with_progress_and_streaks(api: ApiClient, heavy_user: str) -> None:
    created = api.post("/api/usage/goals/", {"goal_type": "daily_screen_time", "target": 300, "name": "Under 5 h"}, user=heavy_user)
    assert created.status == 201, created.body
    g = created.body
    assert g["progress"] == {"date": TODAY.isoformat(), "value": 240.0, "target": 300, "achieved": True}
    assert (g["achieved_days"], g["measured_days"]) == (35, 35)
    stats = api.get("/api/analytics/stats/", user=heavy_user).body
    assert stats["current_streak"] == 35 and stats["longest_streak"] == 35 and stats["score_components"]["goals"] == 100
    # tighten it: no day meets it, the streak is gone
    patched = api.patch(f"/api/usage/goals/{g['id']}/", {"target": 200}, user=heavy_user)
    assert patched.status == 200 and patched.body["achieved_days"] == 0 and patched.body["name"] == "Under 5 h"
    assert api.get("/api/analytics/stats/", user=heavy_user).body["current_streak"] == 0
    put = api.put(f"/api/usage/goals/{g['id']}/", {"goal_type": "app_time", "target": 150, "app": "com.instagram.android"}, user=heavy_user)
    assert put.status == 200 and put.body["app"] == "com.instagram.android" and put.body["name"] is None
    assert put.body["progress"]["value"] == 120.0 and put.body["progress"]["achieved"] is True
    listed = api.get("/api/usage/goals/", user=heavy_user, query={"goal_type": "app_time"})
    assert [x["id"] for x in listed.body["results"]] == [g["id"]]
    assert api.get(f"/api/usage/goals/{g['id']}/", user="someone-else").status == 404
    assert api.delete(f"/api/usage/goals/{g['id']}/", user=heavy_user).status == 204
    gone = api.get(f"/api/usage/goals/{g['id']}/", user=heavy_user)
    assert gone.status == 404 and gone.body["code"] == "goal_not_found"


def test_goal_validation_names_the_field(api: ApiClient, user: str) -> None:
    r = api.post("/api/usage/goals/", {"goal_type": "app_time", "target": 60}, user=user)
    assert r.status == 400 and r.body == {"app": ["required for goal_type app_time"]}
    r = api.post("/api/usage/goals/", {"goal_type": "unlocks", "target": 60, "category": "Social"}, user=user)
    assert r.status == 400 and "category" in r.body
    r = api.post("/api/usage/goals/", {"goal_type": "unlocks", "target": -1}, user=user)
    assert r.status == 400 and "target" in r.body
    r = api.post("/api/usage/goals/", {"goal_type": "naps", "target": 1}, user=user)
    assert r.status == 400 and "goal_type" in r.body


def test_comparisons(api: ApiClient, heavy_user: str) -> None:
    w = api.get("/api/analytics/comparisons/", user=heavy_user, query={"period": "week"}).body
    assert w["current"]["days_with_data"] == 7 and w["previous"]["avg_daily_unlocks"] == 60
    assert w["change_pct"]["unlocks"] == 150.0 and w["change_pct"]["screen_time_minutes"] == 0.0
    m = api.get("/api/analytics/comparisons/", user=heavy_user, query={"period": "month"}).body
    assert m["current"]["days_with_data"] == 30 and m["previous"]["days_with_data"] == 5
    assert api.get("/api/analytics/comparisons/", user=heavy_user, query={"period": "year"}).status == 400


def test_trends_answer_only_rows_of_at_least_k_users(api: ApiClient, conn: psycopg.Connection) -> None:
    from wellness.repository import stats as stats_repo

    end = date(2002, 2, 10)
    for n in range(5):
        u = uuid.uuid4()
        conn.execute("INSERT INTO platform.users (id) VALUES (%s)", (u,))
        dev = uuid.uuid4()
        conn.execute("INSERT INTO wellness.devices (id, user_id, name, platform, personality_type) VALUES (%s, %s, 'P', 'ios', 'gen_z')", (dev, u))
        day(conn, u, dev, end, screen=100, apps=[("com.trend.shared", "Social", 20, 1)] + ([("com.trend.rare", "Games", 5, 1)] if n == 0 else []))
    with conn.transaction():
        stats_repo.refresh_trends(conn, end, 5)
    body = api.get("/api/analytics/trends/", query={"kind": "popular_apps"}).body
    assert body["min_users"] == 5 and body["period_end"] >= end.isoformat()
    assert all(r["users"] >= 5 for r in body["results"])
    stored = conn.execute("SELECT key, users FROM wellness.trends WHERE kind = 'popular_apps' AND period_end = %s", (end,)).fetchall()
    assert [(r["key"], r["users"]) for r in stored] == [("com.trend.shared", 5)]  # com.trend.rare (1 user) never stored
    assert api.get("/api/analytics/trends/", query={"kind": "gossip"}).status == 400
