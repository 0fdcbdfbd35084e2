"""Small audio files made here (no fixtures on disk): WAV by the standard library, MP3 by writing
MPEG-1 Layer III frame headers, tags by mutagen."""

from __future__ import annotations

import io
import wave

from mutagen.id3 import ID3, TBPM, TIT2

# MPEG-1 Layer III, no CRC, 128 kbit/s, 44.1 kHz, no padding, mono: 417-byte frames of 1152 samples.
_MP3_HEADER = bytes([0xFF, 0xFB, 0x90, 0xC0])
_MP3_FRAME = _MP3_HEADER + bytes(417 - 4)


def wav(seconds: float = 3.0, rate: int = 8000, bpm: str | None = None) -> bytes:
    """A silent mono 16-bit WAV; with ``bpm`` an ID3 chunk carrying TBPM (as taggers write it)."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\0\0" * int(rate * seconds))
    data = buf.getvalue()
    if bpm is None:
        return data
    from mutagen.wave import WAVE

    tagged = io.BytesIO(data)
    audio = WAVE(tagged)
    audio.add_tags()
    audio.tags.add(TBPM(encoding=3, text=[bpm]))
    audio.tags.add(TIT2(encoding=3, text=["test tone"]))
    audio.save(tagged)
    return tagged.getvalue()


def mp3(seconds: float = 3.0, bpm: str | None = None) -> bytes:
    """Silent MP3 frames for about ``seconds``; with ``bpm`` an ID3v2 tag in front."""
    frames = _MP3_FRAME * max(1, int(seconds * 44100 / 1152))
    if bpm is None:
        return frames
    tag = ID3()
    tag.add(TBPM(encoding=3, text=[bpm]))
    out = io.BytesIO()
    tag.save(out)
    return out.getvalue() + frames
