"""Households by invitation (issue 9, item 4), through the handlers on real PostgreSQL and the
emulator. Each test names the hole it closes; on the old main each fails (noted per test)."""

from __future__ import annotations


import boto3
import psycopg
import pytest

from tests.integration.family.conftest import MEDIA, UPLOADS, FamilyApi, MediaQueue, new_user
from tests.integration.family.test_media import tiny_jpeg

pytestmark = pytest.mark.integration


def keys(bucket: str, household: str) -> list[str]:
    prefix = ("media/" if bucket == MEDIA else "originals/") + household + "/"
    return sorted(o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []))


def invite(api: FamilyApi, household: str, owner: str, user: str):
    return api.post(f"/api/v1/households/{household}/members/", {"user_id": api.user_id(user)}, user=owner)


def test_only_owners_invite_and_nothing_is_shared_before_acceptance(api: FamilyApi) -> None:
    """Old main: any member added any user id (201) and the user saw the household at once."""
    owner, member, victim = new_user(), new_user(), new_user()
    home = api.household(owner, "Chosen by the adder")
    api.join(home, owner, member)
    refused = invite(api, home, member, victim)
    assert refused.status == 403 and refused.body["code"] == "owner_required"
    first = invite(api, home, owner, victim)
    assert first.status == 201 and first.body["status"] == "pending" and first.body["household_name"] == "Chosen by the adder"
    again = invite(api, home, owner, victim)
    assert again.status == 200 and again.body["id"] == first.body["id"]  # idempotent: the same pending invitation
    # not a member yet: no household, no photos
    assert api.get("/api/v1/households/", user=victim).body["households"] == []
    assert api.get("/api/v1/media/", query={"household_id": home}, user=victim).status == 404
    pending = api.get("/api/v1/invitations/", user=victim).body
    assert [i["id"] for i in pending["invitations"]] == [first.body["id"]] and pending["next_cursor"] is None
    assert api.get("/api/v1/invitations/", user=owner).body["invitations"] == []  # only the invited user sees it
    # someone else cannot answer it
    assert api.post(f"/api/v1/invitations/{first.body['id']}/accept/", None, user=member).status == 404
    accepted = api.post(f"/api/v1/invitations/{first.body['id']}/accept/", None, user=victim)
    assert accepted.status == 200 and accepted.body["status"] == "accepted"
    assert api.post(f"/api/v1/invitations/{first.body['id']}/accept/", None, user=victim).status == 200  # twice: 200
    listed = api.get("/api/v1/households/", user=victim).body["households"]
    assert [h["id"] for h in listed] == [home] and listed[0]["role"] == "member"
    assert api.get("/api/v1/invitations/", user=victim).body["invitations"] == []
    already = invite(api, home, owner, victim)
    assert already.status == 409 and already.body["code"] == "already_member"


def test_a_declined_invitation_makes_no_membership(api: FamilyApi) -> None:
    owner, other = new_user(), new_user()
    home = api.household(owner)
    invitation = invite(api, home, owner, other).body
    declined = api.post(f"/api/v1/invitations/{invitation['id']}/decline/", None, user=other)
    assert declined.status == 200 and declined.body["status"] == "declined"
    assert api.post(f"/api/v1/invitations/{invitation['id']}/decline/", None, user=other).status == 200
    late = api.post(f"/api/v1/invitations/{invitation['id']}/accept/", None, user=other)
    assert late.status == 409 and late.body["code"] == "invitation_answered"
    assert api.get("/api/v1/households/", user=other).body["households"] == []
    assert invite(api, home, owner, other).status == 201  # may be asked again


def test_owners_promote_and_leave_while_another_owner_remains(api: FamilyApi) -> None:
    """Old main: an owner could never leave (no way to make another owner)."""
    owner, friend = new_user(), new_user()
    home = api.household(owner)
    api.join(home, owner, friend)
    owner_id, friend_id = api.user_id(owner), api.user_id(friend)
    assert api.patch(f"/api/v1/households/{home}/members/{owner_id}/", {"role": "member"}, user=friend).status == 403
    last = api.patch(f"/api/v1/households/{home}/members/{owner_id}/", {"role": "member"}, user=owner)
    assert last.status == 409 and last.body["code"] == "last_owner"
    promoted = api.patch(f"/api/v1/households/{home}/members/{friend_id}/", {"role": "owner"}, user=owner)
    assert promoted.status == 200 and promoted.body == {"household_id": home, "user_id": friend_id, "role": "owner"}
    assert api.patch(f"/api/v1/households/{home}/members/{friend_id}/", {"role": "owner"}, user=owner).status == 200
    assert api.delete(f"/api/v1/households/{home}/members/{owner_id}/", user=owner).status == 204  # leaves
    assert api.get("/api/v1/households/", user=owner).body["households"] == []
    stays = api.delete(f"/api/v1/households/{home}/members/{friend_id}/", user=friend)
    assert stays.status == 409 and stays.body["code"] == "last_owner"


def test_two_owners_leaving_at_once_leave_one_owner(api: FamilyApi, database_url: str) -> None:
    """The household row is locked before "another owner remains" is read."""
    from concurrent.futures import ThreadPoolExecutor

    from family import service
    from tests.integration.family.test_hostile import _principal

    a, b = new_user(), new_user()
    home = api.household(a)
    api.join(home, a, b)
    api.patch(f"/api/v1/households/{home}/members/{api.user_id(b)}/", {"role": "owner"}, user=a)

    def leave(user: str) -> str:
        who = _principal(user)
        try:
            service.remove_member(who, __import__("uuid").UUID(home), who.user_id)
            return "left"
        except Exception as exc:  # noqa: BLE001 - the refusal is the point
            return getattr(exc, "code", repr(exc))

    with ThreadPoolExecutor(2) as pool:
        results = sorted(pool.map(leave, [a, b]))
    assert results == ["last_owner", "left"]
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM family.household_members WHERE household_id = %s AND role = 'owner'",
                            (home,)).fetchone()[0] == 1


def test_an_owner_deletes_the_household_with_every_row_and_file(api: FamilyApi, media_queue: MediaQueue, database_url: str) -> None:
    """Old main: a household could never be deleted."""
    owner, member = new_user(), new_user()
    home = api.household(owner)
    api.join(home, owner, member)
    exp = api.post("/api/v1/experiences/", {"household_id": home, "activity_name": "Zoo"}, user=owner).body
    assert api.post(f"/api/v1/experiences/{exp['id']}/reviews/", {"household_id": home, "rating": 5}, user=member).status == 201
    ready = api.upload(tiny_jpeg(), home, user=owner).body
    media_queue.drain()
    waiting = api.upload(tiny_jpeg(), home, user=member).body  # its original is still in the uploads bucket
    assert keys(MEDIA, home) and keys(UPLOADS, home)
    assert api.delete(f"/api/v1/households/{home}/", user=member).status == 403
    assert api.delete(f"/api/v1/households/{home}/", user=owner).status == 204
    assert keys(MEDIA, home) == [] and keys(UPLOADS, home) == []
    assert api.get("/api/v1/households/", user=member).body["households"] == []
    assert api.get(f"/api/v1/media/{ready['id']}/", user=owner).status == 404
    with psycopg.connect(database_url) as conn:
        for table in ("households", "household_members", "experiences", "experience_reviews", "media_items", "activity_weights",
                      "household_invitations"):
            column = "id" if table == "households" else "household_id"
            assert conn.execute(f"SELECT count(*) FROM family.{table} WHERE {column} = %s", (home,)).fetchone()[0] == 0, table
        assert conn.execute("SELECT count(*) FROM family.object_deletions WHERE media_prefix = %s",
                            (f"media/{home}/",)).fetchone()[0] == 0
    assert api.delete(f"/api/v1/households/{home}/", user=owner).status == 404
    # the event of the original that was waiting finds no item: nothing is recreated
    media_queue.drain()
    assert api.get(f"/api/v1/media/{waiting['id']}/", user=member).status == 404 and keys(UPLOADS, home) == []


def test_household_list_is_cursor_paged(api: FamilyApi) -> None:
    """Old main: the list stopped at 500 rows with no cursor, so 500 foreign households hid one's own."""
    user = new_user()
    made = [api.household(user, f"H{i}") for i in range(5)]
    seen, cursor = [], None
    while True:
        query = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        body = api.get("/api/v1/households/", query=query, user=user).body
        assert len(body["households"]) <= 2
        seen += [h["id"] for h in body["households"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == made
    assert api.get("/api/v1/households/", query={"cursor": "nope"}, user=user).status == 400


def test_participants_must_be_members(api: FamilyApi) -> None:
    """Document 000: "participants exist". Old main stored any text."""
    owner, member, stranger = new_user(), new_user(), new_user()
    home = api.household(owner)
    api.join(home, owner, member)
    ids = [api.user_id(owner), api.user_id(member)]
    ok = api.post("/api/v1/experiences/", {"household_id": home, "activity_name": "Zoo", "participant_ids": ids}, user=owner)
    assert ok.status == 201 and ok.body["participant_ids"] == ids
    outsider = api.user_id(stranger)
    for body in ({"participant_ids": [ids[0], outsider, "member1"]},):
        res = api.post("/api/v1/experiences/", {"household_id": home, "activity_name": "Zoo"} | body, user=owner)
        assert res.status == 400 and res.body["code"] == "unknown_participants", res.body
        assert outsider in res.body["detail"] and "member1" in res.body["detail"] and ids[0] not in res.body["detail"]
    patched = api.patch(f"/api/v1/experiences/{ok.body['id']}/", {"participant_ids": [outsider]}, user=owner)
    assert patched.status == 400 and patched.body["code"] == "unknown_participants"
    assert api.get(f"/api/v1/experiences/{ok.body['id']}/", user=owner).body["participant_ids"] == ids
    moment = api.post("/api/v1/merry-moments/", {"household_id": home, "title": "x", "occurred_at": "2024-01-01T10:00:00Z",
                                                 "participant_ids": [outsider]}, user=owner)
    assert moment.status == 400 and moment.body["code"] == "unknown_participants"


def test_a_review_creates_its_merry_moment_in_the_same_request(api: FamilyApi, database_url: str) -> None:
    """Document 000: "cascading creates (review → moment → weight update)". Old main: 400 (unknown field)."""
    owner = new_user()
    home = api.household(owner)
    exp = api.post("/api/v1/experiences/", {"household_id": home, "activity_name": "Park Picnic", "weather": "sunny",
                                            "start_at": "2024-01-13T14:00:00-08:00"}, user=owner).body
    body = {"household_id": home, "rating": 5, "note": "Kids loved it!",
            "merry_moment": {"title": "Picnic", "participant_ids": [api.user_id(owner)], "place": "Golden Gate Park"}}
    res = api.post(f"/api/v1/experiences/{exp['id']}/reviews/", body, user=owner)
    assert res.status == 201, res.body
    moment = res.body["merry_moment"]
    assert moment["experience_id"] == exp["id"] and moment["household_id"] == home and moment["title"] == "Picnic"
    assert res.body["merry_moment_id"] == moment["id"]
    assert moment["occurred_at"].startswith("2024-01-13T22:00:00")  # the experience's start_at
    assert [m["id"] for m in api.get("/api/v1/merry-moments/", query={"household_id": home}, user=owner).body["moments"]] == [moment["id"]]
    again = api.post(f"/api/v1/experiences/{exp['id']}/reviews/", body, user=owner)
    assert again.status == 200 and again.body["merry_moment"]["id"] == moment["id"]  # a retry makes no second moment
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM family.merry_moments WHERE household_id = %s", (home,)).fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM family.activity_weights WHERE household_id = %s AND reviews = 1",
                            (home,)).fetchone()[0] > 0
    # a refused moment refuses the review too: one transaction
    exp2 = api.post("/api/v1/experiences/", {"household_id": home, "activity_name": "Zoo"}, user=owner).body
    bad = api.post(f"/api/v1/experiences/{exp2['id']}/reviews/",
                   {"household_id": home, "rating": 4, "merry_moment": {"title": "x", "participant_ids": ["nobody"]}}, user=owner)
    assert bad.status == 400 and bad.body["code"] == "unknown_participants"
    assert api.get(f"/api/v1/experiences/{exp2['id']}/reviews/", user=owner).body["reviews"] == []


def test_concurrent_invites_and_accepts_make_one_invitation_and_one_membership(api: FamilyApi, database_url: str) -> None:
    """Retried requests arriving together (threads, each with its own connection, through the
    service): the same pending invitation for all, one membership, every accept answered."""
    import uuid as uuid_mod
    from concurrent.futures import ThreadPoolExecutor

    from backlot import db
    from family import service
    from tests.integration.family.test_hostile import _principal

    owner, guest = new_user(), new_user()
    home = uuid_mod.UUID(api.household(owner))
    guest_id = uuid_mod.UUID(api.user_id(guest))
    barrier = __import__("threading").Barrier(6, timeout=5)

    def together(call):
        def run(_: int):
            barrier.wait()
            try:
                return call()
            finally:
                db.reset()
        with ThreadPoolExecutor(6) as pool:
            return list(pool.map(run, range(6)))

    invites = together(lambda: service.invite_member(_principal(owner), home, guest_id))
    assert sorted(created for _, created in invites) == [False] * 5 + [True]
    assert len({row["id"] for row, _ in invites}) == 1
    invitation = invites[0][0]["id"]
    accepts = together(lambda: service.respond_invitation(_principal(guest), invitation, accept=True))
    assert {row["status"] for row in accepts} == {"accepted"}
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM family.household_members WHERE household_id = %s AND user_id = %s",
                            (home, guest_id)).fetchone()[0] == 1


@pytest.mark.parametrize("bad", ["nope", "00000000-0000-0000-0000-000000000000", "1' OR '1'='1", "%00"])
def test_the_new_routes_refuse_hostile_input_with_4xx(api: FamilyApi, bad: str) -> None:
    owner, member = new_user(), new_user()
    home = api.household(owner)
    api.join(home, owner, member)
    member_id = api.user_id(member)
    calls = [
        api.post(f"/api/v1/invitations/{bad}/accept/", None, user=member),
        api.post(f"/api/v1/invitations/{bad}/decline/", None, user=member),
        api.get("/api/v1/invitations/", query={"cursor": bad}, user=member),
        api.get("/api/v1/invitations/", query={"limit": bad}, user=member),
        api.get("/api/v1/households/", query={"cursor": bad}, user=member),
        api.delete(f"/api/v1/households/{bad}/", user=owner),
        api.patch(f"/api/v1/households/{home}/members/{bad}/", {"role": "owner"}, user=owner),
        api.patch(f"/api/v1/households/{bad}/members/{member_id}/", {"role": "owner"}, user=owner),
        api.patch(f"/api/v1/households/{home}/members/{member_id}/", {"role": bad}, user=owner),
        api.patch(f"/api/v1/households/{home}/members/{member_id}/", {"role": "owner", "extra": bad}, user=owner),
        api.post(f"/api/v1/households/{home}/members/", {"user_id": bad}, user=member),
        api.post("/api/v1/experiences/", {"household_id": home, "activity_name": "x", "participant_ids": [bad]}, user=owner),
        api.get(f"/api/v1/households/{bad}/invitations/", user=owner),
        api.get(f"/api/v1/households/{home}/invitations/", query={"cursor": bad}, user=owner),
        api.get(f"/api/v1/households/{home}/invitations/", query={"limit": bad}, user=owner),
        api.delete(f"/api/v1/households/{home}/invitations/{bad}/", user=owner),
        api.delete(f"/api/v1/households/{bad}/invitations/{bad}/", user=owner),
    ]
    for res in calls:
        assert 400 <= res.status < 500 and res.body.get("code"), res.body
    assert api.get("/api/v1/households/", user=member).body["households"][0]["role"] == "member"
