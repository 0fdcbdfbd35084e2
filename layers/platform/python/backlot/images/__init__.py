"""Image uploads for every product: the real type from the bytes, metadata stripping (EXIF with
GPS, XMP, IPTC, comments, trailers), EXIF orientation, previews and thumbnails, HEIC/AVIF
through pillow-heif / Pillow. Family's media and styles' training images use it.

The surface (importing this package does NOT import Pillow; the three image functions import
:mod:`backlot.images.pipeline`, and so Pillow, on their first call)::

    from backlot import images

    images.sniff(data, *, allowed=images.ALL_TYPES, max_pixels=None) -> ImageType
    images.process_image(data, *, allowed=..., max_pixels=50_000_000, max_bytes=None) -> ProcessedImage
    images.clean(data, *, allowed=..., max_pixels=..., max_bytes=None) -> CleanImage
    images.thumbnail(data, *, box=(200, 200), allowed=..., max_pixels=..., max_bytes=None) -> bytes

* :class:`ImageType` (a ``StrEnum`` of MIME types: ``JPEG``, ``MPO``, ``PNG``, ``WEBP``, ``TIFF``,
  ``AVIF``, ``HEIC``, ``HEIF``); ``allowed`` narrows it (``{ImageType.JPEG, ImageType.PNG}``:
  an MPO passes as a JPEG).
* :class:`ProcessedImage` (``mime_type``, ``width``, ``height``, ``clean``, ``clean_mime_type``,
  ``preview``, ``thumbnail``) and :class:`CleanImage` (``data``, ``content_type``, ``width``,
  ``height``, ``source_type``); sizes in pixels, upright.
* Every bad upload raises :class:`ImageRejected` with a stable ``code`` (:data:`NOT_AN_IMAGE`,
  :data:`UNSUPPORTED_TYPE`, :data:`DECOMPRESSION_BOMB`, :data:`TOO_LARGE`, :data:`TRUNCATED`,
  :data:`CORRUPT`) and a ``reason`` sentence for the uploader; nothing else escapes for bytes.
* :func:`sniff_mime_type` (``str | None``, also names GIF, SVG, PDF, MP4/QuickTime video...) for
  callers that route non-images elsewhere.

The guarantees and the sources of each rule (EXIF 2.32, ITU-T T.81, PNG 3rd edition, WebP
container, ISO/IEC 23008-12) are in :mod:`backlot.images.pipeline`. Call the image functions
from one thread at a time (they use the process-global ``warnings.catch_warnings()``).
"""

from __future__ import annotations

from collections.abc import Collection

from backlot.images.admission import sniff
from backlot.images.detection import SUPPORTED_MIME_TYPES, sniff_mime_type
from backlot.images.types import (
    ALL_TYPES,
    CORRUPT,
    DECOMPRESSION_BOMB,
    DEFAULT_MAX_PIXELS,
    NOT_AN_IMAGE,
    PREVIEW_MAX_SIDE,
    THUMBNAIL_BOX,
    TOO_LARGE,
    TRUNCATED,
    UNSUPPORTED_TYPE,
    CleanImage,
    ImageRejected,
    ImageType,
    ProcessedImage,
)

__all__ = [
    "ALL_TYPES",
    "CORRUPT",
    "DECOMPRESSION_BOMB",
    "DEFAULT_MAX_PIXELS",
    "NOT_AN_IMAGE",
    "PREVIEW_MAX_SIDE",
    "SUPPORTED_MIME_TYPES",
    "THUMBNAIL_BOX",
    "TOO_LARGE",
    "TRUNCATED",
    "UNSUPPORTED_TYPE",
    "CleanImage",
    "ImageRejected",
    "ImageType",
    "ProcessedImage",
    "clean",
    "process_image",
    "sniff",
    "sniff_mime_type",
    "thumbnail",
]


def process_image(
    data: bytes,
    *,
    allowed: Collection[ImageType | str] = ALL_TYPES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int | None = None,
) -> ProcessedImage:
    """Clean copy, preview and thumbnail of an upload in one decode; see
    :func:`backlot.images.pipeline.process_image` (imports Pillow on first call)."""
    from backlot.images import pipeline

    return pipeline.process_image(data, allowed=allowed, max_pixels=max_pixels, max_bytes=max_bytes)


def clean(
    data: bytes,
    *,
    allowed: Collection[ImageType | str] = ALL_TYPES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int | None = None,
) -> CleanImage:
    """The upright, metadata-free full-size copy; see :func:`backlot.images.pipeline.clean`."""
    from backlot.images import pipeline

    return pipeline.clean(data, allowed=allowed, max_pixels=max_pixels, max_bytes=max_bytes)


def thumbnail(
    data: bytes,
    *,
    box: tuple[int, int] = THUMBNAIL_BOX,
    allowed: Collection[ImageType | str] = ALL_TYPES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int | None = None,
) -> bytes:
    """An upright JPEG that fits in ``box``; see :func:`backlot.images.pipeline.thumbnail`."""
    from backlot.images import pipeline

    return pipeline.thumbnail(data, box=box, allowed=allowed, max_pixels=max_pixels, max_bytes=max_bytes)
