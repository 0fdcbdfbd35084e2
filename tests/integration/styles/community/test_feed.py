"""The community feed, one image and visibility (design document 004, M5-Community-API) through the
styles handlers on real PostgreSQL: only public finished images, newest first, pages of 20, most
liked over a period; an image's detail with counts, artist and ``is_liked_by_current_user``; 404
for another's private image; only the owner changes visibility."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tests.integration.styles.community.seed import image, member, model
from tests.support.clients import ApiClient


def _feed_ids(api: ApiClient, user: str, mine: set[str], **query: str) -> list[str]:
    """Every page of the feed, keeping only the ids of ``mine`` (other tests share the database)."""
    out, cursor = [], None
    while True:
        res = api.get("/api/community/feed", user=user, query={**query, **({"cursor": cursor} if cursor else {})})
        assert res.status == 200, res.body
        data = res.body["data"]
        assert len(data["items"]) <= 20
        out += [i["id"] for i in data["items"] if i["id"] in mine]
        cursor = data["next_cursor"]
        if not cursor:
            return out


def test_feed_lists_public_finished_images_newest_first_in_pages_of_20(api: ApiClient) -> None:
    name, user_id = member(api, "feed")
    style = model(user_id, name="Harbour")
    now = datetime.now(UTC)
    public = [image(user_id, style, visibility="public", created_at=now - timedelta(minutes=i)) for i in range(25)]
    private = image(user_id, style)
    unfinished = image(user_id, style, visibility="public", status="processing")
    mine = {str(i) for i in public + [private, unfinished]}
    first = api.get("/api/community/feed", user=name).body["data"]
    assert len(first["items"]) == 20 and first["next_cursor"]
    assert _feed_ids(api, name, mine) == [str(i) for i in public]  # newest first, neither private nor unfinished
    item = next(i for i in first["items"] if i["id"] == str(public[0]))
    assert item["artist"]["id"] == str(user_id) and item["style_model"] == {"id": str(style), "name": "Harbour"}
    assert item["like_count"] == 0 and item["comment_count"] == 0 and item["is_liked_by_current_user"] is False
    assert item["image_url"].endswith(f"{public[0]}.png")
    assert set(item) == {"id", "image_url", "prompt_tags", "aspect_ratio", "artist", "style_model", "like_count",
                         "comment_count", "is_liked_by_current_user", "created_at"}
    bad = api.get("/api/community/feed", user=name, query={"cursor": "bm90LWEtY3Vyc29y"})
    assert bad.status == 400 and bad.body["error"]["code"] == "invalid_cursor"


def test_most_liked_over_a_period(api: ApiClient) -> None:
    owner, owner_id = member(api, "feed")
    likers = [member(api, "liker")[0] for _ in range(3)]
    style = model(owner_id)
    now = datetime.now(UTC)
    old = image(owner_id, style, visibility="public", created_at=now - timedelta(days=10))
    one = image(owner_id, style, visibility="public", created_at=now - timedelta(hours=2))
    two = image(owner_id, style, visibility="public", created_at=now - timedelta(hours=3))
    for who in likers:
        assert api.post(f"/api/images/{old}/like", user=who).status == 200
    for who in likers[:2]:
        assert api.post(f"/api/images/{two}/like", user=who).status == 200
    assert api.post(f"/api/images/{one}/like", user=likers[0]).status == 200
    mine = {str(old), str(one), str(two)}
    assert _feed_ids(api, owner, mine, sort="most_liked") == [str(old), str(two), str(one)]
    assert _feed_ids(api, owner, mine, sort="most_liked", period="week") == [str(two), str(one)]
    assert _feed_ids(api, owner, mine, sort="most_liked", period="day", limit="1") == [str(two), str(one)]
    newest_cursor = api.get("/api/community/feed", user=owner, query={"limit": "1"}).body["data"]["next_cursor"]
    wrong = api.get("/api/community/feed", user=owner, query={"sort": "most_liked", "cursor": newest_cursor})
    assert wrong.status == 400 and wrong.body["error"]["code"] == "invalid_cursor"


def test_image_detail_and_visibility(api: ApiClient) -> None:
    owner, owner_id = member(api, "img")
    other, _ = member(api, "img")
    style = model(owner_id)
    pic = image(owner_id, style)
    # private: the owner sees it, nobody else (404, the same as absent)
    mine = api.get(f"/api/images/{pic}", user=owner)
    assert mine.status == 200 and mine.body["data"]["visibility"] == "private" and mine.body["data"]["is_owner"] is True
    hidden = api.get(f"/api/images/{pic}", user=other)
    assert hidden.status == 404 and hidden.body["error"]["code"] == "image_not_found"
    assert api.get(f"/api/images/{uuid.uuid4()}", user=other).body["error"]["code"] == "image_not_found"
    # only the owner shares it
    assert api.patch(f"/api/images/{pic}/visibility", {"visibility": "public"}, user=other).status == 404
    shared = api.patch(f"/api/images/{pic}/visibility", {"visibility": "public"}, user=owner)
    assert shared.status == 200 and shared.body["data"] == {"id": str(pic), "visibility": "public"}
    forbidden = api.patch(f"/api/images/{pic}/visibility", {"visibility": "private"}, user=other)
    assert forbidden.status == 403 and forbidden.body["error"]["code"] == "not_owner"
    assert api.patch(f"/api/images/{pic}/visibility", {"visibility": "secret"}, user=owner).status == 422
    assert api.post(f"/api/images/{pic}/like", user=other).body["data"] == {"like_count": 1, "is_liked": True}
    seen = api.get(f"/api/images/{pic}", user=other).body["data"]
    assert seen["like_count"] == 1 and seen["is_liked_by_current_user"] is True and seen["is_owner"] is False
    assert seen["artist"]["id"] == str(owner_id)
    assert api.get(f"/api/images/{pic}", user=owner).body["data"]["is_liked_by_current_user"] is False
    # hidden again: gone for others, likes kept
    assert api.patch(f"/api/images/{pic}/visibility", {"visibility": "private"}, user=owner).status == 200
    assert api.get(f"/api/images/{pic}", user=other).status == 404
    assert api.get(f"/api/images/{pic}", user=owner).body["data"]["like_count"] == 1
