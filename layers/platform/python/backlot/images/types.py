"""Rejection codes, limits, accepted types and the result types of image processing (no Pillow
import, so an API function can name them without paying for Pillow).

Part of :mod:`backlot.images` (see :mod:`backlot.images.pipeline` for the guarantees and their
sources)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final


class ImageType(StrEnum):
    """An accepted image type, by its MIME type (members compare equal to the MIME string).

    ``MPO`` is a JPEG whose CIPA DC-007 MP index declares more than one image (phones' depth or
    second pictures); it is processed as a JPEG and its clean copy is a plain JPEG.
    """

    JPEG = "image/jpeg"
    MPO = "image/mpo"
    PNG = "image/png"
    WEBP = "image/webp"
    TIFF = "image/tiff"
    AVIF = "image/avif"
    HEIC = "image/heic"
    HEIF = "image/heif"


#: Every type the pipeline can read (the default of ``allowed``).
ALL_TYPES: Final = frozenset(ImageType)

#: Rejection codes (``ImageRejected.code``). Stable: clients and the database store them.
NOT_AN_IMAGE: Final = "not_an_image"  # empty, text, random bytes, unknown magic
UNSUPPORTED_TYPE: Final = "unsupported_type"  # a known type we do not accept (GIF, BMP, video...)
DECOMPRESSION_BOMB: Final = "decompression_bomb"  # more pixels than max_pixels
TOO_LARGE: Final = "too_large"  # more bytes than max_bytes, a side longer than JPEG allows, or out of memory
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


class ImageRejected(Exception):
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
    """The result of :func:`backlot.images.process_image`.

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


@dataclass(frozen=True)
class CleanImage:
    """The result of :func:`backlot.images.clean`: one upright, metadata-free full-size copy.

    Attributes:
        data: the image's bytes, without any metadata except the ICC colour profile.
        content_type: type of ``data`` (the rules of ``ProcessedImage.clean_mime_type``: a JPEG,
            PNG or WebP keeps its type; HEIC/HEIF/AVIF/TIFF/MPO become JPEG, or PNG when the
            picture has alpha, a palette, is bilevel or has more than 8 bits of grey).
        width, height: size in pixels of the upright image (after EXIF orientation).
        source_type: the real type of the original, from its bytes.
    """

    data: bytes = field(repr=False)
    content_type: str
    width: int
    height: int
    source_type: ImageType
