"""Tokens (design document 004, M2-Token-API): balance, purchase, transactions. Signed-in users only
(the JWT authorizer); each answers the caller's own tokens."""

from __future__ import annotations

from backlot.pagination import Cursor
from fastapi import APIRouter

from styles.deps import PAGE_SIZE, CurrentUser, PageSize
from styles.http_api import API, Success, ok
from styles.idempotency import IdempotencyKey
from styles.schemas import Balance, Direction, PurchasePublic, PurchaseRequest, TransactionPage, TransactionType

router = APIRouter(tags=["tokens"])


@router.get("/api/tokens/balance/", response_model=Success[Balance], responses=API.errors(401))
def get_balance(user: CurrentUser) -> dict:
    """The caller's balance: ``{"success": true, "data": {"balance": n}}``."""
    from styles.tokens import queries

    return ok({"balance": queries.balance(user_id=user.user_id)})


@router.post("/api/tokens/purchase/", response_model=Success[PurchasePublic], responses=API.errors(401, 402))
def purchase_tokens(body: PurchaseRequest, user: CurrentUser, idempotency_key: IdempotencyKey = None) -> dict:
    """Buy ``amount`` tokens (100..1,000,000, multiples of 100) through the payment gateway (the
    document's always-succeeding mock). With an ``Idempotency-Key``, a retry answers the first
    purchase and charges nothing; the same key with another body is a 422 ``idempotency_key_reused``.
    Without one, every request is a new purchase."""
    from styles.tokens import purchases

    return ok(purchases.purchase(user_id=user.user_id, amount=body.amount, payment_method=body.payment_method,
                                 key=idempotency_key))


@router.get("/api/tokens/transactions/", response_model=Success[TransactionPage], responses=API.errors(400, 401))
def list_transactions(user: CurrentUser, type: TransactionType | None = None, direction: Direction | None = None,
                      cursor: Cursor = None, limit: PageSize = PAGE_SIZE) -> dict:
    """The caller's ledger, newest first, 20 per page (``next_cursor``); ``type`` and ``direction``
    filter it."""
    from styles.tokens import queries

    items, next_cursor = queries.transactions(user_id=user.user_id, type_=type, direction=direction, cursor=cursor,
                                              limit=limit)
    return ok({"items": items, "next_cursor": next_cursor})
