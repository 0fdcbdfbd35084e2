"""Comments on generated images (design document 004, M5-Community-API): list oldest first, add
(at most 500 characters), delete (author or admin)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from backlot.auth import Principal
from backlot.http import OptionalPrincipal
from backlot.pagination import Cursor
from fastapi import APIRouter, Response, status

from styles.community.schemas import CommentCreate, CommentPage, CommentPublic
from styles.deps import PAGE_SIZE, CurrentUser, PageSize
from styles.http_api import API, Success, ok

router = APIRouter(prefix="/api", tags=["comments"])


@router.get("/images/{generation_id}/comments", response_model=Success[CommentPage], responses=API.errors(400, 404))
def list_comments(generation_id: UUID, cursor: Cursor = None, limit: PageSize = PAGE_SIZE,
                  who: Principal | None = OptionalPrincipal) -> dict[str, Any]:
    """The image's comments, oldest first, 20 per page.

    Raises:
        404 image_not_found, 400 invalid_cursor, 401 unauthorized (a token was sent and is invalid).
        Public for a public image.
    """
    from styles.community import social

    return ok(social.list_comments(who.user_id if who else None, generation_id, cursor=cursor, limit=limit))


@router.post("/images/{generation_id}/comments", status_code=status.HTTP_201_CREATED, response_model=Success[CommentPublic],
             responses=API.errors(404, 429))
def create_comment(generation_id: UUID, body: CommentCreate, who: CurrentUser) -> dict[str, Any]:
    """Comment on an image (1-500 characters, no NUL: else 422 naming ``content``).

    Raises:
        404 image_not_found, 429 too_many_requests (``Retry-After``).
    """
    from styles.community import social

    return ok(social.add_comment(who, generation_id, body.content))


@router.delete("/comments/{comment_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               responses=API.errors(403, 404))
def delete_comment(comment_id: UUID, who: CurrentUser) -> Response:
    """Delete a comment: its author or an admin (204).

    Raises:
        403 not_comment_author, 404 comment_not_found.
    """
    from styles.community import social

    social.delete_comment(who, comment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
