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
