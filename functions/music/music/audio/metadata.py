"""What an uploaded file is, read from its bytes with mutagen (https://mutagen.readthedocs.io).

mutagen picks the format from the bytes (each format scores the file's header; the file name is
never given to it here, so a name cannot make a file audio) and parses the stream headers for the
length. Accepted: whatever mutagen reads with a stream length — MP3, MP4/M4A (AAC, ALAC), FLAC,
Ogg Vorbis/Opus/FLAC/Speex, WAV, AIFF, ASF/WMA, Musepack, WavPack, Monkey's Audio, TrueAudio, DSF.

BPM comes from the file's own tags when it has one: ID3 ``TBPM`` (MP3, WAV, AIFF), MP4 ``tmpo``,
Vorbis comment / APEv2 ``BPM``, ASF ``WM/BeatsPerMinute``. A value outside 20..400 is ignored.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from typing import Any

import mutagen

MIN_SECONDS = 0.5
MAX_SECONDS = 6 * 3600
_NUMBER = re.compile(r"\s*(\d{1,4}(?:[.,]\d+)?)")


class AudioRejected(Exception):
    """The file can never be played: ``code`` (stable) and ``reason`` (a sentence for a person)."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class AudioInfo:
    """``mime_type`` (mutagen's first), ``format`` (mutagen's class name), ``duration`` in whole
    seconds (rounded, at least 1), ``bpm`` (None when the tags say nothing usable)."""

    mime_type: str
    format: str
    duration: int
    bpm: int | None


def _parse_bpm(value: Any) -> int | None:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    if value is None:
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        match = _NUMBER.match(str(getattr(value, "value", value)))
        if not match:
            return None
        number = float(match.group(1).replace(",", "."))
    if not math.isfinite(number) or not 20 <= number <= 400:
        return None
    return round(number)


def _bpm(audio: Any) -> int | None:
    tags = getattr(audio, "tags", None)
    if not tags:
        return None
    getall = getattr(tags, "getall", None)
    if callable(getall):  # ID3
        for frame in getall("TBPM"):
            found = _parse_bpm(getattr(frame, "text", None))
            if found:
                return found
        return None
    for key in ("tmpo", "BPM", "bpm", "WM/BeatsPerMinute"):
        try:
            value = tags[key]
        except (KeyError, ValueError, TypeError):
            continue
        found = _parse_bpm(value)
        if found:
            return found
    return None


def read_audio(data: bytes) -> AudioInfo:
    """Identify ``data`` as audio and read its duration and BPM.

    Raises:
        AudioRejected: ``empty_file``, ``not_audio`` (no format recognises the bytes),
            ``unreadable_audio`` (a format matched but its stream is broken), ``too_short`` or
            ``too_long`` (outside 0.5 s .. 6 h).
    """
    if not data:
        raise AudioRejected("empty_file", "The file is empty.")
    try:
        audio = mutagen.File(io.BytesIO(data))
    except mutagen.MutagenError as exc:
        raise AudioRejected("unreadable_audio", f"The file looks like audio but cannot be read: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - a parser bug on hostile bytes must not be retried forever
        raise AudioRejected("unreadable_audio", f"The file cannot be read as audio ({type(exc).__name__}).") from exc
    if audio is None or getattr(audio, "info", None) is None:
        raise AudioRejected(
            "not_audio", "The file is not audio in a format we read (MP3, AAC/M4A, FLAC, Ogg, WAV, AIFF, WMA, ...)."
        )
    length = float(getattr(audio.info, "length", 0.0) or 0.0)
    if not math.isfinite(length) or length < MIN_SECONDS:
        raise AudioRejected("too_short", f"The audio lasts {length:.2f} s; at least {MIN_SECONDS} s is needed.")
    if length > MAX_SECONDS:
        raise AudioRejected("too_long", f"The audio lasts {length / 3600:.1f} hours; at most 6 hours is accepted.")
    mime = (getattr(audio, "mime", None) or ["application/octet-stream"])[0]
    return AudioInfo(mime_type=mime, format=type(audio).__name__, duration=max(1, round(length)), bpm=_bpm(audio))
