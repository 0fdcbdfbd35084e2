"""Schema migrations with yoyo-migrations: plain SQL files, one folder per owner.

The platform owns ``backlot/migrations`` (schema ``platform``); each product owns
``<product>/migrations`` (its own schema). File names start with the owner's name
(``family_0001_init.sql``) so migration ids never collide in yoyo's shared log table.
The same code runs locally (``backlot migrate``) and on deploy (each product's migration
function, a CloudFormation custom resource).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from yoyo import get_backend, read_migrations

PLATFORM_MIGRATIONS = Path(__file__).with_name("migrations")


def migration_dirs(products: list[str]) -> list[Path]:
    """Return the platform's migration folder followed by each product's (``<product>/migrations``).

    Raises:
        ModuleNotFoundError: a product package is not importable.
    """
    dirs = [PLATFORM_MIGRATIONS]
    for product in products:
        module = importlib.import_module(product)
        dirs.append(Path(module.__file__).parent / "migrations")
    return [d for d in dirs if d.is_dir()]


def _yoyo_url(database_url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if database_url.startswith(prefix):
            return "postgresql+psycopg://" + database_url[len(prefix):]
    return database_url


def apply(database_url: str, products: list[str]) -> list[str]:
    """Apply every pending migration of the platform and the given products, in order.

    Holds yoyo's lock, so concurrent deploys or ``backlot dev`` starts do not race.

    Returns:
        the ids of the migrations applied now (empty when the database was up to date).
    """
    backend = get_backend(_yoyo_url(database_url))
    migrations = read_migrations(*[str(d) for d in migration_dirs(products)])
    with backend.lock():
        pending = backend.to_apply(migrations)
        backend.apply_migrations(pending)
    return [m.id for m in pending]
