"""Export limits, the rejection an upload gets, and one uploaded file (pure data)."""

from __future__ import annotations

from dataclasses import dataclass

@dataclass(frozen=True)
class Limits:
    """Bounds on what one export may cost to read.

    Attributes:
        max_uncompressed_bytes: total bytes of CSV read from the upload (after decompression).
        max_compression_ratio: largest uncompressed/compressed ratio of one ZIP entry over 64 KiB;
            CSV compresses 3-10x, a decompression bomb 1000x and more.
        max_zip_entries: entries in the ZIP's central directory.
        max_rows: CSV rows over all files.
        max_field_chars: characters in one CSV field (a long review).
    """

    max_uncompressed_bytes: int = 64 * 1024 * 1024
    max_compression_ratio: float = 100.0
    max_zip_entries: int = 5000
    max_rows: int = 500_000
    max_field_chars: int = 1_000_000


class ExportRejected(Exception):
    """The upload is not a readable Letterboxd export. ``code`` is stable; ``reason`` is for a person;
    ``status`` is the HTTP status a direct upload answers with."""

    def __init__(self, code: str, reason: str, status: int = 400):
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class InputFile:
    """One uploaded file, or one entry of an uploaded ZIP: ``name`` is only a hint."""

    name: str
    data: bytes
