"""Device use cases: CRUD with filters, the one primary device, sync, relationships.

A device of another user is reported as not found (404 ``device_not_found``), so its existence
does not leak; a device named in a request body that is not the caller's is a 400 naming the field.
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
from wellness.repository import accounts as accounts_repo
from wellness.repository import devices as repo
from wellness.schemas.devices import DeviceCreate, DeviceRelationshipCreate
from wellness.settings import get_settings


def _not_found() -> NotFound:
    return NotFound("device not found", code=Code.device_not_found)


def _duplicate(client_device_id: str) -> Conflict:
    return Conflict(f"client_device_id {client_device_id!r} is another device of yours", code=Code.duplicate_device,
                    fields=[{"field": "client_device_id", "message": "another device of yours has this id"}])


def _same(existing: dict[str, Any], values: dict[str, Any]) -> bool:
    return all(str(existing.get(k)) == str(v) for k, v in values.items() if v is not None)


def create_device(who: Principal, body: DeviceCreate) -> tuple[dict[str, Any], bool]:
    """Register a device: returns (device, created). The user's first device becomes primary.

    Idempotent on ``client_device_id``: sending the same device again (same id, and the fields
    sent equal to the stored ones) returns the stored device (``created`` False), so a retried
    request makes no second device.

    Raises:
        Conflict: ``duplicate_device``, the id is another device of the user's with other fields.
    """
    values = body.model_dump(mode="json", exclude_none=True)
    with db.transaction() as conn:
        accounts_repo.ensure_profile(conn, who.user_id, get_settings().default_time_zone)
        repo.lock_user(conn, who.user_id)
        row = repo.insert_device(conn, who.user_id, uuid.uuid4(), values, is_primary=not repo.has_primary(conn, who.user_id))
        if row is not None:
            return row, True
        existing = repo.device_by_client_id(conn, who.user_id, values["client_device_id"])
    if existing is not None and _same(existing, values):
        return existing, False
    raise _duplicate(values["client_device_id"])


def get_device(who: Principal, device_id: UUID) -> dict[str, Any]:
    """Raises: NotFound ``device_not_found``."""
    row = repo.get_device(db.connection(), who.user_id, device_id)
    if row is None:
        raise _not_found()
    return row


def list_devices(who: Principal, cursor: str | None, limit: int, **filters: Any) -> tuple[list[dict[str, Any]], str | None, str | None]:
    """The caller's devices, oldest first, filtered (``platform``, ``personality_type``,
    ``is_active``): (items, next cursor, previous cursor).

    Raises:
        BadRequest: ``invalid_cursor``.
    """
    key = decode_keyset(cursor)
    rows = repo.list_devices(db.connection(), who.user_id, key=key, limit=limit, **filters)
    return keyset_page(rows, limit, key, "created_at")


def update_device(who: Principal, device_id: UUID, changes: dict[str, Any]) -> dict[str, Any]:
    """Apply ``changes`` (a full replacement or the fields of a partial update).

    Raises:
        NotFound: ``device_not_found``.
        Conflict: ``duplicate_device``, the new ``client_device_id`` is another device's.
    """
    try:
        with db.transaction() as conn:
            row = repo.update_device(conn, who.user_id, device_id, changes)
    except psycopg.errors.UniqueViolation as exc:
        raise _duplicate(changes.get("client_device_id", "")) from exc
    if row is None:
        raise _not_found()
    return row


def delete_device(who: Principal, device_id: UUID) -> None:
    """Delete the device and everything keyed by it (apps, relationships, usage: ``ON DELETE
    CASCADE``); when it was the primary, the oldest remaining device becomes primary. The days the
    device had usage for are then recalculated as after an upload (one ``RecalculateQueue``
    message, sent after the commit; WELLNESS.md "Recalculation after an upload"), so the user's
    statistics and patterns stop counting the deleted usage.

    Raises:
        NotFound: ``device_not_found``.
    """
    with db.transaction() as conn:
        repo.lock_user(conn, who.user_id)
        dates = repo.usage_dates(conn, who.user_id, device_id)
        gone = repo.delete_device(conn, who.user_id, device_id)
        if gone is None:
            raise _not_found()
        if gone["is_primary"]:
            repo.promote_oldest(conn, who.user_id)
    if dates:
        from wellness.services import usage  # here: only this use case of devices sends

        usage.queue_recalculation(who.user_id, dates)


def set_primary(who: Principal, device_id: UUID) -> dict[str, Any]:
    """Make the device the caller's one primary device (others stop being primary). Concurrent
    calls are serialised on the caller's profile row; the last one wins and exactly one device is
    primary (the partial unique index ``devices_one_primary_idx`` holds at most one).

    Raises:
        NotFound: ``device_not_found``.
    """
    with db.transaction() as conn:
        accounts_repo.ensure_profile(conn, who.user_id, get_settings().default_time_zone)
        repo.lock_user(conn, who.user_id)
        row = repo.set_primary(conn, who.user_id, device_id)
    if row is None:
        raise _not_found()
    return row


def sync_device(who: Principal, device_id: UUID) -> dict[str, Any]:
    """Record that the device synced now (``last_synced_at``).

    Raises:
        NotFound: ``device_not_found``.
    """
    with db.transaction() as conn:
        row = repo.mark_synced(conn, who.user_id, device_id)
    if row is None:
        raise _not_found()
    return row


# ---------------------------------------------------------------- relationships
def create_relationship(who: Principal, body: DeviceRelationshipCreate) -> tuple[dict[str, Any], bool]:
    """Relate two of the caller's devices: (relationship, created). A pair has one relationship;
    sending the same one again returns it (``created`` False).

    Raises:
        BadRequest: (field errors) the same device twice, or a device that is not the caller's.
        Conflict: ``duplicate_relationship``, the pair has a relationship of another type.
    """
    if body.device_a == body.device_b:
        raise BadRequest("a device cannot be related to itself", fields=[{"field": "device_b", "message": "must differ from device_a"}])
    a, b = sorted((body.device_a, body.device_b))
    conn = db.connection()
    for name, value in (("device_a", body.device_a), ("device_b", body.device_b)):
        if repo.get_device(conn, who.user_id, value) is None:
            raise BadRequest(f"{name} is not a device of yours", code=Code.device_not_found,
                             fields=[{"field": name, "message": "not a device of yours"}])
    try:
        with db.transaction() as conn:
            row = repo.insert_relationship(conn, who.user_id, uuid.uuid4(), a, b, body.relationship_type.value, body.description)
    except psycopg.errors.ForeignKeyViolation as exc:  # a device deleted meanwhile
        raise BadRequest("a device is not yours", code=Code.device_not_found,
                         fields=[{"field": "device_a", "message": "not a device of yours"}]) from exc
    if row is not None:
        return row, True
    existing = repo.relationship_of_pair(conn, who.user_id, a, b)
    if existing is not None and existing["relationship_type"] == body.relationship_type.value:
        return existing, False
    raise Conflict("these devices have another relationship already; delete it first", code=Code.duplicate_relationship)


def list_relationships(who: Principal, cursor: str | None, limit: int, device_id: UUID | None) -> tuple[list[dict[str, Any]], str | None, str | None]:
    """The caller's device relationships (of ``device_id`` only when given), oldest first.

    Raises:
        BadRequest: ``invalid_cursor``.
    """
    key = decode_keyset(cursor)
    rows = repo.list_relationships(db.connection(), who.user_id, key=key, limit=limit, device_id=device_id)
    return keyset_page(rows, limit, key, "created_at")


def delete_relationship(who: Principal, relationship_id: UUID) -> None:
    """Raises: NotFound ``relationship_not_found``."""
    with db.transaction() as conn:
        if not repo.delete_relationship(conn, who.user_id, relationship_id):
            raise NotFound("relationship not found", code=Code.relationship_not_found)
