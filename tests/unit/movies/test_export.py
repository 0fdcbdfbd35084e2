"""The export reader and merge rules on small generated inputs (no services)."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from movies.domain.export import (
    ExportRejected,
    InputFile,
    Limits,
    parse_date,
    parse_rating,
    read_export,
    title_key,
)

WATCHED = "Date,Name,Year,Letterboxd URI\n"
DIARY = "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n"
RATINGS = "Date,Name,Year,Letterboxd URI,Rating\n"
REVIEWS = "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Review,Tags,Watched Date\n"


def read(**files: str) -> object:
    return read_export([InputFile(name.replace("__", "/") + ".csv", text.encode()) for name, text in files.items()])


def by_name(export) -> dict:
    return {(f.name, f.year): f for f in export.films}


@pytest.mark.parametrize(("text", "want"), [
    ("2021-06-13", date(2021, 6, 13)), ("2021/06/13", date(2021, 6, 13)), ("13.06.2021", date(2021, 6, 13)),
    ("6/13/2021", date(2021, 6, 13)), ("13/6/2021", date(2021, 6, 13)), ("13 Jun 2021", date(2021, 6, 13)),
    ("Jun 13, 2021", date(2021, 6, 13)), ("2021-06-13T21:00:00Z", date(2021, 6, 13)), ("", None), ("soon", None),
    ("2021-02-30", None),
])
def test_dates(text: str, want: date | None) -> None:
    assert parse_date(text) == want


@pytest.mark.parametrize(("text", "want"), [
    ("5", 5.0), ("4.5", 4.5), ("0.5", 0.5), ("4.0", 4.0), ("3,5", 3.5), ("★★★½", 3.5), ("4.3", 4.5), ("0", None),
    ("", None), ("6", None), ("-1", None), ("nan", None), ("great", None),
])
def test_ratings_are_half_stars(text: str, want: float | None) -> None:
    assert parse_rating(text) == want


def test_a_film_in_every_file_counts_once_and_diary_wins_the_rating() -> None:
    export = read(
        watched=WATCHED + "2020-01-01,The Shining,1980,https://boxd.it/29Nu\n",
        ratings=RATINGS + "2020-01-02,The Shining,1980,https://boxd.it/29Nu,3\n",
        diary=DIARY + "2020-01-03,The Shining,1980,https://boxd.it/AAA1,4.5,,,2020-01-02\n",
        reviews=REVIEWS + "2020-01-03,The Shining,1980,https://boxd.it/AAA1,4.5,,\"Great, <b>really</b>\n\"\"great\"\"\",,2020-01-02\n",
    )
    assert len(export.films) == 1 and len(export.viewings) == 1
    film = export.films[0]
    assert (film.rating, film.rating_source) == (4.5, "diary")
    assert film.sources == {"watched", "ratings", "diary", "reviews"} and film.review_count == 1
    review = export.reviews[0]
    assert review[2] == export.viewings[0].id and review[7] == 'Great, <b>really</b>\n"great"'


def test_ratings_beat_watched_when_no_diary() -> None:
    export = read(watched=WATCHED + "2020-01-01,Parasite,2019,https://boxd.it/hTha\n",
                  ratings=RATINGS + "2020-11-02,Parasite,2019,https://boxd.it/hTha,5\n")
    assert (export.films[0].rating, export.films[0].rating_source) == (5.0, "ratings")


def test_rewatches_each_their_own_viewing_flagged_or_detected() -> None:
    export = read(diary=DIARY
                  + "2020-01-05,Heat,1995,https://boxd.it/e3,,,,2020-01-04\n"   # second viewing, not flagged
                  + "2020-01-02,Heat,1995,https://boxd.it/e1,,Yes,,2020-01-01\n"  # first logged, seen before
                  + "2020-02-02,Heat,1995,,,Yes,,2020-02-01\n")                   # no URI
    film = export.films[0]
    assert len(export.films) == 1 and len(film.viewings) == 3
    assert [v.is_rewatch for v in film.viewings] == [True, True, True] and film.rewatch_count == 3
    assert [v.watched_on for v in film.viewings] == [date(2020, 1, 1), date(2020, 1, 4), date(2020, 2, 1)]


def test_same_title_same_year_films_are_kept_apart() -> None:
    export = read(
        watched=WATCHED + "2020-06-16,The Haunted Castle,1897,https://boxd.it/6Pki\n2020-06-16,The Haunted Castle,1897,https://boxd.it/3y76\n"
        + "2021-08-16,Rain,2019,https://boxd.it/l8jm\n2022-01-13,rain,2019,https://boxd.it/xDZ8\n",
        diary=DIARY + "2020-06-16,The Haunted Castle,1897,https://boxd.it/1,,,,2020-06-16\n"
        + "2020-06-16,The Haunted Castle,1897,https://boxd.it/2,,,,2020-06-16\n"
        + "2022-01-13,rain,2019,https://boxd.it/3,,,,2022-01-12\n",
    )
    assert len(export.films) == 4 and export.rewatch_count == 0
    castles = [f for f in export.films if f.name == "The Haunted Castle"]
    assert [len(f.viewings) for f in castles] == [1, 1] and all(f.identity_note for f in castles)
    rains = by_name(export)
    assert len(rains[("rain", 2019)].viewings) == 1 and len(rains[("Rain", 2019)].viewings) == 0


def test_rows_without_year_or_uri_and_awkward_titles() -> None:
    export = read(
        watched=WATCHED + "2021-03-08,Deep-Fried Fingers,,https://boxd.it/ubdO\n2019-01-01,1917,2019,https://boxd.it/1917\n"
        + '2019-01-01,"Salò, or the 120 Days of Sodom",1975,https://boxd.it/salo\n',
        diary=DIARY + "2021-03-08,Deep-Fried Fingers,,https://boxd.it/1I5gAj,,,,2021-03-07\n"
        + "2020-10-27,Never Hike in the Snow,,,,,\"short, youtube\",2020-10-27\n"
        + '2019-08-12,"Salò, or the 120 Days of Sodom",1975,https://boxd.it/MFi6v,,,,2019-08-11\n',
    )
    films = by_name(export)
    assert set(films) == {("Deep-Fried Fingers", None), ("1917", 2019), ("Salò, or the 120 Days of Sodom", 1975),
                          ("Never Hike in the Snow", None)}
    assert len(films[("Deep-Fried Fingers", None)].viewings) == 1
    assert films[("Never Hike in the Snow", None)].tags == ["short", "youtube"]


def test_a_yearless_row_joins_the_one_film_of_that_title() -> None:
    export = read(watched=WATCHED + "2020-01-01,Oddity,2024,https://boxd.it/odd\n",
                  diary=DIARY + "2020-01-02,Oddity,,,,,,2020-01-01\n")
    assert len(export.films) == 1 and len(export.films[0].viewings) == 1


def test_crlf_and_lf_and_bom_read_the_same() -> None:
    text = DIARY + '2020-01-02,"Crouching Tiger, Hidden Dragon",2000,https://boxd.it/x,4,,"a, b",2020-01-01\n'
    lf = read_export([InputFile("diary.csv", text.encode())])
    crlf = read_export([InputFile("diary.csv", ("\ufeff" + text.replace("\n", "\r\n")).encode())])
    assert [(f.name, f.year, f.tags) for f in lf.films] == [(f.name, f.year, f.tags) for f in crlf.films]


def test_lists_with_and_without_the_v7_marker() -> None:
    body = "Date,Name,Tags,URL,Description\n2019-09-19,Favourites,\"top, all\",https://boxd.it/3Yb9Q,\"Mine, all mine\"\n\n" \
           "Position,Name,Year,URL,Description\n1,Sonatine,1993,https://boxd.it/20TI,\n2,1917,2019,https://boxd.it/1917,\"Note, with comma\"\n"
    export = read_export([InputFile("lists/a.csv", ("Letterboxd list export v7\n" + body).encode()),
                          InputFile("lists/b.csv", ("\n" + body).encode()),
                          InputFile("watched.csv", (WATCHED + "2019-01-01,1917,2019,https://boxd.it/1917\n").encode())])
    assert [(row[1], row[3], row[6]) for row in export.lists] == [("Favourites", ["top", "all"], 2)] * 2
    entry = [e for e in export.list_entries if e[2] == "1917"][0]
    assert entry[5] == "Note, with comma" and entry[6] == export.films[0].id  # linked by film URI


def test_deleted_orphaned_profile_and_foreign_files_are_ignored() -> None:
    export = read(watched=WATCHED + "2020-01-01,Heat,1995,https://boxd.it/heat\n",
                  deleted__diary=DIARY + "2020-01-02,Heat,1995,https://boxd.it/d,,,,2020-01-01\n",
                  profile="Date Joined,Username,Given Name\n2018-12-16,someone,Some\n",
                  spotify="id,name,artists\n1,x,y\n")
    assert len(export.viewings) == 0
    assert {f.name: f.kind for f in export.files} == {"watched.csv": "watched", "deleted/diary.csv": "ignored",
                                                       "profile.csv": "ignored", "spotify.csv": "ignored"}


@pytest.mark.parametrize(("files", "code"), [
    ([("diary.csv", b"")], "empty_file"),
    ([("diary.csv", b"\r\n\r\n")], "empty_file"),
    ([("watched.csv", b"\x00" * 100)], "not_text"),
    ([("watched.csv", "Date,Name,Year\n2020,Pietà,2012\n".encode("latin-1"))], "not_utf8"),
    ([("diary.csv", b"Film;Seen\nx;y\n")], "wrong_headers"),
    ([("top2018.csv", b"id,name,artists\n1,x,y\n")], "not_letterboxd"),
    ([("export.zip", b"PK\x03\x04garbage")], "bad_zip"),
    ([], "no_files"),
])
def test_refusals(files: list, code: str) -> None:
    with pytest.raises(ExportRejected) as caught:
        read_export([InputFile(n, d) for n, d in files])
    assert caught.value.code == code and caught.value.reason


def _zip(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_zip_with_a_top_folder_and_junk() -> None:
    data = _zip({"letterboxd-x/watched.csv": (WATCHED + "2020-01-01,Heat,1995,https://boxd.it/heat\n").encode(),
                 "letterboxd-x/lists/l.csv": b"\nDate,Name,Tags,URL,Description\n2020-01-01,L,,,\n\nPosition,Name,Year,URL,Description\n",
                 "__MACOSX/letterboxd-x/._watched.csv": b"\x00\x05\x16\x07", "letterboxd-x/readme.txt": b"hi"})
    export = read_export([InputFile("x.zip", data)])
    assert len(export.films) == 1 and {f.name for f in export.files} == {"watched.csv", "lists/l.csv"}


def test_zip_bomb_is_refused_from_the_central_directory() -> None:
    bomb = _zip({"diary.csv": DIARY.encode() + b"0" * (20 * 1024 * 1024)})
    assert len(bomb) < 100_000
    with pytest.raises(ExportRejected) as caught:
        read_export([InputFile("bomb.zip", bomb)])
    assert caught.value.code == "zip_bomb" and caught.value.status == 413


def test_zip_over_the_uncompressed_budget_is_refused_before_reading() -> None:
    data = _zip({"a.csv": b"x" * 60_000, "b.csv": b"y" * 60_000}, zipfile.ZIP_STORED)
    with pytest.raises(ExportRejected) as caught:
        read_export([InputFile("big.zip", data)], Limits(max_uncompressed_bytes=100_000))
    assert caught.value.code == "export_too_large"


def test_zip_with_too_many_entries() -> None:
    data = _zip({f"f{i}.csv": b"" for i in range(30)})
    with pytest.raises(ExportRejected) as caught:
        read_export([InputFile("many.zip", data)], Limits(max_zip_entries=20))
    assert caught.value.code == "zip_too_many_entries"


def test_row_cap() -> None:
    text = WATCHED + "".join(f"2020-01-01,F{i},2000,https://boxd.it/{i}\n" for i in range(50))
    with pytest.raises(ExportRejected) as caught:
        read_export([InputFile("watched.csv", text.encode())], Limits(max_rows=10))
    assert caught.value.code == "too_many_rows"


def test_bad_values_become_warnings_not_failures() -> None:
    export = read(diary=DIARY + "someday,Heat,19x5,https://boxd.it/e1,eleven,,,not a date\n,,,,,,,\n")
    assert len(export.films) == 1 and export.films[0].year is None and export.viewings[0].watched_on is None
    assert export.warning_count >= 3 and any("rating" in w for w in export.warnings)


def test_title_key() -> None:
    assert title_key("  The   Shining ") == title_key("the shining")
    assert title_key("Pietà") != title_key("Pieta")
