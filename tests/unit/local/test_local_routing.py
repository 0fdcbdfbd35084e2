"""Route selection behind the custom-domain mapping, matching what a deployed HTTP API matches.

Trailing slashes: route ``/x`` serves ``/x`` only and ``/x/{proxy+}`` serves ``/x/`` and below
(Powertools' end-to-end test ``test_api_gateway_http_trailing_slash`` against API Gateway: route
``POST /todos``, request ``/todos/`` -> 404; AWS's own Lambda test tool emulator: ``/resource/``
matches ``/resource/{proxy+}``). A route path ending in ``/`` is never created (SAM issue 1949).
"""

from __future__ import annotations

from backlot_local.routing import Router, match_path


def test_match_path_parameters() -> None:
    assert match_path("/items/{item_id}", "/items/42") == ({"item_id": "42"}, (0, 1))
    assert match_path("/items/{item_id}", "/items/a%20b") == ({"item_id": "a b"}, (0, 1))
    assert match_path("/items/{item_id}", "/items/") is None  # a {param} never matches an empty segment
    assert match_path("/items/{item_id}", "/items/42/extra") is None
    assert match_path("/files/{path+}", "/files/a/b/c.txt") == ({"path": "a/b/c.txt"}, (0, 2))
    assert match_path("/files/{path+}", "/files") is None


def test_trailing_slash_is_significant() -> None:
    assert match_path("/uploads", "/uploads") == ({}, (0,))
    assert match_path("/uploads", "/uploads/") is None  # API Gateway answers 404
    assert match_path("/items/{item_id}", "/items/42/") is None
    # the greedy companion route is what serves a client's trailing slash
    assert match_path("/uploads/{proxy+}", "/uploads/") == ({"proxy": ""}, (0, 2))
    assert match_path("/items/{item_id}/{proxy+}", "/items/42/") == ({"item_id": "42", "proxy": ""}, (0, 1, 2))
    # a route path ending in "/" does not exist on an HTTP API: it matches nothing
    assert match_path("/uploads/", "/uploads/") is None
    assert match_path("/uploads/", "/uploads") is None
    assert match_path("/", "/") == ({}, (0,))


def test_router_selects_the_most_specific_route(test_app) -> None:
    router = Router(test_app)
    assert router.match("GET", "/shop/items/special").route.function.logical_id == "SpecialItemFunction"
    item = router.match("GET", "/shop/items/7")
    assert item.route.function.logical_id == "GetItemFunction" and item.path_parameters == {"item_id": "7"}
    assert item.api_path == "/items/7" and item.mapping_key == "shop" and item.route.path == "/items/{item_id}"
    assert router.match("GET", "/shop/items").route.function.logical_id == "ListItemsFunction"
    assert router.match("DELETE", "/shop/files/x/y").route.function.logical_id == "FilesFunction"


def test_trailing_slash_requests_reach_the_same_function(test_app) -> None:
    router = Router(test_app)
    # /items/{proxy+} also matches /items/7/ and /items/special/: the longer route wins
    special = router.match("GET", "/shop/items/special/")
    assert special.route.function.logical_id == "SpecialItemFunction" and special.route.path == "/items/special/{proxy+}"
    item = router.match("GET", "/shop/items/7/")
    assert item.route.function.logical_id == "GetItemFunction" and item.route.path == "/items/{item_id}/{proxy+}"
    assert item.path_parameters == {"item_id": "7", "proxy": ""}
    assert router.match("GET", "/shop/items/").route.function.logical_id == "ListItemsFunction"
    assert router.match("POST", "/shop/uploads/") is None  # no companion route: 404 as on AWS


def test_router_404s(test_app) -> None:
    router = Router(test_app)
    assert router.match("POST", "/shop/items/7") is None  # path matches, method does not: 404, not 405
    assert router.match("GET", "/items/7") is None  # without the mapping key
    assert router.match("GET", "/shopping/items/7") is None
    assert router.match("GET", "/") is None


def test_family_routes_are_served_under_family(family_app) -> None:
    router = Router(family_app)
    for path in ("/family/api/v1/households/h1/members/u2", "/family/api/v1/households/h1/members/u2/"):
        found = router.match("DELETE", path)
        assert found.route.function.logical_id == "RemoveHouseholdMemberFunction"
        assert found.path_parameters["household_id"] == "h1" and found.path_parameters["user_id"] == "u2"
    assert router.match("GET", "/family/api/v1/me").route.route_key == "GET /api/v1/me"
    assert router.match("GET", "/family/api/v1/me/").route.route_key == "GET /api/v1/me/{proxy+}"
    # a deeper unknown path under a collection reaches that collection's function, which answers 404
    assert router.match("GET", "/family/api/v1/experiences/e1/nope").route.function.logical_id == "GetExperienceFunction"
    reviews = router.match("POST", "/family/api/v1/experiences/e1/reviews/")
    assert reviews.route.function.logical_id == "CreateReviewFunction"
    assert router.match("GET", "/family/api/v1/nope") is None
