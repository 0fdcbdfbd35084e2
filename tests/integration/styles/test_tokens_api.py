"""The tokens API (design document 004, M2-Token-API tests) through the styles handlers, on real
PostgreSQL, as signed-in users (the JWT authorizer's claims)."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.styles.helpers import at_once
from tests.support.clients import ApiClient


def _user() -> str:
    return f"u-{uuid.uuid4().hex[:12]}"


def _balance(api: ApiClient, user: str) -> int:
    answer = api.get("/api/tokens/balance/", user=user)
    assert answer.status == 200, answer.body
    return answer.body["data"]["balance"]


def test_balance_of_a_new_user_is_the_welcome_grant(api: ApiClient) -> None:
    user = _user()
    answer = api.get("/api/tokens/balance/", user=user)
    assert answer.status == 200 and answer.body == {"success": True, "data": {"balance": 100}}
    assert _balance(api, user) == 100  # granted once
    assert api.get("/api/tokens/balance", user=user).body["data"]["balance"] == 100  # without the slash too


def test_unauthenticated_requests_are_401_in_the_styles_shape(api: ApiClient) -> None:
    for method, path in (("GET", "/api/tokens/balance/"), ("POST", "/api/tokens/purchase/"),
                         ("GET", "/api/tokens/transactions/"), ("GET", "/api/notifications")):
        answer = api.call(method, path, user=None, json_body={"amount": 100} if method == "POST" else None)
        assert answer.status == 401 and answer.body["success"] is False and answer.body["error"]["code"] == "unauthorized"


def test_purchase_adds_tokens_and_a_ledger_entry(api: ApiClient) -> None:
    user = _user()
    answer = api.post("/api/tokens/purchase/", {"amount": 500, "payment_method": "card"}, user=user)
    assert answer.status == 200, answer.body
    data = answer.body["data"]
    assert data["balance"] == 600
    tx = data["transaction"]
    assert (tx["type"], tx["amount"], tx["direction"], tx["balance_after"], tx["reference_type"]) == (
        "purchase", 500, "system", 600, "payment")
    assert _balance(api, user) == 600


@pytest.mark.parametrize("amount", [99, 150, 0, -100, 1_000_100, 1_000_000.5, "100", "abc", None, True, 100.0])
def test_purchase_amounts_off_the_grid_are_422_naming_amount_and_change_nothing(api: ApiClient, amount: object) -> None:
    user = _user()
    assert _balance(api, user) == 100
    answer = api.post("/api/tokens/purchase/", {"amount": amount}, user=user)
    assert answer.status == 422, answer.body
    assert answer.body["error"]["code"] == "validation_error"
    assert [d["field"] for d in answer.body["error"]["details"]] == ["amount"]
    assert _balance(api, user) == 100


def test_purchase_bounds_are_accepted(api: ApiClient) -> None:
    user = _user()
    assert api.post("/api/tokens/purchase/", {"amount": 100}, user=user).body["data"]["balance"] == 200
    assert api.post("/api/tokens/purchase/", {"amount": 1_000_000}, user=user).body["data"]["balance"] == 1_000_200


def test_purchase_refuses_unknown_fields_and_payment_methods(api: ApiClient) -> None:
    user = _user()
    assert api.post("/api/tokens/purchase/", {"amount": 100, "bonus": 1000}, user=user).status == 422
    assert api.post("/api/tokens/purchase/", {"amount": 100, "payment_method": "cash"}, user=user).status == 422
    assert _balance(api, user) == 100


def test_a_retried_purchase_with_its_idempotency_key_charges_once(api: ApiClient) -> None:
    user, key = _user(), str(uuid.uuid4())
    first = api.post("/api/tokens/purchase/", {"amount": 300}, user=user, headers={"Idempotency-Key": key})
    again = api.post("/api/tokens/purchase/", {"amount": 300}, user=user, headers={"Idempotency-Key": key})
    assert first.status == again.status == 200
    assert first.body == again.body and _balance(api, user) == 400


def test_concurrent_retries_of_one_purchase_charge_once(api: ApiClient) -> None:
    """Six copies of one purchase at once (the purchase service, as six execution environments
    would run it; the handler itself runs one invocation at a time)."""
    from backlot.auth import user_id_for_subject

    from styles.tokens import purchases

    user, key = _user(), str(uuid.uuid4())
    _balance(api, user)
    answers = at_once(6, lambda i: purchases.purchase(user_id=user_id_for_subject(user), amount=1000,
                                                      payment_method="card", key=key))
    assert not [a for a in answers if isinstance(a, Exception)], answers
    assert len({a["transaction"]["id"] for a in answers}) == 1
    assert _balance(api, user) == 1100


def test_the_same_idempotency_key_with_another_body_is_422_and_changes_nothing(api: ApiClient) -> None:
    user, key = _user(), str(uuid.uuid4())
    assert api.post("/api/tokens/purchase/", {"amount": 300}, user=user, headers={"Idempotency-Key": key}).status == 200
    other = api.post("/api/tokens/purchase/", {"amount": 400}, user=user, headers={"Idempotency-Key": key})
    assert other.status == 422 and other.body["error"]["code"] == "idempotency_key_reused"
    assert _balance(api, user) == 400


def test_without_a_key_every_purchase_is_new(api: ApiClient) -> None:
    user = _user()
    api.post("/api/tokens/purchase/", {"amount": 100}, user=user)
    api.post("/api/tokens/purchase/", {"amount": 100}, user=user)
    assert _balance(api, user) == 300


def test_a_malformed_idempotency_key_is_422(api: ApiClient) -> None:
    user = _user()
    answer = api.post("/api/tokens/purchase/", {"amount": 100}, user=user, headers={"Idempotency-Key": "x" * 256})
    assert answer.status == 422 and answer.body["error"]["details"][0]["field"] == "header.Idempotency-Key"
    assert _balance(api, user) == 100


def test_transactions_newest_first_paged_filtered_with_direction(api: ApiClient) -> None:
    from backlot import db

    from styles.tokens import service

    user = _user()
    _balance(api, user)
    for _ in range(22):
        api.post("/api/tokens/purchase/", {"amount": 100}, user=user)
    first = api.get("/api/tokens/transactions/", user=user)
    assert first.status == 200
    items = first.body["data"]["items"]
    assert len(items) == 20 and first.body["data"]["next_cursor"]
    assert [i["created_at"] for i in items] == sorted((i["created_at"] for i in items), reverse=True)
    assert items[0]["balance_after"] == 100 + 22 * 100
    second = api.get("/api/tokens/transactions/", user=user, query={"cursor": first.body["data"]["next_cursor"]})
    rest = second.body["data"]["items"]
    assert len(rest) == 3 and second.body["data"]["next_cursor"] is None
    assert rest[-1]["type"] == "welcome" and rest[-1]["direction"] == "system"
    assert not {i["id"] for i in items} & {i["id"] for i in rest}
    welcome = api.get("/api/tokens/transactions/", user=user, query={"type": "welcome"}).body["data"]["items"]
    assert [i["type"] for i in welcome] == ["welcome"]
    # a consume shows as outgoing
    from backlot.auth import user_id_for_subject

    with db.transaction() as conn:
        service.consume(conn, user_id=user_id_for_subject(user), amount=30, reason="generation",
                        reference_type="generation", reference_id="g1")
    outgoing = api.get("/api/tokens/transactions/", user=user, query={"direction": "outgoing"}).body["data"]["items"]
    assert [(i["type"], i["amount"], i["direction"]) for i in outgoing] == [("consume", 30, "outgoing")]
    assert api.get("/api/tokens/transactions/", user=user, query={"direction": "incoming"}).body["data"]["items"] == []
    assert api.get("/api/tokens/transactions/", user=user, query={"type": "consume", "direction": "system"}).body["data"]["items"] == []


def test_transactions_are_only_the_callers_own(api: ApiClient) -> None:
    alice, bob = _user(), _user()
    api.post("/api/tokens/purchase/", {"amount": 700}, user=alice)
    bobs = api.get("/api/tokens/transactions/", user=bob).body["data"]["items"]
    assert [i["type"] for i in bobs] == ["welcome"]


def test_transactions_refuse_bad_filters_and_cursors(api: ApiClient) -> None:
    user = _user()
    assert api.get("/api/tokens/transactions/", user=user, query={"type": "gift"}).status == 422
    assert api.get("/api/tokens/transactions/", user=user, query={"direction": "sideways"}).status == 422
    assert api.get("/api/tokens/transactions/", user=user, query={"limit": "0"}).status == 422
    bad = api.get("/api/tokens/transactions/", user=user, query={"cursor": "bm9wZQ"})
    assert bad.status == 400 and bad.body["error"]["code"] == "invalid_cursor"
