"""Request bodies refuse what PostgreSQL or pgvector cannot store (NUL in text, embedding components
lost in float4), naming the field; the settings keep what a poll hands out safe from re-plans."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from music.schemas import PlayerCreate, PlayerUpdate, SongCreate, SongUpdate
from music.settings import POLL_ENTRIES, MusicSettings


@pytest.mark.parametrize(
    ("model", "body", "field"),
    [
        (SongCreate, {"title": "Bad\x00title"}, "title"),
        (SongCreate, {"title": "ok", "artist": "\x00"}, "artist"),
        (SongUpdate, {"title": "a\x00"}, "title"),
        (SongUpdate, {"artist": "a\x00b"}, "artist"),
        (PlayerCreate, {"name": "Lobby\x00"}, "name"),
        (PlayerUpdate, {"name": "\x00Lobby"}, "name"),
        (SongCreate, {"title": "ok", "embedding": [1e-40, 0, 0, 0, 0]}, "embedding"),
        (SongCreate, {"title": "ok", "embedding": [1e-50, 0, 0, 0, 0]}, "embedding"),
        (SongUpdate, {"embedding": [0.5, -1e-35, 0, 0, 0]}, "embedding"),
    ],
)
def test_unstorable_input_is_refused_naming_the_field(model: type, body: dict, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        model(**body)
    [error] = err.value.errors()
    assert error["loc"] == (field,)
    assert "NUL" in error["msg"] or "1e-30" in error["msg"]


def test_small_but_storable_components_are_accepted() -> None:
    assert SongCreate(title="ok", embedding=[1e-30, 0, 0, 0, 1]).embedding == [1e-30, 0, 0, 0, 1]


def test_a_replan_keeps_at_least_what_a_poll_hands_out() -> None:
    settings = MusicSettings(songs_bucket="b")
    assert POLL_ENTRIES == 3 and settings.queue_keep >= POLL_ENTRIES and settings.queue_length >= settings.queue_keep
    with pytest.raises(ValidationError, match="queue_keep"):
        MusicSettings(songs_bucket="b", queue_keep=POLL_ENTRIES - 1)
    with pytest.raises(ValidationError, match="queue_length"):
        MusicSettings(songs_bucket="b", queue_length=2)


def test_venue_codes_are_read_the_way_people_type_them() -> None:
    """Issue 9 item 6: case, spaces and dashes do not matter; anything else is not a code."""
    from music.service import VENUE_CODE_ALPHABET, normalise_venue_code

    assert normalise_venue_code("abcd-2345") == "ABCD2345" and normalise_venue_code(" AbCd 2345 ") == "ABCD2345"
    for bad in ("ABCD234", "ABCD23456", "ABCD234O", "ABCD2341", "ABCD234!", "", "ÀBCD2345"):
        assert normalise_venue_code(bad) is None, bad
    assert len(VENUE_CODE_ALPHABET) == 32 and not set("IO01") & set(VENUE_CODE_ALPHABET)
