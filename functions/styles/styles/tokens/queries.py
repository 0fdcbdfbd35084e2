"""Reading the ledger for the API (design document 004, M2-Token-API): balance and transactions."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from backlot import db
from backlot.pagination import decode_cursor, page

from styles.tokens import repository

DIRECTIONS: dict[str, tuple[str, ...]] = {
    "outgoing": ("consume",),
    "incoming": ("earn",),
    "system": ("purchase", "refund", "welcome"),
}
"""``direction`` of each ledger type (M2-Token-API "direction field (incoming/outgoing/system)"): tokens
spent go out; tokens another user's generation paid to an artist come in; tokens the platform
issues (bought, refunded, the welcome grant) are ``system``."""


def direction_of(type_: str) -> str:
    """The direction of a ledger type (see :data:`DIRECTIONS`)."""
    return next(d for d, types in DIRECTIONS.items() if type_ in types)


def public_movement(row: dict[str, Any]) -> dict[str, Any]:
    """A ledger row as ``TransactionPublic`` shows it: ``amount`` unsigned, ``direction`` added."""
    return {**row, "amount": abs(int(row["amount"])), "direction": direction_of(row["type"])}


def balance(*, user_id: UUID) -> int:
    """The user's balance (0 without an account)."""
    return repository.balance(db.connection(), user_id=user_id) or 0


def transactions(*, user_id: UUID, type_: str | None, direction: str | None, cursor: str | None,
                 limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """The user's ledger entries newest first, filtered by type and/or direction: (page, next cursor).

    Raises:
        BadRequest: (400 ``invalid_cursor``) a cursor this API did not make.
    """
    types: set[str] | None = None
    if type_:
        types = {type_}
    if direction:
        types = (types or set(DIRECTIONS[direction])) & set(DIRECTIONS[direction])
    if types is not None and not types:
        return [], None
    rows = repository.list_movements(db.connection(), user_id=user_id, types=sorted(types) if types else None,
                                     after=decode_cursor(cursor), limit=limit + 1)
    items, next_cursor = page(rows, limit, "created_at")
    return [public_movement(r) for r in items], next_cursor
