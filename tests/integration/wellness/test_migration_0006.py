"""Migration wellness_0006 on a database that already has spend rows keyed by a text scope: each
row keeps its day and amount and names its user in ``user_id`` (NULL for 'global'), and the new
unique index holds one global row a day."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from yoyo import get_backend, read_migrations

from backlot import migrations

pytestmark = pytest.mark.integration


@pytest.fixture()
def fresh_url(database_url: str) -> Iterator[str]:
    """An empty database on the same server, dropped afterwards."""
    name = f"backlot_w6_{uuid.uuid4().hex[:8]}"
    admin_url = urlunsplit(urlsplit(database_url)._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(database_url)._replace(path="/" + name))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_spend_rows_keyed_by_text_scope_become_rows_keyed_by_user_id(fresh_url: str) -> None:
    every = read_migrations(*[str(d) for d in migrations.migration_dirs(["wellness"])])
    backend = get_backend(migrations._yoyo_url(fresh_url))
    before = [m for m in every if not m.id.startswith("wellness_") or m.id < "wellness_0006"]
    with backend.lock():
        backend.apply_migrations(backend.to_apply(type(every)(before)))
    user = uuid.uuid4()
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("INSERT INTO wellness.ai_budget (day, scope, reserved_usd) VALUES (%s, 'global', 3), (%s, %s, 1.5)",
                     (date(2026, 12, 1), date(2026, 12, 1), str(user)))
    with backend.lock():
        backend.apply_migrations(backend.to_apply(every))
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        rows = conn.execute("SELECT day, user_id, reserved_usd FROM wellness.ai_budget ORDER BY reserved_usd").fetchall()
        assert rows == [(date(2026, 12, 1), user, Decimal("1.500000")), (date(2026, 12, 1), None, Decimal("3.000000"))]
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("INSERT INTO wellness.ai_budget (day, user_id, reserved_usd) VALUES (%s, NULL, 1)", (date(2026, 12, 1),))
