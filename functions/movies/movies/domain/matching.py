"""Which TMDB search result is the film a Letterboxd row names, and how sure we are.

Letterboxd's film data comes from TMDB, so a film's title and year normally equal one TMDB
result's ``title`` (or ``original_title``) and the year of its ``release_date``. Scores:

* title: 1.0 when equal after normalising (accents removed, case-folded, ``&`` as ``and``,
  punctuation dropped), else difflib's similarity ratio of the normalised titles;
* year: 1.0 equal, 0.7 one year apart (festival premiere vs. release), 0.5 when either side has
  no year, 0 otherwise;
* confidence = 0.6 x title + 0.4 x year, in 0..1. A result is taken at ``MATCH_THRESHOLD`` or more.

Films of the same title are never mixed up: the year decides (*Dune* 1984 is not *Dune* 2021),
and when two results score the same — same title, same year, or no year to tell them apart —
the film is ``ambiguous`` and gets no TMDB data rather than another film's.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher
from typing import Any

MATCH_THRESHOLD = 0.8
TIE_MARGIN = 0.02
MAX_RUNTIME_MINUTES = 1_000_000  # the longest films run ~860 hours; the column is an integer
_NON_WORD = re.compile(r"[^\w\s]", re.UNICODE)
_WS = re.compile(r"\s+")


def normalize_title(title: str) -> str:
    """Title for comparison: NFKD without combining marks, case-folded, ``&`` -> ``and``, no punctuation."""
    text = unicodedata.normalize("NFKD", title or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().replace("&", " and ")
    return _WS.sub(" ", _NON_WORD.sub(" ", text)).strip()


def title_similarity(a: str, b: str) -> float:
    """1.0 for equal normalised titles, else difflib's ratio (0..1)."""
    na, nb = normalize_title(a), normalize_title(b)
    if not na or not nb:
        return 0.0
    if na == nb:
        return 1.0
    return SequenceMatcher(None, na, nb).ratio()


def release_year(result: dict[str, Any]) -> int | None:
    """Year of a TMDB result's ``release_date`` (``""``, missing or not ASCII digits -> None)."""
    text = str(result.get("release_date") or "")[:4]
    return int(text) if len(text) == 4 and text.isascii() and text.isdigit() else None


def _release_date(value: Any) -> str | None:
    """A ``release_date`` PostgreSQL's ``date`` takes: ISO ``YYYY-MM-DD``, ASCII, a real day; else None."""
    text = str(value or "")
    if len(text) != 10 or not text.isascii():
        return None
    try:
        date.fromisoformat(text)
    except ValueError:
        return None
    return text


def _number(value: Any) -> float:
    """A JSON number as a finite float (TMDB's ``popularity``); anything else (text, ``NaN``,
    ``Infinity``, which ``json.loads`` accepts) is 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0.0
    value = float(value)
    return value if math.isfinite(value) else 0.0


def score(name: str, year: int | None, result: dict[str, Any]) -> float:
    """Confidence (0..1) that ``result`` is the film ``name`` (``year``); see module doc."""
    t = max(title_similarity(name, str(result.get("title") or "")), title_similarity(name, str(result.get("original_title") or "")))
    other = release_year(result)
    if year is None or other is None:
        y = 0.5
    elif other == year:
        y = 1.0
    elif abs(other - year) == 1:
        y = 0.7
    else:
        y = 0.0
    return round(0.6 * t + 0.4 * y, 4)


@dataclass(frozen=True)
class Match:
    """``status`` is ``matched``, ``not_found`` or ``ambiguous``; ``result`` the chosen search result."""

    status: str
    confidence: float
    result: dict[str, Any] | None = None
    note: str | None = None


def choose(name: str, year: int | None, results: list[dict[str, Any]]) -> Match:
    """Pick the search result for the film ``name`` (``year``), or say why none is taken."""
    scored = sorted(((score(name, year, r), _number(r.get("popularity")), i, r) for i, r in enumerate(results)),
                    key=lambda s: (-s[0], -s[1], s[2]))
    if not scored or scored[0][0] < MATCH_THRESHOLD:
        best = scored[0][0] if scored else 0.0
        return Match("not_found", best, None, f"no TMDB result scored {MATCH_THRESHOLD} or more (best {best:.2f})")
    best_score, _, _, best = scored[0]
    rivals = [s for s in scored[1:] if best_score - s[0] < TIE_MARGIN and s[3].get("id") != best.get("id")]
    if rivals:
        ids = ", ".join(str(s[3].get("id")) for s in [scored[0], *rivals][:5])
        return Match("ambiguous", round(best_score / (1 + len(rivals)), 4), None,
                     f"{1 + len(rivals)} TMDB films fit {name!r} ({year or 'no year'}) equally well: {ids}")
    return Match("matched", best_score, best)


def details_values(details: dict[str, Any]) -> dict[str, Any]:
    """The columns kept from a ``/3/movie/{id}?append_to_response=credits`` answer."""
    credits = details.get("credits") or {}
    crew = credits.get("crew") if isinstance(credits, dict) else None
    directors = list(dict.fromkeys(c.get("name") for c in (crew or []) if isinstance(c, dict) and c.get("job") == "Director" and c.get("name")))
    genres = [g.get("name") for g in details.get("genres") or [] if isinstance(g, dict) and g.get("name")]
    countries = [c.get("name") for c in details.get("production_countries") or [] if isinstance(c, dict) and c.get("name")]
    runtime = _number(details.get("runtime"))
    return {
        "tmdb_id": int(details["id"]),
        "tmdb_title": str(details.get("title") or "")[:500] or None,
        "tmdb_release_date": _release_date(details.get("release_date")),
        "genres": genres,
        "runtime_minutes": int(runtime) if 0 < runtime < MAX_RUNTIME_MINUTES else None,
        "directors": directors,
        "countries": countries,
        "poster_path": str(details.get("poster_path")) if details.get("poster_path") else None,
    }
