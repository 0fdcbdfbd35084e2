"""``/api/tags/``: popular tags, autocomplete, one tag (design document 004, M2-Tag-API)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from backlot.auth import Principal
from backlot.http import OptionalPrincipal
from fastapi import APIRouter, Query

from styles.community.schemas import TagList, TagPublic
from styles.http_api import API, Success, ok

router = APIRouter(prefix="/api", tags=["tags"])


@router.get("/tags/", response_model=Success[TagList], responses=API.errors(400))
def list_tags(search: Annotated[str | None, Query(description="case-insensitive name prefix (autocomplete), "
                                                  "at most 50 characters; `%` and `_` match themselves")] = None,
              who: Principal | None = OptionalPrincipal) -> dict[str, Any]:
    """The 20 most used active tags (unused ones left out); with ``search``, the ones starting with it.

    Raises:
        400 validation_error (``search`` over 50 characters or with NUL), 401 unauthorized (a token
        was sent and is invalid). Public (document: "Test list tags (public access)").
    """
    from styles.community import tags

    return ok({"items": tags.list_tags(search)})


@router.get("/tags/{tag_id}/", response_model=Success[TagPublic], responses=API.errors(404))
def get_tag(tag_id: UUID, who: Principal | None = OptionalPrincipal) -> dict[str, Any]:
    """One active tag: ``id``, ``name``, ``usage_count``.

    Raises:
        404 tag_not_found, 401 unauthorized (a token was sent and is invalid). Public.
    """
    from styles.community import tags

    return ok(tags.get_tag(tag_id))
