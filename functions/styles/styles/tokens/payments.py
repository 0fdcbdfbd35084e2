"""The payment gateway interface (design document 004, M2-Token-API: "Mock payment gateway (always
success for testing)").

A gateway charges for a number of tokens and answers a payment id. Like real card gateways (Stripe's
``Idempotency-Key``, Adyen's ``idempotencyKey``), it takes an idempotency key: the same key charges
once and answers the same payment, which is what makes a retried purchase safe across the
gateway call that cannot sit inside the database transaction. The default is :class:`MockGateway`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from backlot.errors import DomainError

from styles.errors import Code

_MOCK_NAMESPACE = uuid.UUID("0b7f8b7e-3c55-4b0e-9d55-6f0c6a3f1a21")


class PaymentDeclined(DomainError):
    """402 ``payment_failed``: the gateway refused the charge; no tokens were added."""

    status = 402
    code = Code.payment_failed


@dataclass(frozen=True)
class Payment:
    """A successful charge: the gateway's ``payment_id`` (the ledger's reference) and what it was for."""

    payment_id: str
    tokens: int


class PaymentGateway(Protocol):
    """What the purchase flow needs of a gateway."""

    def charge(self, *, user_id: UUID, tokens: int, payment_method: str, idempotency_key: str) -> Payment:
        """Charge the user for ``tokens``; the same ``idempotency_key`` charges once.

        Raises:
            PaymentDeclined: the charge was refused.
        """
        ...


class MockGateway:
    """Always succeeds (the document's mock). Its payment id is derived from the idempotency key, so
    a retry answers the same payment, as a real gateway's idempotency does."""

    def charge(self, *, user_id: UUID, tokens: int, payment_method: str, idempotency_key: str) -> Payment:
        """A successful charge named after ``idempotency_key``."""
        return Payment(payment_id="mock_" + uuid.uuid5(_MOCK_NAMESPACE, idempotency_key).hex, tokens=tokens)


def default_gateway() -> PaymentGateway:
    """The gateway purchases use: the mock (no real gateway is configured in this project)."""
    return MockGateway()
