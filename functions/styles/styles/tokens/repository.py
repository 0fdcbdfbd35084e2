"""SQL of the token ledger. Every function takes an open connection (inside the caller's
transaction) and never opens one; amounts are whole tokens.

Every movement is one statement that changes the balance and writes its ledger row together (a
data-modifying CTE), so the two cannot disagree; the balance row's lock (taken by the UPDATE)
orders all movements of one user, which is what makes ``balance_after`` exact.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

_LEDGER_COLUMNS = "id, user_id, amount, type, reason, reference_type, reference_id, idempotency_key, balance_after, created_at"


def open_account(conn: psycopg.Connection, *, user_id: UUID) -> None:
    """Create the user's balance row at 0 if it is missing (the user's ``styles.users`` row must exist)."""
    conn.execute("INSERT INTO styles.token_accounts (user_id) VALUES (%s) ON CONFLICT (user_id) DO NOTHING", (user_id,))


def debit(conn: psycopg.Connection, *, user_id: UUID, amount: int, reason: str, reference_type: str | None,
          reference_id: str | None) -> dict[str, Any] | None:
    """Take ``amount`` (> 0) from the balance if it covers it, and write the ``consume`` row.

    The guard is the UPDATE's own ``balance >= amount``: evaluated on the locked, latest row (READ
    COMMITTED re-checks it after waiting for a concurrent writer), so two debits can never both
    pass on the same tokens. Returns the ledger row, or None when the balance does not cover it
    (or there is no account).
    """
    return conn.execute(
        f"""
        WITH debited AS (
            UPDATE styles.token_accounts SET balance = balance - %(amount)s, updated_at = now()
             WHERE user_id = %(user_id)s AND balance >= %(amount)s
            RETURNING user_id, balance)
        INSERT INTO styles.token_transactions (user_id, amount, type, reason, reference_type, reference_id, balance_after)
        SELECT user_id, -%(amount)s, 'consume', %(reason)s, %(reference_type)s, %(reference_id)s, balance FROM debited
        RETURNING {_LEDGER_COLUMNS}
        """,
        {"user_id": user_id, "amount": amount, "reason": reason, "reference_type": reference_type,
         "reference_id": reference_id},
    ).fetchone()


def credit(conn: psycopg.Connection, *, user_id: UUID, amount: int, type: str, reason: str,
           reference_type: str | None, reference_id: str | None, idempotency_key: str | None = None) -> dict[str, Any] | None:
    """Add ``amount`` (> 0) to the balance and write its ledger row of ``type``. Returns the ledger
    row, or None when the user has no account."""
    return conn.execute(
        f"""
        WITH credited AS (
            UPDATE styles.token_accounts SET balance = balance + %(amount)s, updated_at = now()
             WHERE user_id = %(user_id)s
            RETURNING user_id, balance)
        INSERT INTO styles.token_transactions
               (user_id, amount, type, reason, reference_type, reference_id, idempotency_key, balance_after)
        SELECT user_id, %(amount)s, %(type)s, %(reason)s, %(reference_type)s, %(reference_id)s, %(key)s, balance FROM credited
        RETURNING {_LEDGER_COLUMNS}
        """,
        {"user_id": user_id, "amount": amount, "type": type, "reason": reason, "reference_type": reference_type,
         "reference_id": reference_id, "key": idempotency_key},
    ).fetchone()


def lock_account(conn: psycopg.Connection, *, user_id: UUID) -> int | None:
    """Lock the user's balance row until the transaction ends; its balance, or None without account."""
    row = conn.execute("SELECT balance FROM styles.token_accounts WHERE user_id = %s FOR UPDATE", (user_id,)).fetchone()
    return None if row is None else int(row["balance"])


def has_movement(conn: psycopg.Connection, *, user_id: UUID, type: str, reference_type: str, reference_id: str) -> bool:
    """True when a ledger row of ``type`` for this reference exists (committed, or in this transaction)."""
    return conn.execute(
        "SELECT 1 FROM styles.token_transactions WHERE user_id = %s AND type = %s AND reference_type = %s AND reference_id = %s",
        (user_id, type, reference_type, reference_id),
    ).fetchone() is not None


def balance(conn: psycopg.Connection, *, user_id: UUID) -> int | None:
    """The user's balance, or None when the user has no account."""
    row = conn.execute("SELECT balance FROM styles.token_accounts WHERE user_id = %s", (user_id,)).fetchone()
    return None if row is None else int(row["balance"])


def ledger_totals(conn: psycopg.Connection, *, user_id: UUID | None = None) -> list[dict[str, Any]]:
    """Per account: ``balance``, ``ledger_sum`` (sum of its signed amounts), ``last_balance_after``
    (what the newest ledger row says it left) and ``movements``; one user's, or every account's."""
    return conn.execute(
        """
        SELECT a.user_id, a.balance,
               COALESCE(t.total, 0) AS ledger_sum, COALESCE(t.movements, 0) AS movements,
               (SELECT l.balance_after FROM styles.token_transactions l WHERE l.user_id = a.user_id
                 ORDER BY l.created_at DESC, l.id DESC LIMIT 1) AS last_balance_after
          FROM styles.token_accounts a
          LEFT JOIN (SELECT user_id, sum(amount) AS total, count(*) AS movements
                       FROM styles.token_transactions GROUP BY user_id) t ON t.user_id = a.user_id
         WHERE %(user_id)s::uuid IS NULL OR a.user_id = %(user_id)s::uuid
        """,
        {"user_id": user_id},
    ).fetchall()


def list_movements(conn: psycopg.Connection, *, user_id: UUID, types: list[str] | None, after: tuple[Any, UUID] | None,
                   limit: int) -> list[dict[str, Any]]:
    """The user's ledger rows newest first (``created_at DESC, id DESC``), of ``types`` if given,
    strictly after the keyset position ``after``; at most ``limit`` rows."""
    return conn.execute(
        f"""
        SELECT {_LEDGER_COLUMNS} FROM styles.token_transactions
         WHERE user_id = %(user_id)s
           AND (%(types)s::text[] IS NULL OR type = ANY(%(types)s::text[]))
           AND (%(at)s::timestamptz IS NULL OR (created_at, id) < (%(at)s::timestamptz, %(id)s::uuid))
         ORDER BY created_at DESC, id DESC
         LIMIT %(limit)s
        """,
        {"user_id": user_id, "types": types, "at": after[0] if after else None, "id": after[1] if after else None,
         "limit": limit},
    ).fetchall()


def consumed_for(conn: psycopg.Connection, *, user_id: UUID, reference_type: str, reference_id: str) -> int:
    """Tokens consumed (a positive number) by the user for this reference."""
    row = conn.execute(
        """SELECT COALESCE(-sum(amount), 0) AS consumed FROM styles.token_transactions
            WHERE user_id = %s AND type = 'consume' AND reference_type = %s AND reference_id = %s""",
        (user_id, reference_type, reference_id),
    ).fetchone()
    return int(row["consumed"])
