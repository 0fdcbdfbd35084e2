"""JPEG marker syntax (ITU-T T.81 annex B): the segments before the image data, shared by type
detection and metadata stripping.

Part of :mod:`backlot.images` (see its docstring for the guarantees and their sources)."""

from __future__ import annotations

import re
import struct
from typing import Final

from backlot.images.types import CORRUPT, TRUNCATED


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
