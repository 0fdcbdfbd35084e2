"""The per-environment connection against real PostgreSQL: reuse, check after idle, reconnect."""

from __future__ import annotations

import psycopg
import pytest

from backlot import db

pytestmark = pytest.mark.integration


def test_connection_is_reused_and_replaced_when_killed(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    db.reset()
    first = db.connection()
    assert db.connection() is first
    pid = first.execute("SELECT pg_backend_pid() AS pid").fetchone()["pid"]
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    monkeypatch.setattr(db, "CHECK_AFTER_IDLE_S", -1.0)  # as if the environment had been frozen a while
    second = db.connection()
    assert second is not first and second.execute("SELECT 1 AS one").fetchone()["one"] == 1


def test_vector_columns_round_trip(database_url: str) -> None:
    conn = db.connection()
    row = conn.execute("SELECT '[1,2,3]'::vector AS v").fetchone()
    v = row["v"]
    assert (v.to_list() if hasattr(v, "to_list") else list(v)) == [1.0, 2.0, 3.0]


def test_transaction_rolls_back_on_error(database_url: str) -> None:
    conn = db.connection()
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS t_rollback (x int)")
    with pytest.raises(RuntimeError), db.transaction() as tx:
        tx.execute("INSERT INTO t_rollback VALUES (1)")
        raise RuntimeError("boom")
    assert conn.execute("SELECT count(*) AS n FROM t_rollback").fetchone()["n"] == 0
