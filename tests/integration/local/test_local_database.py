"""Embedded PostgreSQL with pgvector, and migrations through the platform."""

from __future__ import annotations

import psycopg

from backlot_local.database import migrate


def test_embedded_postgres_has_pgvector(local_postgres) -> None:
    with psycopg.connect(local_postgres.url, autocommit=True) as conn:
        version = conn.execute("SELECT default_version FROM pg_available_extensions WHERE name = 'vector'").fetchone()
        server = conn.execute("SHOW server_version_num").fetchone()
    assert version is not None and tuple(int(p) for p in version[0].split(".")) >= (0, 6)
    assert int(server[0]) >= 160000


def test_migrate_applies_the_platform_migrations_once(local_postgres) -> None:
    logged: list[str] = []
    applied = migrate(local_postgres.url, ["no_such_product"], [], log=logged.append)
    assert "platform_0001_users" in applied
    assert any("'no_such_product' is not importable" in line for line in logged)
    assert migrate(local_postgres.url, [], [], log=logged.append) == []
    with psycopg.connect(local_postgres.url) as conn:
        assert conn.execute("SELECT to_regclass('platform.users')").fetchone()[0] == "platform.users"
        conn.execute("SELECT '[1,2,3]'::vector <-> '[1,2,4]'::vector")
