"""Blocks and social rate limits (issue 11 item 7; wellness.social.blocks, wellness.limits)
through the product's Lambda handler on real PostgreSQL: a block with or without a connection, what
it ends and hides (friends, visits, leaderboards), a block racing a friend request, and 429s."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.support.clients import ApiClient

from .conftest import concurrently
from .test_social import F, befriend, challenge, device, member, uploaded

B = "/api/social/blocks/"
V = "/api/social/visits/"


@pytest.fixture()
def conn(database_url: str):
    with psycopg.connect(database_url, row_factory=dict_row, autocommit=True) as c:
        yield c


@pytest.fixture()
def limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Small limits: 3 friend requests and 2 visit proposals per hour (settings from the environment)."""
    from wellness.settings import get_settings

    monkeypatch.setenv("FRIEND_REQUESTS_PER_HOUR", "3")
    monkeypatch.setenv("VISIT_PROPOSALS_PER_HOUR", "2")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def pair_rows(conn: psycopg.Connection, a_id: str, b_id: str) -> list[str]:
    """The statuses of the pair's connection rows (at most one)."""
    return [r["status"] for r in conn.execute(
        "SELECT status FROM wellness.friend_connections WHERE user_low = LEAST(%s::uuid, %s::uuid) "
        "AND user_high = GREATEST(%s::uuid, %s::uuid)", (a_id, b_id, a_id, b_id)).fetchall()]


def ends() -> str:
    return (datetime.now(timezone.utc) + timedelta(hours=2)).isoformat()


def test_block_without_a_connection_is_one_block_listed_and_undone(api: ApiClient, conn: psycopg.Connection) -> None:
    (a, a_id), (b, b_id), (c, c_id) = member(api, "Ann"), member(api, "Bob"), member(api, "Cy")
    first = api.post(B, {"user_id": b_id}, user=a)
    assert first.status == 201 and first.body["user"] == {"id": b_id, "display_name": "Bob"}, first.body
    again = api.post(B, {"user_id": b_id}, user=a)
    assert again.status == 200 and again.body == first.body
    assert conn.execute("SELECT count(*) AS n FROM wellness.blocks WHERE blocker_id = %s", (uuid.UUID(a_id),)).fetchone()["n"] == 1
    assert pair_rows(conn, a_id, b_id) == []  # no connection is made up
    assert api.post(B, {"user_id": c_id}, user=a).status == 201
    # pages, oldest first; the blocked user sees nothing of it
    page = api.get(B, user=a, query={"limit": "1"}).body
    assert [x["user"]["id"] for x in page["results"]] == [b_id] and page["next"]
    cursor = page["next"].split("cursor=")[1].split("&")[0]
    assert [x["user"]["id"] for x in api.get(B, user=a, query={"cursor": cursor}).body["results"]] == [c_id]
    assert api.get(B, user=b).body["results"] == []
    # the blocked user's request looks like a request to nobody; the blocker's own is a 409
    hidden = api.post(F, {"user_id": a_id}, user=b)
    assert hidden.status == 404 and hidden.body["code"] == "user_not_found"
    mine = api.post(F, {"user_id": b_id}, user=a)
    assert mine.status == 409 and mine.body["code"] == "user_blocked"
    # unblock: idempotent 204; they may ask again
    assert api.delete(f"{B}{b_id}/", user=a).status == 204
    assert api.delete(f"{B}{b_id}/", user=a).status == 204
    assert [x["user"]["id"] for x in api.get(B, user=a).body["results"]] == [c_id]
    assert api.post(F, {"user_id": a_id}, user=b).status == 201


def test_hostile_blocks(api: ApiClient) -> None:
    a, a_id = member(api)
    me = api.post(B, {"user_id": a_id}, user=a)
    assert me.status == 400 and me.body == {"user_id": ["you cannot block yourself"]}
    nobody = api.post(B, {"user_id": str(uuid.uuid4())}, user=a)
    assert nobody.status == 404 and nobody.body["code"] == "user_not_found"
    assert "user_id" in api.post(B, {"user_id": "bob"}, user=a).body
    assert api.delete(f"{B}not-a-uuid/", user=a).status == 400
    assert api.delete(f"{B}{uuid.uuid4()}/", user=a).status == 204  # nothing to undo


def test_a_block_ends_the_friendship_and_the_visits(api: ApiClient, conn: psycopg.Connection) -> None:
    (a, a_id), (b, b_id) = member(api), member(api)
    conn_id = befriend(api, a, (b, b_id))
    a_dev, b_dev = device(api, a, "A"), device(api, b, "B")
    active = api.post(V, {"user_id": b_id, "device_id": a_dev, "ends_at": ends()}, user=a).body
    assert api.post(f"{V}{active['id']}/accept/", {"device_id": b_dev}, user=b).body["status"] == "active"
    pending = api.post(V, {"user_id": a_id, "device_id": b_dev, "ends_at": ends()}, user=b).body
    assert api.post(B, {"user_id": a_id}, user=b).status == 201
    # the blocker sees the connection blocked, the blocked user no longer sees it
    assert api.get(f"{F}{conn_id}/", user=b).body["status"] == "blocked"
    assert api.get(f"{F}{conn_id}/", user=a).status == 404
    # both visits ended; no new one either way, and the pending one cannot be accepted
    assert {v["status"] for v in api.get(V, user=a).body["results"]} == {"ended"}
    late = api.post(f"{V}{pending['id']}/accept/", {"device_id": a_dev}, user=a)
    assert late.status == 409 and late.body["code"] == "visit_over"
    for who, dev, other in ((a, a_dev, b_id), (b, b_dev, a_id)):
        refused = api.post(V, {"user_id": other, "device_id": dev, "ends_at": ends()}, user=who)
        assert refused.status == 400 and refused.body == {"user_id": ["not a friend of yours"]}
    # unblocking forgets the connection: friends again only by asking again
    assert api.delete(f"{B}{a_id}/", user=b).status == 204
    assert pair_rows(conn, a_id, b_id) == []
    assert api.post(F, {"user_id": b_id}, user=a).status == 201


def test_a_pending_request_ends_with_a_block_and_both_blocks_are_kept(api: ApiClient, conn: psycopg.Connection) -> None:
    (a, a_id), (b, b_id) = member(api), member(api)
    conn_id = api.post(F, {"user_id": b_id}, user=a).body["id"]
    assert api.post(B, {"user_id": a_id}, user=b).status == 201
    assert pair_rows(conn, a_id, b_id) == ["blocked"]
    assert api.get(F, user=a).body["results"] == []
    # each blocks the other; one unblock leaves the other's block in force, and the connection goes
    # (handed over to Ann, it reappeared in her list: she learnt Bob had blocked her)
    assert api.post(B, {"user_id": b_id}, user=a).status == 201
    assert api.delete(f"{B}{a_id}/", user=b).status == 204
    assert pair_rows(conn, a_id, b_id) == [] and api.get(f"{F}{conn_id}/", user=a).status == 404
    assert api.post(F, {"user_id": a_id}, user=b).body["code"] == "user_not_found"
    assert api.post(F, {"user_id": b_id}, user=a).body["code"] == "user_blocked"
    assert api.delete(f"{B}{b_id}/", user=a).status == 204
    assert api.get(B, user=a).body["results"] == [] and pair_rows(conn, a_id, b_id) == []


def test_a_user_blocked_then_unblocked_sees_what_a_removed_user_sees(api: ApiClient) -> None:
    # whostile finding: Bob blocks his friend Ann, Ann blocks Bob, Bob unblocks her: the connection was
    # handed over to Ann's block and reappeared in her list as "blocked" (she learnt she had been
    # blocked). Carl removing his friend Ann instead, then Ann blocking Carl: she sees nothing.
    (a, a_id), (b, b_id), (c, c_id) = member(api), member(api), member(api)
    blocked_conn, removed_conn = befriend(api, a, (b, b_id)), befriend(api, a, (c, c_id))
    assert api.post(B, {"user_id": a_id}, user=b).status == 201
    assert api.delete(f"{F}{removed_conn}/", user=c).status == 204
    assert api.post(B, {"user_id": b_id}, user=a).status == 201
    assert api.post(B, {"user_id": c_id}, user=a).status == 201
    assert api.delete(f"{B}{a_id}/", user=b).status == 204  # Bob unblocks Ann
    assert api.get(F, user=a).body["results"] == []
    assert api.get(f"{F}{blocked_conn}/", user=a).status == api.get(f"{F}{removed_conn}/", user=a).status == 404
    assert sorted(x["user"]["id"] for x in api.get(B, user=a).body["results"]) == sorted([b_id, c_id])


def test_blocking_through_the_connection_is_the_same_block(api: ApiClient, conn: psycopg.Connection) -> None:
    (a, a_id), (b, b_id) = member(api), member(api)
    conn_id = befriend(api, a, (b, b_id))
    assert api.post(f"{F}{conn_id}/block/", user=a).status == 200
    assert [x["user"]["id"] for x in api.get(B, user=a).body["results"]] == [b_id]
    assert api.post(B, {"user_id": b_id}, user=a).status == 200  # already blocked: one block
    assert api.delete(f"{B}{b_id}/", user=a).status == 204
    assert api.get(f"{F}{conn_id}/", user=a).status == 404


def test_the_leaderboard_hides_blocked_users_both_ways(api: ApiClient, conn: psycopg.Connection) -> None:
    (a, a_id), (b, b_id), (c, c_id) = member(api, "Ann"), member(api, "Bob"), member(api, "Cy")
    befriend(api, a, (b, b_id))
    befriend(api, a, (c, c_id))
    uploaded(conn, a_id, [100, 100])
    uploaded(conn, b_id, [100, 400])
    uploaded(conn, c_id, [400, 400])
    cid = challenge(api, a).body["id"]
    for who in (b, c):
        assert api.post(f"/api/social/challenges/{cid}/join/", user=who).status == 200

    def board(who: str) -> list[tuple[str, int]]:
        got = api.get(f"/api/social/challenges/{cid}/leaderboard/", user=who)
        assert got.status == 200, got.body
        return [(r["user"]["display_name"], r["rank"]) for r in got.body["results"]]

    assert board(b) == [("Ann", 1), ("Bob", 2), ("Cy", 3)]
    assert api.post(B, {"user_id": a_id}, user=b).status == 201  # Bob blocks Ann
    assert board(a) == [("Ann", 1), ("Cy", 2)]      # the blocked user no longer sees the blocker
    assert board(b) == [("Bob", 1), ("Cy", 2)]      # nor the blocker the blocked user; ranks close up
    assert board(c) == [("Ann", 1), ("Bob", 2), ("Cy", 3)]  # a third user sees everyone
    assert api.get(f"/api/social/challenges/{cid}/", user=b).body["participants"] == 2
    assert api.get(f"/api/social/challenges/{cid}/", user=c).body["participants"] == 3
    assert api.delete(f"{B}{a_id}/", user=b).status == 204
    assert board(a) == [("Ann", 1), ("Bob", 2), ("Cy", 3)]


@pytest.fixture()
def slow_block(conn: psycopg.Connection) -> Iterator[None]:
    """Widen the race: a block's last statement (ending the visits between the two) waits 0.3 s
    before its transaction commits, a statement-level trigger of this test only (the session's
    database is this run's own). A request that did not wait for the block's pair lock would read
    "no block" in that time and commit a pending request beside the block."""
    conn.execute("CREATE FUNCTION wellness.test_slow_statement() RETURNS trigger LANGUAGE plpgsql AS "
                 "$$ BEGIN PERFORM pg_sleep(0.3); RETURN NULL; END $$")
    conn.execute("CREATE TRIGGER test_slow_block AFTER UPDATE ON wellness.friend_visits "
                 "FOR EACH STATEMENT EXECUTE FUNCTION wellness.test_slow_statement()")
    try:
        yield
    finally:
        conn.execute("DROP TRIGGER test_slow_block ON wellness.friend_visits")
        conn.execute("DROP FUNCTION wellness.test_slow_statement()")


def test_a_block_racing_a_request_never_leaves_a_friendship_or_a_request(api: ApiClient, conn: psycopg.Connection,
                                                                         slow_block: None) -> None:
    for round_ in range(10):
        (a, a_id), (b, b_id) = member(api), member(api)
        block = lambda: api.post(B, {"user_id": b_id}, user=a)  # noqa: E731
        if round_ % 2:  # half the rounds start as friends, and Ann blocks through the connection
            conn_id = befriend(api, a, (b, b_id))
            block = lambda: api.post(f"{F}{conn_id}/block/", user=a)  # noqa: E731
        got = concurrently([block, lambda: api.post(F, {"user_id": a_id}, user=b)])
        assert all(not isinstance(r, BaseException) for r in got), got
        blocked, request = got
        assert blocked.status in (200, 201), blocked.body
        assert request.status in (200, 201, 404), request.body  # before the block, or refused after it
        allowed = [["blocked"]] if round_ % 2 else [[], ["blocked"]]  # the request before the block: blocked after
        assert pair_rows(conn, a_id, b_id) in allowed, round_
        assert api.get(F, user=b).body["results"] == []
        assert [x["user"]["id"] for x in api.get(B, user=a).body["results"]] == [b_id]


def test_a_block_racing_a_visit_proposal_leaves_no_open_visit(api: ApiClient, conn: psycopg.Connection,
                                                               slow_block: None) -> None:
    for _ in range(4):
        (a, a_id), (b, b_id) = member(api), member(api)
        befriend(api, a, (b, b_id))
        b_dev = device(api, b, "B")
        got = concurrently([lambda: api.post(B, {"user_id": b_id}, user=a),
                            lambda: api.post(V, {"user_id": a_id, "device_id": b_dev, "ends_at": ends()}, user=b)])
        assert all(not isinstance(r, BaseException) for r in got), got
        assert got[0].status == 201 and got[1].status in (201, 400), [(r.status, r.body) for r in got]
        open_visits = conn.execute("SELECT count(*) AS n FROM wellness.friend_visits WHERE guest_id = %s "
                                   "AND status IN ('pending', 'active')", (uuid.UUID(a_id),)).fetchone()["n"]
        assert open_visits == 0


def test_friend_requests_are_limited_per_hour(api: ApiClient, conn: psycopg.Connection, limits: None) -> None:
    (a, a_id) = member(api)
    others = [member(api) for _ in range(4)]
    # a refused request (nobody) is not counted
    assert api.post(F, {"user_id": str(uuid.uuid4())}, user=a).status == 404
    for _, oid in others[:3]:
        assert api.post(F, {"user_id": oid}, user=a).status == 201
    over = api.post(F, {"user_id": others[3][1]}, user=a)
    assert over.status == 429 and over.body["code"] == "too_many_requests", over.body
    assert 3590 <= int(over.headers["retry-after"]) <= 3600
    assert "friend requests" in over.body["detail"] and "3 per hour" in over.body["detail"]
    assert pair_rows(conn, a_id, others[3][1]) == []
    # another user is not limited by Ann's requests; once an hour has passed Ann may ask again
    assert api.post(F, {"user_id": others[3][1]}, user=others[0][0]).status == 201
    conn.execute("UPDATE wellness.rate_limited_actions SET created_at = created_at - interval '61 minutes' WHERE user_id = %s",
                 (uuid.UUID(a_id),))
    assert api.post(F, {"user_id": others[3][1]}, user=a).status == 201


def test_concurrent_friend_requests_never_pass_the_limit(api: ApiClient, limits: None) -> None:
    a, _ = member(api)
    others = [member(api) for _ in range(6)]
    got = concurrently([lambda o=o: api.post(F, {"user_id": o[1]}, user=a) for o in others])
    assert sorted(getattr(r, "status", r) for r in got) == [201] * 3 + [429] * 3, got


def test_visit_proposals_are_limited(api: ApiClient, limits: None) -> None:
    (a, _), (b, b_id) = member(api), member(api)
    befriend(api, a, (b, b_id))
    a_dev = device(api, a, "A")
    for _ in range(2):
        assert api.post(V, {"user_id": b_id, "device_id": a_dev, "ends_at": ends()}, user=a).status == 201
    over = api.post(V, {"user_id": b_id, "device_id": a_dev, "ends_at": ends()}, user=a)
    assert over.status == 429 and int(over.headers["retry-after"]) > 0 and "visit proposals" in over.body["detail"]


def test_deleting_an_account_forgets_its_blocks(api: ApiClient, conn: psycopg.Connection) -> None:
    (a, a_id), (b, b_id) = member(api), member(api)
    assert api.post(B, {"user_id": b_id}, user=a).status == 201
    assert api.post(B, {"user_id": a_id}, user=b).status == 201
    assert api.delete("/api/accounts/users/me/", user=a).status == 200
    assert api.get(B, user=b).body["results"] == []
    left = conn.execute("SELECT count(*) AS n FROM wellness.blocks WHERE %(u)s IN (blocker_id, blocked_id)",
                        {"u": uuid.UUID(a_id)}).fetchone()
    assert left["n"] == 0
