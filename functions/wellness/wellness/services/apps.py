"""App use cases: the shared registry, device apps (customisation, favourites), app relationships.

The registry holds no personal data (package, name, category, default personality) and anyone
signed in reads it; device apps and app relationships are the caller's own (another user's id is
a 404, a device in a request body that is not the caller's a 400 naming the field).
"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import psycopg

from backlot import db
from backlot.auth import Principal
from backlot.errors import BadRequest, Conflict, NotFound
from backlot.pagination import decode_keyset, keyset_page

from wellness.errors import Code
from wellness.repository import apps as repo
from wellness.schemas.apps import AppCreate, AppRelationshipCreate, DeviceAppCreate

Page = tuple[list[dict[str, Any]], str | None, str | None]


# ---------------------------------------------------------------- registry
def create_app(body: AppCreate) -> tuple[dict[str, Any], bool]:
    """Register ``package_name`` (or find it): (entry, created). Safe to retry and to race: one
    entry per package name (``ON CONFLICT``); an existing entry is returned unchanged."""
    with db.transaction() as conn:
        return repo.upsert_app(conn, uuid.uuid4(), body.model_dump(mode="json"))


def get_app(app_id: UUID) -> dict[str, Any]:
    """Raises: NotFound ``app_not_found``."""
    row = repo.get_app(db.connection(), app_id)
    if row is None:
        raise NotFound("app not found", code=Code.app_not_found)
    return row


def list_apps(cursor: str | None, limit: int, *, category: str | None, personality_type: str | None, search: str | None) -> Page:
    """The registry, oldest entries first, filtered. Raises: BadRequest ``invalid_cursor``."""
    key = decode_keyset(cursor)
    rows = repo.list_apps(db.connection(), key=key, limit=limit, category=category, personality_type=personality_type, search=search)
    return keyset_page(rows, limit, key, "created_at")


# ---------------------------------------------------------------- device apps
def _device_app_not_found() -> NotFound:
    return NotFound("device app not found", code=Code.device_app_not_found)


def create_device_app(who: Principal, body: DeviceAppCreate) -> tuple[dict[str, Any], bool]:
    """Put an app on one of the caller's devices with its customisation: (device app, created).
    The app is ``app_id``, or ``package_name`` (registered when new, named ``name`` or the
    package). Sending the same device and app again returns the stored association (``created``
    False; the customisation sent is not applied: PATCH changes it).

    Raises:
        BadRequest: (field errors) ``device_id`` not a device of the caller's, ``app_id`` unknown.
    """
    custom = body.model_dump(mode="json", include={"nickname", "personality_override", "is_favorite", "is_hidden", "daily_limit_minutes"})
    try:
        with db.transaction() as conn:
            if body.app_id is not None:
                if repo.get_app(conn, body.app_id) is None:
                    raise BadRequest("app_id is not in the registry", code=Code.app_not_found,
                                     fields=[{"field": "app_id", "message": "no such app"}])
                app_id = body.app_id
            else:
                app, _ = repo.upsert_app(conn, uuid.uuid4(), {"package_name": body.package_name, "name": body.name or body.package_name,
                                                              "category": body.category})
                app_id = app["id"]
            row_id = repo.insert_device_app(conn, who.user_id, uuid.uuid4(), body.device_id, app_id, custom)
            row = repo.get_device_app(conn, who.user_id, row_id) if row_id else repo.device_app_of(conn, who.user_id, body.device_id, app_id)
    except psycopg.errors.ForeignKeyViolation as exc:  # (device_id, user_id) is not a device of the caller's
        raise BadRequest("device_id is not a device of yours", code=Code.device_not_found,
                         fields=[{"field": "device_id", "message": "not a device of yours"}]) from exc
    return row, row_id is not None


def get_device_app(who: Principal, row_id: UUID) -> dict[str, Any]:
    """Raises: NotFound ``device_app_not_found``."""
    row = repo.get_device_app(db.connection(), who.user_id, row_id)
    if row is None:
        raise _device_app_not_found()
    return row


def list_device_apps(who: Principal, cursor: str | None, limit: int, *, device_id: UUID | None, is_favorite: bool | None) -> Page:
    """The caller's device apps, oldest first (of one device, favourites only, when asked).
    Raises: BadRequest ``invalid_cursor``."""
    key = decode_keyset(cursor)
    rows = repo.list_device_apps(db.connection(), who.user_id, key=key, limit=limit, device_id=device_id, is_favorite=is_favorite)
    return keyset_page(rows, limit, key, "created_at")


def update_device_app(who: Principal, row_id: UUID, changes: dict[str, Any]) -> dict[str, Any]:
    """Apply the customisation ``changes``. Raises: NotFound ``device_app_not_found``."""
    with db.transaction() as conn:
        if not repo.update_device_app(conn, who.user_id, row_id, changes):
            raise _device_app_not_found()
        return repo.get_device_app(conn, who.user_id, row_id)


def delete_device_app(who: Principal, row_id: UUID) -> None:
    """Raises: NotFound ``device_app_not_found``."""
    with db.transaction() as conn:
        if not repo.delete_device_app(conn, who.user_id, row_id):
            raise _device_app_not_found()


# ---------------------------------------------------------------- app relationships
def create_relationship(who: Principal, body: AppRelationshipCreate) -> tuple[dict[str, Any], bool]:
    """Relate two registry apps for the caller: (relationship, created); the same one again is
    returned (``created`` False).

    Raises:
        BadRequest: (field errors) the same app twice, an app not in the registry.
        Conflict: ``duplicate_relationship``, the pair has another type for the caller.
    """
    if body.app_a == body.app_b:
        raise BadRequest("an app cannot be related to itself", fields=[{"field": "app_b", "message": "must differ from app_a"}])
    conn = db.connection()
    for name, value in (("app_a", body.app_a), ("app_b", body.app_b)):
        if repo.get_app(conn, value) is None:
            raise BadRequest(f"{name} is not in the registry", code=Code.app_not_found, fields=[{"field": name, "message": "no such app"}])
    a, b = sorted((body.app_a, body.app_b))
    with db.transaction() as conn:
        row = repo.insert_relationship(conn, who.user_id, uuid.uuid4(), a, b, body.relationship_type.value, body.description)
    if row is not None:
        return row, True
    existing = repo.relationship_of_pair(conn, who.user_id, a, b)
    if existing is not None and existing["relationship_type"] == body.relationship_type.value:
        return existing, False
    raise Conflict("these apps have another relationship already; delete it first", code=Code.duplicate_relationship)


def list_relationships(who: Principal, cursor: str | None, limit: int, app_id: UUID | None) -> Page:
    """The caller's app relationships, oldest first. Raises: BadRequest ``invalid_cursor``."""
    key = decode_keyset(cursor)
    rows = repo.list_relationships(db.connection(), who.user_id, key=key, limit=limit, app_id=app_id)
    return keyset_page(rows, limit, key, "created_at")


def delete_relationship(who: Principal, relationship_id: UUID) -> None:
    """Raises: NotFound ``relationship_not_found``."""
    with db.transaction() as conn:
        if not repo.delete_relationship(conn, who.user_id, relationship_id):
            raise NotFound("relationship not found", code=Code.relationship_not_found)
