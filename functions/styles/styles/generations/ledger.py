"""What a generation does to its user's tokens, through the token service (``styles.tokens``,
branch stokens; STYLES.md "Token service interface"). Every call runs inside the caller's
transaction, so the tokens move together with the generation row or not at all.

References: ``reference_type = 'generation'``, ``reference_id = <generation id>``; the ledger
refunds a reference at most once (its unique index), and the generation's guarded status change
is the second lock on that door.
"""

from __future__ import annotations

from uuid import UUID

import psycopg

REFERENCE_TYPE = "generation"


def charge(conn: psycopg.Connection, *, user_id: UUID, amount: int, generation_id: UUID) -> int:
    """Consume ``amount`` tokens for the generation; returns the new balance.

    Raises:
        styles.errors.InsufficientTokens: the balance does not cover it (nothing changed).
    """
    from styles.tokens import service as tokens

    return tokens.consume(conn, user_id=user_id, amount=amount, reason="image_generation",
                          reference_type=REFERENCE_TYPE, reference_id=str(generation_id))


def refund(conn: psycopg.Connection, *, user_id: UUID, amount: int, generation_id: UUID, reason: str) -> int | None:
    """Give back ``amount`` tokens of the generation (document 004, M4: "Reason: generation_failed");
    the new balance, or None when it was already refunded."""
    from styles.tokens import service as tokens

    return tokens.refund(conn, user_id=user_id, amount=amount, reason=reason, reference_type=REFERENCE_TYPE,
                         reference_id=str(generation_id))
