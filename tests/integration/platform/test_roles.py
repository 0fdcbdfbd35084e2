"""Per-product database roles on real PostgreSQL: after migrating, each product's code works when
logged in as its own role (``backlot_<product>``), and that role cannot touch another product's
schema, change the schema, or delete users. Locally the embedded server trusts local connections,
so logging in as a role is the URL's user name (on RDS it is an IAM auth token)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import errors

from backlot import db, roles, settings
from backlot.auth import Principal, ensure_user

pytestmark = pytest.mark.integration


def role_url(database_url: str, role: str) -> str:
    """``database_url`` with ``role`` as the user and no password."""
    parts = urlsplit(database_url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{role}@{host}"))


@contextmanager
def logged_in_as(database_url: str, role: str) -> Iterator[None]:
    """Run the block with ``backlot.db`` connecting as ``role`` (as a product's functions do)."""
    saved = os.environ["DATABASE_URL"]
    db.reset()
    os.environ["DATABASE_URL"] = role_url(database_url, role)
    settings.get_settings.cache_clear()
    try:
        yield
    finally:
        db.reset()
        os.environ["DATABASE_URL"] = saved
        settings.get_settings.cache_clear()


def test_the_connection_is_the_products_role(database_url: str) -> None:
    with logged_in_as(database_url, "backlot_family"):
        row = db.connection().execute("SELECT current_user AS who, rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    assert row == {"who": "backlot_family", "rolsuper": False}


def test_family_writes_and_reads_through_its_service_as_its_role(database_url: str) -> None:
    from family import service
    from family.schemas import HouseholdCreate

    who = Principal(user_id=uuid.uuid4(), email="role-test@example.com")
    with logged_in_as(database_url, "backlot_family"):
        ensure_user(who)  # what the HTTP layer does for every caller: an upsert of platform.users
        created = service.create_household(who, HouseholdCreate(name="Role test"))
        listed = service.list_households(who, None, 50)["households"]
    assert created["id"] in {h["id"] for h in listed}


def test_music_and_movies_work_as_their_roles(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from movies import repository as movies_repo
    from movies import service as movies_service
    from movies.domain.export import InputFile
    from movies.settings import get_settings as movies_settings
    from music import service as music_service

    monkeypatch.setenv("EXPORTS_BUCKET", "not-used-by-a-direct-upload")
    for name in ("TMDB_API_KEY", "TMDB_API_KEY_SECRET_ARN", "ENRICH_QUEUE_URL"):
        monkeypatch.delenv(name, raising=False)  # no enrichment: nothing but the database is called
    movies_settings.cache_clear()

    who = Principal(user_id=uuid.uuid4(), email="listener@example.com")
    with logged_in_as(database_url, "backlot_music"):
        ensure_user(who)
        music_service.ensure_profile(who)  # a write: music.profiles
        me = music_service.me(who)  # reads: profile, role, session
    assert me["user_id"] == who.user_id and me["votes_count"] == 0 and me["preference_vector"] is not None

    diary = "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n2024-01-02,Heat,1995,https://boxd.it/2bf0,4.5,,,2024-01-01\n"
    with logged_in_as(database_url, "backlot_movies"):
        out = movies_service.upload([InputFile("diary.csv", diary.encode())])  # COPY into movies tables
        stored = movies_repo.get_session(db.connection(), out["session_id"])
    movies_settings.cache_clear()
    assert out["total_movies"] == 1 and stored["total_movies"] == 1


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM music.songs LIMIT 1",
        "SELECT * FROM movies.sessions LIMIT 1",
        "INSERT INTO music.profiles (id) VALUES (gen_random_uuid())",
        "SELECT music.unit_vector('[1,0,0,0,0]')",
        "CREATE TABLE family.sneaky (x int)",
        "DROP TABLE family.households",
        "DELETE FROM platform.users",
        "SELECT * FROM _yoyo_migration",
    ],
)
def test_the_family_role_is_denied_everything_else(database_url: str, statement: str) -> None:
    with psycopg.connect(role_url(database_url, "backlot_family"), autocommit=True) as conn:
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute(statement)


def test_objects_a_later_migration_creates_are_granted_by_default(database_url: str) -> None:
    """ALTER DEFAULT PRIVILEGES: a table created by the migrating user after the grants is usable
    by the product's role at once, and still closed to the other products'."""
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute("CREATE TABLE family.later (id bigint GENERATED ALWAYS AS IDENTITY, note text)")
        try:
            with psycopg.connect(role_url(database_url, "backlot_family"), autocommit=True) as conn:
                conn.execute("INSERT INTO family.later (note) VALUES ('x')")  # the identity sequence too
                assert conn.execute("SELECT count(*) FROM family.later").fetchone() == (1,)
            with psycopg.connect(role_url(database_url, "backlot_music"), autocommit=True) as conn:
                with pytest.raises(errors.InsufficientPrivilege):
                    conn.execute("SELECT * FROM family.later")
        finally:
            admin.execute("DROP TABLE family.later")


def test_ensure_is_idempotent_and_grants_rds_iam_where_it_exists(database_url: str) -> None:
    """On RDS the role ``rds_iam`` exists and membership makes the user log in with IAM tokens;
    here it is created for the test, as RDS has it."""
    with psycopg.connect(database_url, autocommit=True) as admin:
        had_rds_iam = admin.execute("SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam'").fetchone()
        if not had_rds_iam:
            admin.execute("CREATE ROLE rds_iam NOLOGIN")
        try:
            assert roles.ensure_product_role(admin, "family") == "backlot_family"
            assert roles.ensure_product_role(admin, "family") == "backlot_family"
            member = admin.execute("SELECT pg_has_role('backlot_family', 'rds_iam', 'MEMBER')").fetchone()[0]
            can = admin.execute(
                "SELECT has_table_privilege('backlot_family', 'family.households', 'INSERT'),"
                " has_table_privilege('backlot_family', 'music.songs', 'SELECT'),"
                " has_table_privilege('backlot_family', 'platform.users', 'DELETE')"
            ).fetchone()
        finally:
            if not had_rds_iam:
                admin.execute("REVOKE rds_iam FROM backlot_family")
                admin.execute("DROP ROLE rds_iam")
    assert member is True
    assert can == (True, False, False)


def test_a_product_without_a_schema_yet_gets_the_platform_grants(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as admin:
        try:
            roles.ensure_product_role(admin, "wellness")
            can = admin.execute(
                "SELECT has_schema_privilege('backlot_wellness', 'platform', 'USAGE'),"
                " has_schema_privilege('backlot_wellness', 'family', 'USAGE')"
            ).fetchone()
        finally:
            admin.execute("DROP OWNED BY backlot_wellness")
            admin.execute("DROP ROLE backlot_wellness")
    assert can == (True, False)
    with pytest.raises(ValueError):
        roles.role_name("Family; DROP")
