"""Tags (design document 004, M2-Tag-API tests) and model filtering by tags through the styles
handlers on real PostgreSQL: popular tags (inactive and unused left out, most used first),
case-insensitive prefix autocomplete with SQL wildcards taken literally, bounded search, tag
detail; models with every tag of ``tags`` (AND) and none of ``exclude_tags``."""

from __future__ import annotations

import uuid

from tests.integration.styles.community.seed import member, model
from tests.support.clients import ApiClient


def _tag_names(api: ApiClient, user: str, **query: str) -> list[str]:
    res = api.get("/api/tags/", user=user, query=query or None)
    assert res.status == 200, res.body
    return [t["name"] for t in res.body["data"]["items"]]


def test_popular_tags_most_used_first_without_inactive_or_unused(api: ApiClient) -> None:
    from backlot import db

    user, artist = member(api, "tags")
    tag = f"pop{uuid.uuid4().hex[:6]}"
    for _ in range(40):  # far more used than anything else in the session's database
        model(artist, tags=[tag])
    with db.transaction() as conn:
        conn.execute("INSERT INTO styles.tags (id, name, usage_count) VALUES (gen_random_uuid(), %s, 0)", (f"{tag}-unused",))
        conn.execute("INSERT INTO styles.tags (id, name, usage_count, is_active) VALUES (gen_random_uuid(), %s, 99, false)",
                     (f"{tag}-inactive",))
    body = api.get("/api/tags/", user=user).body
    assert body["success"] is True
    items = body["data"]["items"]
    assert len(items) <= 20 and items[0]["name"] == tag and items[0]["usage_count"] == 40
    assert set(items[0]) == {"id", "name", "usage_count"}
    assert [t["usage_count"] for t in items] == sorted((t["usage_count"] for t in items), reverse=True)
    assert all(t["usage_count"] > 0 for t in items)
    assert f"{tag}-unused" not in _tag_names(api, user, search=tag)
    assert f"{tag}-inactive" not in _tag_names(api, user, search=tag)


def test_search_is_a_case_insensitive_prefix_and_wildcards_are_literal(api: ApiClient) -> None:
    user, artist = member(api, "tags")
    stem = f"w{uuid.uuid4().hex[:6]}"
    model(artist, tags=[f"{stem}Watercolor", f"{stem}water_color", f"{stem}water%", "x" + stem])
    assert sorted(_tag_names(api, user, search=f"{stem.upper()}WATER")) == sorted(
        [f"{stem}Watercolor", f"{stem}water_color", f"{stem}water%"])
    assert _tag_names(api, user, search=f"{stem}water_") == [f"{stem}water_color"]   # '_' is not "any character"
    assert _tag_names(api, user, search=f"{stem}water%") == [f"{stem}water%"]        # '%' is not "anything"
    assert _tag_names(api, user, search="%") == [] or all(n.startswith("%") for n in _tag_names(api, user, search="%"))
    assert _tag_names(api, user, search="\\") == []
    assert _tag_names(api, user, search=stem[1:]) == []                                 # prefix, not substring


def test_a_long_search_is_a_400_naming_search(api: ApiClient) -> None:
    user, _ = member(api, "tags")
    res = api.get("/api/tags/", user=user, query={"search": "a" * 51})
    assert res.status == 400 and res.body["success"] is False
    assert res.body["error"]["details"] == [{"field": "search", "message": "at most 50 characters, no NUL"}]
    huge = api.get("/api/tags/", user=user, query={"search": "%_" * 2000})
    assert huge.status == 400
    assert api.get("/api/tags/", user=user, query={"search": "a\x00b"}).status == 400


def test_tag_detail_and_404(api: ApiClient) -> None:
    from backlot import db

    user, artist = member(api, "tags")
    name = f"detail{uuid.uuid4().hex[:6]}"
    model(artist, tags=[name])
    with db.transaction() as conn:
        tag_id = conn.execute("SELECT id FROM styles.tags WHERE name = %s", (name,)).fetchone()["id"]
    res = api.get(f"/api/tags/{tag_id}/", user=user)
    assert res.status == 200 and res.body["data"] == {"id": str(tag_id), "name": name, "usage_count": 1}
    assert api.get(f"/api/tags/{tag_id}", user=user).status == 200
    missing = api.get(f"/api/tags/{uuid.uuid4()}/", user=user)
    assert missing.status == 404 and missing.body["error"]["code"] == "tag_not_found"


def test_models_filter_by_tags_with_and_and_exclusion(api: ApiClient) -> None:
    user, artist = member(api, "tags", groups=("artist",))
    s = uuid.uuid4().hex[:6]
    both = model(artist, tags=[f"Water{s}", f"portrait{s}"])
    water_only = model(artist, tags=[f"water{s}"])
    both_dark = model(artist, tags=[f"water{s}", f"portrait{s}", f"dark{s}"])

    def listed(**query: str) -> set[str]:
        res = api.get("/api/models/", user=user, query={"artist_id": str(artist), **query})
        assert res.status == 200, res.body
        return {m["id"] for m in res.body["data"]["items"]}

    assert listed(tags=f"water{s}") == {str(both), str(water_only), str(both_dark)}
    assert listed(tags=f"water{s},PORTRAIT{s}") == {str(both), str(both_dark)}
    assert listed(tags=f"water{s},portrait{s}", exclude_tags=f"dark{s}") == {str(both)}
    assert listed(exclude_tags=f"portrait{s},nothing{s}") == {str(water_only)}
    assert listed(tags=f"water{s}", exclude_tags=f"water{s}") == set()


def test_a_nul_in_the_tag_filters_is_a_422_naming_the_field(api: ApiClient) -> None:
    user, _ = member(api, "tags")
    for field in ("tags", "exclude_tags"):
        res = api.get("/api/models/", user=user, query={field: "sea\x00"})
        assert res.status == 422 and res.body["error"]["details"][0]["field"].endswith(field), res.body


def test_a_deleted_model_no_longer_counts_for_its_tags(api: ApiClient) -> None:
    user, artist = member(api, "tags", groups=("artist",))
    name = f"gone{uuid.uuid4().hex[:6]}"
    kept, dropped = model(artist, tags=[name]), model(artist, tags=[name])
    assert [t["usage_count"] for t in api.get("/api/tags/", user=user, query={"search": name}).body["data"]["items"]] == [2]
    assert api.delete(f"/api/models/{dropped}", user=user, groups=("artist",)).status == 204
    assert api.delete(f"/api/models/{dropped}", user=user, groups=("artist",)).status == 404   # once only
    assert [t["usage_count"] for t in api.get("/api/tags/", user=user, query={"search": name}).body["data"]["items"]] == [1]
    assert api.delete(f"/api/models/{kept}", user=user, groups=("artist",)).status == 204
    assert api.get("/api/tags/", user=user, query={"search": name}).body["data"]["items"] == []   # unused: left out
