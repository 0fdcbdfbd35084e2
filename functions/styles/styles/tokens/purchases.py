"""Buying tokens (design document 004, M2-Token-API ``POST /api/tokens/purchase/``).

Order: (1) with an ``Idempotency-Key``, a request already answered is answered again (or refused as
422 when its body differs) before anything else; (2) the gateway is charged outside any database
transaction, with an idempotency key of its own (``<user id>:<key>``, or a fresh one without a
key); (3) one transaction adds the tokens (ledger reference ``("payment", id)``, unique: a payment
credits once) and stores the answer under the key. Two concurrent requests with one key are
charged once by the gateway and credited once (the second waits for the first's key row, then
replays its answer).

The ``Idempotency-Key`` is optional (document 004's clients do not send one): without it every
request is a new purchase.
"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from backlot import db

from styles import idempotency
from styles.tokens import repository
from styles.tokens.payments import PaymentGateway, default_gateway
from styles.tokens.queries import public_movement

ROUTE = "POST /api/tokens/purchase/"


def purchase(*, user_id: UUID, amount: int, payment_method: str, key: str | None,
             gateway: PaymentGateway | None = None) -> dict[str, Any]:
    """Charge and credit ``amount`` tokens; ``{"balance", "transaction"}`` (a replay answers the first).

    Raises:
        PaymentDeclined: (402) the gateway refused; nothing was added.
        IdempotencyKeyReused: (422) ``key`` was used with another request.
    """
    digest = idempotency.request_hash(ROUTE, {"amount": amount, "payment_method": payment_method})
    if key:
        with db.transaction() as conn:
            found, answer = idempotency.stored_answer(conn, user_id=user_id, key=key, request_hash=digest)
        if found:
            return answer
    payment = (gateway or default_gateway()).charge(user_id=user_id, tokens=amount, payment_method=payment_method,
                                                    idempotency_key=f"{user_id}:{key}" if key else str(uuid.uuid4()))

    def record(conn: Any) -> dict[str, Any]:
        repository.open_account(conn, user_id=user_id)
        row = repository.credit(conn, user_id=user_id, amount=payment.tokens, type="purchase",
                                reason=f"purchase ({payment_method})", reference_type="payment",
                                reference_id=payment.payment_id, idempotency_key=key)
        movement = public_movement(row)
        return {"balance": movement["balance_after"], "transaction": movement}

    with db.transaction() as conn:
        if key:
            answer, _ = idempotency.idempotent(conn, user_id=user_id, key=key, request_hash=digest, compute=record)
            return answer
        return record(conn)
