"""Checks that an image carries no metadata but its colour profile, with exiftool when present."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

# exiftool groups (-G1) that may remain: the file's own structure and the ICC profile.
ALLOWED_GROUPS = {"ExifTool", "System", "File", "JFIF", "PNG", "RIFF", "ICC_Profile", "ICC-header", "ICC-view",
                  "ICC-meas", "Composite", "SourceFile", "ICC-chrm", "APP14", "Adobe", "PNG-pHYs"}
FORBIDDEN_GROUPS = ("EXIF", "IFD0", "IFD1", "ExifIFD", "GPS", "XMP", "IPTC", "MPF", "MakerNotes", "InteropIFD", "Photoshop",
                    "MPImage", "Google", "XMP-GCamera", "XMP-hdrgm")


def exiftool_groups(data: bytes) -> dict[str, dict]:
    """exiftool's view (``-j -G1 -a -u``) of ``data``, as ``{group: {tag: value}}``."""
    with tempfile.NamedTemporaryFile(suffix=".bin") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["exiftool", "-j", "-G1", "-a", "-u", f.name], capture_output=True, text=True, check=True)
    groups: dict[str, dict] = {}
    for key, value in json.loads(out.stdout)[0].items():
        group, _, tag = key.partition(":")
        groups.setdefault(group, {})[tag or group] = value
    return groups


def metadata_left(data: bytes) -> list[str]:
    """What metadata ``data`` still carries (empty when clean). Uses exiftool when installed and
    Pillow always: EXIF, XMP, IPTC, PNG text chunks, comments, extra frames."""
    found: list[str] = []
    with Image.open(io.BytesIO(data)) as img:
        if img.getexif():
            found.append("EXIF (Pillow)")
        for key in ("xmp", "XML:com.adobe.xmp", "exif", "comment", "photoshop", "iptc", "mp", "mpoffset"):
            if img.info.get(key):
                found.append(f"{key} (Pillow info)")
        if getattr(img, "text", None):
            found.append("PNG text (Pillow)")
        if getattr(img, "n_frames", 1) > 1:
            found.append("extra frames (Pillow)")
    if shutil.which("exiftool"):
        for group, tags in exiftool_groups(data).items():
            if group not in ALLOWED_GROUPS:
                found.append(f"{group}: {sorted(tags)[:5]}")
    return found


def exiftool_available() -> bool:
    return shutil.which("exiftool") is not None


def image_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())
