"""Family use cases: each function checks membership, applies the rules, calls the repository.

Errors are domain errors (``backlot.errors``); a row of another household is reported as not
found, so its existence does not leak.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from backlot import db, storage
from backlot.auth import Principal
from backlot.errors import BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, UnsupportedMediaType
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
    conn = db.connection()
    role = repo.member_role(conn, household_id, who.user_id)
    if role is None:
        raise NotFound("household not found", code="household_not_found")
    return role


def _require_owner(conn: Any, household_id: UUID, who: Principal) -> None:
    role = repo.member_role(conn, household_id, who.user_id)
    if role is None:
        raise NotFound("household not found", code="household_not_found")
    if role != "owner":
        raise Forbidden("only an owner of the household can do this", code="owner_required")


@contextmanager
def foreign_keys_as_4xx(**not_found: str) -> Iterator[None]:
    """Map a foreign key violation (a row referenced by the write was deleted between the check
    and the insert: a concurrent DELETE) to the error a client gets when the row is missing from
    the start, instead of a 500 (issue 9, item 6). The column is read from the constraint's name
    (``<table>_<column>_fkey``, PostgreSQL's default); ``not_found`` names the columns whose
    missing row is a 404 (the path's resource) rather than a 400 (a reference in the body)."""
    import psycopg

    try:
        yield
    except psycopg.errors.ForeignKeyViolation as exc:
        constraint = exc.diag.constraint_name or ""
        for column, (what, code) in _REFERENCES.items():
            if constraint.endswith(f"_{column}_fkey"):
                if column in not_found:
                    raise NotFound(f"{what} not found", code=not_found[column]) from exc
                raise BadRequest(f"{column} is not a {what} of this household", code=code,
                                 fields=[{"field": column, "message": "not in this household"}]) from exc
        raise


_REFERENCES = {
    "household_id": ("household", "household_not_found"),
    "experience_id": ("experience", "unknown_experience"),
    "merry_moment_id": ("merry moment", "unknown_moment"),
}


def create_household(who: Principal, body: HouseholdCreate) -> dict[str, Any]:
    """Create a household owned by the caller; ``time_zone`` (optional, an IANA name checked by the
    schema) is where its experiences' time of day and day of week are read (see ``_context_columns``)."""
    with db.transaction() as conn:
        household = repo.create_household(conn, body.name, who.user_id, body.time_zone)
    return household | {"role": "owner", "member_ids": [who.user_id]}


def list_households(who: Principal, cursor: str | None, limit: int) -> dict[str, Any]:
    """The caller's households, oldest first: ``{"households": [...], "next_cursor"}`` (keyset on
    ``(created_at, id)``). Only households the caller created or accepted an invitation to.

    Raises:
        BadRequest: ``invalid_cursor``.
    """
    rows = repo.list_households(db.connection(), who.user_id, after=decode_cursor(cursor), limit=limit)
    items, next_cursor = page(rows, limit, "created_at")
    return {"households": items, "next_cursor": next_cursor}


def invite_member(who: Principal, household_id: UUID, user_id: UUID) -> tuple[dict[str, Any], bool]:
    """An owner invites ``user_id`` (issue 9, item 4): returns (invitation, created). Inviting a
    user with an open invitation returns that one (``created`` False): the call is safe to
    retry. Nothing is shared with the user until they accept (:func:`respond_invitation`). The
    invitation expires ``INVITATION_TTL_DAYS`` days after it is made (``FamilySettings``); inviting
    again after that makes a new one.

    Raises:
        NotFound: ``household_not_found``, the caller is not a member.
        Forbidden: ``owner_required``, the caller is a member but not an owner.
        Conflict: ``already_member``, the user is a member already.
    """
    ttl_days = get_settings().invitation_ttl_days
    with db.transaction() as conn:
        _require_owner(conn, household_id, who)
        if repo.member_role(conn, household_id, user_id) is not None:
            raise Conflict("the user is a member of the household already", code="already_member")
        with foreign_keys_as_4xx(household_id="household_not_found"):
            return repo.invite(conn, household_id, user_id, who.user_id, ttl_days)


def list_invitations(who: Principal, cursor: str | None, limit: int) -> dict[str, Any]:
    """The caller's open invitations (pending, not expired), oldest first:
    ``{"invitations": [...], "next_cursor"}``.

    Raises:
        BadRequest: ``invalid_cursor``.
    """
    rows = repo.list_invitations(db.connection(), who.user_id, after=decode_cursor(cursor), limit=limit)
    items, next_cursor = page(rows, limit, "created_at")
    return {"invitations": items, "next_cursor": next_cursor}


def list_household_invitations(who: Principal, household_id: UUID, cursor: str | None, limit: int) -> dict[str, Any]:
    """An owner's view of the household's open invitations (pending, not expired, each with its
    ``expires_at``), oldest first: ``{"invitations": [...], "next_cursor"}``.

    Raises:
        NotFound: ``household_not_found``, the caller is not a member.
        Forbidden: ``owner_required``, the caller is a member but not an owner.
        BadRequest: ``invalid_cursor``.
    """
    conn = db.connection()
    _require_owner(conn, household_id, who)
    rows = repo.list_household_invitations(conn, household_id, after=decode_cursor(cursor), limit=limit)
    items, next_cursor = page(rows, limit, "created_at")
    return {"invitations": items, "next_cursor": next_cursor}


def revoke_invitation(who: Principal, household_id: UUID, invitation_id: UUID) -> None:
    """An owner withdraws an invitation of the household that was not answered (pending or
    expired): it can no longer be accepted. Idempotent: revoking a revoked one changes nothing.
    The invitation's row is locked first, as :func:`respond_invitation` locks it, so a revoke and
    an accept arriving together end in one outcome: whichever locks first wins and the other
    gets a 409.

    Raises:
        NotFound: ``household_not_found`` (the caller is not a member), ``invitation_not_found``
            (no invitation of this id in this household).
        Forbidden: ``owner_required``, the caller is a member but not an owner.
        Conflict: ``invitation_answered``, the user accepted or declined it already.
    """
    with db.transaction() as conn:
        _require_owner(conn, household_id, who)
        invitation = repo.get_household_invitation(conn, invitation_id, household_id, for_update=True)
        if invitation is None:
            raise NotFound("invitation not found", code="invitation_not_found")
        if invitation["status"] == "revoked":
            return
        if invitation["status"] in ("accepted", "declined"):
            raise Conflict(f"the invitation was {invitation['status']} already", code="invitation_answered")
        repo.respond_invitation(conn, invitation_id, "revoked")


def respond_invitation(who: Principal, invitation_id: UUID, accept: bool) -> dict[str, Any]:
    """Accept (the caller becomes a ``member``) or decline an invitation sent to the caller.
    Idempotent: answering the same way again returns the invitation as it is (200).

    Raises:
        NotFound: ``invitation_not_found``, no invitation of this id was sent to the caller (or
            its household was deleted).
        Conflict: ``invitation_expired``, it was not answered before its ``expires_at``;
            ``invitation_revoked``, an owner withdrew it; ``invitation_answered``, it was
            already answered the other way.
    """
    wanted = "accepted" if accept else "declined"
    with db.transaction() as conn:
        invitation = repo.get_invitation(conn, invitation_id, who.user_id, for_update=True)
        if invitation is None:
            raise NotFound("invitation not found", code="invitation_not_found")
        state = invitation["status"]
        if state == wanted:
            return invitation
        if state == "expired":
            raise Conflict(f"the invitation expired at {invitation['expires_at'].isoformat()}; ask an owner for a new one",
                           code="invitation_expired")
        if state == "revoked":
            raise Conflict("an owner withdrew the invitation", code="invitation_revoked")
        if state != "pending":
            raise Conflict(f"the invitation was {state} already", code="invitation_answered")
        repo.respond_invitation(conn, invitation_id, wanted)
        if accept:
            repo.add_member(conn, invitation["household_id"], who.user_id)
        return repo.get_invitation(conn, invitation_id, who.user_id)


def set_member_role(who: Principal, household_id: UUID, user_id: UUID, role: str) -> dict[str, Any]:
    """An owner makes a member an ``owner`` (or an owner a ``member`` again, while another owner
    remains). Idempotent. Returns ``{"household_id", "user_id", "role"}``.

    Raises:
        NotFound: ``household_not_found`` (caller not a member), ``member_not_found``.
        Forbidden: ``owner_required``.
        Conflict: ``last_owner``, demoting the only owner.
    """
    with db.transaction() as conn:
        if not repo.lock_household(conn, household_id):
            raise NotFound("household not found", code="household_not_found")
        _require_owner(conn, household_id, who)
        current = repo.member_role(conn, household_id, user_id)
        if current is None:
            raise NotFound("member not found", code="member_not_found")
        if current == "owner" and role == "member" and repo.count_owners(conn, household_id) == 1:
            raise Conflict("the household needs an owner; promote another member first", code="last_owner")
        repo.set_member_role(conn, household_id, user_id, role)
    return {"household_id": household_id, "user_id": user_id, "role": role}


def remove_member(who: Principal, household_id: UUID, user_id: UUID) -> None:
    """Remove a member: any member may leave (an owner only while another owner remains);
    removing others takes an owner. The household's row is locked first, so two owners leaving
    at once cannot both see the other as the one who remains.

    Raises:
        NotFound: not a member, or ``user_id`` is not in the household.
        Forbidden: ``owner_required``, a member removing someone else.
        Conflict: ``last_owner``, the only owner leaving (delete the household instead).
    """
    with db.transaction() as conn:
        if not repo.lock_household(conn, household_id):
            raise NotFound("household not found", code="household_not_found")
        role = _require_member(household_id, who)
        if user_id != who.user_id and role != "owner":
            raise Forbidden("only an owner can remove other members", code="owner_required")
        target_role = repo.member_role(conn, household_id, user_id)
        if target_role is None:
            raise NotFound("member not found", code="member_not_found")
        if target_role == "owner" and repo.count_owners(conn, household_id) == 1:
            raise Conflict("the last owner cannot leave the household; promote another member or delete the household",
                           code="last_owner")
        repo.remove_member(conn, household_id, user_id)


def delete_household(who: Principal, household_id: UUID) -> None:
    """An owner deletes the household with everything in it: its rows (experiences, reviews,
    moments, media, weights, members, invitations: ``ON DELETE CASCADE``) in one transaction,
    then every object of its media in S3 (the media delete path, :func:`_delete_objects`), after
    the commit. Objects S3 fails to delete stay recorded in ``family.object_deletions`` and are
    finished by a later delete or the sweep (:func:`finish_object_deletions`).

    Raises:
        NotFound: ``household_not_found``, the caller is not a member (or it is gone: a retry).
        Forbidden: ``owner_required``.
    """
    with db.transaction() as conn:
        if not repo.lock_household(conn, household_id):
            raise NotFound("household not found", code="household_not_found")
        _require_owner(conn, household_id, who)
        media = repo.household_media_for_deletion(conn, household_id)
        deletion = repo.queue_object_deletion(
            conn, media_keys.household_prefix(household_id),
            [r[k] for r in media for k in ("file_key", "preview_key", "thumbnail_key") if r[k]],
            [r["original_key"] for r in media],
        )
        repo.delete_household(conn, household_id)
    logger.info("household deleted", extra={"household_id": str(household_id), "media": len(media)})
    _delete_objects([deletion])


#: A recorded S3 deletion older than this (seconds) was left by a delete whose S3 calls failed.
STALE_DELETION_S = 300


def _delete_objects(deletions: list[dict[str, Any]]) -> None:
    """Delete the S3 objects of committed deletions (``family.object_deletions`` rows), then their
    records; also finishes up to 10 deletions earlier calls left unfinished. Never called inside a
    transaction (issue 9, item 7: no S3 call while a transaction holds locks).

    The rows are gone (committed) whatever S3 answers, so an S3 failure is not the client's: it
    is logged (an error: the alarm on the log group sees it) and its record stays for a later call
    or the sweep (:func:`finish_object_deletions`).
    """
    known = {d["id"] for d in deletions}
    stale = repo.stale_object_deletions(db.connection(), STALE_DELETION_S, 10)
    _run_deletions([*deletions, *(d for d in stale if d["id"] not in known)])


def finish_object_deletions(limit: int = 200) -> dict[str, int]:
    """The sweep (``family.jobs.object_deletions``, every 15 minutes): finish up to ``limit``
    recorded deletions older than :data:`STALE_DELETION_S`. Returns ``{"done", "failed"}``."""
    return _run_deletions(repo.stale_object_deletions(db.connection(), STALE_DELETION_S, limit))


def _run_deletions(deletions: list[dict[str, Any]]) -> dict[str, int]:
    settings = get_settings()
    conn = db.connection()
    done = failed = 0
    for deletion in deletions:
        try:
            media_keys.delete_under(settings.media_bucket, settings.uploads_bucket, deletion["media_prefix"],
                                    media_keys=deletion["media_keys"], original_keys=deletion["original_keys"])
        except Exception:
            failed += 1
            logger.exception("S3 objects of deleted rows not deleted; a later delete or the sweep retries",
                             extra={"deletion_id": str(deletion["id"]), "media_prefix": deletion["media_prefix"]})
            continue
        repo.forget_object_deletion(conn, deletion["id"])
        done += 1
    return {"done": done, "failed": failed}


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
    conn = db.connection()
    _require_member(body.household_id, who)
    if body.start_at and body.end_at and body.end_at < body.start_at:
        raise BadRequest("end_at is before start_at", code="validation_error", fields=[{"field": "end_at", "message": "before start_at"}])
    values = body.model_dump(exclude={"created_by"}) | {"created_by": who.user_id}
    values["status"] = body.status.value
    values = _from_suggestion(values)
    values |= _context_columns(body.start_at, repo.household_time_zone(conn, body.household_id) if body.start_at else None)
    with foreign_keys_as_4xx(household_id="household_not_found"):
        row = repo.insert_experience(conn, values)
    if row is None:
        _refuse_non_members(conn, body.household_id, values["participant_ids"])
    return row


def _refuse_non_members(conn: Any, household_id: UUID, participant_ids: list[str]) -> None:
    """Raise the 400 of a guarded write that found a participant who is not a member (document 000,
    section "Why Django Backend is Required": "participants exist"); ``participant_ids`` are the
    members' user ids.

    Raises:
        BadRequest: ``unknown_participants``, naming the ids.
        Conflict: ``members_changed``, no id is missing after all (a member joined in between).
    """
    missing = repo.non_members(conn, household_id, participant_ids)
    if not missing:
        raise Conflict("the household's members changed during the request; try again", code="members_changed")
    raise BadRequest(f"participant_ids are not members of the household: {', '.join(missing)}", code="unknown_participants",
                     fields=[{"field": "participant_ids", "message": f"not members: {', '.join(missing)}"}])


def get_experience(who: Principal, experience_id: UUID) -> dict[str, Any]:
    conn = db.connection()
    row = repo.get_experience(conn, experience_id, who.user_id)
    if row is None:
        raise NotFound("experience not found", code="experience_not_found")
    return row


def update_experience(who: Principal, experience_id: UUID, body: ExperienceUpdate) -> dict[str, Any]:
    conn = db.connection()
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        return get_experience(who, experience_id)
    for field in ("status",):
        if changes.get(field) is not None:
            changes[field] = changes[field].value if hasattr(changes[field], "value") else changes[field]
    for not_null in ("participant_ids", "tags", "needs_adult", "status"):
        if not_null in changes and changes[not_null] is None:
            raise BadRequest(f"{not_null} cannot be null", code="validation_error", fields=[{"field": not_null, "message": "cannot be null"}])

    with db.transaction():  # the row is locked, so a concurrent PATCH cannot slip in between check and write
        current = repo.get_experience(conn, experience_id, who.user_id, for_update=True)
        if current is None:
            raise NotFound("experience not found", code="experience_not_found")
        if "start_at" in changes:
            zone = repo.household_time_zone(conn, current["household_id"]) if changes["start_at"] else None
            changes |= _context_columns(changes["start_at"], zone)
        start, end = changes.get("start_at", current["start_at"]), changes.get("end_at", current["end_at"])
        if start and end and end < start:
            raise BadRequest("end_at is before start_at", code="validation_error", fields=[{"field": "end_at", "message": "before start_at"}])
        row = repo.update_experience(conn, experience_id, who.user_id, changes)
        if row is None and changes.get("participant_ids"):
            _refuse_non_members(db.connection(), current["household_id"], changes["participant_ids"])
    if row is None:
        raise NotFound("experience not found", code="experience_not_found")
    return row


def delete_experience(who: Principal, experience_id: UUID) -> None:
    conn = db.connection()
    if not repo.delete_experience(conn, experience_id, who.user_id):
        raise NotFound("experience not found", code="experience_not_found")


def list_experiences(who: Principal, household_id: UUID | None, status: str | None, cursor: str | None, limit: int) -> dict[str, Any]:
    conn = db.connection()
    rows = repo.list_experiences(conn, who.user_id, household_id=household_id, status=status, after=decode_cursor(cursor), limit=limit)
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
    """Record a review, optionally create its merry moment, and move the learning weights, in one
    transaction (document 000, "cascading creates (review → moment → weight update)"; section 6).

    ``body.merry_moment`` (optional) is document 000's ``MerryMomentCreate`` without
    ``household_id`` and ``experience_id``, which are the review's; ``occurred_at`` defaults to the
    experience's ``start_at``, else now. The answer is the review with ``merry_moment_id`` and
    ``merry_moment`` (the moment, or None).

    One review per member per experience. A retry of the same review (same rating, effort,
    cleanup and note) returns the existing review and its moment and changes nothing
    (``created`` False), so a retried request cannot count twice or make a second moment; a second
    review with different content is refused rather than silently dropped.

    Raises:
        NotFound: the experience is not in one of the caller's households (or was deleted meanwhile).
        BadRequest: ``household_id`` or ``experience_id`` in the body contradict the path; the
            moment's ``unknown_media`` or ``unknown_participants``.
        Conflict: ``review_exists``, the caller already reviewed this experience differently.
    """
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
    moment_values = None
    if body.merry_moment is not None:
        moment = body.merry_moment
        moment_values = moment.model_dump() | {
            "household_id": experience["household_id"], "experience_id": experience_id, "created_by": who.user_id,
            "occurred_at": moment.occurred_at or experience["start_at"] or datetime.now(timezone.utc),
        }
    with foreign_keys_as_4xx(experience_id="experience_not_found", household_id="experience_not_found"), db.transaction() as conn:
        review = repo.insert_review(conn, values)
        if review is None:
            existing = repo.find_review(conn, experience_id, who.user_id)
            if existing is not None and all(existing[k] == values[k] for k in REVIEW_CONTENT):
                return _with_moment(existing, who), False
            raise Conflict("you already reviewed this experience; a member reviews an experience once",
                           code="review_exists")
        created_moment = None
        if moment_values is not None:
            created_moment = _insert_moment(conn, moment_values)
            review = repo.set_review_moment(conn, review["id"], created_moment["id"])
        key = _learning_key(experience)
        if key:
            current = {r["feature"]: r["weight"] for r in repo.lock_weights(conn, experience["household_id"], key)}
            delta = learning.review_delta(body.rating, values["effort_felt"], values["cleanup_felt"])
            new = {f: learning.apply_delta(current.get(f, 1.0), delta) for f in learning.features(_experience_context(experience))}
            repo.upsert_weights(conn, experience["household_id"], key, new)
    return review | {"merry_moment": created_moment}, True


def _with_moment(review: dict[str, Any], who: Principal) -> dict[str, Any]:
    conn = db.connection()
    moment = repo.get_moment(conn, review["merry_moment_id"], who.user_id) if review["merry_moment_id"] else None
    return review | {"merry_moment": moment}


def list_reviews(who: Principal, experience_id: UUID, cursor: str | None, limit: int) -> dict[str, Any]:
    conn = db.connection()
    get_experience(who, experience_id)
    rows = repo.list_reviews(conn, experience_id, who.user_id, after=decode_cursor(cursor), limit=limit)
    items, next_cursor = page(rows, limit, "created_at")
    return {"reviews": items, "next_cursor": next_cursor}


def suggestions(who: Principal, household_id: UUID, context: learning.Context, limit: int) -> dict[str, Any]:
    """Ranked suggestions for a household in a context, each with why (see ``domain.learning``)."""
    conn = db.connection()
    _require_member(household_id, who)
    weights: dict[str, dict[str, learning.Weight]] = defaultdict(dict)
    for row in repo.load_weights(conn, household_id):
        weights[row["activity_key"]][row["feature"]] = learning.Weight(row["weight"], row["reviews"])
    ranked = learning.rank(context, weights, extra_activities=repo.household_activity_names(conn, household_id), limit=limit)
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
    ``participant_ids`` must be members of the household.

    Raises:
        NotFound: ``household_not_found``, the caller is not a member (or it was deleted meanwhile).
        BadRequest: ``unknown_experience`` (also when it is deleted during the request),
            ``unknown_media``, ``unknown_participants``.
    """
    conn = db.connection()
    _require_member(body.household_id, who)
    if body.experience_id and not repo.experience_in_household(conn, body.experience_id, body.household_id):
        raise BadRequest("experience_id is not an experience of this household", code="unknown_experience",
                         fields=[{"field": "experience_id", "message": "not in this household"}])
    values = body.model_dump(exclude={"created_by"}) | {"created_by": who.user_id}
    with foreign_keys_as_4xx(household_id="household_not_found"), db.transaction() as conn:
        return _insert_moment(conn, values)


def _insert_moment(conn: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Insert a moment (``values`` as ``family.merry_moments`` columns) in the caller's transaction,
    after checking its ``media_ids`` (kept once each, in order of creation) and, in the insert
    itself, its ``participant_ids``; moves the household's ``last_activity_at``.

    Raises:
        BadRequest: ``unknown_media``, ``unknown_participants``.
    """
    given = list(dict.fromkeys(values.get("media_ids") or []))
    media_ids = repo.media_in_household(conn, given, values["household_id"]) if given else []
    if len(media_ids) != len(given):
        raise BadRequest("media_ids names media that is not in this household", code="unknown_media",
                         fields=[{"field": "media_ids", "message": "not all in this household"}])
    moment = repo.insert_moment(conn, values | {"media_ids": media_ids})
    if moment is None:
        _refuse_non_members(conn, values["household_id"], values["participant_ids"])
    repo.touch_household(conn, values["household_id"], values["occurred_at"])
    return moment


def get_moment(who: Principal, moment_id: UUID) -> dict[str, Any]:
    """The moment; its ``media_ids`` are the media given at creation and those uploaded into it
    (``merry_moment_id``), of its own household, in order of creation (see ``repo.MOMENT_SELECT``)."""
    conn = db.connection()
    row = repo.get_moment(conn, moment_id, who.user_id)
    if row is None:
        raise NotFound("merry moment not found", code="moment_not_found")
    return row


def list_moments(who: Principal, household_id: UUID | None, cursor: str | None, limit: int) -> dict[str, Any]:
    conn = db.connection()
    rows = repo.list_moments(conn, who.user_id, household_id=household_id, after=decode_cursor(cursor), limit=limit)
    items, next_cursor = page(rows, limit, "occurred_at")
    return {"moments": items, "next_cursor": next_cursor}


# ---------------------------------------------------------------- media

def _check_media_links(household_id: UUID, merry_moment_id: UUID | None, experience_id: UUID | None) -> None:
    conn = db.connection()
    if merry_moment_id and not repo.moment_in_household(conn, merry_moment_id, household_id):
        raise BadRequest("merry_moment_id is not a moment of this household", code="unknown_moment",
                         fields=[{"field": "merry_moment_id", "message": "not in this household"}])
    if experience_id and not repo.experience_in_household(conn, experience_id, household_id):
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
    conn = db.connection()
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
    from backlot.images import SUPPORTED_MIME_TYPES, sniff_mime_type  # no Pillow: type from the bytes only
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
    row = _insert_media(
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
        repo.discard_media(conn, media_id)
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
    row = _insert_media(
        {
            "id": media_id,
            "household_id": body.household_id,
            "merry_moment_id": body.merry_moment_id,
            "experience_id": body.experience_id,
            "original_key": key,
            "declared_type": body.content_type,
            "file_size_bytes": body.size_bytes,
            "caption": body.caption,
            "uploaded_by": who.user_id,
        }
    )
    # The policy takes exactly one file of 1..size_bytes bytes (the declared size, not the
    # configured maximum) at this upload's own key; a second POST of the same form lands on the
    # same key after the item is processed, and the processor deletes it unread (it processes
    # each item once: ``family.media.service.process_object``).
    post = storage.presigned_post(
        settings.uploads_bucket, key, content_type=body.content_type, max_bytes=body.size_bytes,
        expires_in=settings.presigned_upload_expiry_seconds,
    )
    return {
        "media": media_view(row),
        "upload": {"url": post.url, "fields": post.fields, "max_bytes": post.max_bytes, "expires_in": post.expires_in},
    }


def _insert_media(values: dict[str, Any]) -> dict[str, Any]:
    """Insert a media item; its ``merry_moment_id`` or ``experience_id`` deleted since they were
    checked is the 400 it would have been from the start, its household deleted a 404."""
    conn = db.connection()
    with foreign_keys_as_4xx(household_id="household_not_found"):
        return repo.insert_media(conn, values)


def get_media(who: Principal, media_id: UUID) -> dict[str, Any]:
    """The media item; a ``pending`` item whose file can no longer arrive is answered (and stored)
    as ``rejected`` with ``reason_code`` ``upload_not_received`` (see :func:`_settle_unreceived`)."""
    conn = db.connection()
    row = repo.get_media(conn, media_id, who.user_id)
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
    conn = db.connection()
    _require_member(household_id, who)
    rows = repo.list_media(conn, who.user_id, household_id=household_id, merry_moment_id=merry_moment_id,
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

    The row is deleted, and the objects to delete recorded (``family.object_deletions``), in one
    transaction; the objects are deleted after it commits (no S3 call inside a transaction), and
    the record then. If S3 fails, the answer is still 204 (the item is gone), the failure is
    logged and the record stays: a later delete (of any item or household) or the sweep
    (:func:`finish_object_deletions`) finishes the job. A media processor working on the item meanwhile finds the row
    gone when it records its result, and deletes what it wrote
    (``family.media.service.process_object``); an original that arrives later (a presigned POST
    used after the delete) is deleted by the processor as an orphan.

    Raises:
        NotFound: ``media_not_found``, no such item in the caller's households.
    """
    with db.transaction() as conn:
        row = repo.delete_media(conn, media_id, who.user_id)
        if row is None:
            raise NotFound("media not found", code="media_not_found")
        deletion = repo.queue_object_deletion(
            conn, media_keys.output_prefix(row["household_id"], row["id"]),
            [row[k] for k in ("file_key", "preview_key", "thumbnail_key") if row[k]], [row["original_key"]],
        )
    logger.info("media deleted", extra={"media_id": str(media_id), "status": row["status"]})
    _delete_objects([deletion])


def _settle_unreceived(who: Principal, row: dict[str, Any]) -> dict[str, Any]:
    """Bound ``pending``: an item stays pending while its file may still come (the presigned POST's
    lifetime plus one processing lease). After that, if the original is not in the uploads bucket
    (the presigned POST was never used, or the multipart upload died before storing it, or the
    lifecycle rule removed a file that never got processed), no S3 event can ever make it ready:
    it becomes ``rejected``. An original that is there is waiting in the queue: still pending."""
    conn = db.connection()
    settings = get_settings()
    window = settings.presigned_upload_expiry_seconds + settings.processing_lease_seconds
    if datetime.now(timezone.utc) - row["created_at"] < timedelta(seconds=window):
        return row
    if storage.object_exists(settings.uploads_bucket, row["original_key"]):
        return row
    settled = repo.reject_unreceived_media(
        conn, row["id"], older_than_seconds=window, lease_seconds=settings.processing_lease_seconds,
        reason="the file was not received (or could not be processed) while the upload was open; upload it again",
        code="upload_not_received",
    )
    return settled or repo.get_media(conn, row["id"], who.user_id) or row
