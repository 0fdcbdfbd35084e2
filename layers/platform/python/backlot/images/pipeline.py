"""Pure image processing for uploads: bytes in, cleaned bytes out (imports Pillow).

This module is the pipeline (:func:`process_image`: admit, open, check, orient, strip, render);
:mod:`backlot.images` is its public surface. Its parts live in :mod:`backlot.images`, one module
per concern: ``types`` (rejection codes, limits, accepted types, results), ``detection`` (the type
from the bytes), ``admission`` (allowed types, byte limit), ``decoding`` (the one Pillow plugin of
that type), ``containers`` (metadata stripping by rewriting JPEG/PNG/WebP containers),
``geometry`` (orientation), ``encoding`` (previews, thumbnails, colour) and ``jpeg_strips`` (the
upright copy of a rotated JPEG, encoded in strips). Written for family's media (design document
000, "merry moments" photos; issue 2 item 5) and shared with styles' training images (design
document 004).

Nothing here touches the network, the disk or a database: :func:`process_image` takes the bytes
of an upload and returns a :class:`ProcessedImage` (a clean full-size copy, a preview and a
thumbnail) or raises :class:`ImageRejected` with a stable ``code`` and a human ``reason``. The
caller decides what to store where.

What it guarantees, for every accepted input:

* **The type comes from the bytes** (:func:`sniff_mime_type`), never from a file name or a
  declared content type, and only the Pillow plugin of that type is allowed to parse the file.
* **Upright.** The EXIF ``Orientation`` tag (0x0112, EXIF 2.32 / CIPA DC-008-2019, the same
  tag as TIFF 6.0 tag 274; values 1..8, where 1 is "not rotated" and 0 or any other value is
  out of spec and treated as 1) is applied to every output. Its value is read with Pillow's
  ``Image.getexif()``, so the rules of ``PIL.ImageOps.exif_transpose`` hold: the same table of
  transposes, and PNG orientation from ``eXIf``, a "Raw profile type exif" text chunk or XMP
  ``tiff:Orientation`` counts too. HEIC/HEIF rotation and mirroring stored in the container
  (``irot``/``imir``) is applied by libheif when pillow-heif decodes, and pillow-heif then
  resets the EXIF tag to 1, so it is never applied twice; Pillow's AVIF reader turns
  ``irot``/``imir`` into the EXIF tag, which is then applied once here.
* **No metadata.** EXIF (GPS, MakerNotes, thumbnails), XMP, IPTC/Photoshop, JPEG comments,
  JFIF thumbnails, MPF second images and gain maps (everything after the first image's EOI,
  including Motion Photo videos), PNG ``tEXt``/``zTXt``/``iTXt``/``eXIf``/``tIME`` chunks and
  WebP ``EXIF``/``XMP`` chunks are removed from every output. The ICC colour profile is kept.
* **Bad input is rejected, never crashes.** Decompression bombs, truncated or corrupt files,
  non-images and unsupported types raise :class:`ImageRejected`; no other exception escapes
  :func:`process_image` for bytes input (the original exception is chained as ``__cause__``).

Speed and memory (measured by ``tests/bench/bench_media.py``):

* The clean copy of an already-upright JPEG, PNG or WebP is made **without re-encoding**: the
  container is rewritten keeping only image data and colour segments (see
  :mod:`backlot.images.containers`), so it is bit-exact to the original pixels.
* The preview is the largest exact 1/1, 1/2, 1/4 or 1/8 reduction of the picture that fits in
  1600 px (so a larger picture gets a preview whose longest side is 801..1600 px; wider than
  12,800 px it is resampled to 1600). JPEGs are decoded straight at that scale by libjpeg's DCT
  scaling (``Image.draft``), which costs less than a full decode and needs no resampling pass
  (with Pillow, resampling 2 Mpx costs more than decoding them); other formats use
  ``Image.reduce``. An upright RGB/grey JPEG that already fits is its own preview (the clean
  bytes). Thumbnails are resized from the preview.
* A JPEG that must be rotated is decoded once at full size; its upright copy is encoded in
  horizontal strips that are stitched into one baseline JPEG with restart markers
  (:mod:`backlot.images.jpeg_strips`), so the rotated full-size image never exists in memory
  at once.

Colour modes: CMYK JPEGs keep CMYK (and their ICC profile) in the clean copy, which is exact;
their preview and thumbnail are converted to RGB (through the embedded ICC profile to sRGB when
there is one, else with Pillow's plain conversion), because CMYK previews are poorly supported by
browsers. For previews, bilevel images become grey, palette images RGB, 16-bit and float grey is
scaled (not clipped) to 8 bits, and alpha is flattened on white.

Known losses, all deliberate: only the first frame of a multi-frame TIFF/HEIF/AVIF is kept (an
animated PNG or WebP stays animated unless it must be rotated); a PNG that must be rotated loses
its ``gAMA``/``cHRM`` chunks (Pillow does not write them); HEIF colour given only as an ``nclx``
box (no ICC profile) is not carried over.

Concurrency: :func:`process_image` uses ``warnings.catch_warnings()``, which is process-global;
call it from one thread at a time (a Lambda invocation is one thread).
"""


from __future__ import annotations

import io
import warnings
from collections.abc import Collection

from PIL import Image, JpegImagePlugin

from backlot.images.admission import _bomb_reason, _TYPE_NAMES, check_size, sniff
from backlot.images.containers import _strip_jpeg, _strip_png, _strip_webp, _webp_first_image_chunk
from backlot.images.decoding import _ADJ, _open
from backlot.images.detection import sniff_mime_type
from backlot.images.encoding import (
    _flatten,
    _for_preview,
    _has_alpha,
    _icc_for,
    _jpeg,
    _preview_scale,
    _previews,
    _save,
    _thumbnail,
)
from backlot.images.geometry import _fit, _orientation, _TRANSPOSE
from backlot.images.jpeg_strips import _encode_jpeg_stitched
from backlot.images.jpeg_syntax import _BROWSER_SOF, _JpegSyntax
from backlot.images.types import (  # noqa: F401 - the codes and limits: part of this module's API
    ALL_TYPES,
    CLEAN_JPEG_QUALITY,
    CleanImage,
    CLEAN_WEBP_QUALITY,
    CORRUPT,
    DECOMPRESSION_BOMB,
    DEFAULT_MAX_PIXELS,
    JPEG_MAX_SIDE,
    ImageRejected,
    ImageType,
    NOT_AN_IMAGE,
    PNG_COMPRESS_LEVEL,
    PREVIEW_MAX_SIDE,
    ProcessedImage,
    THUMBNAIL_BOX,
    TOO_LARGE,
    TRUNCATED,
    UNSUPPORTED_TYPE,
)

__all__ = [
    "CleanImage",
    "CORRUPT",
    "DECOMPRESSION_BOMB",
    "ImageRejected",
    "NOT_AN_IMAGE",
    "PREVIEW_MAX_SIDE",
    "ProcessedImage",
    "THUMBNAIL_BOX",
    "TOO_LARGE",
    "TRUNCATED",
    "UNSUPPORTED_TYPE",
    "clean",
    "process_image",
    "sniff_mime_type",
    "thumbnail",
]


# --------------------------------------------------------------------------------------------
# The pipeline
# --------------------------------------------------------------------------------------------


def process_image(
    data: bytes,
    *,
    allowed: Collection[ImageType | str] = ALL_TYPES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int | None = None,
) -> ProcessedImage:
    """Validate an uploaded image and make its clean copy, preview and thumbnail.

    Args:
        data: the uploaded file's bytes (bytes-like). Its declared type and name are irrelevant.
        allowed: the accepted types (default: all of :class:`ImageType`); see
            :func:`backlot.images.sniff` (an MPO passes where JPEG is allowed).
        max_bytes: largest accepted ``len(data)``; None (the default) for no limit here (the
            presigned POST policy usually bounds it already).
        max_pixels: largest accepted ``width * height`` of the stored picture. Pillow's own
            guard (``Image.MAX_IMAGE_PIXELS`` x 2, about 179 Mpx) also applies, whichever is
            lower. Peak memory is about 4 bytes per pixel (8 for a non-JPEG that must be
            rotated) plus the input and the outputs, so size the function's memory for it.

    Returns:
        A :class:`ProcessedImage`; see there for each output's format, size and metadata.

    Rules and their sources:

    * Type: :func:`sniff_mime_type` (magic bytes); only the matching Pillow plugin may open
      the file (``Image.open(fp, formats=...)``, Pillow docs).
    * Orientation: EXIF 2.32 tag 0x0112 (1 = as stored; 2 mirror; 3 rotate 180; 4 flip;
      5 transpose; 6 needs 90 degrees clockwise; 7 transverse; 8 needs 90 counter-clockwise;
      other values: as stored), read with ``Image.getexif()`` and mapped to the transposes of
      ``ImageOps.exif_transpose`` (Pillow docs). ``width`` x ``height`` are after it.
    * Sizes: the thumbnail has the size ``Image.thumbnail((200, 200))`` gives the upright
      picture (keeps the aspect ratio, never enlarges; Pillow docs); the preview is the
      largest 1/1, 1/2, 1/4 or 1/8 reduction that fits in 1600 x 1600 (see the module
      docstring).
    * Bombs: ``width * height`` from the header is compared with ``max_pixels`` before any
      pixel is decoded (Pillow's ``DecompressionBombError`` is mapped to the same code).
    * Truncation relies on ``PIL.ImageFile.LOAD_TRUNCATED_IMAGES`` being False (Pillow's
      default); do not turn it on in a process that runs this.

    Raises:
        ImageRejected: with ``code``

            * ``not_an_image``: empty or unrecognised bytes (text, random data, ...);
            * ``unsupported_type``: a recognised type not in ``allowed`` (by default anything
              but JPEG, MPO, PNG, WebP, TIFF, HEIC/HEIF, AVIF: e.g. GIF, BMP, SVG, PDF, video),
              or one whose decoder is missing;
            * ``decompression_bomb``: more than ``max_pixels`` pixels (checked from the
              header, before decoding; also for a GIF, which is otherwise unsupported);
            * ``too_large``: more than ``max_bytes`` bytes, a side over 65,500 px that must
              become a JPEG, or no memory left;
            * ``truncated``: the data ends before the picture does;
            * ``corrupt``: anything else the decoder refuses.

        No other exception type escapes for bytes-like input; the decoder's exception is kept
        as ``__cause__`` for logs.
        TypeError: ``data`` is not bytes-like (a programming error, not a bad upload).
    """
    if not isinstance(data, bytes):
        data = bytes(data)  # bytearray / memoryview: one copy, then everything below is bytes
    check_size(data, max_bytes)
    # a GIF that claims absurd dimensions is called a bomb rather than unsupported
    mime = str(sniff(data, allowed=allowed, max_pixels=max_pixels))
    name = _TYPE_NAMES[mime]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns about odd EXIF, bombs (we check), etc.
            return _process(data, mime, max_pixels)
    except ImageRejected:
        raise
    except _JpegSyntax as exc:
        raise ImageRejected(exc.code, f"The {name} file is {_ADJ[exc.code]}: {exc}.") from exc
    except Image.DecompressionBombError as exc:
        raise ImageRejected(DECOMPRESSION_BOMB, f"The {name} image has too many pixels to be processed safely.") from exc
    except MemoryError as exc:
        raise ImageRejected(TOO_LARGE, f"The {name} image is too large to be processed.") from exc
    except (OSError, EOFError) as exc:
        message = str(exc).lower()
        if isinstance(exc, EOFError) or "truncat" in message or "end of file" in message or "premature" in message:
            raise ImageRejected(TRUNCATED, f"The {name} file is truncated: the data ends before the picture does.") from exc
        raise ImageRejected(CORRUPT, f"The {name} file is corrupt and cannot be decoded.") from exc
    except Exception as exc:  # SyntaxError, ValueError, struct.error, zlib.error, RuntimeError...
        raise ImageRejected(CORRUPT, f"The {name} file is corrupt and cannot be decoded.") from exc


def _process(data: bytes, mime: str, max_pixels: int) -> ProcessedImage:
    im = _open(data, mime)
    try:
        width, height = im.size
        if width < 1 or height < 1:
            raise ImageRejected(CORRUPT, f"The {_TYPE_NAMES[mime]} image has no pixels.")
        if width * height > max_pixels:
            raise ImageRejected(DECOMPRESSION_BOMB, _bomb_reason(width, height, max_pixels))
        if max(width, height) > JPEG_MAX_SIDE and im.format not in ("PNG", "WEBP"):
            # its clean copy would be a JPEG, which cannot be this wide or tall
            raise ImageRejected(
                TOO_LARGE, f"The image is {width} x {height} pixels; a side longer than 65,500 px is not accepted."
            )
        if im.format in ("JPEG", "MPO"):
            return _process_jpeg(data, im, mime)
        return _process_other(data, im, mime)
    finally:
        im.close()


def _process_jpeg(data: bytes, im: Image.Image, mime: str) -> ProcessedImage:
    orientation = _orientation(im)
    icc = im.info.get("icc_profile")
    sw, sh = im.size
    up_w, up_h = (sh, sw) if orientation >= 5 else (sw, sh)
    thumb_size = _fit(up_w, up_h, *THUMBNAIL_BOX)
    scale = _preview_scale(sw, sh)

    clean = None
    if orientation == 1:
        stripped, sof, precision = _strip_jpeg(data)
        if sof in _BROWSER_SOF and precision == 8:
            clean = stripped  # lossless: the original compressed data without any metadata

    if clean is not None:
        if scale == 1 and im.mode in ("L", "RGB"):
            # The clean copy already is a metadata-free, browser-viewable JPEG that fits the
            # preview box: it is the preview. Decode only what the thumbnail needs.
            _draft(im, _thumb_draft_scale(sw, sh, thumb_size))
            im.load()
            return ProcessedImage(mime, up_w, up_h, clean, "image/jpeg", clean, _thumbnail_from(im, thumb_size, icc))
        # libjpeg decodes straight at 1/2, 1/4 or 1/8 scale (IDCT scaling), still reading, and
        # so validating, all of the compressed data.
        _draft(im, scale)
        im.load()
        remaining = max(1, scale * im.size[0] // sw)
        preview, thumbnail = _previews(im, 1, remaining, thumb_size, icc)
        return ProcessedImage(mime, up_w, up_h, clean, "image/jpeg", preview, thumbnail)

    # Re-encode at full size: rotated, or a JPEG flavour browsers do not show (arithmetic
    # coding, lossless, 12-bit).
    qtables = getattr(im, "quantization", None) or None
    subsampling = JpegImagePlugin.get_sampling(im)
    im.load()
    preview, thumbnail = _previews(im, orientation, scale, thumb_size, icc)
    full = im
    if full.mode not in ("L", "RGB", "YCbCr", "CMYK"):
        full, icc = _for_preview(full, icc)
        full = _flatten(full)
    params: dict = {}
    if qtables and len(qtables) <= 4 and full.mode in ("L", "RGB", "YCbCr", "CMYK"):
        params["qtables"] = qtables  # same quantisation as the original: no extra loss
        if subsampling != -1:
            params["subsampling"] = subsampling
    else:
        params["quality"] = CLEAN_JPEG_QUALITY
    if profile := _icc_for(full.mode, icc):
        params["icc_profile"] = profile
    if orientation == 1:
        clean = _save(full, "JPEG", **params)
    else:
        clean = _encode_jpeg_stitched(full, orientation, params)
    return ProcessedImage(mime, up_w, up_h, clean, "image/jpeg", preview, thumbnail)


def _draft(im: Image.Image, scale: int) -> None:
    """Ask libjpeg for a 1/``scale`` decode (``Image.draft``; it picks 1/1, 1/2, 1/4 or 1/8).

    The mode stays RGB: asking for YCbCr output to skip colour conversion was measured slower
    with Pillow 11-13 + libjpeg-turbo 3 (the SIMD RGB paths win, both decoding and encoding)."""
    sw, sh = im.size
    im.draft(None, (max(1, sw // scale), max(1, sh // scale)))


def _thumb_draft_scale(width: int, height: int, thumb_size: tuple[int, int]) -> int:
    """Largest 1/scale decode that still has twice the thumbnail's pixels along each side
    (``Image.thumbnail``'s reducing_gap=2.0 does the same)."""
    for scale in (8, 4, 2):
        if width // scale >= 2 * thumb_size[0] and height // scale >= 2 * thumb_size[1]:
            return scale
    return 1


def _thumbnail_from(im: Image.Image, thumb_size: tuple[int, int], icc: bytes | None) -> bytes:
    im, icc = _for_preview(im, icc)
    return _thumbnail(_flatten(im), thumb_size, icc)


def _process_other(data: bytes, im: Image.Image, mime: str) -> ProcessedImage:
    im.load()  # full decode (also finds a PNG eXIf chunk stored after the image data)
    orientation = _orientation(im)
    icc = im.info.get("icc_profile")
    sw, sh = im.size
    up_w, up_h = (sh, sw) if orientation >= 5 else (sw, sh)
    thumb_size = _fit(up_w, up_h, *THUMBNAIL_BOX)
    preview, thumbnail = _previews(im, orientation, _preview_scale(sw, sh), thumb_size, icc)

    fmt = im.format
    if fmt == "PNG":
        if orientation == 1:
            clean = _strip_png(data)
        else:
            clean = _encode_png(im.transpose(_TRANSPOSE[orientation]), im.info, icc)
        return ProcessedImage(mime, up_w, up_h, clean, "image/png", preview, thumbnail)
    if fmt == "WEBP":
        if orientation == 1:
            clean = _strip_webp(data)
        else:
            upright = im.transpose(_TRANSPOSE[orientation])
            lossless = _webp_first_image_chunk(data) == b"VP8L"
            params: dict = {"lossless": True} if lossless else {"quality": CLEAN_WEBP_QUALITY}
            if icc:
                params["icc_profile"] = icc
            clean = _save(upright, "WEBP", **params)
        return ProcessedImage(mime, up_w, up_h, clean, "image/webp", preview, thumbnail)

    # HEIC/HEIF/AVIF/TIFF: JPEG for photographs, PNG for alpha, palette, bilevel or deep grey.
    upright = im if orientation == 1 else im.transpose(_TRANSPOSE[orientation])
    if _has_alpha(im) or im.mode in ("1", "P", "PA") or im.mode.startswith("I;16") or im.mode == "I":
        clean = _encode_png(upright, im.info, icc)
        return ProcessedImage(mime, up_w, up_h, clean, "image/png", preview, thumbnail)
    if upright.mode not in ("L", "RGB", "CMYK"):
        upright, icc = _for_preview(upright, icc)
    clean = _jpeg(upright, icc, CLEAN_JPEG_QUALITY)
    return ProcessedImage(mime, up_w, up_h, clean, "image/jpeg", preview, thumbnail)


def _encode_png(im: Image.Image, source_info: dict, icc: bytes | None) -> bytes:
    params: dict = {"compress_level": PNG_COMPRESS_LEVEL}
    if "transparency" in source_info and im.mode in ("1", "L", "P", "RGB", "I", "I;16", "I;16B"):
        params["transparency"] = source_info["transparency"]
    if icc:
        params["icc_profile"] = icc
    if im.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I;16", "I;16B"):
        if im.mode == "I" or im.mode.startswith("I;16"):  # 16-bit grey (32-bit "I" is clipped)
            im = (im if im.mode == "I" else im.convert("I")).convert("I;16")
        else:
            im = im.convert("RGBA" if _has_alpha(im) else "RGB")
            params.pop("transparency", None)
    return _save(im, "PNG", **params)


# --------------------------------------------------------------------------------------------
# The small surface for callers that need one output (backlot.images re-exports these)
# --------------------------------------------------------------------------------------------


def clean(
    data: bytes,
    *,
    allowed: Collection[ImageType | str] = ALL_TYPES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int | None = None,
) -> CleanImage:
    """The upright, metadata-free full-size copy of an uploaded image.

    Same checks, rules and rejections as :func:`process_image` (whose ``clean`` output this is;
    the whole picture is decoded, so a corrupt one is rejected). Call :func:`process_image`
    instead when a thumbnail or preview is needed as well: one decode makes all three.

    Raises:
        ImageRejected: see :func:`process_image`.
    """
    result = process_image(data, allowed=allowed, max_pixels=max_pixels, max_bytes=max_bytes)
    return CleanImage(result.clean, result.clean_mime_type, result.width, result.height, ImageType(result.mime_type))


def thumbnail(
    data: bytes,
    *,
    box: tuple[int, int] = THUMBNAIL_BOX,
    allowed: Collection[ImageType | str] = ALL_TYPES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int | None = None,
) -> bytes:
    """An upright JPEG of an uploaded image that fits in ``box`` (width, height in pixels).

    Its size is what ``Image.thumbnail(box)`` gives the upright original (keeps the aspect
    ratio, never enlarges; Pillow docs); no metadata except the ICC profile (sRGB for CMYK
    sources). For the default 200 x 200 box it is :func:`process_image`'s ``thumbnail``; other
    boxes are resized (BICUBIC, reducing_gap 2.0) from its preview.

    Raises:
        ValueError: ``box`` has a side < 1 or > :data:`PREVIEW_MAX_SIDE` (a programming error).
        ImageRejected: see :func:`process_image`.
    """
    box_w, box_h = box
    if not (1 <= box_w <= PREVIEW_MAX_SIDE and 1 <= box_h <= PREVIEW_MAX_SIDE):
        raise ValueError(f"thumbnail box {box!r}: each side must be 1..{PREVIEW_MAX_SIDE} px")
    result = process_image(data, allowed=allowed, max_pixels=max_pixels, max_bytes=max_bytes)
    if (box_w, box_h) == THUMBNAIL_BOX:
        return result.thumbnail
    size = _fit(result.width, result.height, box_w, box_h)
    with Image.open(io.BytesIO(result.preview), formats=("JPEG",)) as preview:
        preview.load()
        return _thumbnail(preview, size, preview.info.get("icc_profile"))
