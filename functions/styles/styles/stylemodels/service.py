"""Style models: create (multipart or presigned uploads), list, detail, soft delete (design document
004, M2-Style-Model-API), and the processing of presigned training images.

Order of effects in a create: every check first (artist, name free, 10-100 images, each a real
JPEG/PNG of at most 10 MB); then the files go to S3 (clean images and thumbnails, keyed by model
and position, so a retry overwrites rather than duplicates); then one transaction records the
model, its images and tags; then, after commit, the ``model_training`` message is sent (a lost
send is re-sent by the reconcile job). A request with any bad image stores nothing and names every
bad image (``details``), since a style model is trained from the set as a whole.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from backlot import db, storage
from backlot.auth import Principal
from backlot.errors import BadRequest, Conflict, Forbidden, NotFound
from backlot.uploads import UploadRejected

from styles import queueing
from styles.errors import Code
from styles.gpu_settings import get_gpu_settings
from styles.members import ensure_member, require_artist
from styles.stylemodels import artwork, repository as repo, rules


@dataclass(frozen=True)
class UploadedImage:
    """One file of a multipart create: ``filename``, declared ``content_type``, ``data``."""

    filename: str
    content_type: str | None
    data: bytes = field(repr=False)


def _bad(err: rules.RuleBroken) -> BadRequest:
    return BadRequest(f"{err.field}: {err.message}", code=err.code, fields=[{"field": err.field, "message": err.message}])


def _many_bad(errors: list[rules.RuleBroken]) -> BadRequest:
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return BadRequest(f"{first.field}: {first.message}{more}", code=first.code,
                      fields=[{"field": e.field, "message": e.message} for e in errors])


def _clean_meta(name: str, description: str | None, tags: list[str]) -> tuple[str, str, list[str]]:
    try:
        return rules.clean_name(name), rules.clean_description(description), rules.clean_tags(tags)
    except rules.RuleBroken as err:
        raise _bad(err) from None


def _check_name_free(conn: Any, artist_id: UUID, name: str) -> None:
    row = conn.execute("SELECT 1 FROM styles.style_models WHERE artist_id = %s AND lower(name) = lower(%s) "
                       "AND NOT is_deleted", (artist_id, name)).fetchone()
    if row:
        raise _duplicate(name)


def _duplicate(name: str) -> Conflict:
    return Conflict(f"you already have a style model named {name!r}", code=Code.duplicate_name,
                    fields=[{"field": "name", "message": "already used by another of your models"}])


def _new_model_row(artist_id: UUID, name: str, description: str, price: int, count: int, status: str,
                   uploads_expire_at: datetime | None = None) -> dict[str, Any]:
    model_id = uuid.uuid4()
    return {"id": model_id, "artist_id": artist_id, "name": name, "description": description,
            "training_status": status, "price": price, "image_count": count,
            "trigger_word": rules.trigger_word(model_id), "num_epochs": get_gpu_settings().num_epochs,
            "task_id": uuid.uuid4(), "uploads_expire_at": uploads_expire_at}


def create_direct(principal: Principal, *, name: str, description: str | None, tags: list[str], price: int,
                  files: list[UploadedImage]) -> dict[str, Any]:
    """Create a model from a multipart request's images; returns the detail with ``task_id``.

    Raises:
        Forbidden (not_an_artist), BadRequest (invalid_image_count, invalid_image, image_too_large,
        validation_error naming the field), Conflict (duplicate_name).
    """
    settings = get_gpu_settings()
    name, description, tags = _clean_meta(name, description, tags)
    try:
        rules.check_image_count(len(files))
    except rules.RuleBroken as err:
        raise _bad(err) from None
    with db.transaction() as conn:
        require_artist(conn, principal)
        _check_name_free(conn, principal.user_id, name)
    processed: list[artwork.Artwork] = []
    errors: list[rules.RuleBroken] = []
    for i, item in enumerate(files):
        try:
            rules.check_image_size(i, len(item.data), settings.image_max_bytes)
            processed.append(artwork.process(i, item.data, max_bytes=settings.image_max_bytes))
        except rules.RuleBroken as err:
            errors.append(err)
    if errors:
        raise _many_bad(errors)
    row = _new_model_row(principal.user_id, name, description, price, len(processed), "queued")
    image_rows = []
    for position, art in enumerate(processed):
        key = artwork.image_key(row["id"], position, art.content_type)
        thumb = artwork.thumbnail_key(row["id"], position)
        storage.put_bytes(settings.artworks_bucket, key, art.data, content_type=art.content_type)
        storage.put_bytes(settings.artworks_bucket, thumb, art.thumbnail, content_type="image/jpeg")
        image_rows.append({"id": uuid.uuid4(), "model_id": row["id"], "position": position, "status": "ready",
                           "image_key": key, "thumbnail_key": thumb, "content_type": art.content_type,
                           "width": art.width, "height": art.height, "size_bytes": len(art.data)})
    row["thumbnail_key"] = image_rows[0]["thumbnail_key"]
    with db.transaction() as conn:
        try:
            repo.insert_model(conn, row)
        except repo.DuplicateName:
            raise _duplicate(name) from None
        repo.insert_training_images(conn, image_rows)
        repo.set_tags(conn, row["id"], tags)
    _send_training(row, [r["image_key"] for r in image_rows])
    detail = get_model(principal, row["id"])
    detail["task_id"] = row["task_id"]
    return detail


def start_presigned(principal: Principal, *, name: str, description: str | None, tags: list[str], price: int,
                    images: list[rules.ImageSlot]) -> dict[str, Any]:
    """Create a model in ``uploading`` and one presigned POST per announced image (each bounded to
    its declared type and size, at most 10 MB). Training starts once every image is processed.

    Returns:
        The detail with ``task_id`` and ``uploads: [{position, url, fields, key, expires_in,
        max_bytes}]``.

    Raises:
        Forbidden, BadRequest (count, type, size of an announced image), Conflict (duplicate_name).
    """
    settings = get_gpu_settings()
    name, description, tags = _clean_meta(name, description, tags)
    errors: list[rules.RuleBroken] = []
    try:
        rules.check_image_count(len(images))
    except rules.RuleBroken as err:
        raise _bad(err) from None
    for i, slot in enumerate(images):
        for check in (lambda: rules.check_image_type(i, slot.content_type),
                      lambda: rules.check_image_size(i, slot.size, settings.image_max_bytes)):
            try:
                check()
            except rules.RuleBroken as err:
                errors.append(err)
    if errors:
        raise _many_bad(errors)
    expires = datetime.now(UTC) + timedelta(seconds=settings.presign_expiry_seconds)
    row = _new_model_row(principal.user_id, name, description, price, len(images), "uploading", expires)
    image_rows = [{"id": uuid.uuid4(), "model_id": row["id"], "position": i, "status": "pending",
                   "upload_key": artwork.upload_key(row["id"], i), "declared_type": slot.content_type,
                   "declared_bytes": slot.size} for i, slot in enumerate(images)]
    with db.transaction() as conn:
        require_artist(conn, principal)
        try:
            repo.insert_model(conn, row)
        except repo.DuplicateName:
            raise _duplicate(name) from None
        repo.insert_training_images(conn, image_rows)
        repo.set_tags(conn, row["id"], tags)
    uploads = []
    for image in image_rows:
        post = storage.presigned_post(settings.artworks_bucket, image["upload_key"],
                                      content_type=image["declared_type"], max_bytes=image["declared_bytes"],
                                      expires_in=settings.presign_expiry_seconds)
        uploads.append({"position": image["position"], "url": post.url, "fields": post.fields, "key": post.key,
                        "expires_in": post.expires_in, "max_bytes": post.max_bytes})
    detail = get_model(principal, row["id"])
    detail["task_id"] = row["task_id"]
    detail["uploads"] = uploads
    return detail


def _send_training(model: dict[str, Any], image_keys: list[str]) -> None:
    if queueing.send_training(queueing.training_message(model, image_keys)):
        with db.transaction() as conn:
            repo.mark_enqueued(conn, model["id"])


def _presign(key: str | None) -> str | None:
    return storage.presigned_get(get_gpu_settings().artworks_bucket, key) if key else None


def _public(row: dict[str, Any], tags: list[str]) -> dict[str, Any]:
    return {
        "id": row["id"], "name": row["name"], "description": row["description"],
        "artist": {"id": row["artist_id"], "username": row["artist_name"], "profile_image": row["artist_profile_image"]},
        "thumbnail": _presign(row["thumbnail_key"]), "price": row["price"], "usage_count": row["usage_count"],
        "tags": tags, "training_status": row["training_status"], "is_ready": row["training_status"] == "completed",
        "failure_reason": row["failure_reason"], "image_count": row["image_count"], "created_at": row["created_at"],
    }


def _visible(row: dict[str, Any] | None, viewer: UUID | None) -> dict[str, Any]:
    if row is None or row["is_deleted"] or (row["training_status"] != "completed" and row["artist_id"] != viewer):
        raise NotFound("no such style model", code=Code.model_not_found)
    return row


def get_model(principal: Principal | None, model_id: UUID) -> dict[str, Any]:
    """The detail: the list fields plus ``artworks`` (``[{id, position, status, image_url,
    thumbnail_url, width, height}]``) and tags in order. Others (and anonymous callers, ``principal``
    None) see completed models only.

    Raises:
        NotFound (model_not_found): absent, deleted, or another artist's unfinished model.
    """
    with db.transaction() as conn:
        row = _visible(repo.get_model(conn, model_id), principal.user_id if principal else None)
        tags = repo.tags_of(conn, [model_id])[model_id]
        images = repo.training_images(conn, model_id)
    detail = _public(row, tags)
    detail["artworks"] = [{"id": i["id"], "position": i["position"], "status": i["status"],
                           "image_url": _presign(i["image_key"]), "thumbnail_url": _presign(i["thumbnail_key"]),
                           "width": i["width"], "height": i["height"]} for i in images]
    return detail


def list_models(principal: Principal | None, *, tags: list[str], artist_id: UUID | None, training_status: str | None,
                sort: str, cursor: str | None, limit: int,
                exclude_tags: list[str] | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of models (see ``repository.list_models``) and the next cursor; ``principal`` None
    for an anonymous caller (completed models only)."""
    with db.transaction() as conn:
        rows = repo.list_models(conn, viewer_id=principal.user_id if principal else None, tags=tags, exclude_tags=exclude_tags or [],
                                artist_id=artist_id,
                                training_status=training_status, sort=sort, cursor=cursor, limit=limit)
        page = rows[:limit]
        tag_map = repo.tags_of(conn, [r["id"] for r in page])
    next_cursor = repo.encode_list_cursor(sort, page[-1]) if len(rows) > limit and page else None
    return [_public(r, tag_map[r["id"]]) for r in page], next_cursor


def delete_model(principal: Principal, model_id: UUID) -> None:
    """Soft delete by the owner (document: "Check permission: user is owner", 204).

    Raises:
        NotFound (model_not_found): absent or already deleted (or another's unfinished model).
        Forbidden (not_owner): another artist's completed model.
    """
    with db.transaction() as conn:
        row = _visible(repo.get_model(conn, model_id, for_update=True), principal.user_id)
        if row["artist_id"] != principal.user_id:
            raise Forbidden("only the model's artist can delete it", code=Code.not_owner)
        repo.soft_delete(conn, model_id, principal.user_id)


def ensure_caller(principal: Principal) -> None:
    """Record the caller's ``styles.users`` row (first sight)."""
    with db.transaction() as conn:
        ensure_member(conn, principal)


# -- presigned training images: S3 ObjectCreated -> SQS -> here -------------------------------------

LEASE_SECONDS = 300


def claim_upload(key: str) -> dict[str, Any] | None:
    """Lease the pending training image waiting for ``key`` (None: nothing waits for it)."""
    with db.transaction() as conn:
        row = conn.execute(
            """UPDATE styles.training_images ti SET claimed_at = now(), updated_at = now()
               FROM styles.style_models m
               WHERE ti.upload_key = %s AND ti.status = 'pending' AND m.id = ti.model_id
                 AND m.training_status = 'uploading' AND NOT m.is_deleted
                 AND (ti.claimed_at IS NULL OR ti.claimed_at < now() - make_interval(secs => %s))
               RETURNING ti.id, ti.model_id, ti.position, ti.declared_bytes, ti.upload_key""",
            (key, LEASE_SECONDS)).fetchone()
    if row is None:
        return None
    return dict(zip(("id", "model_id", "position", "declared_bytes", "upload_key"), row, strict=True)) \
        if not isinstance(row, dict) else row


def process_upload(claim: dict[str, Any], data: bytes) -> artwork.Artwork:
    """Pipeline one uploaded image. Raises UploadRejected (the image's code and reason)."""
    try:
        return artwork.process(claim["position"], data, max_bytes=get_gpu_settings().image_max_bytes)
    except rules.RuleBroken as err:
        raise UploadRejected(err.code, err.message) from None


def finish_upload(claim: dict[str, Any], art: artwork.Artwork) -> None:
    """Store the clean image and thumbnail, mark the image ready; when it was the model's last, the
    model becomes ``queued`` and its training message is sent (after commit)."""
    settings = get_gpu_settings()
    model_id, position = claim["model_id"], claim["position"]
    key = artwork.image_key(model_id, position, art.content_type)
    thumb = artwork.thumbnail_key(model_id, position)
    storage.put_bytes(settings.artworks_bucket, key, art.data, content_type=art.content_type)
    storage.put_bytes(settings.artworks_bucket, thumb, art.thumbnail, content_type="image/jpeg")
    with db.transaction() as conn:
        ready = record_ready(conn, claim, {"image_key": key, "thumbnail_key": thumb, "content_type": art.content_type,
                                           "width": art.width, "height": art.height, "size_bytes": len(art.data)})
    storage.delete(settings.artworks_bucket, claim["upload_key"])
    if ready:
        _send_training(*ready)


def record_ready(conn: Any, claim: dict[str, Any], stored: dict[str, Any]) -> tuple[dict[str, Any], list[str]] | None:
    """Mark one training image ready (``stored``: its keys, type, size); when no image of the model
    is left pending, move the model ``uploading -> queued`` and return it with its image keys (the
    caller sends the training message after commit), else None.

    The model row is locked first: finishers of one model's images run one after the other, so the
    last one sees every other image ready (under READ COMMITTED two concurrent last images would
    each see the other still pending, and nobody would queue the training).
    """
    model_id = claim["model_id"]
    conn.execute("SELECT 1 FROM styles.style_models WHERE id = %s FOR UPDATE", (model_id,))
    conn.execute(
        """UPDATE styles.training_images SET status = 'ready', image_key = %(image_key)s,
                  thumbnail_key = %(thumbnail_key)s, content_type = %(content_type)s, width = %(width)s,
                  height = %(height)s, size_bytes = %(size_bytes)s, updated_at = now()
           WHERE id = %(id)s AND status = 'pending'""", {**stored, "id": claim["id"]})
    left = conn.execute("SELECT count(*) AS n FROM styles.training_images WHERE model_id = %s AND status <> 'ready'",
                        (model_id,)).fetchone()
    if left["n"]:
        return None
    moved = conn.execute(
        """UPDATE styles.style_models SET training_status = 'queued', updated_at = now(),
                  thumbnail_key = (SELECT thumbnail_key FROM styles.training_images
                                   WHERE model_id = %s ORDER BY position LIMIT 1)
           WHERE id = %s AND training_status = 'uploading' RETURNING id""", (model_id, model_id)).fetchone()
    if not moved:
        return None
    return repo.get_model(conn, model_id), [i["image_key"] for i in repo.training_images(conn, model_id)]


def reject_upload(claim: dict[str, Any], rejected: UploadRejected) -> None:
    """Mark the image rejected and its model failed (naming the image); delete the upload."""
    reason = f"images[{claim['position']}]: {rejected.reason}"
    with db.transaction() as conn:
        conn.execute("""UPDATE styles.training_images SET status = 'rejected', failure_code = %s,
                               failure_reason = %s, updated_at = now() WHERE id = %s AND status = 'pending'""",
                     (rejected.code, rejected.reason, claim["id"]))
        conn.execute("""UPDATE styles.style_models SET training_status = 'failed', failure_reason = %s,
                               finished_at = now(), updated_at = now()
                        WHERE id = %s AND training_status = 'uploading'""", (reason, claim["model_id"]))
    storage.delete(get_gpu_settings().artworks_bucket, claim["upload_key"])


def release_upload(claim: dict[str, Any], exc: BaseException) -> None:
    """Give the lease back after a transient failure (SQS redelivers)."""
    with db.transaction() as conn:
        conn.execute("UPDATE styles.training_images SET claimed_at = NULL WHERE id = %s AND status = 'pending'",
                     (claim["id"],))
