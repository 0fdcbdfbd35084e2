"""Family use cases: each function checks membership, applies the rules, calls the repository.

Errors are domain errors (``backlot.errors``); a row of another household is reported as not
found, so its existence does not leak.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from backlot import storage
from backlot.auth import Principal
from backlot.errors import BadRequest, Conflict, NotFound, PayloadTooLarge, UnsupportedMediaType
from backlot.observability import logger
from backlot.pagination import decode_cursor, page

from family import repository as repo
from family.domain import learning
from family.domain.catalog import activity_for_suggestion, activity_key
from family.media import keys as media_keys
from family.media.keys import ORIGINALS_PREFIX, original_key  # noqa: F401 - ORIGINALS_PREFIX kept as this module's name
from family.schemas import (
    ExperienceCreate,
    ExperienceUpdate,
    HouseholdCreate,
    MediaUploadRequest,
    MerryMomentCreate,
    ReviewCreate,
)
from family.settings import get_settings


# ---------------------------------------------------------------- households
def _require_member(household_id: UUID, who: Principal) -> str:
    role = repo.member_role(household_id, who.user_id)
    if role is None:
        raise NotFound("household not found", code="household_not_found")
    return role


def create_household(who: Principal, body: HouseholdCreate) -> dict[str, Any]:
    """Create a household owned by the caller; ``time_zone`` (optional, an IANA name checked by the
    schema) is where its experiences' time of day and day of week are read (see ``_context_columns``)."""
    household = repo.create_household(body.name, who.user_id, body.time_zone)
    return household | {"role": "owner", "member_ids": [who.user_id]}


def list_households(who: Principal) -> dict[str, Any]:
    return {"households": repo.list_households(who.user_id)}


def add_member(who: Principal, household_id: UUID, user_id: UUID) -> tuple[dict[str, Any], bool]:
    """Add a member; returns (membership, created). Adding an existing member changes nothing."""
    _require_member(household_id, who)
    created = repo.add_member(household_id, user_id)
    return {"household_id": household_id, "user_id": user_id}, created


def remove_member(who: Principal, household_id: UUID, user_id: UUID) -> None:
    """Remove a member (any member may leave; removing others takes an owner; the last owner stays).

    Raises:
        NotFound: not a member, or ``user_id`` is not in the household.
        Forbidden-like Conflict: removing the last owner.
    """
    role = _require_member(household_id, who)
    if user_id != who.user_id and role != "owner":
        from backlot.errors import Forbidden

        raise Forbidden("only an owner can remove other members", code="owner_required")
    target_role = repo.member_role(household_id, user_id)
    if target_role is None:
        raise NotFound("member not found", code="member_not_found")
    if target_role == "owner" and repo.count_owners(household_id) == 1:
        raise Conflict("the last owner cannot leave the household", code="last_owner")
    repo.remove_member(household_id, user_id)


# ---------------------------------------------------------------- experiences
def _zone(name: str | None) -> ZoneInfo | None:
    """The household's stored time zone, or None. A name that no longer loads (stored names are
    checked on the way in, but the tz database can differ between hosts) falls back to the sent
    offset with a warning rather than failing every experience of the household."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        logger.warning("household time zone does not load; using the sent UTC offset", extra={"time_zone": name})
        return None


def _context_columns(start_at: datetime | None, time_zone: str | None) -> dict[str, Any]:
    """``time_of_day`` and ``day_of_week`` of ``start_at`` in the household's ``time_zone`` when it
    has one, else in the UTC offset the client sent (``learning.local_time``)."""
    if start_at is None:
        return {"time_of_day": None, "day_of_week": None}
    local = learning.local_time(start_at, _zone(time_zone))
    return {"time_of_day": learning.time_of_day(local), "day_of_week": learning.day_of_week(local)}


def _from_suggestion(values: dict[str, Any]) -> dict[str, Any]:
    """An experience planned from a suggestion (``suggestion_id`` names a catalog activity) and
    sent without ``activity_name`` takes the activity's name, and its tags when the body gave
    none: the name is what learning weights are keyed by (``create_review``), so without it a
    review of the experience would teach nothing. Unknown suggestion ids are kept as they are."""
    activity = activity_for_suggestion(values.get("suggestion_id"))
    if activity is None or values.get("activity_name"):
        return values
    filled = values | {"activity_name": activity.name}
    if not values.get("tags"):
        filled["tags"] = list(activity.tags)
    return filled


def create_experience(who: Principal, body: ExperienceCreate) -> dict[str, Any]:
    _require_member(body.household_id, who)
    if body.start_at and body.end_at and body.end_at < body.start_at:
        raise BadRequest("end_at is before start_at", code="validation_error", fields=[{"field": "end_at", "message": "before start_at"}])
    values = body.model_dump(exclude={"created_by"}) | {"created_by": who.user_id}
    values["status"] = body.status.value
    values = _from_suggestion(values)
    values |= _context_columns(body.start_at, repo.household_time_zone(body.household_id) if body.start_at else None)
    return repo.insert_experience(values)


def get_experience(who: Principal, experience_id: UUID) -> dict[str, Any]:
    row = repo.get_experience(experience_id, who.user_id)
    if row is None:
        raise NotFound("experience not found", code="experience_not_found")
    return row


def update_experience(who: Principal, experience_id: UUID, body: ExperienceUpdate) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        return get_experience(who, experience_id)
    for field in ("status",):
        if changes.get(field) is not None:
            changes[field] = changes[field].value if hasattr(changes[field], "value") else changes[field]
    for not_null in ("participant_ids", "tags", "needs_adult", "status"):
        if not_null in changes and changes[not_null] is None:
            raise BadRequest(f"{not_null} cannot be null", code="validation_error", fields=[{"field": not_null, "message": "cannot be null"}])
    from backlot import db

    with db.transaction():  # the row is locked, so a concurrent PATCH cannot slip in between check and write
        current = repo.get_experience(experience_id, who.user_id, for_update=True)
        if current is None:
            raise NotFound("experience not found", code="experience_not_found")
        if "start_at" in changes:
            zone = repo.household_time_zone(current["household_id"]) if changes["start_at"] else None
            changes |= _context_columns(changes["start_at"], zone)
        start, end = changes.get("start_at", current["start_at"]), changes.get("end_at", current["end_at"])
        if start and end and end < start:
            raise BadRequest("end_at is before start_at", code="validation_error", fields=[{"field": "end_at", "message": "before start_at"}])
        row = repo.update_experience(experience_id, who.user_id, changes)
    if row is None:
        raise NotFound("experience not found", code="experience_not_found")
    return row


def delete_experience(who: Principal, experience_id: UUID) -> None:
    if not repo.delete_experience(experience_id, who.user_id):
        raise NotFound("experience not found", code="experience_not_found")


def list_experiences(who: Principal, household_id: UUID | None, status: str | None, cursor: str | None, limit: int) -> dict[str, Any]:
    rows = repo.list_experiences(who.user_id, household_id=household_id, status=status, after=decode_cursor(cursor), limit=limit)
    items, next_cursor = page(rows, limit, "created_at")
    return {"experiences": items, "next_cursor": next_cursor}


# ---------------------------------------------------------------- reviews and learning
def _experience_context(experience: dict[str, Any]) -> learning.Context:
    return learning.Context(
        weather=experience["weather"],
        time_of_day=experience["time_of_day"],
        day_of_week=experience["day_of_week"],
        participant_count=len(experience["participant_ids"]) or None,
        tags=tuple(experience["tags"]),
    )


def _learning_key(experience: dict[str, Any]) -> str | None:
    """The activity key a review of ``experience`` trains: its ``activity_name``, else the name of
    the catalog activity its ``suggestion_id`` names (experiences stored before the name was
    filled in from the suggestion); None when it has neither."""
    name = experience["activity_name"]
    if not name:
        activity = activity_for_suggestion(experience["suggestion_id"])
        name = activity.name if activity else None
    return activity_key(name) if name else None


REVIEW_CONTENT = ("rating", "effort_felt", "cleanup_felt", "note")


def create_review(who: Principal, experience_id: UUID, body: ReviewCreate) -> tuple[dict[str, Any], bool]:
    """Record a review and move the learning weights (document section 6).

    One review per member per experience. A retry of the same review (same rating, effort,
    cleanup and note) returns the existing review and changes nothing (``created`` False), so a
    retried request cannot count twice; a second review with different content is refused
    rather than silently dropped.

    Raises:
        NotFound: the experience is not in one of the caller's households.
        BadRequest: ``household_id`` or ``experience_id`` in the body contradict the path.
        Conflict: ``review_exists``, the caller already reviewed this experience differently.
    """
    from backlot import db

    experience = get_experience(who, experience_id)
    if body.household_id != experience["household_id"]:
        raise BadRequest("household_id does not match the experience's household", code="household_mismatch",
                         fields=[{"field": "household_id", "message": "not the experience's household"}])
    if body.experience_id and body.experience_id != experience_id:
        raise BadRequest("experience_id does not match the path", code="experience_mismatch",
                         fields=[{"field": "experience_id", "message": "differs from the path"}])
    values = {
        "experience_id": experience_id,
        "household_id": experience["household_id"],
        "rating": body.rating,
        "effort_felt": body.effort_felt.value if body.effort_felt else None,
        "cleanup_felt": body.cleanup_felt.value if body.cleanup_felt else None,
        "note": body.note,
        "reviewed_by": who.user_id,
    }
    with db.transaction():
        review = repo.insert_review(values)
        if review is None:
            existing = repo.find_review(experience_id, who.user_id)
            if existing is not None and all(existing[k] == values[k] for k in REVIEW_CONTENT):
                return existing, False
            raise Conflict("you already reviewed this experience; a member reviews an experience once",
                           code="review_exists")
        key = _learning_key(experience)
        if key:
            current = {r["feature"]: r["weight"] for r in repo.lock_weights(experience["household_id"], key)}
            delta = learning.review_delta(body.rating, values["effort_felt"], values["cleanup_felt"])
            new = {f: learning.apply_delta(current.get(f, 1.0), delta) for f in learning.features(_experience_context(experience))}
            repo.upsert_weights(experience["household_id"], key, new)
    return review, True


def list_reviews(who: Principal, experience_id: UUID, cursor: str | None, limit: int) -> dict[str, Any]:
    get_experience(who, experience_id)
    rows = repo.list_reviews(experience_id, who.user_id, after=decode_cursor(cursor), limit=limit)
    items, next_cursor = page(rows, limit, "created_at")
    return {"reviews": items, "next_cursor": next_cursor}


def suggestions(who: Principal, household_id: UUID, context: learning.Context, limit: int) -> dict[str, Any]:
    """Ranked suggestions for a household in a context, each with why (see ``domain.learning``)."""
    _require_member(household_id, who)
    weights: dict[str, dict[str, learning.Weight]] = defaultdict(dict)
    for row in repo.load_weights(household_id):
        weights[row["activity_key"]][row["feature"]] = learning.Weight(row["weight"], row["reviews"])
    ranked = learning.rank(context, weights, extra_activities=repo.household_activity_names(household_id), limit=limit)
    return {
        "household_id": household_id,
        "context": {
            "weather": context.weather,
            "time_of_day": context.time_of_day,
            "day_of_week": context.day_of_week,
            "participant_count": context.participant_count,
            "tags": list(context.tags),
        },
        "suggestions": [s.__dict__ for s in ranked],
    }


# ---------------------------------------------------------------- merry moments
def create_moment(who: Principal, body: MerryMomentCreate) -> dict[str, Any]:
    """Create a merry moment. ``media_ids`` must all be media of the household; they are stored
    once each, in order of the media's creation (the order ``get_moment`` answers in).

    Raises:
        BadRequest: ``experience_id`` or one of ``media_ids`` is not of this household.
    """
    from backlot import db

    _require_member(body.household_id, who)
    if body.experience_id and not repo.experience_in_household(body.experience_id, body.household_id):
        raise BadRequest("experience_id is not an experience of this household", code="unknown_experience",
                         fields=[{"field": "experience_id", "message": "not in this household"}])
    given = list(dict.fromkeys(body.media_ids))
    media_ids = repo.media_in_household(given, body.household_id) if given else []
    if len(media_ids) != len(given):
        raise BadRequest("media_ids names media that is not in this household", code="unknown_media",
                         fields=[{"field": "media_ids", "message": "not all in this household"}])
    values = body.model_dump(exclude={"created_by"}) | {"created_by": who.user_id, "media_ids": media_ids}
    with db.transaction():
        moment = repo.insert_moment(values)
        repo.touch_household(body.household_id, body.occurred_at)
    return moment


def get_moment(who: Principal, moment_id: UUID) -> dict[str, Any]:
    """The moment; its ``media_ids`` are the media given at creation and those uploaded into it
    (``merry_moment_id``), of its own household, in order of creation (see ``repo.MOMENT_SELECT``)."""
    row = repo.get_moment(moment_id, who.user_id)
    if row is None:
        raise NotFound("merry moment not found", code="moment_not_found")
    return row


def list_moments(who: Principal, household_id: UUID | None, cursor: str | None, limit: int) -> dict[str, Any]:
    rows = repo.list_moments(who.user_id, household_id=household_id, after=decode_cursor(cursor), limit=limit)
    items, next_cursor = page(rows, limit, "occurred_at")
    return {"moments": items, "next_cursor": next_cursor}


# ---------------------------------------------------------------- media

def _check_media_links(household_id: UUID, merry_moment_id: UUID | None, experience_id: UUID | None) -> None:
    if merry_moment_id and not repo.moment_in_household(merry_moment_id, household_id):
        raise BadRequest("merry_moment_id is not a moment of this household", code="unknown_moment",
                         fields=[{"field": "merry_moment_id", "message": "not in this household"}])
    if experience_id and not repo.experience_in_household(experience_id, household_id):
        raise BadRequest("experience_id is not an experience of this household", code="unknown_experience",
                         fields=[{"field": "experience_id", "message": "not in this household"}])


def media_view(row: dict[str, Any]) -> dict[str, Any]:
    """The API shape of a media item: the document's fields, ``status``/``reason``, and
    presigned GET URLs for the clean copy, preview and thumbnail once ready (never the original)."""
    settings = get_settings()
    urls = {"file_url": None, "thumbnail_url": None, "preview_url": None}
    if row["status"] == "ready":
        for field, key in (("file_url", "file_key"), ("thumbnail_url", "thumbnail_key"), ("preview_url", "preview_key")):
            if row[key]:
                urls[field] = storage.presigned_get(settings.media_bucket, row[key], expires_in=settings.url_expiry_seconds)
    from family.schemas import MediaPublic

    return MediaPublic.model_validate(row | urls).model_dump()  # an allow-list: a new column stays inside


def _declared_type(value: str | None) -> str | None:
    """The multipart part's Content-Type as the client sent it, kept for the record only when it
    is a plausible one (printable ASCII, at most 100 characters): it is never trusted, and junk in
    it (NUL, control characters) must not fail the upload."""
    if value and len(value) <= 100 and value.isascii() and value.isprintable():
        return value
    return None


def upload_media(
    who: Principal,
    *,
    household_id: UUID,
    data: bytes,
    declared_type: str | None,
    merry_moment_id: UUID | None,
    experience_id: UUID | None,
    caption: str | None,
) -> dict[str, Any]:
    """The document's multipart upload: store the original privately and queue it for processing.

    The response is the media item with ``status`` ``pending``; the processor makes it ``ready``
    (or ``rejected`` with a reason) within seconds. Photos and MP4/QuickTime videos are accepted;
    anything else is refused at once, by its bytes.

    Raises:
        PayloadTooLarge: over ``max_direct_upload_bytes`` (use the presigned upload).
        UnsupportedMediaType: the bytes are neither an image nor a video of a supported type.
    """
    settings = get_settings()
    _require_member(household_id, who)
    _check_media_links(household_id, merry_moment_id, experience_id)
    if not data:
        raise BadRequest("file is empty", code="empty_file", fields=[{"field": "file", "message": "empty"}])
    if len(data) > settings.max_direct_upload_bytes:
        raise PayloadTooLarge(
            f"file is {len(data)} bytes; this endpoint takes up to {settings.max_direct_upload_bytes}. "
            "Use POST /api/v1/media/uploads/ for larger files.",
            code="file_too_large",
        )
    from family.media.processing import SUPPORTED_MIME_TYPES, sniff_mime_type  # Pillow: only uploads pay for it
    from family.media.video import VIDEO_MIME_TYPES

    sniffed = sniff_mime_type(data)
    if sniffed not in SUPPORTED_MIME_TYPES | VIDEO_MIME_TYPES:
        found = f" (the bytes are {sniffed})" if sniffed else ""
        raise UnsupportedMediaType(
            "file is not an image or video of a supported type: JPEG, PNG, WebP, HEIC/HEIF, AVIF, TIFF, MPO, "
            f"MP4 or QuickTime MOV{found}",
            code="not_an_image",
        )
    media_id = uuid.uuid4()
    key = original_key(household_id, media_id)
    row = repo.insert_media(
        {
            "id": media_id,
            "household_id": household_id,
            "merry_moment_id": merry_moment_id,
            "experience_id": experience_id,
            "original_key": key,
            "declared_type": _declared_type(declared_type),
            "source_mime_type": sniffed,
            "file_size_bytes": len(data),
            "caption": caption,
            "uploaded_by": who.user_id,
        }
    )
    try:
        storage.put_bytes(settings.uploads_bucket, key, data, content_type="application/octet-stream")
    except Exception:
        repo.discard_media(media_id)
        raise
    return media_view(row)


def request_upload(who: Principal, body: MediaUploadRequest) -> dict[str, Any]:
    """A presigned POST for a file too large for the multipart endpoint (addition to document 000).

    Returns ``{"media": <item, pending>, "upload": {"url", "fields", "max_bytes", "expires_in"}}``:
    POST the fields then the file to ``url``; the item becomes ready or rejected after processing.

    The declared ``content_type`` must be an image type or ``video/mp4``/``video/quicktime``; it
    only bounds the upload (the presigned policy), the processor decides by the bytes.

    Raises:
        PayloadTooLarge: ``size_bytes`` over ``max_presigned_upload_bytes``.
        UnsupportedMediaType: any other declared type.
    """
    from family.media.video import VIDEO_MIME_TYPES

    settings = get_settings()
    _require_member(body.household_id, who)
    _check_media_links(body.household_id, body.merry_moment_id, body.experience_id)
    if body.size_bytes > settings.max_presigned_upload_bytes:
        raise PayloadTooLarge(f"files up to {settings.max_presigned_upload_bytes} bytes are accepted", code="file_too_large")
    if not (body.content_type.startswith("image/") or body.content_type in VIDEO_MIME_TYPES):
        raise UnsupportedMediaType("only images and MP4 or QuickTime videos are accepted", code="not_an_image")
    media_id = uuid.uuid4()
    key = original_key(body.household_id, media_id)
    row = repo.insert_media(
        {
            "id": media_id,
            "household_id": body.household_id,
            "merry_moment_id": body.merry_moment_id,
            "experience_id": body.experience_id,
            "original_key": key,
            "declared_type": body.content_type,
            "caption": body.caption,
            "uploaded_by": who.user_id,
        }
    )
    post = storage.presigned_post(
        settings.uploads_bucket, key, content_type=body.content_type, max_bytes=settings.max_presigned_upload_bytes,
        expires_in=settings.presigned_upload_expiry_seconds,
    )
    return {
        "media": media_view(row),
        "upload": {"url": post.url, "fields": post.fields, "max_bytes": post.max_bytes, "expires_in": post.expires_in},
    }


def get_media(who: Principal, media_id: UUID) -> dict[str, Any]:
    """The media item; a ``pending`` item whose file can no longer arrive is answered (and stored)
    as ``rejected`` with ``reason_code`` ``upload_not_received`` (see :func:`_settle_unreceived`)."""
    row = repo.get_media(media_id, who.user_id)
    if row is None:
        raise NotFound("media not found", code="media_not_found")
    if row["status"] == "pending":
        row = _settle_unreceived(who, row)
    return media_view(row)


def list_media(
    who: Principal,
    household_id: UUID,
    *,
    merry_moment_id: UUID | None,
    experience_id: UUID | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    """A household's media, newest first: ``{"media": [<item as get_media shows it>], "next_cursor"}``.

    Filters: ``merry_moment_id`` (the moment's media, as its ``media_ids`` lists them),
    ``experience_id``, ``status`` (``pending``, ``ready``, ``rejected``). A ``pending`` item whose
    file can no longer arrive is settled as in :func:`get_media` (so it reads ``rejected``, and is
    left out of a ``status=pending`` page, which may then hold fewer than ``limit`` items while
    ``next_cursor`` still leads on).

    Raises:
        NotFound: ``household_not_found``, the caller is not a member of the household.
        BadRequest: ``invalid_cursor``.
    """
    _require_member(household_id, who)
    rows = repo.list_media(who.user_id, household_id=household_id, merry_moment_id=merry_moment_id,
                           experience_id=experience_id, status=status, after=decode_cursor(cursor), limit=limit)
    items, next_cursor = page(rows, limit, "created_at")
    media = []
    for row in items:
        if row["status"] == "pending":
            row = _settle_unreceived(who, row)
            if status and row["status"] != status:
                continue
        media.append(media_view(row))
    return {"media": media, "next_cursor": next_cursor}


def delete_media(who: Principal, media_id: UUID) -> None:
    """Delete a media item (any member of its household may): its row, its id from its household's
    moments, and every object it has in S3 — clean copy, preview and thumbnail in the media bucket,
    the original in the uploads bucket if it is still there.

    The row is deleted first, in a transaction that commits only once the objects are gone: if S3
    fails (a 500), the row stays, perhaps without some of its files, and repeating the request
    finishes the job; a row is never gone while its files stay behind. A media processor
    working on the item meanwhile finds the row gone when it records its result, and deletes what
    it wrote (``family.media.service.process_object``); an original that arrives later (a
    presigned POST used after the delete) is deleted by the processor as an orphan.

    Raises:
        NotFound: ``media_not_found``, no such item in the caller's households.
    """
    from backlot import db

    settings = get_settings()
    with db.transaction():
        row = repo.delete_media(media_id, who.user_id)
        if row is None:
            raise NotFound("media not found", code="media_not_found")
        media_keys.delete_objects(
            settings.media_bucket, settings.uploads_bucket, row["household_id"], row["id"],
            extra_media_keys=[row[k] for k in ("file_key", "preview_key", "thumbnail_key") if row[k]],
            original=row["original_key"],
        )
    logger.info("media deleted", extra={"media_id": str(media_id), "status": row["status"]})


def _settle_unreceived(who: Principal, row: dict[str, Any]) -> dict[str, Any]:
    """Bound ``pending``: an item stays pending while its file may still come (the presigned POST's
    lifetime plus one processing lease). After that, if the original is not in the uploads bucket
    (the presigned POST was never used, or the multipart upload died before storing it, or the
    lifecycle rule removed a file that never got processed), no S3 event can ever make it ready:
    it becomes ``rejected``. An original that is there is waiting in the queue: still pending."""
    settings = get_settings()
    window = settings.presigned_upload_expiry_seconds + settings.processing_lease_seconds
    if datetime.now(timezone.utc) - row["created_at"] < timedelta(seconds=window):
        return row
    if storage.object_exists(settings.uploads_bucket, row["original_key"]):
        return row
    settled = repo.reject_unreceived_media(
        row["id"], older_than_seconds=window, lease_seconds=settings.processing_lease_seconds,
        reason="the file was not received (or could not be processed) while the upload was open; upload it again",
        code="upload_not_received",
    )
    return settled or repo.get_media(row["id"], who.user_id) or row
