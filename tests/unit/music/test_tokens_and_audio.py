"""Device tokens, the Bearer parser, the authorizer's refusals without a database, and audio
recognition with mutagen (made-up files and every real non-audio file in ../shared/data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from music.audio.metadata import AudioRejected, read_audio
from music.domain import tokens
from tests.unit.music.samples import mp3, wav


def test_tokens_are_random_hashed_and_hinted() -> None:
    a, b = tokens.new_token(), tokens.new_token()
    assert a != b and a.startswith("blp_") and len(a) == 47
    assert tokens.token_hash(a) != tokens.token_hash(b) and len(tokens.token_hash(a)) == 32
    assert tokens.token_hint(a) == a[:8]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Bearer blp_abc", "blp_abc"),
        ("bearer   blp_abc  ", "blp_abc"),
        (None, None),
        ("", None),
        ("Basic dXNlcjpwYXNz", None),
        ("Bearer", None),
        ("Bearer ", None),
        ("Bearer a b", None),
        ("Bearer " + "x" * 500, None),
        ("Bearer blp_é", None),
        ("Bearer blp_\x00", None),
    ],
)
def test_bearer_parsing(header: str | None, expected: str | None) -> None:
    assert tokens.bearer_token(header) == expected


def test_authorizer_refuses_malformed_headers_without_touching_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    from music import authorizer
    from music import repository

    def boom(*_: object) -> None:
        raise AssertionError("the database must not be asked")

    monkeypatch.setattr(repository, "player_for_token", boom)
    from tests.support.apigw import LambdaContext

    for headers in ({}, {"authorization": "Basic abc"}, {"authorization": "Bearer "}):
        assert authorizer.handler({"version": "2.0", "type": "REQUEST", "headers": headers}, LambdaContext()) == {"isAuthorized": False}


def test_wav_and_mp3_duration_and_bpm() -> None:
    assert read_audio(wav(3.0)).duration == 3 and read_audio(wav(3.0)).bpm is None
    assert read_audio(wav(2.0, bpm="128")).bpm == 128
    info = read_audio(mp3(10.0, bpm="95.6"))
    assert info.format == "MP3" and info.duration == 10 and info.bpm == 96
    assert read_audio(wav(2.0, bpm="fast")).bpm is None
    assert read_audio(wav(2.0, bpm="9000")).bpm is None


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b"%PDF-1.4 not a song", "not_audio"),
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "not_audio"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "unreadable_audio"),
        (wav(0.1), "too_short"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "unreadable_audio"),
    ],
)
def test_not_audio_is_rejected_with_a_reason(data: bytes, code: str) -> None:
    with pytest.raises(AudioRejected) as err:
        read_audio(data)
    assert err.value.code == code and err.value.reason


def test_no_real_non_audio_file_passes_as_audio(shared_data: Path) -> None:
    accepted = []
    for path in sorted(p for p in shared_data.rglob("*") if p.is_file()):
        try:
            read_audio(path.read_bytes())
        except AudioRejected:
            continue
        accepted.append(path.name)
    assert accepted == []
