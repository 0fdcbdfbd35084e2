"""Opening an upload with the one Pillow plugin of its sniffed type; rejection texts.

Part of :mod:`family.media.processing` (see its docstring for the guarantees and their sources)."""

from __future__ import annotations

import io
import struct
from typing import Final

from PIL import Image

from family.media.image.detection import _PIL_FORMATS
from family.media.image.types import CORRUPT, MediaRejected, TRUNCATED, UNSUPPORTED_TYPE

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
_ADJ: Final = {TRUNCATED: "truncated", CORRUPT: "corrupt"}


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


def _open(data: bytes, mime: str) -> Image.Image:
    fmt = _PIL_FORMATS[mime]
    if fmt == "HEIF":
        _register_heif()
    elif fmt == "AVIF":
        _register_avif()
    elif fmt == "WEBP":
        from PIL import WebPImagePlugin  # noqa: F401  (registers; avoids Image.init())
    elif fmt == "TIFF":
        from PIL import TiffImagePlugin  # noqa: F401
    elif fmt == "PNG":
        from PIL import PngImagePlugin  # noqa: F401
    return Image.open(io.BytesIO(data), formats=(fmt,))


def _register_heif() -> None:
    if "HEIF" in Image.OPEN:
        return
    try:
        import pillow_heif
    except ImportError as exc:
        raise MediaRejected(UNSUPPORTED_TYPE, "HEIC/HEIF photos cannot be read here (pillow-heif is missing).") from exc
    pillow_heif.register_heif_opener()


def _register_avif() -> None:
    from PIL import features

    if features.check("avif"):
        from PIL import AvifImagePlugin  # noqa: F401

        return
    raise MediaRejected(UNSUPPORTED_TYPE, "AVIF photos cannot be read here (Pillow was built without AVIF).")
