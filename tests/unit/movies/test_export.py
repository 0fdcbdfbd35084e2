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
    parse_position,
    parse_rating,
    parse_year,
    read_export,
    slashed_order,
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
    # not numbers we read: round() of an infinity raises OverflowError; "9" * 400 is inf as a float
    ("inf", None), ("-inf", None), ("1e999", None), ("Infinity", None), ("9" * 400, None), ("4e0", None),
    ("³", None), ("٤", None), ("４", None),
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


# ---------------------------------------------------------------- values never raise (review 1)
UNICODE_DIGITS = ("²⁰²⁰", "٢٠٢٠", "２０２０", "߂߀߂߀")  # superscript (isdigit, not int), Arabic-Indic, fullwidth, NKo


@pytest.mark.parametrize("text", [*UNICODE_DIGITS, "1" * 5000, "02020", "2e3"])
def test_years_are_four_ascii_digits(text: str) -> None:
    assert parse_year(text) is None
    assert parse_year("2020") == 2020


@pytest.mark.parametrize("text", ["1/2/²⁰²¹", "¹/2/2021", "1/²/2021", "١/٢/٢٠٢١", "1" * 5000 + "/2/2021",
                                  "99999999999999999999/1/2021", "1/99999999999999999999/2021", "²⁰²¹-01-02T10:00:00"])
def test_dates_with_other_digits_or_huge_parts_are_not_understood(text: str) -> None:
    for day_first in (None, True, False):
        assert parse_date(text, day_first) is None


@pytest.mark.parametrize(("text", "want"), [("1", 1), ("250", 250), (" 7 ", 7), ("³", None), ("٣", None), ("", None),
                                            ("0", 0), ("-1", None), ("1.5", None), ("9" * 10, None), ("1" * 5000, None)])
def test_list_positions(text: str, want: int | None) -> None:
    assert parse_position(text) == want


def test_hostile_values_are_warnings_and_the_rest_is_read() -> None:
    """Each of these crashed read_export (OverflowError, ValueError) and so the upload with a 500."""
    export = read(
        diary=DIARY + "2021-01-03,Heat,1995,,inf,,,2021-01-02\n"
        + "2021-01-04,Heat,1995,,-inf,,,2021-01-03\n"
        + "2021-01-05,Heat,1995,,1e999,,,1/2/²⁰²¹\n"
        + "2021-01-06,Alien,²⁰²⁰,,4,,,2021-01-05\n"
        + "2021-01-07,Alien,1979,,4,,,1/2/" + "1" * 5000 + "\n",
        ratings=RATINGS + "2021-01-02,Heat,1995,https://boxd.it/heat,inf\n",
        lists__l="Letterboxd list export v7\nDate,Name,Tags,URL,Description\n2021-01-01,L,,,\n\n"
        "Position,Name,Year,URL,Description\n³,Heat,1995,https://boxd.it/heat,\n"
        "99999999999,Alien,1979,,\n" + "1" * 5000 + ",Ran,1985,,\n",
    )
    heat = by_name(export)[("Heat", 1995)]
    assert len(heat.viewings) == 3 and heat.rating is None and [v.rating for v in heat.viewings] == [None] * 3
    assert heat.viewings[-1].watched_on == date(2021, 1, 5)  # the unreadable watched date falls back to the logged date
    assert ("Alien", None) in by_name(export)  # the year is unknown, the row is kept
    assert [e[1] for e in export.list_entries] == [1, 2, 3]  # positions not understood: the row's place
    warnings = " ".join(export.warnings)
    for value in ("'inf'", "'-inf'", "'1e999'", "'²⁰²⁰'", "'1/2/²⁰²¹'", "'³'", "'99999999999'"):
        assert value in warnings, value
    assert export.warning_count == 10  # 7 in the diary and ratings, 3 in the list


# ---------------------------------------------------------------- files we do not read (review 2)
BROKEN = {"empty": b"", "NUL-filled": b"\x00" * 4096, "not UTF-8": "Date,Name\n2020-01-01,Pietà\n".encode("latin-1"),
          "blank lines": b"\r\n\r\n"}


@pytest.mark.parametrize("broken", BROKEN)
def test_a_broken_file_we_do_not_read_does_not_reject_the_export(broken: str) -> None:
    data = _zip({"watched.csv": (WATCHED + "2020-01-01,Heat,1995,https://boxd.it/heat\n").encode(),
                 "deleted/diary.csv": BROKEN[broken], "orphaned/diary.csv": BROKEN[broken],
                 "deleted/reviews.csv": BROKEN[broken], "profile.csv": BROKEN[broken], "comments.csv": BROKEN[broken]})
    export = read_export([InputFile("letterboxd.zip", data)])
    assert len(export.films) == 1
    kinds = {f.name: (f.kind, f.note) for f in export.files}
    assert kinds["watched.csv"] == ("watched", None)
    for name in ("deleted/diary.csv", "orphaned/diary.csv", "deleted/reviews.csv", "profile.csv", "comments.csv"):
        assert kinds[name][0] == "ignored" and kinds[name][1], name
    assert kinds["deleted/diary.csv"][1] == "deleted or orphaned entries are not on the profile"
    assert export.summary()["files"][1]["kind"] == "ignored"


def test_a_broken_file_we_read_still_rejects_and_so_does_a_lone_broken_file() -> None:
    for name in ("diary.csv", "lists/l.csv", "likes/films.csv", "export/watched.csv"):
        with pytest.raises(ExportRejected) as caught:
            read_export([InputFile("watched.csv", (WATCHED + "2020-01-01,Heat,1995,https://boxd.it/heat\n").encode()),
                         InputFile(name, b"\x00" * 10)])
        assert caught.value.code == "not_text", name
    with pytest.raises(ExportRejected) as caught:  # nothing else to read: say why this file was not read
        read_export([InputFile("my-export.csv", "Date,Name\nPietà\n".encode("latin-1"))])
    assert caught.value.code == "not_utf8"


# ---------------------------------------------------------------- identity (review 3)
def test_a_yearless_film_does_not_merge_two_years() -> None:
    export = read(watched=WATCHED + "2020-01-01,Oddity,,https://boxd.it/odd\n",
                  diary=DIARY + "2020-01-02,Oddity,2019,,,,,2020-01-01\n2020-03-02,Oddity,2020,,,,,2020-03-01\n"
                  + "2020-04-02,Oddity,2019,,,,,2020-04-01\n")
    films = by_name(export)
    assert set(films) == {("Oddity", None), ("Oddity", 2020)} and export.rewatch_count == 1
    assert [v.watched_on for v in films[("Oddity", None)].viewings] == [date(2020, 1, 1), date(2020, 4, 1)]
    assert len(films[("Oddity", 2020)].viewings) == 1
    assert "'Oddity' (no year)" in films[("Oddity", 2020)].identity_note and films[("Oddity", None)].identity_note is None
    assert any("may be the same film" in w for w in export.warnings)


def test_a_yearless_film_beside_a_film_with_a_year_takes_no_other_year() -> None:
    export = read(watched=WATCHED + "2020-01-01,Oddity,,https://boxd.it/odd\n2020-01-01,Oddity,2019,https://boxd.it/odd19\n",
                  ratings=RATINGS + "2020-01-01,Oddity,2021,,4\n",
                  reviews=REVIEWS + "2020-01-02,Oddity,2022,,,,Hm,,2020-01-01\n")
    assert sorted((f.year or 0) for f in export.films) == [0, 2019, 2021, 2022]
    assert by_name(export)[("Oddity", 2021)].rating == 4.0 and by_name(export)[("Oddity", 2022)].review_count == 1


def test_a_yearless_diary_row_among_two_films_of_its_title_is_a_film_with_a_note() -> None:
    export = read(watched=WATCHED + "2020-01-01,Suspiria,1977,https://boxd.it/s77\n2020-01-01,Suspiria,2018,https://boxd.it/s18\n",
                  diary=DIARY + "2020-01-02,Suspiria,,,4,,,2020-01-01\n2020-02-02,Suspiria,,,,,,2020-02-01\n")
    films = by_name(export)
    assert len(export.films) == 3 and len(films[("Suspiria", None)].viewings) == 2 and export.rewatch_count == 1
    note = films[("Suspiria", None)].identity_note
    assert "'Suspiria' (1977)" in note and "'Suspiria' (2018)" in note
    assert films[("Suspiria", 1977)].identity_note is None and not films[("Suspiria", 2018)].viewings
    assert sum("may be the same film" in w for w in export.warnings) == 1 and export.warning_count == 1


# ---------------------------------------------------------------- slashed dates, one order per column (review 4)
def _watched_on(*dates: str, logged: str = "2021-12-31") -> list[date | None]:
    export = read(diary=DIARY + "".join(f"{logged},F{i},2000,,,,,{d}\n" for i, d in enumerate(dates)))
    films = {f.name: f for f in export.films}
    return [films[f"F{i}"].viewings[0].watched_on for i in range(len(dates))]


def test_a_day_first_column_reads_every_slashed_date_day_first() -> None:
    assert _watched_on("03/04/2021", "13/04/2021") == [date(2021, 4, 3), date(2021, 4, 13)]
    assert _watched_on("13/04/2021", "03/04/2021", "2021-05-06") == [date(2021, 4, 13), date(2021, 4, 3), date(2021, 5, 6)]


def test_a_month_first_column_and_an_undecided_one() -> None:
    assert _watched_on("03/04/2021", "04/13/2021") == [date(2021, 3, 4), date(2021, 4, 13)]
    assert _watched_on("03/04/2021", "05/06/2021") == [date(2021, 3, 4), date(2021, 5, 6)]  # undecided: month first


def test_an_undecided_column_follows_the_files_other_date_column() -> None:
    assert _watched_on("03/04/2021", logged="13/04/2021") == [date(2021, 4, 3)]
    # the order is the file's: the same text in another file is read in that file's order
    export = read(diary=DIARY + "2021-04-20,A,2000,,,,,13/04/2021\n2021-04-20,B,2000,,,,,03/04/2021\n",
                  reviews=REVIEWS + "2021-04-20,C,2000,,,,x,,03/04/2021\n2021-04-20,D,2000,,,,x,,04/13/2021\n")
    assert {f.name: f.viewings[0].watched_on for f in export.films} == {
        "A": date(2021, 4, 13), "B": date(2021, 4, 3), "C": date(2021, 3, 4), "D": date(2021, 4, 13)}


def test_a_column_that_disagrees_reads_each_date_alone_and_says_so() -> None:
    export = read(diary=DIARY + "2021-12-31,A,2000,,,,,13/04/2021\n2021-12-31,B,2000,,,,,04/14/2021\n2021-12-31,C,2000,,,,,03/04/2021\n")
    assert {f.name: f.viewings[0].watched_on for f in export.films} == {
        "A": date(2021, 4, 13), "B": date(2021, 4, 14), "C": date(2021, 3, 4)}
    assert any("both day-first and month-first" in w for w in export.warnings)


def test_slashed_order() -> None:
    assert slashed_order(["2021-01-02", "03/04/2021", ""]) == set()
    assert slashed_order(["13/04/2021"]) == {True} and slashed_order(["04/13/2021"]) == {False}
    assert slashed_order(["13/04/2021", "04/13/2021", "13/13/2021", "²³/04/2021"]) == {True, False}
