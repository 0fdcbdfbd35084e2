"""Orientation and geometry: the EXIF Orientation tag, its transposes, fitting into a box.

Part of :mod:`backlot.images` (see its docstring for the guarantees and their sources)."""

from __future__ import annotations

import math
from typing import Final

from PIL import Image

# EXIF Orientation value -> the Pillow transpose that makes the picture upright
# (the same table as PIL.ImageOps.exif_transpose).
_TRANSPOSE: Final = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _orientation(im: Image.Image) -> int:
    """EXIF Orientation (0x0112) as Pillow reads it; 1 when absent, malformed or out of 2..8."""
    try:
        value = im.getexif().get(0x0112)
    except Exception:  # malformed EXIF must not reject a decodable picture
        return 1
    return value if isinstance(value, int) and value in _TRANSPOSE else 1


def _fit(width: int, height: int, box_w: int, box_h: int) -> tuple[int, int]:
    """Size that ``Image.thumbnail((box_w, box_h))`` gives a ``width`` x ``height`` image.

    Same arithmetic as Pillow's ``Image.thumbnail`` (keep the aspect ratio, round to the side
    whose aspect error is smallest, at least 1 px, never enlarge).
    """
    if box_w >= width and box_h >= height:
        return width, height
    aspect = width / height
    x, y = box_w, box_h
    if x / y >= aspect:
        x = _round_aspect(y * aspect, key=lambda n: abs(aspect - n / y))
    else:
        y = _round_aspect(x / aspect, key=lambda n: 0 if n == 0 else abs(aspect - x / n))
    return x, y


def _round_aspect(number: float, key) -> int:
    return max(min(math.floor(number), math.ceil(number), key=key), 1)


def _source_box(orientation: int, width: int, height: int, y0: int, y1: int) -> tuple[int, int, int, int]:
    """Box of the stored image that becomes upright rows ``y0..y1`` after ``_TRANSPOSE``.

    ``width`` x ``height`` is the stored (not upright) size.
    """
    if orientation == 2:
        return 0, y0, width, y1
    if orientation in (3, 4):
        return 0, height - y1, width, height - y0
    if orientation in (5, 6):
        return y0, 0, y1, height
    return width - y1, 0, width - y0, height  # 7, 8
