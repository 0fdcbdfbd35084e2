"""Type detection: the media type of an upload from its bytes, never its name or declared type.

Part of :mod:`backlot.images` (see its docstring for the guarantees and their sources)."""

from __future__ import annotations

import struct
from typing import Final

from backlot.images.jpeg_syntax import _jpeg_header_segments, _JpegSyntax

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
