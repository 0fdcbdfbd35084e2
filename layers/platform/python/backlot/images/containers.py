"""Metadata stripping by container rewriting (lossless: the compressed image data is copied,
not re-encoded): JPEG segments, PNG chunks, WebP chunks; the colour profile is kept.

Part of :mod:`backlot.images` (see its docstring for the guarantees and their sources)."""

from __future__ import annotations

import struct
import zlib
from typing import Final

from backlot.images.detection import _PNG_SIGNATURE
from backlot.images.jpeg_syntax import _ENTROPY_END, _JpegSyntax, _SOF_MARKERS, _STANDALONE
from backlot.images.types import CORRUPT, ImageRejected, TRUNCATED



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
        ImageRejected: ``truncated`` (no ``IEND``), ``corrupt`` (bad length or CRC).
    """
    n = len(data)
    view = memoryview(data)
    parts: list[bytes | memoryview] = [_PNG_SIGNATURE]
    pos = 8
    while True:
        if pos + 12 > n:
            raise ImageRejected(TRUNCATED, "The PNG file is truncated: it ends before its last chunk.")
        length, ctype = struct.unpack_from(">I4s", data, pos)
        end = pos + 12 + length
        if length > 0x7FFFFFFF:
            raise ImageRejected(CORRUPT, "The PNG file is corrupt: a chunk has an impossible length.")
        if end > n:
            raise ImageRejected(TRUNCATED, "The PNG file is truncated: it ends inside a chunk.")
        if ctype in _PNG_KEEP:
            (crc,) = struct.unpack_from(">I", data, end - 4)
            if zlib.crc32(view[pos + 4 : end - 4]) != crc:
                raise ImageRejected(CORRUPT, "The PNG file is corrupt: a chunk checksum does not match.")
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
        ImageRejected: ``truncated`` or ``corrupt`` container.
    """
    n = len(data)
    (riff_size,) = struct.unpack_from("<I", data, 4)
    end_riff = 8 + riff_size
    if end_riff > n:
        raise ImageRejected(TRUNCATED, "The WebP file is truncated.")
    view = memoryview(data)
    parts: list[bytes | memoryview] = []
    pos = 12
    while pos < end_riff:
        if pos + 8 > end_riff:
            raise ImageRejected(CORRUPT, "The WebP file is corrupt: a chunk header is cut short.")
        fourcc, size = struct.unpack_from("<4sI", data, pos)
        end = pos + 8 + size + (size & 1)
        if pos + 8 + size > end_riff:
            raise ImageRejected(TRUNCATED, "The WebP file is truncated: it ends inside a chunk.")
        if fourcc == b"VP8X":
            if size < 10:
                raise ImageRejected(CORRUPT, "The WebP file is corrupt: its VP8X header is too short.")
            flags = data[pos + 8] & ~(_VP8X_EXIF | _VP8X_XMP)
            parts.append(bytes([*data[pos : pos + 8], flags]) + bytes(view[pos + 9 : min(end, end_riff)]))
        elif fourcc in _WEBP_KEEP:
            parts.append(view[pos : min(end, end_riff)])
        pos = end
    body = b"".join(parts)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body
