"""The built-in activity catalog that suggestions start from.

Each activity says which contexts it suits. A new household gets suggestions ranked by this fit
alone; its reviews then reshape the ranking through learning weights (see ``learning``).
Activities a household planned by name that are not in the catalog join the candidates too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WEATHERS = ("sunny", "cloudy", "rainy", "snowy", "hot", "cold")
TIMES_OF_DAY = ("morning", "afternoon", "evening", "night")
DAYS_OF_WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EFFORTS = ("easy", "moderate", "hard")


@dataclass(frozen=True)
class Activity:
    """A suggestable activity.

    Attributes:
        suggestion_id: stable id (what experiences store in ``suggestion_id``).
        name: display name (what experiences store in ``activity_name``).
        weathers, times: contexts it suits; empty means any.
        min_people, max_people: group size it suits.
        tags: descriptive tags (``outdoor``, ``indoor``, ``creative`` ...).
        effort, cleanup: expected effort and mess (``easy``/``moderate``/``hard``).
    """

    suggestion_id: str
    name: str
    weathers: tuple[str, ...] = ()
    times: tuple[str, ...] = ()
    min_people: int = 1
    max_people: int = 12
    tags: tuple[str, ...] = field(default_factory=tuple)
    effort: str = "easy"
    cleanup: str = "easy"


_OUT = ("sunny", "cloudy", "hot")
_IN = ()

CATALOG: tuple[Activity, ...] = (
    Activity("park-picnic", "Park Picnic", _OUT, ("morning", "afternoon"), 2, 12, ("outdoor", "food"), "moderate", "moderate"),
    Activity("nature-walk", "Nature Walk", ("sunny", "cloudy", "cold"), ("morning", "afternoon"), 1, 10, ("outdoor", "active")),
    Activity("bike-ride", "Bike Ride", ("sunny", "cloudy"), ("morning", "afternoon"), 1, 6, ("outdoor", "active"), "hard"),
    Activity("beach-day", "Beach Day", ("sunny", "hot"), ("morning", "afternoon"), 2, 12, ("outdoor", "water"), "hard", "hard"),
    Activity("playground", "Playground Visit", _OUT, ("morning", "afternoon"), 2, 8, ("outdoor", "kids")),
    Activity("stargazing", "Stargazing", ("sunny", "cold"), ("evening", "night"), 1, 8, ("outdoor", "calm")),
    Activity("snow-fort", "Build a Snow Fort", ("snowy",), ("morning", "afternoon"), 2, 8, ("outdoor", "active", "kids"), "hard", "moderate"),
    Activity("sledding", "Sledding", ("snowy", "cold"), ("morning", "afternoon"), 2, 10, ("outdoor", "active"), "hard"),
    Activity("puddle-jumping", "Puddle Jumping", ("rainy",), ("morning", "afternoon"), 1, 6, ("outdoor", "kids"), "easy", "hard"),
    Activity("board-games", "Board Game Night", _IN, ("afternoon", "evening"), 2, 8, ("indoor", "games")),
    Activity("movie-night", "Movie Night", _IN, ("evening", "night"), 1, 10, ("indoor", "calm")),
    Activity("baking", "Bake Cookies Together", _IN, ("morning", "afternoon"), 1, 6, ("indoor", "food", "creative"), "moderate", "hard"),
    Activity("crafts", "Arts and Crafts", _IN, ("morning", "afternoon"), 1, 8, ("indoor", "creative", "kids"), "easy", "hard"),
    Activity("reading-fort", "Blanket Fort Reading", ("rainy", "cold", "snowy"), ("afternoon", "evening"), 1, 6, ("indoor", "calm", "kids"), "easy", "moderate"),
    Activity("museum", "Museum Visit", ("rainy", "cloudy", "cold", "hot"), ("morning", "afternoon"), 1, 10, ("indoor", "learning"), "moderate"),
    Activity("library", "Library Trip", _IN, ("morning", "afternoon"), 1, 8, ("indoor", "learning", "calm")),
    Activity("cook-dinner", "Cook Dinner Together", _IN, ("evening",), 2, 8, ("indoor", "food"), "moderate", "hard"),
    Activity("dance-party", "Kitchen Dance Party", _IN, ("afternoon", "evening"), 2, 10, ("indoor", "active", "music")),
    Activity("garden", "Gardening", ("sunny", "cloudy"), ("morning", "afternoon"), 1, 6, ("outdoor", "nature"), "moderate", "hard"),
    Activity("swimming", "Swimming Pool", ("hot", "sunny"), ("morning", "afternoon"), 1, 10, ("water", "active"), "moderate", "moderate"),
    Activity("bowling", "Bowling", _IN, ("afternoon", "evening"), 2, 10, ("indoor", "games", "active"), "easy", "easy"),
    Activity("farmers-market", "Farmers Market", ("sunny", "cloudy"), ("morning",), 1, 8, ("outdoor", "food")),
    Activity("puzzle", "Jigsaw Puzzle", _IN, ("afternoon", "evening"), 1, 6, ("indoor", "calm", "games")),
    Activity("campfire", "Backyard Campfire", ("sunny", "cloudy", "cold"), ("evening", "night"), 2, 12, ("outdoor", "food"), "moderate", "moderate"),
)


def activity_key(name: str) -> str:
    """Normalise an activity name to the key weights are stored under (trimmed, case-folded)."""
    return " ".join(name.split()).casefold()


CATALOG_BY_KEY = {activity_key(a.name): a for a in CATALOG}
CATALOG_BY_SUGGESTION_ID = {a.suggestion_id: a for a in CATALOG}


def activity_for_suggestion(suggestion_id: str | None) -> Activity | None:
    """The catalog activity a suggestion id names (what ``GET /suggestions/`` returns as
    ``suggestion_id``, e.g. ``museum``), or None for an unknown or missing id."""
    return CATALOG_BY_SUGGESTION_ID.get(suggestion_id) if suggestion_id else None
