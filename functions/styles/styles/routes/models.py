"""``/api/models``: style models (design document 004, M2-Style-Model-API) and the training status
webhook (M4).

* ``POST /api/models/`` multipart (fields ``name``, ``description``, ``tags`` (repeated or
  comma-separated), ``price``, files ``images`` x 10-100): what fits through API Gateway and
  Lambda (``GpuSettings.direct_upload_max_bytes``, about 4.4 MB in all); larger sets use
* ``POST /api/models/uploads`` (JSON, addition to the document): the model and one presigned POST
  per image; training starts when the last image is processed.
* ``GET /api/models`` (``tags`` AND, ``artist_id``, ``training_status``, ``sort`` popular|newest,
  cursor), ``GET /api/models/{id}``, ``DELETE /api/models/{id}`` (owner, 204).
* ``PATCH /api/models/{id}/status``: the worker's webhook, internal token (``routes.webhooks``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from backlot.auth import Principal
from backlot.errors import BadRequest, PayloadTooLarge
from backlot.http import CurrentPrincipal, OptionalPrincipal
from backlot.models import NO_NUL_PATTERN
from backlot.pagination import Cursor
from fastapi import APIRouter, Query, Request, Response, status
from starlette.datastructures import UploadFile

from styles.errors import Code
from styles.gpu_settings import get_gpu_settings
from styles.http_api import API, Success, ok
from styles.stylemodels import rules, service
from styles.stylemodels.schemas import (
    StyleModelCreated,
    StyleModelDetail,
    StyleModelPage,
    StyleModelUploadRequest,
)

router = APIRouter(prefix="/api", tags=["models"])

PAGE_SIZE = 20

IMAGES_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["name", "images"],
    "properties": {
        "name": {"type": "string", "maxLength": 100},
        "description": {"type": "string", "maxLength": 2000},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 50},
                 "description": "in order; repeated fields or comma-separated"},
        "price": {"type": "integer", "minimum": 0},
        "images": {"type": "array", "minItems": 10, "maxItems": 100,
                   "items": {"type": "string", "format": "binary"}, "description": "JPEG or PNG, at most 10 MB each"},
    },
}}}}}


def _field_text(form: Any, name: str, default: str = "") -> str:
    value = form.get(name)
    if value is None:
        return default
    if isinstance(value, UploadFile):
        raise BadRequest(f"{name} must be a text field", fields=[{"field": name, "message": "not a text field"}])
    return str(value)


@router.post("/models/", status_code=status.HTTP_201_CREATED, response_model=Success[StyleModelCreated],
             responses=API.errors(400, 403, 409, 413), openapi_extra=IMAGES_BODY)
async def create_model(request: Request, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Create a style model from 10-100 JPEG/PNG images (multipart); training is queued.

    Raises:
        413 too_large_for_direct_upload (use ``POST /api/models/uploads``), 400 (image count, a bad
        image: every bad one named in ``details``), 403 not_an_artist, 409 duplicate_name.
    """
    limit = get_gpu_settings().direct_upload_max_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isascii() and declared.isdigit() and (len(declared) > 18 or int(declared) > limit):
        raise PayloadTooLarge(f"a multipart create carries at most {limit} bytes; use POST /api/models/uploads "
                              "for larger sets", code=Code.too_large_for_direct_upload)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise BadRequest("send multipart/form-data with the images in the field 'images'",
                         fields=[{"field": "images", "message": "required (multipart/form-data)"}])
    form = await request.form(max_files=rules.MAX_IMAGES + 1, max_fields=50)
    try:
        files, total = [], 0
        for i, item in enumerate(form.getlist("images")):
            if not isinstance(item, UploadFile):
                raise BadRequest(f"images[{i}] is not a file", code=Code.invalid_image,
                                 fields=[{"field": f"images[{i}]", "message": "not a file"}])
            data = await item.read(limit + 1 - total)
            total += len(data)
            if total > limit:
                raise PayloadTooLarge(f"a multipart create carries at most {limit} bytes of images; use "
                                      "POST /api/models/uploads for larger sets", code=Code.too_large_for_direct_upload)
            files.append(service.UploadedImage(item.filename or f"{i}", item.content_type, data))
        name = _field_text(form, "name")
        description = _field_text(form, "description")
        tags = rules.split_tag_list([_field_text({"t": t}, "t") for t in form.getlist("tags")])
        raw_price = _field_text(form, "price", "0").strip() or "0"
    finally:
        await form.close()
    if not raw_price.isascii() or not raw_price.isdigit() or len(raw_price) > 7:
        raise BadRequest("price must be a whole number of tokens", fields=[{"field": "price", "message": "not an integer"}])
    return ok(service.create_direct(who, name=name, description=description, tags=tags, price=int(raw_price),
                                    files=files))


@router.post("/models/uploads", status_code=status.HTTP_201_CREATED, response_model=Success[StyleModelCreated],
             responses=API.errors(400, 403, 409))
def create_model_upload(body: StyleModelUploadRequest, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Create a style model whose images come by presigned POST (one form per announced image)."""
    slots = [rules.ImageSlot(i, img.content_type, img.size_bytes) for i, img in enumerate(body.images)]
    return ok(service.start_presigned(who, name=body.name, description=body.description, tags=body.tags,
                                      price=body.price, images=slots))


@router.get("/models/", response_model=Success[StyleModelPage], responses=API.errors(400))
def list_models(
    tags: Annotated[str | None, Query(max_length=500, pattern=NO_NUL_PATTERN,
                                      description="comma-separated; a model must have all")] = None,
    exclude_tags: Annotated[str | None, Query(max_length=500, pattern=NO_NUL_PATTERN,
                                              description="comma-separated; a model must have none")] = None,
    artist_id: UUID | None = None,
    training_status: Literal["uploading", "queued", "training", "completed", "failed"] | None = None,
    sort: Literal["popular", "newest", "created_at", "-created_at"] = "newest",
    limit: Annotated[int, Query(ge=1, le=100)] = PAGE_SIZE,
    cursor: Cursor = None,
    who: Principal | None = OptionalPrincipal,
) -> dict[str, Any]:
    """Style models: completed ones, and the caller's own in any status (document: "Only return
    completed models for non-artists", "Test artist sees own pending styles"); ``tags`` AND,
    ``exclude_tags`` leaves out a model having any of them (issue 13). Public: without a token,
    completed models only (document: "Test list styles (anonymous and authenticated)").

    Raises:
        401 unauthorized (a token was sent and is invalid).
    """
    wanted = rules.split_tag_list([tags]) if tags else []
    unwanted = rules.split_tag_list([exclude_tags]) if exclude_tags else []
    order = "popular" if sort == "popular" else "newest"
    items, next_cursor = service.list_models(who, tags=[t.strip() for t in wanted],
                                             exclude_tags=[t.strip() for t in unwanted], artist_id=artist_id,
                                             training_status=training_status, sort=order, cursor=cursor, limit=limit)
    return ok({"items": items, "next_cursor": next_cursor})


@router.get("/models/{model_id}", response_model=Success[StyleModelDetail], responses=API.errors(404))
def get_model(model_id: UUID, who: Principal | None = OptionalPrincipal) -> dict[str, Any]:
    """One model with its artist, artworks, tags in order and ``is_ready``. Public (completed
    models; an artist's own unfinished one with their token).

    Raises:
        404 model_not_found, 401 unauthorized (a token was sent and is invalid).
    """
    return ok(service.get_model(who, model_id))


@router.delete("/models/{model_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               responses=API.errors(403, 404))
def delete_model(model_id: UUID, who: Principal = CurrentPrincipal) -> Response:
    """Soft delete by its artist (204)."""
    service.delete_model(who, model_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
