"""ZIP safety: expanding an uploaded ZIP into its CSV members within the limits (zip bombs, paths, sizes)."""

from __future__ import annotations

import io
import zipfile

from movies.domain.export.limits import ExportRejected, InputFile, Limits

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_SMALL_ENTRY = 64 * 1024


def is_zip(data: bytes) -> bool:
    """True when the bytes start like a ZIP archive (local file header or empty-archive record)."""
    return data[:4] in ZIP_MAGIC


def expand(files: list[InputFile], limits: Limits) -> list[InputFile]:
    """The CSV files of an upload: each ZIP is opened and its ``.csv`` entries taken out.

    ZIP safety: the central directory is checked before anything is decompressed — the entry
    count, the total uncompressed size of the CSV entries against ``max_uncompressed_bytes``, and
    each entry's compression ratio — and every entry is then read with a cap of its declared size
    (Python's zipfile also stops at the declared size and checks the CRC). Encrypted entries are
    refused. Nothing is extracted to disk, so entry paths cannot escape anywhere.

    Raises:
        ExportRejected: ``no_files``, ``bad_zip``, ``zip_encrypted``, ``zip_too_many_entries``,
            ``export_too_large`` (413), ``zip_bomb`` (413).
    """
    if not files:
        raise ExportRejected("no_files", "no file was uploaded: send the export ZIP or its CSV files in the field 'files'")
    out: list[InputFile] = []
    budget = limits.max_uncompressed_bytes
    for item in files:
        if is_zip(item.data):
            entries = _read_zip(item, limits, budget)
            out.extend(entries)
            budget -= sum(len(e.data) for e in entries)
        else:
            budget -= len(item.data)
            out.append(item)
        if budget < 0:
            raise ExportRejected("export_too_large", f"the export holds more than {limits.max_uncompressed_bytes} bytes of CSV", 413)
    return out


def _clean_path(name: str) -> str:
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    return "/".join(parts)


def _read_zip(item: InputFile, limits: Limits, budget: int) -> list[InputFile]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(item.data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise ExportRejected("bad_zip", f"{item.name or 'the upload'} is not a readable ZIP archive ({exc})") from exc
    if len(infos) > limits.max_zip_entries:
        raise ExportRejected("zip_too_many_entries", f"the ZIP has {len(infos)} entries; at most {limits.max_zip_entries} are read")
    wanted = [i for i in infos if not i.is_dir() and i.filename.lower().endswith(".csv") and not _clean_path(i.filename).startswith("__MACOSX/")]
    declared = sum(i.file_size for i in wanted)
    if declared > budget:
        raise ExportRejected(
            "export_too_large",
            f"the ZIP declares {declared} bytes of CSV; at most {limits.max_uncompressed_bytes} are read", 413,
        )
    for info in wanted:
        if info.flag_bits & 0x1:
            raise ExportRejected("zip_encrypted", f"{info.filename} is encrypted; upload the export as Letterboxd sent it")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _SMALL_ENTRY and ratio > limits.max_compression_ratio:
            raise ExportRejected(
                "zip_bomb",
                f"{info.filename} would expand {ratio:.0f}x ({info.file_size} bytes from {info.compress_size}); "
                f"more than {limits.max_compression_ratio:.0f}x is refused as a decompression bomb", 413,
            )
    names = [_clean_path(i.filename) for i in wanted]
    prefix = _common_folder(names)
    out = []
    for info, name in zip(wanted, names, strict=True):
        try:
            with archive.open(info) as handle:
                data = handle.read(info.file_size + 1)
        except (zipfile.BadZipFile, NotImplementedError, EOFError, OSError, RuntimeError) as exc:
            raise ExportRejected("bad_zip", f"{info.filename} cannot be read from the ZIP ({exc})") from exc
        if len(data) > info.file_size:
            raise ExportRejected("zip_bomb", f"{info.filename} is larger than its declared size", 413)
        out.append(InputFile(name[len(prefix):], data))
    return out


def _common_folder(names: list[str]) -> str:
    """A single top folder every entry sits in (``export-2024/diary.csv``) is dropped."""
    tops = {n.split("/", 1)[0] for n in names if "/" in n}
    if len(tops) == 1 and all("/" in n for n in names):
        return tops.pop() + "/"
    return ""
