"""Per-product database roles: what each product's functions log in as (``backlot_<product>``).

On AWS a product's functions connect to RDS Proxy as their product's role with an RDS IAM auth
token (``backlot.db``), never as the master user. The migration function, which runs as the master
user, creates the role and grants it exactly what the product's code needs, right after applying
the migrations (``backlot.migrations.apply``), so every table a migration adds is covered on the
same deploy.

What a product role gets (and nothing else; other products' schemas stay closed to it):

* ``LOGIN`` without a password, and membership of ``rds_iam`` where that role exists (on RDS: it
  makes the user log in with IAM auth tokens only; AWS docs, "Creating a database account using
  IAM authentication", PostgreSQL: ``GRANT rds_iam TO db_userx``). Locally there is no ``rds_iam``
  and the embedded server trusts local connections.
* ``CONNECT`` on the database.
* Its own schema (``<product>``): ``USAGE``; ``SELECT, INSERT, UPDATE, DELETE`` on its tables (COPY
  FROM needs ``INSERT``, ``SELECT ... FOR UPDATE`` needs ``UPDATE``); ``USAGE, SELECT, UPDATE`` on its
  sequences; ``EXECUTE`` on its functions.
* Schema ``platform`` (shared, users known from identity tokens): ``USAGE``; ``SELECT, INSERT,
  UPDATE`` on its tables (the sign-in upsert of ``platform.users``), no ``DELETE``: deleting a
  user cascades into every product; ``USAGE, SELECT`` on its sequences; ``EXECUTE`` on its functions.
* The same as default privileges for objects the migrating user creates later in those schemas
  (``ALTER DEFAULT PRIVILEGES``), so even an object created outside a migration run is covered.

Every statement is idempotent (granting a privilege twice changes nothing); roles are cluster-wide
in PostgreSQL, databases are not, so the role may already exist from another database.
Concurrent migration functions run this under the migration lock (``backlot.migrations``):
``GRANT`` on a shared schema from two sessions at once can fail with "tuple concurrently updated".
"""

from __future__ import annotations

import re

import psycopg
from psycopg import errors, sql

#: Role names are this prefix and the product's name.
ROLE_PREFIX = "backlot_"

#: The schema every product shares (``platform_0001_users.sql``).
PLATFORM_SCHEMA = "platform"

_PRODUCT_NAME = re.compile(r"[a-z][a-z0-9_]{0,40}")

#: (object kind, privileges) in a product's own schema.
_OWN = (
    ("TABLES", "SELECT, INSERT, UPDATE, DELETE"),
    ("SEQUENCES", "USAGE, SELECT, UPDATE"),
    ("FUNCTIONS", "EXECUTE"),
)
#: (object kind, privileges) in the shared platform schema.
_PLATFORM = (
    ("TABLES", "SELECT, INSERT, UPDATE"),
    ("SEQUENCES", "USAGE, SELECT"),
    ("FUNCTIONS", "EXECUTE"),
)


def role_name(product: str) -> str:
    """``backlot_<product>``: the database role of a product (and ``DB_USER`` of its functions).

    Raises:
        ValueError: ``product`` is not a lower-case identifier.
    """
    if not _PRODUCT_NAME.fullmatch(product):
        raise ValueError(f"not a product name: {product!r}")
    return ROLE_PREFIX + product


def ensure_product_role(conn: psycopg.Connection, product: str) -> str:
    """Create the product's role if it is missing and grant it what the module docstring lists.

    Runs in one transaction on ``conn``, which must be the user that owns the schemas (the master
    user on RDS, the superuser locally). A product whose schema does not exist yet gets the
    platform grants only; its own come on the run after the migration that creates the schema.

    Returns:
        the role's name.

    Raises:
        ValueError: ``product`` is not a lower-case identifier.
        psycopg.Error: the connected user may not create roles or grant on the schemas.
    """
    name = role_name(product)
    role = sql.Identifier(name)
    with conn.transaction():
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone() is None:
            try:
                with conn.transaction():  # a savepoint
                    conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(role))
            except (errors.DuplicateObject, errors.UniqueViolation):
                pass  # created at this moment by a migration of another database of the same cluster
        conn.execute(sql.SQL("ALTER ROLE {} LOGIN").format(role))
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam'").fetchone() is not None:
            conn.execute(sql.SQL("GRANT rds_iam TO {}").format(role))
        conn.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(conn.info.dbname), role)
        )
        _grant_schema(conn, PLATFORM_SCHEMA, role, _PLATFORM)
        _grant_schema(conn, product, role, _OWN)
    return name


def _grant_schema(
    conn: psycopg.Connection, schema_name: str, role: sql.Identifier, grants: tuple[tuple[str, str], ...]
) -> None:
    if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema_name,)).fetchone() is None:
        return
    schema = sql.Identifier(schema_name)
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, role))
    for kind, privileges in grants:
        # kind and privileges are constants of this module, never input.
        conn.execute(
            sql.SQL("GRANT " + privileges + " ON ALL " + kind + " IN SCHEMA {} TO {}").format(schema, role)
        )
        conn.execute(
            sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT " + privileges + " ON " + kind + " TO {}").format(
                schema, role
            )
        )
