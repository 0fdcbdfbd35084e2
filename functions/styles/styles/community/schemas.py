"""Request and response bodies of tags, the community feed, likes, comments and follows (design
document 004, M2-Tag-API "TagSerializer (id, name, usage_count)", M5-Community-API). Responses are
allow-lists (``PublicModel``); request bodies are strict (``RequestModel``: unknown fields, NUL
characters refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from backlot.models import PublicModel, RequestModel
from pydantic import Field, StringConstraints

COMMENT_MAX_CHARS = 500
"""M5-Community-API: "Create comment with content validation (max 500 chars)"."""


class TagPublic(PublicModel):
    """A tag: ``id``, ``name``, ``usage_count`` (how many style models were given it)."""

    id: UUID
    name: str
    usage_count: int


class TagList(PublicModel):
    """``GET /api/tags/``: at most 20 tags, most used first (or the prefix matches of ``search``)."""

    items: list[TagPublic]


class PersonPublic(PublicModel):
    """A user as others see them: ``id``, ``username`` (display name), ``profile_image`` (URL or null)."""

    id: UUID
    username: str | None
    profile_image: str | None


class StyleRef(PublicModel):
    """The style model an image was generated in."""

    id: UUID
    name: str


class FeedImage(PublicModel):
    """One public generated image in the feed (M5-Community-API "Annotate with like_count,
    comment_count", "select_related(user, style_model)")."""

    id: UUID
    image_url: str | None = Field(description="presigned GET URL (an hour) or the provider's URL")
    prompt_tags: list[str]
    aspect_ratio: str
    artist: PersonPublic = Field(description="who generated (and shared) the image")
    style_model: StyleRef
    like_count: int
    comment_count: int
    is_liked_by_current_user: bool
    created_at: datetime


class FeedPage(PublicModel):
    """A page of the feed: 20 images and the cursor of the next page (null on the last)."""

    items: list[FeedImage]
    next_cursor: str | None


class ImageDetail(FeedImage):
    """``GET /api/images/{id}``: the feed's fields plus the image's visibility and whether it is the
    caller's own."""

    visibility: Literal["public", "private"]
    is_owner: bool


class VisibilityUpdate(RequestModel):
    """``PATCH /api/images/{id}/visibility``: the owner shares (``public``) or hides (``private``) an image."""

    visibility: Literal["public", "private"]


class VisibilityChanged(PublicModel):
    """The image's id and its visibility now."""

    id: UUID
    visibility: Literal["public", "private"]


class LikeToggled(PublicModel):
    """``POST /api/images/{id}/like``: the count after the toggle and whether the caller likes it now."""

    like_count: int
    is_liked: bool


class CommentCreate(RequestModel):
    """``POST /api/images/{id}/comments``: 1-500 characters (after trimming), no NUL."""

    content: Annotated[str, StringConstraints(min_length=1, max_length=COMMENT_MAX_CHARS)]


class CommentPublic(PublicModel):
    """A comment: its author, text and time."""

    id: UUID
    image_id: UUID
    author: PersonPublic
    content: str
    created_at: datetime


class CommentPage(PublicModel):
    """Comments of an image, oldest first, 20 per page."""

    items: list[CommentPublic]
    next_cursor: str | None


class FollowToggled(PublicModel):
    """``POST /api/artists/{id}/follow``: whether the caller follows the artist now, and their follower count."""

    is_following: bool
    follower_count: int


class FollowedArtist(PersonPublic):
    """An artist the caller follows, with their follower count and when the caller followed them."""

    follower_count: int
    followed_at: datetime


class FollowingPage(PublicModel):
    """``GET /api/users/following``: newest follows first, 20 per page."""

    items: list[FollowedArtist]
    next_cursor: str | None
