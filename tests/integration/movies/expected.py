"""What the CSVs of an export say, computed here independently of the product's parser (plain
``csv.DictReader`` over the files, films keyed by exact title and year, rules written out again).

* films: the distinct film URIs of ``watched.csv``, plus each title-and-year of ``diary.csv``,
  ``reviews.csv`` and ``ratings.csv`` that ``watched.csv`` does not have (a film counts once
  however many files mention it);
* viewings: the rows of ``diary.csv`` (each rewatch its own viewing), plus reviews with a watched
  date that no diary row of that title has on that date;
* rewatches: among a title-and-year's diary rows in date order (watched date, logged date, file
  order), those flagged ``Rewatch=Yes`` and those after the first k, where k is how many distinct
  films ``watched.csv`` has under that title and year (at least 1).
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from pathlib import Path


def rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def expected(folder: Path) -> dict:
    watched = rows(folder / "watched.csv")
    diary = rows(folder / "diary.csv")
    reviews = rows(folder / "reviews.csv")
    ratings = rows(folder / "ratings.csv")
    key = lambda r: (r["Name"], r["Year"])  # noqa: E731

    films_per_key: dict[tuple, set] = defaultdict(set)
    for r in watched:
        films_per_key[key(r)].add(r["Letterboxd URI"])
    watched_uris = {r["Letterboxd URI"] for r in watched}
    extra = set()
    for r in ratings:
        if r["Letterboxd URI"] not in watched_uris and key(r) not in films_per_key:
            extra.add(key(r))
    for r in diary + reviews:
        if key(r) not in films_per_key:
            extra.add(key(r))
    films = len(watched_uris) + len(extra)

    diary_days = {(key(r), r["Watched Date"]) for r in diary}
    review_only = [r for r in reviews if r["Watched Date"] and (key(r), r["Watched Date"]) not in diary_days]
    viewings = len(diary) + len(review_only)

    groups: dict[tuple, list] = defaultdict(list)
    for line, r in enumerate(diary):
        groups[key(r)].append((r["Watched Date"] or r["Date"], r["Date"], line, r["Rewatch"] == "Yes"))
    rewatches = 0
    for k, entries in groups.items():
        entries.sort()
        first = max(1, len(films_per_key.get(k, ())))
        rewatches += sum(1 for i, e in enumerate(entries) if e[3] or i >= first)
    rewatches += sum(1 for r in review_only if r["Rewatch"] == "Yes")

    per_year = Counter((r["Watched Date"] or r["Date"])[:4] for r in diary)
    tags = Counter(t.strip() for r in diary for t in r["Tags"].split(",") if t.strip())

    rating_of: dict[tuple, float] = {}
    for r in ratings:
        rating_of[key(r)] = float(r["Rating"])
    for r in sorted((r for r in diary if r["Rating"]), key=lambda r: r["Watched Date"]):
        rating_of[key(r)] = float(r["Rating"])  # diary beats ratings; the latest diary entry wins
    return {
        "films": films,
        "viewings": viewings,
        "rewatches": rewatches,
        "rewatches_flagged": sum(1 for r in diary if r["Rewatch"] == "Yes"),
        "per_year": {int(y): n for y, n in per_year.items()},
        "tags": tags,
        "ratings": Counter(rating_of.values()),
        "reviews": len(reviews),
        "watchlist": len(rows(folder / "watchlist.csv")),
        "lists": len(list((folder / "lists").glob("*.csv"))) if (folder / "lists").is_dir() else 0,
    }
