"""Pure image processing for family media: bytes in, cleaned bytes out.

Nothing here touches the network, the disk or a database: :func:`process_image` takes the bytes
of an upload and returns a :class:`ProcessedImage` (a clean full-size copy, a preview and a
thumbnail) or raises :class:`MediaRejected` with a stable ``code`` and a human ``reason``. The
media service decides what to store where.

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
  non-images and unsupported types raise :class:`MediaRejected`; no other exception escapes
  :func:`process_image` for bytes input (the original exception is chained as ``__cause__``).

Speed and memory (measured by ``tests/bench/bench_media.py``):

* The clean copy of an already-upright JPEG, PNG or WebP is made **without re-encoding**: the
  container is rewritten keeping only image data and colour segments (see :func:`_strip_jpeg`,
  :func:`_strip_png`, :func:`_strip_webp`), so it is bit-exact to the original pixels.
* The preview is the largest exact 1/1, 1/2, 1/4 or 1/8 reduction of the picture that fits in
  1600 px (so a larger picture gets a preview whose longest side is 801..1600 px; wider than
  12,800 px it is resampled to 1600). JPEGs are decoded straight at that scale by libjpeg's DCT
  scaling (``Image.draft``), which costs less than a full decode and needs no resampling pass
  (with Pillow, resampling 2 Mpx costs more than decoding them); other formats use
  ``Image.reduce``. An upright RGB/grey JPEG that already fits is its own preview (the clean
  bytes). Thumbnails are resized from the preview.
* A JPEG that must be rotated is decoded once at full size; its upright copy is encoded in
  horizontal strips that are stitched into one baseline JPEG with restart markers
  (:func:`_encode_jpeg_stitched`), so the rotated full-size image never exists in memory at once.

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
import math
import re
import struct
import warnings
import zlib
from dataclasses import dataclass, field
from typing import Final

from PIL import Image, JpegImagePlugin

__all__ = [
    "CORRUPT",
    "DECOMPRESSION_BOMB",
    "MediaRejected",
    "NOT_AN_IMAGE",
    "PREVIEW_MAX_SIDE",
    "ProcessedImage",
    "THUMBNAIL_BOX",
    "TOO_LARGE",
    "TRUNCATED",
    "UNSUPPORTED_TYPE",
    "process_image",
    "sniff_mime_type",
]

# --------------------------------------------------------------------------------------------
# Public constants
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Type detection
# --------------------------------------------------------------------------------------------

_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
_AVIF_BRANDS: Final = frozenset({b"avif", b"avis"})
_HEIC_BRANDS: Final = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_HEIF_BRANDS: Final = frozenset({b"mif1", b"msf1", b"mif2", b"miaf", b"MiHE", b"MiHB", b"MiHA"})
_QUICKTIME_BRANDS: Final = frozenset({b"qt  "})
_VIDEO_BRANDS: Final = frozenset({b"mp41", b"mp42", b"avc1", b"M4V ", b"M4VH", b"dash", b"mmp4", b"f4v ", b"MSNV"})

#: Types :func:`process_image` accepts, and the Pillow plugin allowed to parse each.
_PIL_FORMATS: Final = {
    "image/jpeg": "JPEG",
    "image/mpo": "JPEG",  # Pillow's JPEG factory turns MPF files into MpoImageFile
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/tiff": "TIFF",
    "image/avif": "AVIF",
    "image/heic": "HEIF",
    "image/heif": "HEIF",
}
SUPPORTED_MIME_TYPES: Final = frozenset(_PIL_FORMATS)


def sniff_mime_type(data: bytes) -> str | None:
    """Detect a file's type from its leading bytes ("magic numbers").

    Never looks at a file name or a declared content type. Recognises the accepted image types
    (JPEG, MPO, PNG, WebP, TIFF, HEIC/HEIF, AVIF) and, so that they can be rejected with a
    precise reason, a few others (GIF, BMP, ICO, PSD, JPEG 2000, JPEG XL, SVG, PDF, MP4 and
    QuickTime video).

    Args:
        data: the file's bytes (any bytes-like object; only a prefix is examined, except for
            JPEG, whose marker segments before the first scan are walked to tell MPO apart).

    Returns:
        A MIME type such as ``"image/jpeg"``, or ``None`` when the bytes are not recognised.
        A JPEG is ``"image/mpo"`` when its APP2 MPF index declares more than one image and it
        is not an Ultra HDR (gain map) JPEG, the same rule as Pillow's ``jpeg_factory``.
        ISO BMFF files are classified by the ``ftyp`` brands (ISO/IEC 23008-12 for HEIF,
        AV1 Image File Format for AVIF).

    Raises:
        Nothing for bytes-like input.
    """
    head = bytes(data[:64])
    if head[:3] == b"\xff\xd8\xff":
        return _sniff_jpeg(data if isinstance(data, bytes) else bytes(data))
    if head[:8] == _PNG_SIGNATURE:
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "image/tiff"
    if head[4:8] == b"ftyp":
        return _sniff_isobmff(data)
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:2] == b"BM" and len(head) >= 26 and head[6:10] == b"\x00\x00\x00\x00":
        return "image/bmp"
    if head[:4] == b"8BPS":
        return "image/vnd.adobe.photoshop"
    if head[:2] == b"\xff\x0a" or head[:12] == b"\x00\x00\x00\x0cJXL \r\n\x87\n":
        return "image/jxl"
    if head[:12] == b"\x00\x00\x00\x0cjP  \r\n\x87\n" or head[:4] == b"\xff\x4f\xff\x51":
        return "image/jp2"
    if head[:4] == b"\x00\x00\x01\x00" and len(head) >= 6 and head[4:6] != b"\x00\x00":
        return "image/x-icon"
    if head[:5] == b"%PDF-":
        return "application/pdf"
    text = bytes(data[:1024]).lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:4].lower() == b"<svg" or (text[:5] == b"<?xml" and b"<svg" in text):
        return "image/svg+xml"
    return None


def _sniff_isobmff(data: bytes) -> str | None:
    (box_size,) = struct.unpack(">I", bytes(data[:4]))
    if box_size < 16:
        return None
    ftyp = bytes(data[8 : min(box_size, 8 + 4 * 64)])
    major = ftyp[:4]
    brands = {major} | {ftyp[i : i + 4] for i in range(8, len(ftyp) - 3, 4)}
    if major in _AVIF_BRANDS:
        return "image/avif"
    if major in _HEIC_BRANDS:
        return "image/heic"
    if major in _HEIF_BRANDS or brands & (_AVIF_BRANDS | _HEIC_BRANDS):
        if brands & _AVIF_BRANDS:
            return "image/avif"
        if brands & _HEIC_BRANDS:
            return "image/heic"
        return "image/heif"
    if major in _QUICKTIME_BRANDS:
        return "video/quicktime"
    if major in _VIDEO_BRANDS or major[:3] in (b"3gp", b"3g2", b"iso"):
        return "video/mp4"
    return "application/mp4"  # some other ISO BMFF file (RFC 4337)


def _sniff_jpeg(data: bytes) -> str:
    """``image/mpo`` or ``image/jpeg``; see :func:`sniff_mime_type`."""
    mpf_images = 0
    ultra_hdr = False
    try:
        for marker, start, end in _jpeg_header_segments(data):
            if marker == 0xE2 and data[start : start + 4] == b"MPF\x00":
                mpf_images = _mpf_number_of_images(bytes(data[start + 4 : end]))
            elif marker == 0xE1 and b'hdrgm:Version="' in data[start:end]:
                ultra_hdr = True
    except _JpegSyntax:
        pass
    return "image/mpo" if mpf_images > 1 and not ultra_hdr else "image/jpeg"


def _mpf_number_of_images(tiff: bytes) -> int:
    """NumberOfImages (tag 0xB001) of a CIPA DC-007 MP Index IFD, or 0 if unreadable."""
    try:
        endian = {b"II": "<", b"MM": ">"}[tiff[:2]]
        (ifd,) = struct.unpack_from(endian + "I", tiff, 4)
        (count,) = struct.unpack_from(endian + "H", tiff, ifd)
        for i in range(min(count, 64)):
            tag, typ, _n, value = struct.unpack_from(endian + "HHII", tiff, ifd + 2 + 12 * i)
            if tag == 0xB001 and typ == 4:
                return value
    except (KeyError, struct.error):
        pass
    return 0


# --------------------------------------------------------------------------------------------
# Container-level strippers (lossless: the compressed image data is copied, not re-encoded)
# --------------------------------------------------------------------------------------------


class _JpegSyntax(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code


_SOF_MARKERS: Final = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
# Baseline, extended sequential and progressive Huffman: what every browser decodes.
_BROWSER_SOF: Final = frozenset({0xC0, 0xC1, 0xC2})
_STANDALONE: Final = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM, RST0..RST7: no length field
# After SOS, the entropy-coded data ends at the first marker that is neither a stuffed 0xFF00
# nor a restart marker RSTn (ITU-T T.81 B.1.1.2, B.1.1.5).
_ENTROPY_END: Final = re.compile(rb"\xff[^\x00\xd0-\xd7]")


def _jpeg_header_segments(data: bytes):
    """Yield ``(marker, payload_start, payload_end)`` for marker segments before the first SOS."""
    n = len(data)
    pos = 2
    while True:
        if pos >= n:
            raise _JpegSyntax(TRUNCATED, "it ends before its image data")
        if data[pos] != 0xFF:
            raise _JpegSyntax(CORRUPT, "its marker structure is broken")
        while pos < n and data[pos] == 0xFF:  # fill bytes (T.81 B.1.1.2)
            pos += 1
        if pos >= n:
            raise _JpegSyntax(TRUNCATED, "it ends before its image data")
        marker = data[pos]
        pos += 1
        if marker in _STANDALONE:
            continue
        if marker == 0xD9 or marker == 0xD8:
            raise _JpegSyntax(CORRUPT, "it has no image data")
        if pos + 2 > n:
            raise _JpegSyntax(TRUNCATED, "it ends inside a marker segment")
        (length,) = struct.unpack_from(">H", data, pos)
        if length < 2:
            raise _JpegSyntax(CORRUPT, "its marker structure is broken")
        if pos + length > n:
            raise _JpegSyntax(TRUNCATED, "it ends inside a marker segment")
        yield marker, pos + 2, pos + length
        if marker == 0xDA:
            return
        pos += length


def _strip_jpeg(data: bytes) -> tuple[bytes, int, int]:
    """Copy a JPEG keeping only what is needed to decode it and its colour.

    Kept: SOI; every non-APPn, non-COM marker segment (DQT, DHT, DRI, SOFn, SOS, DNL...) and
    the entropy-coded data, byte for byte; APP2 ``ICC_PROFILE`` chunks (ICC.1:2010 annex B.4);
    APP14 ``Adobe`` (its transform flag tells decoders whether 3/4-component data is YCbCr/YCCK
    or RGB/CMYK, so dropping it would change the colours); the first APP0 ``JFIF``, rewritten to
    its 16-byte form without the embedded thumbnail; EOI.

    Dropped: every other APPn (APP1 EXIF and XMP, APP2 MPF/FlashPix, APP3..APP13 including
    APP13 Photoshop/IPTC, APP15...), COM, JFXX thumbnails, and everything after the first EOI
    (MPF second images, Ultra HDR gain maps, Motion Photo videos, vendor trailers).

    Returns:
        ``(stripped_bytes, sof_marker, sample_precision)``.

    Raises:
        _JpegSyntax: the segment structure is broken or the data ends before EOI.
    """
    n = len(data)
    view = memoryview(data)
    parts: list[bytes | memoryview] = [b"\xff\xd8"]
    pos = 2
    sof = 0
    precision = 0
    seen_jfif = False
    while True:
        if pos >= n:
            raise _JpegSyntax(TRUNCATED, "it ends before its end-of-image marker")
        if data[pos] != 0xFF:
            raise _JpegSyntax(CORRUPT, "its marker structure is broken")
        while pos < n and data[pos] == 0xFF:
            pos += 1
        if pos >= n:
            raise _JpegSyntax(TRUNCATED, "it ends before its end-of-image marker")
        marker = data[pos]
        seg_start = pos - 1
        pos += 1
        if marker == 0xD9:  # EOI: the image is complete; drop whatever follows
            parts.append(b"\xff\xd9")
            break
        if marker == 0xD8:
            raise _JpegSyntax(CORRUPT, "its marker structure is broken")
        if marker in _STANDALONE:
            parts.append(view[seg_start:pos])
            continue
        if pos + 2 > n:
            raise _JpegSyntax(TRUNCATED, "it ends inside a marker segment")
        (length,) = struct.unpack_from(">H", data, pos)
        if length < 2:
            raise _JpegSyntax(CORRUPT, "its marker structure is broken")
        end = pos + length
        if end > n:
            raise _JpegSyntax(TRUNCATED, "it ends inside a marker segment")
        payload = view[pos + 2 : end]
        if 0xE0 <= marker <= 0xEF:
            if marker == 0xE2 and payload[:12] == b"ICC_PROFILE\x00":
                parts.append(view[seg_start:end])
            elif marker == 0xEE and payload[:5] == b"Adobe" and len(payload) >= 12:
                parts.append(b"\xff\xee\x00\x0e" + bytes(payload[:12]))
            elif marker == 0xE0 and payload[:5] == b"JFIF\x00" and len(payload) >= 14 and not seen_jfif:
                seen_jfif = True
                parts.append(b"\xff\xe0\x00\x10" + bytes(payload[:12]) + b"\x00\x00")
        elif marker == 0xFE:
            pass  # COM
        else:
            if marker in _SOF_MARKERS and not sof:
                sof = marker
                precision = payload[0] if len(payload) else 0
            parts.append(view[seg_start:end])
        pos = end
        if marker == 0xDA:  # SOS: copy the entropy-coded data up to the next real marker
            m = _ENTROPY_END.search(data, pos)
            if m is None:
                raise _JpegSyntax(TRUNCATED, "it ends inside its image data")
            parts.append(view[pos : m.start()])
            pos = m.start()
    if not sof:
        raise _JpegSyntax(CORRUPT, "it has no frame header")
    return b"".join(parts), sof, precision


# PNG chunks that are image data or colour information (PNG 3rd edition, W3C 2025): everything
# else (tEXt, zTXt, iTXt, eXIf, tIME, and any private or unknown chunk) is dropped.
_PNG_KEEP: Final = frozenset(
    {
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS",  # image data
        b"iCCP", b"sRGB", b"gAMA", b"cHRM", b"cICP", b"mDCV", b"cLLI", b"sBIT",  # colour
        b"pHYs", b"bKGD",  # pixel aspect / density, background colour
        b"acTL", b"fcTL", b"fdAT",  # APNG frames
    }
)


def _strip_png(data: bytes) -> bytes:
    """Copy a PNG keeping only image-data and colour chunks (``_PNG_KEEP``), verifying CRCs.

    Drops text chunks (``tEXt``/``zTXt``/``iTXt``, where ImageMagick and others put EXIF and
    XMP), ``eXIf`` (also when it comes after ``IDAT``), ``tIME``, unknown chunks, and anything
    after ``IEND``.

    Raises:
        MediaRejected: ``truncated`` (no ``IEND``), ``corrupt`` (bad length or CRC).
    """
    n = len(data)
    view = memoryview(data)
    parts: list[bytes | memoryview] = [_PNG_SIGNATURE]
    pos = 8
    while True:
        if pos + 12 > n:
            raise MediaRejected(TRUNCATED, "The PNG file is truncated: it ends before its last chunk.")
        length, ctype = struct.unpack_from(">I4s", data, pos)
        end = pos + 12 + length
        if length > 0x7FFFFFFF:
            raise MediaRejected(CORRUPT, "The PNG file is corrupt: a chunk has an impossible length.")
        if end > n:
            raise MediaRejected(TRUNCATED, "The PNG file is truncated: it ends inside a chunk.")
        if ctype in _PNG_KEEP:
            (crc,) = struct.unpack_from(">I", data, end - 4)
            if zlib.crc32(view[pos + 4 : end - 4]) != crc:
                raise MediaRejected(CORRUPT, "The PNG file is corrupt: a chunk checksum does not match.")
            parts.append(view[pos:end])
        pos = end
        if ctype == b"IEND":
            break
    return b"".join(parts)


_WEBP_KEEP: Final = frozenset({b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ICCP", b"ANIM", b"ANMF"})
_VP8X_EXIF: Final = 0x08
_VP8X_XMP: Final = 0x04


def _webp_first_image_chunk(data: bytes) -> bytes | None:
    """``b"VP8 "`` (lossy) or ``b"VP8L"`` (lossless): the first image bitstream chunk, looking
    inside the first ``ANMF`` frame of an animation; None if there is none."""
    pos, end = 12, len(data)
    while pos + 8 <= end:
        fourcc, size = struct.unpack_from("<4sI", data, pos)
        if fourcc in (b"VP8 ", b"VP8L"):
            return fourcc
        if fourcc == b"ANMF":
            pos += 8 + 16  # frame header, then the frame's own chunks
            continue
        pos += 8 + size + (size & 1)
    return None


def _strip_webp(data: bytes) -> bytes:
    """Copy a WebP keeping only image and ICC chunks (Google's WebP container specification).

    Drops ``EXIF``, ``XMP `` and unknown chunks, clears the EXIF and XMP flags of ``VP8X``,
    rewrites the RIFF size, and drops anything after the RIFF payload.

    Raises:
        MediaRejected: ``truncated`` or ``corrupt`` container.
    """
    n = len(data)
    (riff_size,) = struct.unpack_from("<I", data, 4)
    end_riff = 8 + riff_size
    if end_riff > n:
        raise MediaRejected(TRUNCATED, "The WebP file is truncated.")
    view = memoryview(data)
    parts: list[bytes | memoryview] = []
    pos = 12
    while pos < end_riff:
        if pos + 8 > end_riff:
            raise MediaRejected(CORRUPT, "The WebP file is corrupt: a chunk header is cut short.")
        fourcc, size = struct.unpack_from("<4sI", data, pos)
        end = pos + 8 + size + (size & 1)
        if pos + 8 + size > end_riff:
            raise MediaRejected(TRUNCATED, "The WebP file is truncated: it ends inside a chunk.")
        if fourcc == b"VP8X":
            if size < 10:
                raise MediaRejected(CORRUPT, "The WebP file is corrupt: its VP8X header is too short.")
            flags = data[pos + 8] & ~(_VP8X_EXIF | _VP8X_XMP)
            parts.append(bytes([*data[pos : pos + 8], flags]) + bytes(view[pos + 9 : min(end, end_riff)]))
        elif fourcc in _WEBP_KEEP:
            parts.append(view[pos : min(end, end_riff)])
        pos = end
    body = b"".join(parts)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


# --------------------------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Encoding helpers
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Stitched JPEG encoding: an upright copy without holding a full-size transposed image
# --------------------------------------------------------------------------------------------

_STRIP_PIXELS: Final = 1 << 19  # ~0.5 Mpx per strip (2 MiB in Pillow's 4-byte-per-pixel layout)


def _encode_jpeg_stitched(im: Image.Image, orientation: int, params: dict) -> bytes:
    """Encode ``im`` transposed by ``orientation`` as one baseline JPEG, strip by strip.

    Each horizontal strip of the upright picture (a multiple of 16 rows: a whole number of MCU
    rows for every sampling Pillow writes) is cropped from the stored image, transposed and
    encoded with identical settings (same quantisation tables, the standard Huffman tables,
    ``optimize`` off). Every strip's entropy-coded segment starts with the DC predictors at
    zero, exactly like the segment after a restart marker (ITU-T T.81 F.1.1.5.1, F.1.2.1.3),
    so the strips are concatenated with RSTn markers between them and a DRI segment giving the
    number of MCUs per strip. The decoded pixels are identical to encoding the whole transposed
    image in one go (tested), while the peak memory holds the stored image plus one strip
    instead of two full-size images.
    """
    method = _TRANSPOSE[orientation]
    sw, sh = im.size
    out_w, out_h = (sh, sw) if orientation >= 5 else (sw, sh)
    rows = max(16, (_STRIP_PIXELS // max(out_w, 1)) // 16 * 16)
    # DRI holds at most 65535 MCUs per interval; the smallest MCU is 8 x 8 px.
    rows = min(rows, max(16, (8 * 65535 // ((out_w + 7) // 8)) // 16 * 16))
    if rows >= out_h:
        strip = im.transpose(method)
        return _save(strip, "JPEG", **params)

    try:
        return _stitch_strips(im, orientation, params, rows)
    except (_StitchError, _JpegSyntax):  # never expected from libjpeg; the plain way is always correct
        return _save(im.transpose(method), "JPEG", **params)


class _StitchError(Exception):
    pass


def _stitch_strips(im: Image.Image, orientation: int, params: dict, rows: int) -> bytes:
    method = _TRANSPOSE[orientation]
    sw, sh = im.size
    out_w, out_h = (sh, sw) if orientation >= 5 else (sw, sh)
    header = b""
    sos = 0
    entropy: list[bytes] = []
    for y0 in range(0, out_h, rows):
        y1 = min(y0 + rows, out_h)
        strip = im.crop(_source_box(orientation, sw, sh, y0, y1)).transpose(method)
        encoded = _save(strip, "JPEG", **params)
        del strip
        head, data, at = _split_jpeg_scan(encoded)
        if not header:
            header, sos = head, at
        elif _without_sof_height(head) != _without_sof_height(header):
            raise _StitchError("JPEG strips were encoded with different headers")
        entropy.append(data)

    hmax, vmax = _sof_max_sampling(header)
    mcu_w, mcu_h = 8 * hmax, 8 * vmax
    mcus_per_strip = ((out_w + mcu_w - 1) // mcu_w) * (rows // mcu_h)
    if rows % mcu_h or mcus_per_strip > 65535:
        raise _StitchError("strip height is not a whole number of MCU rows")
    parts = [_with_sof_height(header[:sos], out_h), b"\xff\xdd\x00\x04", struct.pack(">H", mcus_per_strip), header[sos:]]
    for i, data in enumerate(entropy):
        if i:
            parts.append(bytes((0xFF, 0xD0 + (i - 1) % 8)))
        parts.append(data)
    parts.append(b"\xff\xd9")
    return b"".join(parts)


def _split_jpeg_scan(encoded: bytes) -> tuple[bytes, bytes, int]:
    """Split a single-scan JPEG into (everything up to and including the SOS header, the
    entropy-coded data, the offset of the SOS marker)."""
    for marker, start, end in _jpeg_header_segments(encoded):
        if marker == 0xDA:
            if encoded[-2:] != b"\xff\xd9":
                raise _StitchError("unexpected JPEG encoder output")
            return encoded[:end], encoded[end:-2], start - 4
    raise _StitchError("unexpected JPEG encoder output")


def _find_sof(header: bytes) -> int:
    for marker, start, _end in _jpeg_header_segments(header + b"\xff\xd9"):
        if marker in _SOF_MARKERS:
            return start
    raise _StitchError("no SOF in encoder output")


def _with_sof_height(header: bytes, height: int) -> bytes:
    at = _find_sof(header) + 1  # payload: precision(1) height(2) width(2) ...
    return header[:at] + struct.pack(">H", height) + header[at + 2 :]


def _without_sof_height(header: bytes) -> bytes:
    return _with_sof_height(header, 0)


def _sof_max_sampling(header: bytes) -> tuple[int, int]:
    at = _find_sof(header)
    ncomp = header[at + 5]
    hmax = vmax = 1
    for c in range(ncomp):
        sampling = header[at + 6 + 3 * c + 1]
        hmax, vmax = max(hmax, sampling >> 4), max(vmax, sampling & 0x0F)
    return hmax, vmax


# --------------------------------------------------------------------------------------------
# The pipeline
# --------------------------------------------------------------------------------------------


def process_image(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> ProcessedImage:
    """Validate an uploaded image and make its clean copy, preview and thumbnail.

    Args:
        data: the uploaded file's bytes (bytes-like). Its declared type and name are irrelevant.
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
        MediaRejected: with ``code``

            * ``not_an_image``: empty or unrecognised bytes (text, random data, ...);
            * ``unsupported_type``: a recognised type other than JPEG, MPO, PNG, WebP, TIFF,
              HEIC/HEIF, AVIF (e.g. GIF, BMP, SVG, PDF, video), or one whose decoder is missing;
            * ``decompression_bomb``: more than ``max_pixels`` pixels (checked from the
              header, before decoding; also for a GIF, which is otherwise unsupported);
            * ``too_large``: a side over 65,500 px that must become a JPEG, or no memory left;
            * ``truncated``: the data ends before the picture does;
            * ``corrupt``: anything else the decoder refuses.

        No other exception type escapes for bytes-like input; the decoder's exception is kept
        as ``__cause__`` for logs.
        TypeError: ``data`` is not bytes-like (a programming error, not a bad upload).
    """
    if not isinstance(data, bytes):
        data = bytes(data)  # bytearray / memoryview: one copy, then everything below is bytes
    mime = sniff_mime_type(data)
    if mime is None:
        if not data:
            raise MediaRejected(NOT_AN_IMAGE, "The file is empty.")
        raise MediaRejected(NOT_AN_IMAGE, "The file is not an image.")
    if mime not in SUPPORTED_MIME_TYPES:
        if mime == "image/gif":
            # Say "bomb" rather than "unsupported" for a GIF that claims absurd dimensions.
            gw, gh = _gif_declared_size(data)
            if gw * gh > max_pixels:
                raise MediaRejected(DECOMPRESSION_BOMB, _bomb_reason(gw, gh, max_pixels))
        raise MediaRejected(
            UNSUPPORTED_TYPE,
            f"Files of type {mime} are not accepted; send a JPEG, PNG, WebP, HEIC, AVIF or TIFF photo.",
        )
    name = _TYPE_NAMES[mime]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns about odd EXIF, bombs (we check), etc.
            return _process(data, mime, max_pixels)
    except MediaRejected:
        raise
    except _JpegSyntax as exc:
        raise MediaRejected(exc.code, f"The {name} file is {_ADJ[exc.code]}: {exc}.") from exc
    except Image.DecompressionBombError as exc:
        raise MediaRejected(DECOMPRESSION_BOMB, f"The {name} image has too many pixels to be processed safely.") from exc
    except MemoryError as exc:
        raise MediaRejected(TOO_LARGE, f"The {name} image is too large to be processed.") from exc
    except (OSError, EOFError) as exc:
        message = str(exc).lower()
        if isinstance(exc, EOFError) or "truncat" in message or "end of file" in message or "premature" in message:
            raise MediaRejected(TRUNCATED, f"The {name} file is truncated: the data ends before the picture does.") from exc
        raise MediaRejected(CORRUPT, f"The {name} file is corrupt and cannot be decoded.") from exc
    except Exception as exc:  # SyntaxError, ValueError, struct.error, zlib.error, RuntimeError...
        raise MediaRejected(CORRUPT, f"The {name} file is corrupt and cannot be decoded.") from exc


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


def _process(data: bytes, mime: str, max_pixels: int) -> ProcessedImage:
    im = _open(data, mime)
    try:
        width, height = im.size
        if width < 1 or height < 1:
            raise MediaRejected(CORRUPT, f"The {_TYPE_NAMES[mime]} image has no pixels.")
        if width * height > max_pixels:
            raise MediaRejected(DECOMPRESSION_BOMB, _bomb_reason(width, height, max_pixels))
        if max(width, height) > JPEG_MAX_SIDE and im.format not in ("PNG", "WEBP"):
            # its clean copy would be a JPEG, which cannot be this wide or tall
            raise MediaRejected(
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
