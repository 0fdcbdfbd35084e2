"""One training image through the platform image pipeline (``backlot.images``): its real type from
the bytes (JPEG or PNG only, document 004 "JPG/PNG only"), at most 10 MB, no metadata kept (EXIF
with GPS, XMP, IPTC, comments are gone; orientation applied), and a thumbnail.

Keys in the artworks bucket: ``artworks/<model>/<position>.<jpg|png>`` (the clean image),
``artworks/<model>/<position>.thumb.jpg``, ``uploads/<model>/<position>`` (a presigned upload,
deleted once processed), ``training-sets/<model>.zip`` (what the provider trains on),
``generations/<generation>.png``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from backlot import images

from styles.stylemodels.rules import RuleBroken

ALLOWED = frozenset({images.ImageType.JPEG, images.ImageType.PNG})


@dataclass(frozen=True)
class Artwork:
    """A training image ready to store: ``data`` (clean), ``content_type``, ``thumbnail`` (JPEG),
    size in pixels."""

    data: bytes = field(repr=False)
    content_type: str
    thumbnail: bytes = field(repr=False)
    width: int
    height: int


def process(index: int, data: bytes, *, max_bytes: int) -> Artwork:
    """Run one upload through the pipeline.

    Raises:
        RuleBroken: field ``images[index]``: ``image_too_large`` (over ``max_bytes``) or
            ``invalid_image`` (not a JPEG/PNG, corrupt, truncated, a decompression bomb), with the
            pipeline's reason.
    """
    try:
        done = images.process_image(data, allowed=ALLOWED, max_bytes=max_bytes)
    except images.ImageRejected as exc:
        code = "image_too_large" if exc.code == images.TOO_LARGE else "invalid_image"
        raise RuleBroken(f"images[{index}]", exc.reason, code) from None
    return Artwork(data=done.clean, content_type=done.clean_mime_type, thumbnail=done.thumbnail,
                   width=done.width, height=done.height)


def image_key(model_id: UUID, position: int, content_type: str) -> str:
    """Key of a clean training image."""
    return f"artworks/{model_id}/{position:03d}.{'png' if content_type == 'image/png' else 'jpg'}"


def thumbnail_key(model_id: UUID, position: int) -> str:
    """Key of a training image's thumbnail."""
    return f"artworks/{model_id}/{position:03d}.thumb.jpg"


def upload_key(model_id: UUID, position: int) -> str:
    """Key a presigned upload of a training image lands on."""
    return f"uploads/{model_id}/{position:03d}"


def training_set_key(model_id: UUID) -> str:
    """Key of the ZIP the provider trains on."""
    return f"training-sets/{model_id}.zip"


def generation_key(generation_id: UUID) -> str:
    """Key of a generated image."""
    return f"generations/{generation_id}.png"
