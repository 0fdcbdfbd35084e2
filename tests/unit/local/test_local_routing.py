"""Route selection behind the custom-domain mapping."""

from __future__ import annotations

from backlot_local.routing import Router, match_path


def test_match_path_parameters_and_trailing_slash() -> None:
    assert match_path("/items/{item_id}/", "/items/42/") == ({"item_id": "42"}, (0, 1, 0))
    assert match_path("/items/{item_id}/", "/items/42") == ({"item_id": "42"}, (0, 1, 1))
    assert match_path("/uploads", "/uploads/") == ({}, (0, 1))
    assert match_path("/items/{item_id}/", "/items/") is None
    assert match_path("/items/{item_id}/", "/items/42/extra/") is None
    assert match_path("/items/{item_id}/", "/items/a%20b/") == ({"item_id": "a b"}, (0, 1, 0))
    assert match_path("/files/{path+}", "/files/a/b/c.txt") == ({"path": "a/b/c.txt"}, (0, 2, 0))
    assert match_path("/files/{path+}", "/files/") is None


def test_router_selects_the_most_specific_route(test_app) -> None:
    router = Router(test_app)
    special = router.match("GET", "/shop/items/special/")
    assert special.route.function.logical_id == "SpecialItemFunction"
    item = router.match("GET", "/shop/items/7/")
    assert item.route.function.logical_id == "GetItemFunction" and item.path_parameters == {"item_id": "7"}
    assert item.api_path == "/items/7/" and item.mapping_key == "shop"
    assert router.match("GET", "/shop/items/7").route.function.logical_id == "GetItemFunction"
    assert router.match("GET", "/shop/items").route.function.logical_id == "ListItemsFunction"
    assert router.match("DELETE", "/shop/files/x/y").route.function.logical_id == "FilesFunction"


def test_router_404s(test_app) -> None:
    router = Router(test_app)
    assert router.match("POST", "/shop/items/7/") is None  # path matches, method does not: 404, not 405
    assert router.match("GET", "/items/7/") is None  # without the mapping key
    assert router.match("GET", "/shopping/items/7/") is None
    assert router.match("GET", "/") is None


def test_family_routes_are_served_under_family(family_app) -> None:
    router = Router(family_app)
    found = router.match("DELETE", "/family/api/v1/households/h1/members/u2/")
    assert found.route.route_key == "DELETE /api/v1/households/{household_id}/members/{user_id}/"
    assert found.path_parameters == {"household_id": "h1", "user_id": "u2"}
    assert router.match("GET", "/family/api/v1/me").route.function.logical_id == "GetMeFunction"
    assert router.match("GET", "/family/api/v1/nope/") is None
