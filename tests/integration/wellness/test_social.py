"""Social (issue 11 item 7) through the product's Lambda handler on real PostgreSQL: friend
connections as each side sees them, hostile requests, both users asking each other at once,
visits that expire by themselves, and challenges whose leaderboard shows progress, never usage."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from backlot.auth import user_id_for_subject
from tests.support.clients import ApiClient
from wellness import analytics

from .conftest import concurrently, unique_user
from .usage_seed import day

TODAY = datetime.now(timezone.utc).date()
F = "/api/social/friends/"


@pytest.fixture()
def conn(database_url: str):
    with psycopg.connect(database_url, row_factory=dict_row, autocommit=True) as c:
        yield c


def numbers(found: Any) -> set[float]:
    """Every number in a JSON value (the figures a caller was shown)."""
    if isinstance(found, dict):
        return set().union(*(numbers(v) for v in found.values())) if found else set()
    if isinstance(found, list):
        return set().union(*(numbers(v) for v in found)) if found else set()
    return {float(found)} if isinstance(found, (int, float)) and not isinstance(found, bool) else set()


def member(api: ApiClient, name: str | None = None) -> tuple[str, str]:
    """A wellness user (profile made by ``/accounts/users/me/``): ``(token subject, user id)``."""
    sub = unique_user()
    me = api.get("/api/accounts/users/me/", user=sub)
    assert me.status == 200, me.body
    if name:
        assert api.patch("/api/accounts/profile/", {"display_name": name}, user=sub).status == 200
    return sub, str(user_id_for_subject(sub))


def befriend(api: ApiClient, a: str, b: tuple[str, str]) -> str:
    asked = api.post(F, {"user_id": b[1]}, user=a)
    assert asked.status == 201, asked.body
    ok = api.post(f"{F}{asked.body['id']}/accept/", user=b[0])
    assert ok.status == 200 and ok.body["status"] == "accepted", ok.body
    return asked.body["id"]


def test_request_accept_each_side_sees_the_status(api: ApiClient) -> None:
    (a, a_id), (b, b_id) = member(api, "Ann"), member(api, "Bob")
    asked = api.post(F, {"user_id": b_id}, user=a)
    assert asked.status == 201, asked.body
    c = asked.body
    assert c["status"] == "pending" and c["direction"] == "outgoing" and c["user"] == {"id": b_id, "display_name": "Bob"}
    seen = api.get(f"{F}{c['id']}/", user=b).body
    assert seen["direction"] == "incoming" and seen["user"]["id"] == a_id and seen["status"] == "pending"
    # a duplicate is the same connection; the requester cannot accept their own request
    again = api.post(F, {"user_id": b_id}, user=a)
    assert again.status == 200 and again.body["id"] == c["id"]
    own = api.post(f"{F}{c['id']}/accept/", user=a)
    assert own.status == 403 and own.body["code"] == "not_addressee"
    ok = api.post(f"{F}{c['id']}/accept/", user=b)
    assert ok.status == 200 and ok.body["status"] == "accepted" and ok.body["responded_at"]
    assert api.post(f"{F}{c['id']}/accept/", user=b).status == 200  # a retry changes nothing
    assert api.post(f"{F}{c['id']}/decline/", user=b).body["code"] == "connection_not_pending"
    for who in (a, b):
        page = api.get(F, user=who, query={"status": "accepted"})
        assert page.status == 200 and [x["id"] for x in page.body["results"]] == [c["id"]]
    # either side removes it
    assert api.delete(f"{F}{c['id']}/", user=b).status == 204
    assert api.get(f"{F}{c['id']}/", user=a).status == 404


def test_decline_then_ask_again(api: ApiClient) -> None:
    (a, _), (b, b_id) = member(api), member(api)
    c = api.post(F, {"user_id": b_id}, user=a).body
    declined = api.post(f"{F}{c['id']}/decline/", user=b)
    assert declined.status == 200 and declined.body["status"] == "declined"
    assert api.get(f"{F}{c['id']}/", user=a).body["status"] == "declined"
    renewed = api.post(F, {"user_id": b_id}, user=a)
    assert renewed.status == 200 and renewed.body["status"] == "pending" and renewed.body["direction"] == "outgoing"


def test_hostile_requests(api: ApiClient) -> None:
    (a, a_id), (b, b_id), (c, _) = member(api), member(api), member(api)
    me = api.post(F, {"user_id": a_id}, user=a)
    assert me.status == 400 and me.body == {"user_id": ["you cannot befriend yourself"]}
    nobody = api.post(F, {"user_id": str(uuid.uuid4())}, user=a)
    assert nobody.status == 404 and nobody.body["code"] == "user_not_found"
    assert api.post(F, {"user_id": "not-a-uuid"}, user=a).status == 400
    conn_id = api.post(F, {"user_id": b_id}, user=a).body["id"]
    # a third user cannot see or act on someone else's connection
    for call in (lambda: api.get(f"{F}{conn_id}/", user=c), lambda: api.post(f"{F}{conn_id}/accept/", user=c),
                 lambda: api.post(f"{F}{conn_id}/block/", user=c), lambda: api.delete(f"{F}{conn_id}/", user=c)):
        got = call()
        assert got.status == 404 and got.body["code"] == "friend_connection_not_found"
    assert api.get(f"{F}{conn_id}/", user=b).body["status"] == "pending"  # untouched


def test_a_blocked_user_cannot_ask_again_nor_see_the_blocker(api: ApiClient) -> None:
    (a, a_id), (b, b_id) = member(api), member(api)
    conn_id = api.post(F, {"user_id": b_id}, user=a).body["id"]
    blocked = api.post(f"{F}{conn_id}/block/", user=b)
    assert blocked.status == 200 and blocked.body["status"] == "blocked"
    # the blocked user: the connection is gone and the blocker looks like nobody
    assert api.get(F, user=a).body["results"] == []
    assert api.get(f"{F}{conn_id}/", user=a).status == 404
    again = api.post(F, {"user_id": b_id}, user=a)
    assert again.status == 404 and again.body["code"] == "user_not_found"
    assert api.delete(f"{F}{conn_id}/", user=a).status == 404
    # the blocker sees it, cannot ask while blocking, unblocks by removing it
    assert api.post(F, {"user_id": a_id}, user=b).body["code"] == "user_blocked"
    assert [x["status"] for x in api.get(F, user=b).body["results"]] == ["blocked"]
    assert api.delete(f"{F}{conn_id}/", user=b).status == 204
    assert api.post(F, {"user_id": b_id}, user=a).status == 201


def test_both_ask_each_other_at_once_become_friends_once(api: ApiClient, conn: psycopg.Connection) -> None:
    for _ in range(3):
        (a, a_id), (b, b_id) = member(api), member(api)
        got = concurrently([lambda: api.post(F, {"user_id": b_id}, user=a), lambda: api.post(F, {"user_id": a_id}, user=b)])
        assert all(not isinstance(r, BaseException) for r in got), got
        assert sorted(r.status for r in got) == [200, 201], [(r.status, r.body) for r in got]
        rows = conn.execute("SELECT status FROM wellness.friend_connections WHERE %s IN (requester_id, addressee_id)",
                            (uuid.UUID(a_id),)).fetchall()
        assert [r["status"] for r in rows] == ["accepted"]


def test_connection_pages_link_with_cursors(api: ApiClient) -> None:
    a, _ = member(api)
    others = [member(api) for _ in range(3)]
    for _, oid in others:
        assert api.post(F, {"user_id": oid}, user=a).status == 201
    first = api.get(F, user=a, query={"limit": "2"}).body
    assert len(first["results"]) == 2 and first["next"] and first["previous"] is None
    cursor = first["next"].split("cursor=")[1].split("&")[0]
    second = api.get(F, user=a, query={"limit": "2", "cursor": cursor}).body
    assert [x["user"]["id"] for x in first["results"] + second["results"]] == [o[1] for o in others]


# ---------------------------------------------------------------- visits


def device(api: ApiClient, user: str, name: str) -> str:
    return api.post("/api/devices/", {"name": name, "platform": "android", "personality_type": "gossip"}, user=user).body["id"]


def test_visit_both_agree_and_it_expires_by_itself(api: ApiClient, conn: psycopg.Connection) -> None:
    (a, a_id), (b, b_id), (c, c_id) = member(api), member(api), member(api)
    befriend(api, a, (b, b_id))
    a_dev, b_dev, c_dev = device(api, a, "Ann's phone"), device(api, b, "Bob's phone"), device(api, c, "C")
    ends = (datetime.now(timezone.utc) + timedelta(hours=2)).isoformat()
    # not friends, someone else's device, a past end time: each named
    bad = api.post("/api/social/visits/", {"user_id": c_id, "device_id": b_dev, "ends_at": "2020-01-01T00:00:00+00:00"}, user=a)
    assert bad.status == 400 and set(bad.body) == {"user_id", "device_id", "ends_at"}
    v = api.post("/api/social/visits/", {"user_id": b_id, "device_id": a_dev, "ends_at": ends}, user=a)
    assert v.status == 201 and v.body["status"] == "pending" and v.body["role"] == "host" and v.body["my_device"]["id"] == a_dev
    vid = v.body["id"]
    assert api.post(f"/api/social/visits/{vid}/accept/", {"device_id": a_dev}, user=a).body["code"] == "not_addressee"
    assert api.post(f"/api/social/visits/{vid}/accept/", {"device_id": c_dev}, user=c).status == 404
    assert api.post(f"/api/social/visits/{vid}/accept/", {"device_id": a_dev}, user=b).status == 400  # not Bob's device
    ok = api.post(f"/api/social/visits/{vid}/accept/", {"device_id": b_dev}, user=b)
    assert ok.status == 200 and ok.body["status"] == "active" and ok.body["role"] == "guest"
    assert ok.body["friend_device"] == {"id": a_dev, "name": "Ann's phone", "personality_type": "gossip"}
    # the conversations area reads both devices of an active visit
    from wellness.social.visits import devices_for_conversation
    found = devices_for_conversation(conn, uuid.UUID(a_id), uuid.UUID(vid))
    assert found["my_device"]["id"] == a_dev and found["friend_device"]["id"] == b_dev
    assert devices_for_conversation(conn, uuid.UUID(c_id), uuid.UUID(vid)) is None
    # time passes: the visit is expired when read, and cannot be accepted again
    conn.execute("UPDATE wellness.friend_visits SET ends_at = now() - interval '1 minute' WHERE id = %s", (vid,))
    assert api.get("/api/social/visits/", user=b, query={"status": "expired"}).body["results"][0]["id"] == vid
    assert api.post(f"/api/social/visits/{vid}/accept/", {"device_id": b_dev}, user=b).body["code"] == "visit_over"
    assert devices_for_conversation(conn, uuid.UUID(a_id), uuid.UUID(vid)) is None
    # another visit ended early by the guest
    v2 = api.post("/api/social/visits/", {"user_id": b_id, "device_id": a_dev, "ends_at": ends}, user=a).body
    ended = api.post(f"/api/social/visits/{v2['id']}/end/", user=b)
    assert ended.status == 200 and ended.body["status"] == "ended"
    # a block ends the visits between the two
    v3 = api.post("/api/social/visits/", {"user_id": b_id, "device_id": a_dev, "ends_at": ends}, user=a).body
    assert api.post(f"/api/social/visits/{v3['id']}/accept/", {"device_id": b_dev}, user=b).body["status"] == "active"
    friendship = api.get(F, user=b).body["results"][0]["id"]
    assert api.post(f"{F}{friendship}/block/", user=b).status == 200
    assert api.get("/api/social/visits/", user=a, query={"status": "active"}).body["results"] == []


# ---------------------------------------------------------------- challenges


def challenge(api: ApiClient, user: str, **kw: Any) -> Any:
    body = {"name": "Under 3 h", "challenge_type": "reduce_screen_time", "target": 180,
            "start_date": (TODAY - timedelta(days=4)).isoformat(), "end_date": (TODAY + timedelta(days=9)).isoformat(), **kw}
    return api.post("/api/social/challenges/", body, user=user)


def uploaded(conn: psycopg.Connection, user_id: str, minutes: list[int], productive: int = 0) -> None:
    """Days ending yesterday with ``minutes`` of screen time (oldest first), then the analytics."""
    uid = uuid.UUID(user_id)
    dev = uuid.uuid4()
    conn.execute("INSERT INTO wellness.devices (id, user_id, name, platform, personality_type) VALUES (%s, %s, 'P', 'ios', 'gen_z')", (dev, uid))
    dates = [TODAY - timedelta(days=len(minutes) - i) for i in range(len(minutes))]
    for d, m in zip(dates, minutes):
        day(conn, uid, dev, d, screen=m, unlocks=77, apps=[("com.slack", "Productivity", productive, 3)])
    with conn.transaction():
        analytics.recalculate(conn, uid, dates)


def test_friends_see_each_others_progress_and_nothing_else(api: ApiClient, conn: psycopg.Connection) -> None:
    (a, a_id), (b, b_id), (c, _) = member(api, "Ann"), member(api, "Bob"), member(api)
    befriend(api, a, (b, b_id))
    uploaded(conn, a_id, [100, 200, 150, 170])   # 3 of 4 days under 180
    uploaded(conn, b_id, [400, 100, 500, 90])    # 2 of 4
    ch = challenge(api, a)
    assert ch.status == 201 and ch.body["joined"] and ch.body["participants"] == 1 and ch.body["status"] == "active"
    cid = ch.body["id"]
    assert ch.body["my_progress"] == {"average_value": 155.0, "days_met": 3, "days_measured": 4}
    # a stranger does not see it; the friend sees it, must join to see the board
    assert api.get(f"/api/social/challenges/{cid}/", user=c).status == 404
    assert api.post(f"/api/social/challenges/{cid}/join/", user=c).status == 404
    assert api.get("/api/social/challenges/", user=c).body["results"] == []
    assert api.get(f"/api/social/challenges/{cid}/leaderboard/", user=b).body["code"] == "not_participant"
    joined = api.post(f"/api/social/challenges/{cid}/join/", user=b)
    assert joined.status == 200 and joined.body["joined"] and joined.body["participants"] == 2
    assert api.post(f"/api/social/challenges/{cid}/join/", user=b).body["participants"] == 2  # idempotent
    board = api.get(f"/api/social/challenges/{cid}/leaderboard/", user=b)
    assert board.status == 200, board.body
    rows = board.body["results"]
    assert [(r["user"]["display_name"], r["rank"], r["days_met"], r["days_measured"], r["is_me"]) for r in rows] == [
        ("Ann", 1, 3, 4, False), ("Bob", 2, 2, 4, True)]
    assert rows[0]["days_elapsed"] == 5 and rows[0]["progress_pct"] == 60.0
    # Bob's view holds no usage figure of Ann: her minutes appear nowhere
    shown = numbers(board.body) | numbers(api.get(f"/api/social/challenges/{cid}/", user=b).body)
    assert not shown & {155.0, 100.0, 200.0, 150.0, 170.0}, shown
    assert set(rows[0]) == {"rank", "user", "days_met", "days_measured", "days_elapsed", "progress_pct", "is_me"}
    assert [x["id"] for x in api.get("/api/social/challenges/", user=b, query={"joined": "true"}).body["results"]] == [cid]
    # leave, then no board
    assert api.post(f"/api/social/challenges/{cid}/leave/", user=b).status == 204
    assert api.post(f"/api/social/challenges/{cid}/leave/", user=b).status == 204
    assert api.get(f"/api/social/challenges/{cid}/leaderboard/", user=b).status == 403


def test_increase_productivity_counts_minutes_at_least_the_target(api: ApiClient, conn: psycopg.Connection) -> None:
    a, a_id = member(api)
    uploaded(conn, a_id, [200, 200], productive=45)
    ch = challenge(api, a, challenge_type="increase_productivity", target=30).body
    assert ch["my_progress"] == {"average_value": 45.0, "days_met": 2, "days_measured": 2}


def test_a_finished_challenge_cannot_be_joined_or_left(api: ApiClient, conn: psycopg.Connection) -> None:
    (a, _), (b, b_id) = member(api), member(api)
    befriend(api, a, (b, b_id))
    cid = challenge(api, a).body["id"]
    conn.execute("UPDATE wellness.challenges SET start_date = %s, end_date = %s WHERE id = %s",
                 (TODAY - timedelta(days=20), TODAY - timedelta(days=6), cid))
    late = api.post(f"/api/social/challenges/{cid}/join/", user=b)
    assert late.status == 409 and late.body["code"] == "challenge_finished"
    assert api.post(f"/api/social/challenges/{cid}/leave/", user=a).body["code"] == "challenge_finished"
    assert api.get(f"/api/social/challenges/{cid}/", user=a).body["status"] == "finished"


def test_challenge_dates_are_checked(api: ApiClient) -> None:
    a, _ = member(api)
    past = challenge(api, a, start_date="2020-01-01", end_date="2020-01-05")
    assert past.status == 400 and past.body == {"end_date": ["is already past"]}
    assert challenge(api, a, end_date=(TODAY - timedelta(days=5)).isoformat()).body == {"end_date": ["must not be before start_date"]}
    assert "end_date" in challenge(api, a, end_date=(TODAY + timedelta(days=200)).isoformat()).body
    assert "challenge_type" in challenge(api, a, challenge_type="be_happy").body


def test_many_friends_join_at_once(api: ApiClient) -> None:
    a, _ = member(api)
    friends = [member(api) for _ in range(5)]
    for f in friends:
        befriend(api, a, f)
    cid = challenge(api, a).body["id"]
    got = concurrently([lambda f=f: api.post(f"/api/social/challenges/{cid}/join/", user=f[0]) for f in friends])
    assert all(getattr(r, "status", None) == 200 for r in got), got
    assert api.get(f"/api/social/challenges/{cid}/", user=a).body["participants"] == 6


def test_deleting_an_account_forgets_its_social_rows(api: ApiClient, conn: psycopg.Connection) -> None:
    (a, a_id), (b, b_id) = member(api), member(api)
    befriend(api, a, (b, b_id))
    mine = challenge(api, a).body["id"]
    theirs = challenge(api, b).body["id"]
    assert api.post(f"/api/social/challenges/{theirs}/join/", user=a).status == 200
    visit = api.post("/api/social/visits/", {"user_id": a_id, "device_id": device(api, b, "B"),
                                             "ends_at": (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()}, user=b)
    assert visit.status == 201
    gone = api.delete("/api/accounts/users/me/", user=a)
    assert gone.status == 200, gone.body
    assert api.get(F, user=b).body["results"] == []
    assert api.get("/api/social/visits/", user=b).body["results"] == []
    assert api.get(f"/api/social/challenges/{mine}/", user=b).status == 404
    assert api.get(f"/api/social/challenges/{theirs}/", user=b).body["participants"] == 1
    left = conn.execute("SELECT count(*) AS n FROM wellness.friend_connections WHERE %(u)s IN (requester_id, addressee_id)",
                        {"u": uuid.UUID(a_id)}).fetchone()
    assert left["n"] == 0


def test_challenge_pages_newest_first_with_cursors(api: ApiClient) -> None:
    a, _ = member(api)
    made = [challenge(api, a, name=f"c{i}").body["id"] for i in range(3)]
    first = api.get("/api/social/challenges/", user=a, query={"limit": "2"}).body
    cursor = first["next"].split("cursor=")[1].split("&")[0]
    second = api.get("/api/social/challenges/", user=a, query={"limit": "2", "cursor": cursor}).body
    assert [x["id"] for x in first["results"] + second["results"]] == made[::-1] and second["next"] is None
    back = second["previous"].split("cursor=")[1].split("&")[0]
    assert [x["id"] for x in api.get("/api/social/challenges/", user=a, query={"limit": "2", "cursor": back}).body["results"]] == made[:0:-1]
