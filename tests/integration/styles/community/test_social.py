"""Likes, comments, follows and their notifications (design document 004, M5-Community-API and
M5-Notification tests) through the styles handlers on real PostgreSQL, with the hostile cases of
issue 13: liking a private image, 501 characters or NUL in a comment, deleting another's comment,
following yourself, going too fast (429 with Retry-After); counters stay equal to their rows when
toggles run at once."""

from __future__ import annotations

import uuid

from tests.integration.styles.community.seed import counts, image, member, model, notifications, requests_at_once
from tests.support.clients import ApiClient


def _public_image(api: ApiClient) -> tuple[str, uuid.UUID, uuid.UUID]:
    owner, owner_id = member(api, "own")
    pic = image(owner_id, model(owner_id), visibility="public")
    return owner, owner_id, pic


def test_like_toggles_and_notifies_the_owner_once_per_image(api: ApiClient) -> None:
    owner, owner_id, pic = _public_image(api)
    fans = [member(api, "fan")[0] for _ in range(3)]
    liked = api.post(f"/api/images/{pic}/like", user=fans[0])
    assert liked.status == 200 and liked.body == {"success": True, "data": {"like_count": 1, "is_liked": True}}
    assert api.post(f"/api/images/{pic}/like", user=fans[0]).body["data"] == {"like_count": 0, "is_liked": False}
    assert api.post(f"/api/images/{pic}/like", user=fans[0]).body["data"] == {"like_count": 1, "is_liked": True}
    for fan in fans[1:]:
        api.post(f"/api/images/{pic}/like", user=fan)
    own = api.post(f"/api/images/{pic}/like", user=owner)           # the owner's own like notifies nobody
    assert own.body["data"] == {"like_count": 4, "is_liked": True}
    notes = [n for n in notifications(owner_id) if n["type"] == "like"]
    assert len(notes) == 1                                            # coalesced: one per image
    assert notes[0]["message"] == "3 people liked your image" and notes[0]["link"] == f"/images/{pic}"
    assert counts(pic)["like_count"] == counts(pic)["likes"] == 4


def test_a_read_like_notification_comes_back_unread_with_the_new_count(api: ApiClient) -> None:
    owner, owner_id, pic = _public_image(api)
    api.post(f"/api/images/{pic}/like", user=member(api, "fan")[0])
    assert api.post("/api/notifications/mark-all-read", user=owner).body["data"]["updated"] == 1
    api.post(f"/api/images/{pic}/like", user=member(api, "fan")[0])
    notes = [n for n in notifications(owner_id) if n["type"] == "like"]
    assert len(notes) == 1 and notes[0]["is_read"] is False and notes[0]["message"] == "2 people liked your image"


def test_liking_a_private_or_unfinished_or_absent_image_is_404_and_changes_nothing(api: ApiClient) -> None:
    owner, owner_id = member(api, "own")
    fan, _ = member(api, "fan")
    style = model(owner_id)
    private = image(owner_id, style)
    unfinished = image(owner_id, style, visibility="public", status="queued")
    for target in (private, unfinished, uuid.uuid4()):
        res = api.post(f"/api/images/{target}/like", user=fan)
        assert res.status == 404 and res.body["error"]["code"] == "image_not_found"
    assert counts(private) == {"like_count": 0, "comment_count": 0, "likes": 0, "comments": 0}
    assert notifications(owner_id) == []


def test_many_users_liking_at_once_and_one_user_toggling_at_once_keep_the_count(api: ApiClient) -> None:
    _, _, pic = _public_image(api)
    fans = [member(api, "fan")[0] for _ in range(12)]
    results = requests_at_once(12, lambda i: api.post(f"/api/images/{pic}/like", user=fans[i]))
    assert all(r.status == 200 for r in results), results
    assert sorted(r.body["data"]["like_count"] for r in results) == list(range(1, 13))
    assert counts(pic)["like_count"] == counts(pic)["likes"] == 12
    toggles = requests_at_once(9, lambda i: api.post(f"/api/images/{pic}/like", user=fans[0]))   # odd: ends unliked
    assert all(r.status == 200 for r in toggles)
    assert sorted(r.body["data"]["is_liked"] for r in toggles).count(False) == 5
    assert counts(pic)["like_count"] == counts(pic)["likes"] == 11


def test_comments_oldest_first_paged_bounded_and_deleted_by_author_or_admin(api: ApiClient) -> None:
    owner, owner_id, pic = _public_image(api)
    writers = [member(api, "w")[0] for _ in range(3)]
    made = []
    for i in range(22):
        res = api.post(f"/api/images/{pic}/comments", {"content": f"  comment {i}  "}, user=writers[i % 3])
        assert res.status == 201, res.body
        made.append(res.body["data"])
    assert made[0]["content"] == "comment 0" and made[0]["image_id"] == str(pic)
    assert set(made[0]) == {"id", "image_id", "author", "content", "created_at"}
    first = api.get(f"/api/images/{pic}/comments", user=owner).body["data"]
    assert [c["content"] for c in first["items"]] == [f"comment {i}" for i in range(20)] and first["next_cursor"]
    rest = api.get(f"/api/images/{pic}/comments", user=owner, query={"cursor": first["next_cursor"]}).body["data"]
    assert [c["content"] for c in rest["items"]] == ["comment 20", "comment 21"] and rest["next_cursor"] is None
    # 500 characters is fine; 501, empty, or a NUL is a 422 naming content, and stores nothing
    assert api.post(f"/api/images/{pic}/comments", {"content": "é" * 500}, user=owner).status == 201
    for bad in ("x" * 501, "   ", "a\x00b"):
        res = api.post(f"/api/images/{pic}/comments", {"content": bad}, user=owner)
        assert res.status == 422 and res.body["error"]["details"][0]["field"].endswith("content"), res.body
    assert counts(pic)["comment_count"] == counts(pic)["comments"] == 23
    # another's comment: 403; the author: 204; again: 404; an admin: 204
    victim = made[0]["id"]
    denied = api.delete(f"/api/comments/{victim}", user=writers[1])
    assert denied.status == 403 and denied.body["error"]["code"] == "not_comment_author"
    assert api.delete(f"/api/comments/{victim}", user=owner).status == 403   # the image's owner is no admin
    assert api.delete(f"/api/comments/{victim}", user=writers[0]).status == 204
    gone = api.delete(f"/api/comments/{victim}", user=writers[0])
    assert gone.status == 404 and gone.body["error"]["code"] == "comment_not_found"
    assert api.delete(f"/api/comments/{made[1]['id']}", user=f"admin-{uuid.uuid4().hex[:8]}",
                      groups=("admin",)).status == 204
    assert counts(pic)["comment_count"] == counts(pic)["comments"] == 21
    # a comment notifies the owner (not for the owner's own comment)
    notes = [n for n in notifications(owner_id) if n["type"] == "comment"]
    assert len(notes) == 22 and notes[-1]["message"].endswith('commented on your image: "comment 0"')


def test_comments_on_a_private_image_are_404(api: ApiClient) -> None:
    owner, owner_id = member(api, "own")
    pic = image(owner_id, model(owner_id))
    stranger, _ = member(api, "s")
    assert api.get(f"/api/images/{pic}/comments", user=stranger).status == 404
    assert api.post(f"/api/images/{pic}/comments", {"content": "hi"}, user=stranger).status == 404
    assert api.post(f"/api/images/{pic}/comments", {"content": "note to self"}, user=owner).status == 201
    assert notifications(owner_id) == []


def test_follow_toggles_lists_with_follower_counts_and_notifies_once(api: ApiClient) -> None:
    fan, fan_id = member(api, "fan")
    artists = [member(api, "art", groups=("artist",)) for _ in range(3)]
    for name, artist_id in artists:
        res = api.post(f"/api/artists/{artist_id}/follow", user=fan)
        assert res.status == 200 and res.body["data"] == {"is_following": True, "follower_count": 1}
    other, _ = member(api, "fan")
    assert api.post(f"/api/artists/{artists[0][1]}/follow", user=other).body["data"]["follower_count"] == 2
    listed = api.get("/api/users/following", user=fan, query={"limit": "2"}).body["data"]
    assert [a["id"] for a in listed["items"]] == [str(artists[2][1]), str(artists[1][1])]
    rest = api.get("/api/users/following", user=fan, query={"cursor": listed["next_cursor"]}).body["data"]
    assert [(a["id"], a["follower_count"]) for a in rest["items"]] == [(str(artists[0][1]), 2)]
    assert set(rest["items"][0]) == {"id", "username", "profile_image", "follower_count", "followed_at"}
    # unfollow, follow again: one notification ever for that follower
    assert api.post(f"/api/artists/{artists[0][1]}/follow", user=fan).body["data"] == {"is_following": False,
                                                                                     "follower_count": 1}
    api.post(f"/api/artists/{artists[0][1]}/follow", user=fan)
    notes = [n for n in notifications(artists[0][1]) if n["type"] == "follow"]
    assert len(notes) == 2 and notes[-1]["message"] == f"{fan}@example.com".split("@")[0] + " started following you"
    # hostile: yourself, nobody
    me = api.post(f"/api/artists/{fan_id}/follow", user=fan)
    assert me.status == 400 and me.body["error"]["code"] == "cannot_follow_yourself"
    nobody = api.post(f"/api/artists/{uuid.uuid4()}/follow", user=fan)
    assert nobody.status == 404 and nobody.body["error"]["code"] == "artist_not_found"


def test_two_users_following_each_other_at_once_do_not_deadlock(api: ApiClient) -> None:
    from backlot import db

    a, a_id = member(api, "pair")
    b, b_id = member(api, "pair")
    pairs = [(a, b_id), (b, a_id)] * 4
    results = requests_at_once(len(pairs), lambda i: api.post(f"/api/artists/{pairs[i][1]}/follow", user=pairs[i][0]))
    assert all(r.status == 200 for r in results), results
    with db.transaction() as conn:
        rows = conn.execute(
            """SELECT u.user_id, u.follower_count, (SELECT count(*) FROM styles.follows f WHERE f.artist_id = u.user_id) AS n
               FROM styles.users u WHERE u.user_id = ANY(%s)""", ([a_id, b_id],)).fetchall()
    assert all(r["follower_count"] == r["n"] == 0 for r in rows)   # four toggles each: back to not following


def test_going_too_fast_is_a_429_with_retry_after_and_counts_nothing(api: ApiClient) -> None:
    _, _, pic = _public_image(api)
    fast, _ = member(api, "fast")
    for i in range(10):
        assert api.post(f"/api/images/{pic}/comments", {"content": f"c{i}"}, user=fast).status == 201
    res = api.post(f"/api/images/{pic}/comments", {"content": "one more"}, user=fast)
    assert res.status == 429 and res.body["error"]["code"] == "too_many_requests"
    headers = {k.lower(): v for k, v in res.headers.items()}
    assert 1 <= int(headers["retry-after"]) <= 60
    assert counts(pic)["comments"] == 10
    # another user is not limited by it; nor is the same user's liking
    assert api.post(f"/api/images/{pic}/comments", {"content": "hi"}, user=member(api, "slow")[0]).status == 201
    assert api.post(f"/api/images/{pic}/like", user=fast).status == 200


def test_comment_rate_limit_holds_when_the_requests_come_at_once(api: ApiClient) -> None:
    _, _, pic = _public_image(api)
    fast, _ = member(api, "burst")
    results = requests_at_once(14, lambda i: api.post(f"/api/images/{pic}/comments", {"content": f"b{i}"}, user=fast))
    assert sorted(r.status for r in results) == [201] * 10 + [429] * 4
    assert counts(pic)["comments"] == counts(pic)["comment_count"] == 10
