"""The five features → vector(5), and the features CSV import, on the real top2018.csv too."""

from __future__ import annotations

from pathlib import Path

import pytest

from music.domain.features import FEATURES, FeatureCsvError, embedding_from_features, parse_features_csv, scale_tempo

HEADER = "id,name,artists,danceability,energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,duration_ms,time_signature"
ROW = "6DCZcSspjsKoFjzjrWoCd,God's Plan,Drake,0.754,0.449,7.0,-9.211,1.0,0.109,0.0332,8.29e-05,0.552,0.357,77.169,198973.0,4.0"


def test_embedding_order_and_tempo_scaling() -> None:
    assert FEATURES == ("danceability", "energy", "valence", "acousticness", "tempo")
    assert embedding_from_features(0.754, 0.449, 0.357, 0.0332, 77.169) == pytest.approx([0.754, 0.449, 0.357, 0.0332, 27.169 / 150])
    assert scale_tempo(30) == 0.0 and scale_tempo(200) == 1.0 and scale_tempo(250) == 1.0 and scale_tempo(125) == 0.5
    for bad in ((1.2, 0.5, 0.5, 0.5, 120), (0.5, -0.1, 0.5, 0.5, 120), (0.5, 0.5, 0.5, 0.5, 0), (0.5, 0.5, float("nan"), 0.5, 120)):
        with pytest.raises(ValueError):
            embedding_from_features(*bad)
    with pytest.raises(ValueError):
        embedding_from_features(0, 0, 0, 0, 40)  # all zero after scaling: no direction


def test_parse_one_row() -> None:
    [song] = parse_features_csv(f"{HEADER}\n{ROW}\n")
    assert (song.external_id, song.title, song.artist, song.duration, song.bpm) == ("6DCZcSspjsKoFjzjrWoCd", "God's Plan", "Drake", 199, 77)


def test_bom_crlf_quotes_and_no_id() -> None:
    text = "\ufeffname,artist,danceability,energy,valence,acousticness,tempo\r\n\"Hello, World\",\"Me\",0.1,0.2,0.3,0.4,120\r\n\r\n"
    [song] = parse_features_csv(text)
    assert song.title == "Hello, World" and song.external_id == "me|hello, world" and song.duration is None


def test_all_or_nothing_with_every_bad_row_listed() -> None:
    bad = "\n".join([HEADER, ROW, ROW, ROW.replace("0.754", "7.54").replace("6DCZ", "x"), ROW.replace("77.169", "").replace("6DCZ", "y")])
    with pytest.raises(FeatureCsvError) as err:
        parse_features_csv(bad)
    rows = {e["row"] for e in err.value.errors}
    assert rows == {3, 4, 5}
    with pytest.raises(FeatureCsvError, match="missing column"):
        parse_features_csv("name,energy\nx,0.4\n")
    with pytest.raises(FeatureCsvError):
        parse_features_csv("")
    with pytest.raises(FeatureCsvError, match="no rows"):
        parse_features_csv(HEADER + "\n")
    with pytest.raises(FeatureCsvError, match="more than"):
        parse_features_csv("\n".join([HEADER] + [ROW.replace("6DCZ", f"r{i}") for i in range(5)]), max_rows=3)


def test_real_top2018(shared_data: Path) -> None:
    songs = parse_features_csv((shared_data / "music" / "top2018.csv").read_text(encoding="utf-8"))
    assert len(songs) == 100
    assert len({s.external_id for s in songs}) == 100
    assert all(len(s.embedding) == 5 and all(0 <= x <= 1 for x in s.embedding) for s in songs)
    assert all(s.duration and 60 <= s.duration <= 600 for s in songs)
    assert all(s.bpm and 50 <= s.bpm <= 220 for s in songs)
    assert any(not s.title.isascii() for s in songs) or any("," in s.title or "'" in s.title for s in songs)


MINIMAL = "id,name,artist,danceability,energy,valence,acousticness,tempo"


@pytest.mark.parametrize(
    ("row", "what"),
    [
        ("a,Bad\x00Title,Me,0.1,0.2,0.3,0.4,120", "name"),
        ("a,Title,M\x00e,0.1,0.2,0.3,0.4,120", "artist"),
        ("a\x00b,Title,Me,0.1,0.2,0.3,0.4,120", "id"),
    ],
)
def test_nul_in_stored_text_is_a_row_error(row: str, what: str) -> None:
    """PostgreSQL text cannot hold NUL: refused with the row and the column, never sent to the database."""
    with pytest.raises(FeatureCsvError) as err:
        parse_features_csv(f"{MINIMAL}\nok,Fine,Me,0.1,0.2,0.3,0.4,120\n{row}\n")
    [error] = err.value.errors
    assert error["row"] == 3 and what in str(error["message"]) and "NUL" in str(error["message"])


def test_nul_in_an_ignored_column_is_harmless() -> None:
    [song] = parse_features_csv(f"{MINIMAL},note\na,Title,Me,0.1,0.2,0.3,0.4,120,x\x00y\n")
    assert song.title == "Title"


def test_a_field_over_the_csv_modules_limit_is_reported_with_its_line() -> None:
    """csv.Error (a field over 131,072 characters) is a FeatureCsvError naming the line, not a crash."""
    huge = "x" * 200_000
    text = f"{MINIMAL}\nok,Fine,Me,0.1,0.2,0.3,0.4,120\n\"multi\nline\",T,Me,0.1,0.2,0.3,0.4,120\nb,\"{huge}\",Me,0.1,0.2,0.3,0.4,120\n"
    with pytest.raises(FeatureCsvError) as err:
        parse_features_csv(text)
    assert "line 5" in err.value.message and "field larger than field limit" in err.value.message
    assert err.value.errors[-1]["row"] == 4  # the fourth record (row 1 = header) starts on line 5
    with pytest.raises(FeatureCsvError) as err:
        parse_features_csv(f"{huge},name\n1,2\n")  # the header itself
    assert "line 1" in err.value.message and err.value.errors == [{"row": 1, "message": err.value.errors[0]["message"]}]


@pytest.mark.parametrize("tiny", ["1e-50", "1e-40", "9e-31"])
def test_features_too_small_to_store_are_refused(tiny: str) -> None:
    """float4 keeps 1e-40 only as a denormal and 1e-50 as 0: [1e-50, 0, 0, 0, 0] would be stored as
    the zero vector and break the songs table's norm check."""
    with pytest.raises(ValueError, match="at least 1e-30"):
        embedding_from_features(float(tiny), 0.0, 0.0, 0.0, 50.0)
    with pytest.raises(FeatureCsvError) as err:
        parse_features_csv(f"{MINIMAL}\na,Title,Me,{tiny},0,0,0,50\n")
    assert err.value.errors[0]["row"] == 2 and "danceability" in str(err.value.errors[0]["message"])
    assert embedding_from_features(1e-30, 0.0, 0.0, 0.0, 50.0)[0] == 1e-30


def test_storable_embedding() -> None:
    from music.domain.features import storable_embedding

    assert storable_embedding([1e-30, 0, 0, 0, -1e6]) == [1e-30, 0, 0, 0, -1e6]
    for bad in ([1e-40, 0, 0, 0, 0], [1, 1e-31, 0, 0, 0], [0, 0, 0, 0, 0], [1, 2, 3, 4, float("nan")], [1e7, 0, 0, 0, 0]):
        with pytest.raises(ValueError):
            storable_embedding(bad)
