"""Renditions: colour handling for previews, JPEG/PNG/WebP encoding, preview and thumbnail sizes.

Part of :mod:`backlot.images` (see its docstring for the guarantees and their sources)."""

from __future__ import annotations

import io
from typing import Final

from PIL import Image

from backlot.images.geometry import _fit, _TRANSPOSE
from backlot.images.types import PREVIEW_MAX_SIDE, PREVIEW_QUALITY, THUMBNAIL_QUALITY

_ICC_SPACE: Final = {"RGB": b"RGB ", "YCbCr": b"RGB ", "L": b"GRAY", "CMYK": b"CMYK"}


def _icc_for(mode: str, icc: bytes | None) -> bytes | None:
    """The ICC profile if it describes ``mode``'s colour space (ICC.1 header bytes 16..19)."""
    if icc and len(icc) >= 128 and _ICC_SPACE.get(mode) == icc[16:20]:
        return icc
    return None


def _has_alpha(im: Image.Image) -> bool:
    return im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info


def _to_8bit_grey(im: Image.Image) -> Image.Image:
    """I;16*, I and F images to L, scaling instead of clipping."""
    if im.mode.startswith("I;16"):
        return im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    lo, hi = im.getextrema()
    if im.mode == "F" and hi <= 1.0:
        return im.point(lambda v: v * 255).convert("L")
    if hi > 255:
        scale = 1 / 256 if hi <= 65535 else 255 / hi
        return im.point(lambda v: v * scale).convert("L")
    return im.convert("L")


def _for_preview(im: Image.Image, icc: bytes | None) -> tuple[Image.Image, bytes | None]:
    """Bring a decoded image to a mode a JPEG preview can hold: L, RGB, YCbCr or RGBA (alpha
    is flattened after resizing). Returns the image and the ICC profile that still applies."""
    mode = im.mode
    if mode in ("L", "RGB", "YCbCr"):
        if "transparency" not in im.info:
            return im, icc
        return im.convert("RGBA"), icc
    if mode in ("RGBA", "LA"):
        return im if mode == "RGBA" else im.convert("RGBA"), icc
    if mode == "1":
        return im.convert("L"), icc
    if mode in ("P", "PA"):
        return im.convert("RGBA" if _has_alpha(im) else "RGB"), icc
    if mode == "CMYK":
        return _cmyk_to_rgb(im, icc), None
    if mode.startswith("I") or mode == "F":
        return _to_8bit_grey(im), icc
    return im.convert("RGB"), icc  # RGBX, LAB, HSV...: _icc_for() drops a non-RGB profile


def _cmyk_to_rgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """CMYK -> RGB through the embedded CMYK ICC profile into sRGB (perceptual), when there is
    one and LittleCMS accepts it; otherwise Pillow's plain conversion."""
    if _icc_for("CMYK", icc):
        try:
            from PIL import ImageCms

            return ImageCms.profileToProfile(
                im, ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB"), outputMode="RGB"
            )
        except Exception:  # a broken profile: fall back to the plain conversion
            pass
    return im.convert("RGB")


def _flatten(im: Image.Image) -> Image.Image:
    """RGBA -> RGB on white (JPEG has no alpha)."""
    if im.mode != "RGBA":
        return im
    background = Image.new("RGB", im.size, (255, 255, 255))
    background.paste(im, mask=im.getchannel("A"))
    return background


def _save(im: Image.Image, fmt: str, **params) -> bytes:
    """Encode with exactly ``params``: Pillow's savers fall back to ``im.info`` for a JPEG
    comment, the ICC profile, PNG transparency..., so ``info`` is emptied while saving."""
    info, im.info = im.info, {}
    try:
        out = io.BytesIO()
        im.save(out, fmt, **params)
        return out.getvalue()
    finally:
        im.info = info


def _jpeg(im: Image.Image, icc: bytes | None, quality: int) -> bytes:
    im = _flatten(im)
    params: dict = {"quality": quality}
    if profile := _icc_for(im.mode, icc):
        params["icc_profile"] = profile
    return _save(im, "JPEG", **params)


def _preview_scale(width: int, height: int) -> int:
    """The preview's reduction factor: the smallest of 1, 2, 4, 8 that fits the picture in
    :data:`PREVIEW_MAX_SIDE` (8 when none does; the rest is then resampled)."""
    longest = max(width, height)
    for scale in (1, 2, 4, 8):
        if -(-longest // scale) <= PREVIEW_MAX_SIDE:
            return scale
    return 8


def _previews(
    im: Image.Image, orientation: int, scale: int, thumb_size: tuple[int, int], icc: bytes | None
) -> tuple[bytes, bytes]:
    """Preview and thumbnail JPEGs from a decoded image in its *stored* orientation.

    ``im`` is reduced by ``scale`` with ``Image.reduce`` (a box average over scale x scale
    pixels; 1 when the decoder already scaled it), resampled further only if it still does not
    fit, and then transposed: transposing the small result is much cheaper than transposing the
    full-size picture. The thumbnail is resized from the preview to ``thumb_size`` with
    ``Image.thumbnail``'s defaults (BICUBIC, reducing_gap=2.0).
    """
    plain = im.mode in ("L", "RGB", "YCbCr", "CMYK") and "transparency" not in im.info
    if plain and scale > 1:
        im = im.reduce(scale)  # reduce first, convert the smaller image
    im, icc = _for_preview(im, icc)
    im = _flatten(im)
    if not plain and scale > 1:
        im = im.reduce(scale)
    if max(im.size) > PREVIEW_MAX_SIDE:  # wider than 8 x 1600 px
        im = im.resize(_fit(*im.size, PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)
    method = _TRANSPOSE.get(orientation)
    preview = im.transpose(method) if method is not None else im
    return _jpeg(preview, icc, PREVIEW_QUALITY), _thumbnail(preview, thumb_size, icc)


def _thumbnail(im: Image.Image, size: tuple[int, int], icc: bytes | None) -> bytes:
    if im.size != size:
        im = im.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)
    return _jpeg(im, icc, THUMBNAIL_QUALITY)
