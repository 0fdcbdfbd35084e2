"""``/api/usage/data/``: usage ingestion and its reads (document 001 "Usage App": bulk upload,
``/summary/``, ``/top_apps/``; issue 10 item 4: the StayFree import).

The bulk upload reads its body itself: a record that breaks a rule must not refuse the whole
request (FastAPI's body validation would), so the JSON is checked record by record in
``domain.ingest`` and the OpenAPI document declares the shape (``schemas.usage.BulkUploadIn``).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request
from starlette.datastructures import UploadFile

from backlot.auth import Principal
from backlot.errors import BadRequest, PayloadTooLarge
from backlot.http import CurrentPrincipal
from backlot.pagination import DEFAULT_LIMIT, Cursor, Limit, decode_keyset, links

from wellness.domain.ingest import UploadShapeError
from wellness.domain.stayfree import KINDS, StayFreeFormatError
from wellness.errors import Code
from wellness.http_api import API
from wellness.schemas.usage import (BulkUploadIn, TopApps, UploadResult, UsageDayPage, UsageSummary,
                                    inline_schema)
from wellness.services import usage as service
from wellness.settings import get_settings

router = APIRouter(prefix="/api/usage/data")

UPLOAD_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": inline_schema(BulkUploadIn)}}}}
STAYFREE_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["device_id"],
    "properties": {
        "device_id": {"type": "string", "format": "uuid", "description": "the device the export comes from"},
        **{kind: {"type": "string", "format": "binary",
                  "description": f"StayFree's {kind} table (`;`-separated CSV, e.g. {kind}_motorola.csv)"}
           for kind in KINDS},
    },
}}}}}

DeviceFilter = Annotated[UUID | None, Query(description="only this device of the caller")]
Start = Annotated[date | None, Query(description="first local date (YYYY-MM-DD)")]
End = Annotated[date | None, Query(description="last local date (YYYY-MM-DD)")]


def _too_large(request: Request, limit: int) -> bool:
    declared = request.headers.get("content-length")
    # ASCII digits only; more than 18 digits is over any limit (and int's)
    return bool(declared and declared.isascii() and declared.isdigit() and (len(declared) > 18 or int(declared) > limit))


async def _body(request: Request, limit: int) -> bytes:
    if _too_large(request, limit):
        raise PayloadTooLarge(f"the body is over {limit} bytes; split the upload", code=Code.upload_too_large)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"the body is over {limit} bytes; split the upload", code=Code.upload_too_large)
    return bytes(body)


def _shape_error(exc: UploadShapeError) -> BadRequest:
    return BadRequest(str(exc), fields=[{"field": k, "message": m} for k, messages in exc.errors.items() for m in messages])


@router.post("/bulk_upload/", response_model=UploadResult, responses=API.errors(400, 404, 413),
             openapi_extra=UPLOAD_BODY)
async def bulk_upload_usage(request: Request, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Store one device's usage: day totals, apps, categories, sessions, unlock events.

    Each record is checked on its own (no day over 1,440 minutes, no future date in the user's
    time zone, no session over 24 h or reversed, no negative count, times with a UTC offset,
    ``first_pickup`` ``HH:MM``); valid records are stored, the others come back in ``rejected``
    with their path. A day uploaded again replaces the stored day (idempotent); overlapping
    sessions of one app are merged. 404 when ``device_id`` is not one of the caller's devices
    (nothing is stored); 400 when the body is not JSON or not an object with a ``device_id``.
    """
    raw = await _body(request, get_settings().max_upload_bytes)
    try:
        payload = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"JSON parse error - {exc}", code=Code.not_json) from None
    try:
        return service.bulk_upload(payload=payload, user=who)
    except UploadShapeError as exc:
        raise _shape_error(exc) from None


@router.post("/import/stayfree/", response_model=UploadResult, responses=API.errors(400, 404, 413),
             openapi_extra=STAYFREE_BODY)
async def import_stayfree_usage(request: Request, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Import StayFree's exported tables for one device (multipart/form-data).

    Fields: ``device_id``, and one or more files ``app_usage_time`` (minutes per app per day),
    ``app_usage_count`` (launches per app per day), ``device_unlocks`` (unlocks per day), as
    StayFree exports them. Days go through the bulk-upload rules and replace the same days of
    the device; refused cells are listed with ``file:line:column``. At most ``max_import_bytes``
    (4 MB; the whole real export is 350 kB): larger exports, split by date.
    """
    limit = get_settings().max_import_bytes
    if _too_large(request, limit + 64 * 1024):
        raise PayloadTooLarge(f"the import is over {limit} bytes; split it by date", code=Code.upload_too_large)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise BadRequest("send multipart/form-data with device_id and the StayFree files", code=Code.not_multipart,
                         fields=[{"field": "non_field_errors", "message": "send multipart/form-data"}])
    form = await request.form(max_files=len(KINDS), max_fields=10)
    try:
        raw_device = form.get("device_id")
        try:
            device_id = UUID(raw_device) if isinstance(raw_device, str) else None
        except ValueError:
            device_id = None
        if device_id is None:
            raise BadRequest("device_id is required", fields=[{"field": "device_id", "message": "Must be a valid UUID."}])
        files: dict[str, tuple[str, bytes]] = {}
        for kind in KINDS:
            item = form.get(kind)
            if item is None:
                continue
            if not isinstance(item, UploadFile):
                raise BadRequest(f"{kind} must be a file", fields=[{"field": kind, "message": "not a file"}])
            data = await item.read(limit + 1)
            if len(data) > limit:
                raise PayloadTooLarge(f"{kind} is over {limit} bytes", code=Code.upload_too_large)
            files[kind] = (item.filename or f"{kind}.csv", data)
    finally:
        await form.close()
    if not files:
        raise BadRequest("no StayFree file", fields=[{"field": "non_field_errors",
                                                      "message": f"send at least one of {', '.join(KINDS)}"}])
    try:
        return service.import_stayfree(device_id=device_id, files=files, user=who)
    except StayFreeFormatError as exc:
        raise BadRequest(exc.message, code=Code.not_a_stayfree_table,
                         fields=[{"field": exc.field, "message": exc.message}]) from None
    except UploadShapeError as exc:
        raise _shape_error(exc) from None


def _period(start: date | None, end: date | None, who: Principal, default_days: int) -> tuple[date, date]:
    try:
        return service.period(start, end, user=who, default_days=default_days)
    except ValueError as exc:
        raise BadRequest(str(exc), fields=[{"field": "start", "message": str(exc)}]) from None


@router.get("/", response_model=UsageDayPage, responses=API.errors(400, 404))
def list_usage_data(request: Request, device: DeviceFilter = None, start: Start = None, end: End = None,
                    cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT,
                    who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The caller's device days, newest first; filters ``device``, ``start``, ``end``."""
    key = decode_keyset(cursor)
    items, next_cursor, previous_cursor = service.list_days(user=who, device_id=device, start=start, end=end,
                                                            key=key, limit=limit)
    return {**links(request, next_cursor, previous_cursor), "results": items}


@router.get("/summary/", response_model=UsageSummary, responses=API.errors(400, 404))
def usage_summary(device: DeviceFilter = None, start: Start = None, end: End = None,
                  who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Per-day totals (``screen_time_minutes``, ``unlocks``, ``notifications``) over the caller's
    devices from ``start`` to ``end`` (default: the last 7 days; at most 366 days)."""
    first, last = _period(start, end, who, 7)
    return service.summary(user=who, start=first, end=last, device_id=device)


#: ``period`` of top apps: how many days end at ``end`` (the user's today by default).
PERIOD_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}


@router.get("/top_apps/", response_model=TopApps, responses=API.errors(400, 404))
def usage_top_apps(device: DeviceFilter = None, start: Start = None, end: End = None,
                   period: Annotated[Literal["day", "week", "month", "year"] | None,
                                     Query(description="the last day, week (7 days), month (30) or year (365) up to "
                                                       "`end`; instead of `start`")] = None,
                   limit: Annotated[int, Query(ge=1, le=50, description="how many apps, 1..50")] = 10,
                   who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The caller's most used apps from ``start`` (or ``period``) to ``end`` (default: the last 30
    days up to today), most minutes first."""
    if period is not None and start is not None:
        raise BadRequest("give start or period, not both", fields=[{"field": "period", "message": "give start or period, not both"}])
    first, last = _period(start, end, who, PERIOD_DAYS[period] if period else 30)
    return service.top_apps(user=who, start=first, end=last, device_id=device, limit=limit)
