"""Opening an upload with the one Pillow plugin of its sniffed type.

Part of :mod:`backlot.images` (see its docstring for the guarantees and their sources)."""

from __future__ import annotations

import io
from typing import Final

from PIL import Image

from backlot.images.detection import _PIL_FORMATS
from backlot.images.types import CORRUPT, ImageRejected, TRUNCATED, UNSUPPORTED_TYPE

#: Adjective of a JPEG syntax rejection code, for the rejection texts.
_ADJ: Final = {TRUNCATED: "truncated", CORRUPT: "corrupt"}


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
        raise ImageRejected(UNSUPPORTED_TYPE, "HEIC/HEIF photos cannot be read here (pillow-heif is missing).") from exc
    pillow_heif.register_heif_opener()


def _register_avif() -> None:
    from PIL import features

    if features.check("avif"):
        from PIL import AvifImagePlugin  # noqa: F401

        return
    raise ImageRejected(UNSUPPORTED_TYPE, "AVIF photos cannot be read here (Pillow was built without AVIF).")
