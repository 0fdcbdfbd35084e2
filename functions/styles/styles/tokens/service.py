"""The token service (design document 004, M2-Token-Service): consume, refund, add, check.

Callers pass an open connection inside their own transaction (``with db.transaction() as conn``),
so a token movement commits or rolls back with the work it pays for (a generation row, a
purchase's idempotency record). Amounts are whole tokens, always given as positive integers; the
ledger stores them signed (consume < 0).

Rules, and where they come from:
- The balance never goes below zero, under any concurrency (M2-Token-Service "Concurrency
  testing"; issue 12 item 3): a debit is one guarded statement (``UPDATE ... WHERE balance >=
  amount``) and ``token_accounts.balance`` has ``CHECK (balance >= 0)``. The document locks with
  ``SELECT FOR UPDATE`` then checks; the guarded UPDATE is the same lock in one round trip.
- Every movement is a ledger row written in the same statement as the balance change, carrying
  ``balance_after``; the balance is always the sum of the ledger (:func:`check`).
- A refund happens at most once per ``(reference_type, reference_id)`` and never returns more
  than was consumed for that reference (issue 12 item 6: "a failed generation refunds its tokens
  exactly once"; no token may be created by a retry).
- The welcome grant (100, M1-Auth-Backend) is once per user: ``styles.users.service``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from uuid import UUID

import psycopg

from styles.errors import InsufficientTokens
from styles.tokens import repository

CreditType = Literal["purchase", "refund", "welcome", "earn"]
"""Ledger types that add tokens; ``consume`` is the one that takes them."""


class RefundExceedsConsumed(ValueError):
    """A refund larger than what was consumed for its reference (a programming error of the caller:
    tokens would be created)."""


def _positive(amount: int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError(f"amount must be a positive integer number of tokens, not {amount!r}")
    return amount


def consume(conn: psycopg.Connection, *, user_id: UUID, amount: int, reason: str,
            reference_type: str | None = None, reference_id: str | None = None) -> int:
    """Take ``amount`` tokens from the user's balance; returns the new balance.

    Args:
        amount: > 0 tokens.
        reason: for the ledger (``"generation"``, ...).
        reference_type, reference_id: what the tokens pay for (``"generation"``, its id); a later
            :func:`refund` names the same pair.

    Raises:
        InsufficientTokens: (402 ``insufficient_tokens``) the balance does not cover ``amount``, or
            the user has no account; nothing changed.
        ValueError: ``amount`` is not a positive integer.
    """
    row = repository.debit(conn, user_id=user_id, amount=_positive(amount), reason=reason,
                           reference_type=reference_type, reference_id=_ref(reference_id))
    if row is None:
        raise InsufficientTokens(balance=repository.balance(conn, user_id=user_id) or 0, required=amount)
    return int(row["balance_after"])


def refund(conn: psycopg.Connection, *, user_id: UUID, amount: int, reason: str,
           reference_type: str, reference_id: str) -> int | None:
    """Give back ``amount`` tokens consumed for ``(reference_type, reference_id)``, at most once.

    Concurrent refunds of one reference are ordered by the balance row's lock: the first refunds,
    the others see its ledger row and return None (a unique index backs this up).

    Returns:
        the new balance, or None when this reference was already refunded (nothing changed).

    Raises:
        RefundExceedsConsumed: ``amount`` is more than was consumed for the reference (or the user
            has no account).
        ValueError: ``amount`` is not a positive integer.
    """
    _positive(amount)
    reference_id = _ref(reference_id)
    if repository.lock_account(conn, user_id=user_id) is None:
        raise RefundExceedsConsumed(f"user {user_id} has no token account")
    if repository.has_movement(conn, user_id=user_id, type="refund", reference_type=reference_type, reference_id=reference_id):
        return None
    consumed = repository.consumed_for(conn, user_id=user_id, reference_type=reference_type, reference_id=reference_id)
    if amount > consumed:
        raise RefundExceedsConsumed(f"refund of {amount} for {reference_type} {reference_id}: only {consumed} consumed")
    row = repository.credit(conn, user_id=user_id, amount=amount, type="refund", reason=reason,
                            reference_type=reference_type, reference_id=reference_id)
    assert row is not None  # the account is locked above
    return int(row["balance_after"])


def add(conn: psycopg.Connection, *, user_id: UUID, amount: int, type: CreditType, reason: str,
        reference_type: str | None = None, reference_id: str | None = None, idempotency_key: str | None = None) -> int:
    """Add ``amount`` tokens of ledger ``type`` to the user's balance (opening it if needed); returns
    the new balance.

    Args:
        type: ``purchase`` (a payment: reference ``("payment", id)``, once per payment), ``earn``,
            ``welcome`` (use ``styles.users.service``, which grants it once), ``refund`` (use
            :func:`refund`, which checks what was consumed).

    Raises:
        ValueError: ``amount`` is not a positive integer, or ``type`` is not a credit type.
        psycopg.errors.ForeignKeyViolation: the user has no ``styles.users`` row.
        psycopg.errors.UniqueViolation: a second ``purchase``/``welcome``/``refund`` of one reference.
    """
    if type not in ("purchase", "refund", "welcome", "earn"):
        raise ValueError(f"not a credit type: {type!r}")
    values = {"user_id": user_id, "amount": _positive(amount), "type": type, "reason": reason,
              "reference_type": reference_type, "reference_id": _ref(reference_id), "idempotency_key": idempotency_key}
    row = repository.credit(conn, **values)
    if row is None:
        repository.open_account(conn, user_id=user_id)
        row = repository.credit(conn, **values)
    assert row is not None
    return int(row["balance_after"])


def balance(conn: psycopg.Connection, *, user_id: UUID) -> int:
    """The user's balance (0 without an account)."""
    return repository.balance(conn, user_id=user_id) or 0


@dataclass(frozen=True)
class LedgerMismatch:
    """An account whose balance is not what its ledger adds up to."""

    user_id: UUID
    balance: int
    ledger_sum: int
    last_balance_after: int | None


def check(conn: psycopg.Connection, *, user_id: UUID | None = None) -> list[LedgerMismatch]:
    """Recompute balances from the ledger: one user's, or every account's (``user_id=None``).

    An account agrees when its balance equals the sum of its ledger's signed amounts and the
    newest ledger row's ``balance_after`` (0 when it has none). Returns the accounts that do not
    agree: empty means every token is accounted for.
    """
    out = []
    for row in repository.ledger_totals(conn, user_id=user_id):
        last = row["last_balance_after"]
        if int(row["balance"]) != int(row["ledger_sum"]) or int(row["balance"]) != int(last if last is not None else 0):
            out.append(LedgerMismatch(row["user_id"], int(row["balance"]), int(row["ledger_sum"]),
                                      None if last is None else int(last)))
    return out


def _ref(reference_id: object) -> str | None:
    return None if reference_id is None else str(reference_id)
