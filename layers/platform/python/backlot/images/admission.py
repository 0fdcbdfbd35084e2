"""Admission: what an upload is (its type, from its bytes) and whether it is let in (accepted
types, byte limit, a GIF that claims too many pixels), before any pixel is decoded. No Pillow
import: an API function can check an upload's type with it at no cold-start cost.

Part of :mod:`backlot.images` (see :mod:`backlot.images.pipeline` for the guarantees and their
sources)."""

from __future__ import annotations

import struct
from collections.abc import Collection
from typing import Final

from backlot.images.detection import sniff_mime_type
from backlot.images.types import (
    ALL_TYPES,
    DECOMPRESSION_BOMB,
    ImageRejected,
    ImageType,
    NOT_AN_IMAGE,
    TOO_LARGE,
    UNSUPPORTED_TYPE,
)

#: Name of each accepted type in rejection texts.
_TYPE_NAMES: Final = {
    "image/jpeg": "JPEG",
    "image/mpo": "MPO",
    "image/png": "PNG",
    "image/webp": "WebP",
    "image/tiff": "TIFF",
    "image/avif": "AVIF",
    "image/heic": "HEIC",
    "image/heif": "HEIF",
}
#: The order, and the names, in which "send a ..." lists the allowed types (HEIF is said HEIC,
#: MPO is a JPEG).
_ADVERTISED: Final = (
    (ImageType.JPEG, "JPEG"),
    (ImageType.PNG, "PNG"),
    (ImageType.WEBP, "WebP"),
    (ImageType.HEIC, "HEIC"),
    (ImageType.AVIF, "AVIF"),
    (ImageType.TIFF, "TIFF"),
)


def sniff(data: bytes, *, allowed: Collection[ImageType | str] = ALL_TYPES, max_pixels: int | None = None) -> ImageType:
    """The accepted type of an upload, from its leading bytes; never its name or declared type.

    Args:
        data: the file's bytes (bytes-like).
        allowed: the types the caller accepts (:class:`ImageType` members or their MIME strings).
            A JPEG is accepted as MPO too when ``image/jpeg`` is allowed (an MPO is a JPEG with a
            second picture that the pipeline drops).
        max_pixels: when given, a GIF whose header claims more pixels is rejected as a bomb
            rather than as unsupported (the clearer reason for a hostile file).

    Returns:
        The :class:`ImageType` (e.g. ``ImageType.JPEG == "image/jpeg"``).

    Raises:
        ImageRejected: ``not_an_image`` (empty or unrecognised bytes), ``unsupported_type`` (a
            recognised type that is not allowed: GIF, BMP, SVG, PDF, video, or e.g. WebP when
            only JPEG and PNG are), ``decompression_bomb`` (see ``max_pixels``).
    """
    mime = sniff_mime_type(data)
    if mime is None:
        raise ImageRejected(NOT_AN_IMAGE, "The file is empty." if not len(data) else "The file is not an image.")
    wanted = {str(t) for t in allowed}
    if mime in ALL_TYPES and (mime in wanted or (mime == ImageType.MPO and ImageType.JPEG in wanted)):
        return ImageType(mime)
    if mime == "image/gif" and max_pixels is not None:
        gw, gh = _gif_declared_size(data)
        if gw * gh > max_pixels:
            raise ImageRejected(DECOMPRESSION_BOMB, _bomb_reason(gw, gh, max_pixels))
    raise ImageRejected(UNSUPPORTED_TYPE, f"Files of type {mime} are not accepted; send {_advertise(wanted)} photo.")


def check_size(data: bytes, max_bytes: int | None) -> None:
    """Reject an upload of more than ``max_bytes`` bytes (None: no limit).

    Raises:
        ImageRejected: ``too_large``, naming both sizes.
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise ImageRejected(TOO_LARGE, f"The file is {len(data):,} bytes, more than the {max_bytes:,} accepted.")


def _advertise(wanted: set[str]) -> str:
    """``"a JPEG, PNG, WebP, HEIC, AVIF or TIFF"`` for the allowed types."""
    names = [name for t, name in _ADVERTISED if t in wanted or (t == ImageType.HEIC and ImageType.HEIF in wanted)]
    if not names:
        return "an accepted"
    text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return ("an " if text[0] in "AEIOU" else "a ") + text


def _gif_declared_size(data: bytes) -> tuple[int, int]:
    """Canvas size a GIF claims: its logical screen grown to hold its first image descriptor
    (what Pillow's GIF reader allocates). Header parsing only (GIF89a spec sections 18-20);
    (0, 0) when the header is unreadable."""
    try:
        width, height, flags = struct.unpack_from("<HHB", data, 6)
        pos = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
        for _ in range(256):  # extensions before the first image
            block = data[pos]
            if block == 0x2C:
                left, top, w, h = struct.unpack_from("<HHHH", data, pos + 1)
                return max(width, left + w), max(height, top + h)
            if block != 0x21:
                break
            pos += 2
            while data[pos]:
                pos += data[pos] + 1
            pos += 1
        return width, height
    except (IndexError, struct.error):
        return (0, 0) if len(data) < 10 else struct.unpack_from("<HH", data, 6)


def _bomb_reason(width: int, height: int, max_pixels: int) -> str:
    return (
        f"The image claims {width} x {height} pixels ({width * height:,}), more than the "
        f"{max_pixels:,} accepted; it looks like a decompression bomb."
    )
