"""Rejection codes, limits and the result types of image processing (no Pillow import).

Part of :mod:`family.media.processing` (see its docstring for the guarantees and their sources)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

#: Rejection codes (``MediaRejected.code``). Stable: clients and the database store them.
NOT_AN_IMAGE: Final = "not_an_image"  # empty, text, random bytes, unknown magic
UNSUPPORTED_TYPE: Final = "unsupported_type"  # a known type we do not accept (GIF, BMP, video...)
DECOMPRESSION_BOMB: Final = "decompression_bomb"  # more pixels than max_pixels
TOO_LARGE: Final = "too_large"  # a side longer than JPEG allows, or out of memory while decoding
TRUNCATED: Final = "truncated"  # the data ends before the image does
CORRUPT: Final = "corrupt"  # the right magic bytes, but the image cannot be decoded

#: Longest side of the preview, in pixels.
PREVIEW_MAX_SIDE: Final = 1600
#: The box the thumbnail fits in, in pixels: the design document's ``img.thumbnail((200, 200))``.
THUMBNAIL_BOX: Final = (200, 200)

DEFAULT_MAX_PIXELS: Final = 50_000_000
#: libjpeg's JPEG_MAX_DIMENSION: a JPEG cannot be wider or taller than this.
JPEG_MAX_SIDE: Final = 65_500

PREVIEW_QUALITY: Final = 85
THUMBNAIL_QUALITY: Final = 85
#: JPEG quality of the clean copy when the source was not a JPEG (HEIC, AVIF, TIFF...). A JPEG
#: source that must be re-encoded (rotation) reuses its own quantisation tables instead.
CLEAN_JPEG_QUALITY: Final = 90
#: WebP quality when a lossy WebP has to be re-encoded (rotation).
CLEAN_WEBP_QUALITY: Final = 90
#: zlib level for re-encoded PNGs (Pillow's default is 6; 3 is much faster, a little larger).
PNG_COMPRESS_LEVEL: Final = 3


class MediaRejected(Exception):
    """The bytes are not an image we accept.

    Attributes:
        code: stable snake_case identifier, one of :data:`NOT_AN_IMAGE`,
            :data:`UNSUPPORTED_TYPE`, :data:`DECOMPRESSION_BOMB`, :data:`TOO_LARGE`,
            :data:`TRUNCATED`, :data:`CORRUPT`.
        reason: one human sentence that can be shown to the uploader; it never contains
            internals (the underlying exception, if any, is the ``__cause__``).
    """

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class ProcessedImage:
    """The result of :func:`process_image`.

    Attributes:
        mime_type: the real type of the original, from its bytes (``image/jpeg``, ``image/png``,
            ``image/webp``, ``image/heic``, ``image/heif``, ``image/avif``, ``image/tiff``,
            ``image/mpo``).
        width, height: size in pixels of the upright image (after EXIF orientation).
        clean: the full-size upright image without any metadata except the ICC profile.
        clean_mime_type: type of ``clean``: JPEG stays ``image/jpeg``, PNG ``image/png``, WebP
            ``image/webp``; HEIC/HEIF/AVIF/TIFF/MPO become ``image/jpeg``, or ``image/png`` when
            the picture has alpha, a palette, is bilevel or has more than 8 bits of grey.
        preview: upright JPEG whose longest side is at most :data:`PREVIEW_MAX_SIDE` pixels
            (never enlarged), no metadata except ICC.
        thumbnail: upright JPEG that fits in :data:`THUMBNAIL_BOX` with the size
            ``Image.thumbnail((200, 200))`` gives the upright original, no metadata except ICC.
    """

    mime_type: str
    width: int
    height: int
    clean: bytes = field(repr=False)
    clean_mime_type: str
    preview: bytes = field(repr=False)
    thumbnail: bytes = field(repr=False)
