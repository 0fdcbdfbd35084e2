"""TMDB match confidence: the year decides between films of one title; ties are ambiguous."""

from __future__ import annotations

from movies.domain.matching import MATCH_THRESHOLD, choose, details_values, normalize_title, release_year, score


def result(id_: int, title: str, date: str, popularity: float = 1.0, original: str | None = None) -> dict:
    return {"id": id_, "title": title, "original_title": original or title, "release_date": date, "popularity": popularity}


DUNES = [result(438631, "Dune", "2021-09-15", 500.0), result(841, "Dune", "1984-12-14", 40.0)]


def test_the_year_decides_not_popularity() -> None:
    assert choose("Dune", 1984, DUNES).result["id"] == 841
    assert choose("Dune", 2021, DUNES).result["id"] == 438631


def test_no_year_and_two_films_of_the_title_is_ambiguous() -> None:
    match = choose("Dune", None, DUNES)
    assert match.status == "ambiguous" and match.result is None and match.confidence < MATCH_THRESHOLD


def test_accents_and_punctuation() -> None:
    assert normalize_title("Le Samouraï") == normalize_title("le samourai")
    assert score("Once Upon a Time… in Hollywood", 2019, result(1, "Once Upon a Time... in Hollywood", "2019-07-24")) == 1.0
    assert choose("Nausicaä of the Valley of the Wind", 1984,
                  [result(81, "Nausicaä of the Valley of the Wind", "1984-03-11")]).status == "matched"


def test_original_title_counts() -> None:
    assert choose("Le Samouraï", 1967, [result(5511, "The Samurai", "1967-10-25", original="Le Samouraï")]).result["id"] == 5511


def test_off_by_one_year_still_matches_wrong_title_does_not() -> None:
    assert choose("Roma", 2018, [result(426426, "Roma", "2019-01-01")]).status == "matched"
    assert choose("Roma", 2018, [result(9, "Rome, Open City", "1945-09-27")]).status == "not_found"
    assert choose("Roma", 2018, []).status == "not_found"


def test_details_values() -> None:
    details = {
        "id": 841, "title": "Dune", "release_date": "1984-12-14", "runtime": 137, "poster_path": "/p.jpg",
        "genres": [{"id": 878, "name": "Science Fiction"}],
        "production_countries": [{"iso_3166_1": "US", "name": "United States of America"}],
        "credits": {"cast": [], "crew": [{"job": "Director", "name": "David Lynch"}, {"job": "Screenplay", "name": "David Lynch"},
                                         {"job": "Director", "name": "David Lynch"}]},
    }
    values = details_values(details)
    assert values["directors"] == ["David Lynch"] and values["runtime_minutes"] == 137
    assert values["countries"] == ["United States of America"] and values["genres"] == ["Science Fiction"]
    assert details_values({"id": 1, "runtime": 0})["runtime_minutes"] is None


def test_tmdb_values_that_are_not_numbers_or_dates_are_dropped_not_raised() -> None:
    """``json.loads`` reads ``Infinity``; ``"²⁰²⁰"`` passes ``isdigit`` but not ``int`` (int(inf) and
    int("²⁰²⁰") raised, failing the film's enrichment on every retry)."""
    assert [release_year({"release_date": d}) for d in ("²⁰²⁰-01-01", "٢٠٢٠-01-01", "2020-01-01", "20")] == [None, None, 2020, None]
    odd = {"id": 7, "runtime": float("inf"), "release_date": "²⁰²⁰-01-01"}
    assert details_values(odd)["runtime_minutes"] is None and details_values(odd)["tmdb_release_date"] is None
    assert details_values({"id": 7, "runtime": 1e12, "release_date": "2020-02-30"})["runtime_minutes"] is None
    assert details_values({"id": 7, "runtime": 1e12, "release_date": "2020-02-30"})["tmdb_release_date"] is None
    assert details_values({"id": 7, "runtime": 95.0, "release_date": "2020-02-03"})["tmdb_release_date"] == "2020-02-03"
    weird = [result(1, "Dune", "2021-09-15", popularity="lots"), result(2, "Dune", "1984-12-14", popularity=float("nan"))]
    assert choose("Dune", 1984, weird).result["id"] == 2

