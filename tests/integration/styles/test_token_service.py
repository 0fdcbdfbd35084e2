"""The token service on real PostgreSQL (design document 004, M1-Auth-Backend and M2-Token-Service
tests), concurrency with threads released together, each on its own connection."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.styles.helpers import at_once, new_user


@pytest.fixture(autouse=True)
def _env(styles_env: None) -> None:
    return None


def _balance(user_id: uuid.UUID) -> int:
    from backlot import db

    from styles.tokens import service

    with db.transaction() as conn:
        return service.balance(conn, user_id=user_id)


def _movements(user_id: uuid.UUID) -> list[dict]:
    from backlot import db

    with db.transaction() as conn:
        return conn.execute("SELECT type, amount, balance_after, reference_type, reference_id FROM styles.token_transactions"
                            " WHERE user_id = %s ORDER BY created_at, id", (user_id,)).fetchall()


def _agrees(user_id: uuid.UUID) -> bool:
    from backlot import db

    from styles.tokens import service

    with db.transaction() as conn:
        return service.check(conn, user_id=user_id) == []


def _consume(user_id: uuid.UUID, amount: int, ref: str | None = None) -> int:
    from backlot import db

    from styles.tokens import service

    with db.transaction() as conn:
        return service.consume(conn, user_id=user_id, amount=amount, reason="generation",
                               reference_type="generation" if ref else None, reference_id=ref)


def _add(user_id: uuid.UUID, amount: int, type: str = "purchase") -> int:
    from backlot import db

    from styles.tokens import service

    with db.transaction() as conn:
        return service.add(conn, user_id=user_id, amount=amount, type=type, reason="test")


def _refund(user_id: uuid.UUID, amount: int, ref: str) -> int | None:
    from backlot import db

    from styles.tokens import service

    with db.transaction() as conn:
        return service.refund(conn, user_id=user_id, amount=amount, reason="generation_failed",
                              reference_type="generation", reference_id=ref)


def test_add_increases_and_consume_decreases_the_balance() -> None:
    user = new_user()
    assert _balance(user) == 100
    assert _add(user, 50) == 150
    assert _consume(user, 30) == 120
    assert [(m["type"], m["amount"], m["balance_after"]) for m in _movements(user)] == [
        ("welcome", 100, 100), ("purchase", 50, 150), ("consume", -30, 120)]
    assert _agrees(user)


def test_consume_with_insufficient_balance_raises_and_changes_nothing() -> None:
    from styles.errors import InsufficientTokens

    user = new_user()
    with pytest.raises(InsufficientTokens) as raised:
        _consume(user, 101)
    assert (raised.value.balance, raised.value.required, raised.value.status) == (100, 101, 402)
    assert _balance(user) == 100 and len(_movements(user)) == 1


def test_amounts_must_be_positive_integers() -> None:
    user = new_user()
    for bad in (0, -5, 1.5, True, "10"):
        with pytest.raises(ValueError):
            _consume(user, bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            _add(user, bad)  # type: ignore[arg-type]
    assert _balance(user) == 100


def test_twenty_simultaneous_consumes_lose_no_update() -> None:
    """M2-Token-Service: "20 simultaneous consume_tokens calls ... final balance accurate ... all
    transactions logged"."""
    user = new_user()
    _add(user, 900)  # 1000
    results = at_once(20, lambda i: _consume(user, 7))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert _balance(user) == 1000 - 20 * 7
    assert sorted(results, reverse=True) == list(range(993, 1000 - 20 * 7 - 1, -7))  # each saw its own balance
    assert sum(1 for m in _movements(user) if m["type"] == "consume") == 20
    assert _agrees(user)


def test_insufficient_balance_during_concurrency_never_goes_below_zero() -> None:
    from styles.errors import InsufficientTokens

    user = new_user()  # 100: room for exactly 3 of 30
    results = at_once(10, lambda i: _consume(user, 30))
    ok = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, InsufficientTokens)]
    assert len(ok) == 3 and len(refused) == 7, results
    assert _balance(user) == 10 and _agrees(user)


def test_concurrent_adds_and_consumes_add_up() -> None:
    user = new_user()
    results = at_once(20, lambda i: _add(user, 10) if i % 2 else _consume(user, 10))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert _balance(user) == 100 and _agrees(user)
    assert len(_movements(user)) == 21


def test_concurrent_refunds_of_one_generation_refund_once() -> None:
    user = new_user()
    ref = str(uuid.uuid4())
    _consume(user, 40, ref)
    results = at_once(10, lambda i: _refund(user, 40, ref))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert [r for r in results if r is not None] == [100] and results.count(None) == 9
    assert _balance(user) == 100 and _agrees(user)
    assert _refund(user, 40, ref) is None  # a later retry too


def test_a_refund_never_returns_more_than_was_consumed() -> None:
    from styles.tokens.service import RefundExceedsConsumed

    user = new_user()
    ref = str(uuid.uuid4())
    _consume(user, 20, ref)
    with pytest.raises(RefundExceedsConsumed):
        _refund(user, 21, ref)
    with pytest.raises(RefundExceedsConsumed):
        _refund(user, 1, str(uuid.uuid4()))  # nothing consumed for it
    assert _balance(user) == 80 and _refund(user, 15, ref) == 95  # a partial refund (what was not used)


def test_welcome_tokens_are_granted_once_even_to_concurrent_first_requests() -> None:
    """M1-Auth-Backend: "Welcome bonus only granted once"."""
    from backlot import db

    from styles.users import service

    user = uuid.uuid4()

    def first_sight(i: int) -> bool:
        with db.transaction() as conn:
            return service.ensure_user_in(conn, service.Identity(user_id=user, email="new@example.com"))

    results = at_once(8, first_sight)
    assert results.count(True) == 1 and results.count(False) == 7, results
    assert _balance(user) == 100
    assert [m["type"] for m in _movements(user)] == ["welcome"]
    with db.transaction() as conn:
        assert service.ensure_user_in(conn, service.Identity(user_id=user)) is False
    assert _balance(user) == 100


def test_check_finds_a_balance_the_ledger_does_not_explain() -> None:
    from backlot import db

    from styles.tokens import service

    user = new_user()
    assert _agrees(user)
    with db.transaction() as conn:
        conn.execute("UPDATE styles.token_accounts SET balance = balance + 1 WHERE user_id = %s", (user,))
        found = service.check(conn, user_id=user)
        assert [(m.user_id, m.balance, m.ledger_sum, m.last_balance_after) for m in found] == [(user, 101, 100, 100)]
        conn.execute("UPDATE styles.token_accounts SET balance = balance - 1 WHERE user_id = %s", (user,))
    assert _agrees(user)


def test_the_database_refuses_a_negative_balance_whatever_the_code_does() -> None:
    import psycopg

    from backlot import db

    user = new_user()
    with pytest.raises(psycopg.errors.CheckViolation):
        with db.transaction() as conn:
            conn.execute("UPDATE styles.token_accounts SET balance = balance - 101 WHERE user_id = %s", (user,))
    assert _balance(user) == 100


def test_idempotent_work_happens_once_for_concurrent_retries_and_refuses_another_body() -> None:
    from backlot import db

    from styles.errors import IdempotencyKeyReused
    from styles.idempotency import idempotent, request_hash
    from styles.tokens import service

    user = new_user()
    key = str(uuid.uuid4())
    digest = request_hash("POST /api/tokens/purchase/", {"amount": 100})

    def purchase(i: int) -> tuple:
        with db.transaction() as conn:
            return idempotent(conn, user_id=user, key=key, request_hash=digest,
                              compute=lambda c: {"balance": service.add(c, user_id=user, amount=100, type="purchase",
                                                                        reason="purchase")})

    results = at_once(6, purchase)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert {r[0]["balance"] for r in results} == {200} and [r[1] for r in results].count(False) == 1
    assert _balance(user) == 200
    with pytest.raises(IdempotencyKeyReused):
        with db.transaction() as conn:
            idempotent(conn, user_id=user, key=key, request_hash=request_hash("POST /api/tokens/purchase/", {"amount": 200}),
                       compute=lambda c: pytest.fail("must not run"))
    other = new_user()  # keys are per user
    with db.transaction() as conn:
        assert idempotent(conn, user_id=other, key=key, request_hash=digest, compute=lambda c: {"x": 1}) == ({"x": 1}, False)


def test_an_idempotent_request_that_failed_can_be_retried() -> None:
    from backlot import db

    from styles.errors import InsufficientTokens
    from styles.idempotency import idempotent, request_hash
    from styles.tokens import service

    user = new_user()
    key, digest = "retry-me", request_hash("POST /api/images/generate", {"cost": 150})
    with pytest.raises(InsufficientTokens):
        with db.transaction() as conn:
            idempotent(conn, user_id=user, key=key, request_hash=digest,
                       compute=lambda c: service.consume(c, user_id=user, amount=150, reason="generation"))
    _add(user, 100)
    with db.transaction() as conn:
        assert idempotent(conn, user_id=user, key=key, request_hash=digest,
                          compute=lambda c: service.consume(c, user_id=user, amount=150, reason="generation")) == (50, False)


def test_notify_once_per_dedupe_key() -> None:
    from backlot import db

    from styles.notifications import notify

    user = new_user()
    with db.transaction() as conn:
        first = notify(conn, user_id=user, type="training_completed", title="Training complete",
                       message="Your style is ready", link="/models/1", dedupe_key="training_completed:1")
        again = notify(conn, user_id=user, type="training_completed", title="Training complete",
                       message="Your style is ready", link="/models/1", dedupe_key="training_completed:1")
        plain = notify(conn, user_id=user, type="info", title="t", message="m", link=None)
        rows = conn.execute("SELECT id FROM styles.notifications WHERE user_id = %s", (user,)).fetchall()
    assert first is not None and again is None and plain is not None and len(rows) == 2
