"""The statistics people come for, shaped from the repository's raw figures (design document 003,
"Phase 3: analytics"; issue 4, item 5).

Units: hours are viewing hours (each viewing counts its film's TMDB runtime once), rounded to 0.1;
ratings are in stars 0.5..5. Figures that need TMDB (hours, genres, directors, countries) are None
until enrichment has matched at least one film, and say how many films or viewings they cover.
"""

from __future__ import annotations

from typing import Any

RATING_STEPS = [x / 2 for x in range(1, 11)]


def _hours(minutes: Any) -> float | None:
    return None if minutes is None else round(float(minutes) / 60, 1)


def _avg(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def shape(session: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    """The ``GET /api/session/{id}/stats`` body from ``repository.stats`` output."""
    o = raw["overview"]
    enriched = o["enriched_films"] > 0
    counts = {r["rating"]: r["films"] for r in raw["ratings"]}

    def tops(key: str) -> list[dict[str, Any]] | None:
        if not enriched:
            return None
        return [{"name": r["name"], "films": r["films"], "average_rating": _avg(r["average_rating"])} for r in raw[key]]

    return {
        "session_id": session["id"],
        "status": session["status"],
        "enrichment": {
            "status": session["enrichment"],
            "note": session["enrichment_note"],
            "matched_films": o["enriched_films"],
            "coverage": round(o["enriched_films"] / o["films"], 3) if o["films"] else 0.0,
        },
        "overview": {
            "films": o["films"],
            "viewings": o["viewings"],
            "rewatches": o["rewatches"],
            "hours": _hours(o["minutes"]) if enriched else None,
            "rated_films": o["rated_films"],
            "average_rating": _avg(o["average_rating"]),
            "reviews": o["reviews"],
            "watchlist": o["watchlist"],
            "likes": o["likes"],
            "lists": o["lists"],
            "first_viewing": o["first_viewing"],
            "last_viewing": o["last_viewing"],
            "films_without_viewing_date": o["undated_films"],
        },
        "per_year": [
            {
                "year": r["year"],
                "films": r["films"],
                "viewings": r["viewings"],
                "rewatches": r["rewatches"],
                "hours": _hours(r["minutes"]) if enriched else None,
                "viewings_with_runtime": r["viewings_with_runtime"],
            }
            for r in raw["per_year"]
        ],
        "by_decade": [
            {"decade": r["decade"], "label": f"{r['decade']}s", "films": r["films"], "average_rating": _avg(r["average_rating"])}
            for r in raw["decades"]
        ],
        "films_without_year": raw["no_year"],
        "rating_distribution": [{"rating": step, "films": counts.get(step, 0)} for step in RATING_STEPS],
        "rewatches": {
            "viewings": o["rewatches"],
            "flagged": o["rewatches_flagged"],
            "detected": o["rewatches"] - o["rewatches_flagged"],
            "films_rewatched": o["films_rewatched"],
            "most_rewatched": [
                {"film_id": r["id"], "name": r["name"], "year": r["year"], "viewings": r["viewing_count"]}
                for r in raw["most_rewatched"]
            ],
        },
        "tags": [{"tag": r["tag"], "uses": r["uses"]} for r in raw["tags"]],
        "genres": tops("genres"),
        "directors": tops("directors"),
        "countries": tops("countries"),
    }
