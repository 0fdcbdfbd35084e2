"""Stitched JPEG encoding: an upright copy of a rotated JPEG encoded in strips, without holding a
full-size transposed image in memory.

Part of :mod:`backlot.images` (see its docstring for the guarantees and their sources)."""

from __future__ import annotations

import struct
from typing import Final

from PIL import Image

from backlot.images.encoding import _save
from backlot.images.geometry import _source_box, _TRANSPOSE
from backlot.images.jpeg_syntax import _jpeg_header_segments, _JpegSyntax, _SOF_MARKERS

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
