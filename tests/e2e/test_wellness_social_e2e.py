"""Wellness social over HTTP against ``backlot dev`` (issue 11 items 7-8): two users become
friends, upload usage, join a challenge and see each other's progress (through the real
recalculation queue) and nothing else; the hostile cases: befriending yourself, another user's
connection, a blocked user's request, joining a finished challenge."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import httpx
import pytest

pytestmark = pytest.mark.e2e


def client_for(dev_server, user: str) -> httpx.Client:
    return httpx.Client(base_url=dev_server.url + "/wellness/api", timeout=120,
                        headers={"Authorization": f"Bearer {dev_server.token(user)}"})


def eventually(probe: Callable[[], Any], seconds: float = 30.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        got = probe()
        if got or time.monotonic() > deadline:
            return got
        time.sleep(0.5)


def numbers(found: Any) -> set[float]:
    """Every number in a JSON value (the figures a caller was shown)."""
    if isinstance(found, dict):
        return set().union(*(numbers(v) for v in found.values())) if found else set()
    if isinstance(found, list):
        return set().union(*(numbers(v) for v in found)) if found else set()
    return {float(found)} if isinstance(found, (int, float)) and not isinstance(found, bool) else set()


def join_wellness(http: httpx.Client, name: str, time_zone: str = "UTC") -> str:
    """The user's profile with a display name; returns their user id (what they share)."""
    me = http.get("/accounts/users/me/")
    assert me.status_code == 200, me.text
    assert http.patch("/accounts/profile/", json={"display_name": name, "time_zone": time_zone}).status_code == 200
    return me.json()["id"]


def upload(http: httpx.Client, minutes: list[int]) -> None:
    """A device and days ending yesterday with ``minutes`` of screen time."""
    device = http.post("/devices/", json={"name": "Phone", "platform": "android", "personality_type": "snarky"}).json()["id"]
    today = datetime.now(timezone.utc).date()
    days = [{"date": (today - timedelta(days=len(minutes) - i)).isoformat(), "screen_time_minutes": m, "unlocks": 61}
            for i, m in enumerate(minutes)]
    up = http.post("/usage/data/bulk_upload/", json={"device_id": device, "days": days})
    assert up.status_code == 200 and up.json()["accepted"]["days"] == len(minutes), up.text


def test_two_friends_join_a_challenge_and_see_progress_only(dev_server) -> None:
    tag = uuid.uuid4().hex[:6]
    with client_for(dev_server, f"ann-{tag}") as ann, client_for(dev_server, f"bob-{tag}") as bob, \
            client_for(dev_server, f"eve-{tag}") as eve:
        ann_id, bob_id, _ = join_wellness(ann, "Ann"), join_wellness(bob, "Bob"), join_wellness(eve, "Eve")
        # hostile: yourself; then the request, which Eve can neither see nor answer
        me = ann.post("/social/friends/", json={"user_id": ann_id})
        assert me.status_code == 400 and me.json() == {"user_id": ["you cannot befriend yourself"]}
        asked = ann.post("/social/friends/", json={"user_id": bob_id})
        assert asked.status_code == 201 and asked.json()["status"] == "pending", asked.text
        cid = asked.json()["id"]
        assert eve.post(f"/social/friends/{cid}/accept/").status_code == 404
        accepted = bob.post(f"/social/friends/{cid}/accept/")
        assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
        assert ann.get(f"/social/friends/{cid}/").json()["status"] == "accepted"

        upload(ann, [100, 200, 150])   # 2 of 3 days within 180 minutes
        upload(bob, [300, 120, 90])    # 2 of 3
        start = (datetime.now(timezone.utc).date() - timedelta(days=3)).isoformat()
        end = (datetime.now(timezone.utc).date() + timedelta(days=10)).isoformat()
        made = ann.post("/social/challenges/", json={"name": "Under 3 h", "challenge_type": "reduce_screen_time",
                                                     "target": 180, "start_date": start, "end_date": end})
        assert made.status_code == 201, made.text
        ch = made.json()["id"]
        assert eve.get(f"/social/challenges/{ch}/").status_code == 404  # not Ann's friend
        assert bob.post(f"/social/challenges/{ch}/join/").status_code == 200

        def board() -> list[dict[str, Any]] | None:
            r = bob.get(f"/social/challenges/{ch}/leaderboard/")
            assert r.status_code == 200, r.text
            rows = r.json()["results"]
            return rows if len(rows) == 2 and all(x["days_measured"] == 3 for x in rows) else None

        rows = eventually(board)
        assert rows, dev_server.log()[-3000:]
        assert [(x["user"]["display_name"], x["rank"], x["days_met"], x["is_me"]) for x in rows] == [
            ("Ann", 1, 2, False), ("Bob", 1, 2, True)]   # a tie shares the rank; Ann joined first
        shown = numbers(rows) | numbers(bob.get(f"/social/challenges/{ch}/").json())
        assert not shown & {100.0, 200.0, 150.0}, shown   # Ann's minutes and average: nowhere in Bob's view
        assert set(rows[0]) == {"rank", "user", "days_met", "days_measured", "days_elapsed", "progress_pct", "is_me"}
        mine = ann.get(f"/social/challenges/{ch}/").json()["my_progress"]
        assert mine == {"average_value": 150.0, "days_met": 2, "days_measured": 3}

        # Eve asks Bob; Bob blocks her: her next request finds nobody
        eves = eve.post("/social/friends/", json={"user_id": bob_id}).json()["id"]
        assert bob.post(f"/social/friends/{eves}/block/").json()["status"] == "blocked"
        again = eve.post("/social/friends/", json={"user_id": bob_id})
        assert again.status_code == 404 and again.json()["code"] == "user_not_found"
        assert eve.get("/social/friends/").json()["results"] == []


def test_joining_a_finished_challenge_is_refused(dev_server) -> None:
    """A challenge ends on each participant's own date: made for today at UTC-12, it is already
    finished for a friend at UTC+14 (whose date is a day or two later)."""
    tag = uuid.uuid4().hex[:6]
    with client_for(dev_server, f"west-{tag}") as west, client_for(dev_server, f"east-{tag}") as east:
        join_wellness(west, "West", "Etc/GMT+12")
        east_id = join_wellness(east, "East", "Pacific/Kiritimati")
        cid = west.post("/social/friends/", json={"user_id": east_id}).json()["id"]
        assert east.post(f"/social/friends/{cid}/accept/").status_code == 200
        west_today = (datetime.now(timezone.utc) - timedelta(hours=12)).date().isoformat()
        made = west.post("/social/challenges/", json={"name": "One day", "challenge_type": "reduce_unlocks", "target": 50,
                                                      "start_date": west_today, "end_date": west_today})
        assert made.status_code == 201 and made.json()["status"] == "active", made.text
        late = east.post(f"/social/challenges/{made.json()['id']}/join/")
        assert late.status_code == 409 and late.json()["code"] == "challenge_finished"
        assert east.get(f"/social/challenges/{made.json()['id']}/").json()["status"] == "finished"


def test_a_block_hides_both_users_on_the_leaderboard_and_refuses_requests(dev_server) -> None:
    """Issue 11 item 7 (blocks, branch wsocial3): Bob blocks Ann without going through their
    connection; the block ends the friendship, hides each from the other's leaderboard (the third
    participant still sees both), Ann's request finds nobody; unblocking lets her ask again."""
    tag = uuid.uuid4().hex[:6]
    with client_for(dev_server, f"ann-{tag}") as ann, client_for(dev_server, f"bob-{tag}") as bob, \
            client_for(dev_server, f"cy-{tag}") as cy:
        ann_id, bob_id, cy_id = join_wellness(ann, "Ann"), join_wellness(bob, "Bob"), join_wellness(cy, "Cy")
        for friend, friend_id in ((bob, bob_id), (cy, cy_id)):
            asked = ann.post("/social/friends/", json={"user_id": friend_id})
            assert asked.status_code == 201, asked.text
            assert friend.post(f"/social/friends/{asked.json()['id']}/accept/").status_code == 200
        start = (datetime.now(timezone.utc).date() - timedelta(days=2)).isoformat()
        end = (datetime.now(timezone.utc).date() + timedelta(days=5)).isoformat()
        ch = ann.post("/social/challenges/", json={"name": "Fewer unlocks", "challenge_type": "reduce_unlocks",
                                                   "target": 50, "start_date": start, "end_date": end}).json()["id"]
        for who in (bob, cy):
            assert who.post(f"/social/challenges/{ch}/join/").status_code == 200

        def names(who: httpx.Client) -> list[str]:
            got = who.get(f"/social/challenges/{ch}/leaderboard/")
            assert got.status_code == 200, got.text
            return sorted(x["user"]["display_name"] for x in got.json()["results"])

        assert names(ann) == names(bob) == ["Ann", "Bob", "Cy"]
        blocked = bob.post("/social/blocks/", json={"user_id": ann_id})
        assert blocked.status_code == 201 and blocked.json()["user"] == {"id": ann_id, "display_name": "Ann"}, blocked.text
        assert bob.post("/social/blocks/", json={"user_id": ann_id}).status_code == 200  # one block
        assert bob.post("/social/blocks/", json={"user_id": bob_id}).status_code == 400  # yourself
        assert names(ann) == ["Ann", "Cy"] and names(bob) == ["Bob", "Cy"] and names(cy) == ["Ann", "Bob", "Cy"]
        assert [c["user"]["id"] for c in ann.get("/social/friends/").json()["results"]] == [cy_id]
        refused = ann.post("/social/friends/", json={"user_id": bob_id})
        assert refused.status_code == 404 and refused.json()["code"] == "user_not_found"
        assert [b["user"]["id"] for b in bob.get("/social/blocks/").json()["results"]] == [ann_id]
        assert ann.get("/social/blocks/").json()["results"] == []
        # unblock (twice: idempotent); Ann may ask again and is on Bob's board again
        assert bob.delete(f"/social/blocks/{ann_id}/").status_code == 204
        assert bob.delete(f"/social/blocks/{ann_id}/").status_code == 204
        assert ann.post("/social/friends/", json={"user_id": bob_id}).status_code == 201
        assert names(bob) == ["Ann", "Bob", "Cy"]
