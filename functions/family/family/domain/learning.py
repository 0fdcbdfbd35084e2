"""Learning weights: how reviews reshape suggestions (design document 000, section 6).

Model
-----
A household has a weight per (activity, context feature), a multiplier starting at 1.0. The
features of a context are ``*`` (any context), ``weather:<w>``, ``time:<time of day>``,
``day:<day of week>``, ``people:<bucket>`` and ``tag:<t>`` for each tag: the five context
dimensions the document lists (weather, time of day, day of week, participant count, tags).

Update (document section 6, kept as written and made multiplicative, as its example
``"weight": 1.2  # Start at 1.0`` implies): a review's delta is ``+0.1 × rating`` for 4-5 stars,
``-0.1 × (3 - rating)`` for 1-2 stars and 0 for 3 stars; the document's "also consider effort
and cleanup" adds ``+0.05`` for each of effort/cleanup felt ``easy`` and ``-0.1`` for each felt
``hard``. Every feature of the reviewed experience's context moves as
``weight ← clamp(weight × (1 + delta), 0.1, 10)``.

Ranking: ``score = fit(activity, context) × learned(activity, context) × exploration``.

- ``learned = exp(mean(log weight(activity, f) for f in features(context)))``: the geometric
  mean of the weights of the context's features, a feature with no stored weight counting as
  1.0. Why the mean and not the product: the document's rule is "Boost by 10% per star (40-50%
  for 4-5 stars)" of "this activity type in this context"; a review moves every feature of its
  context, so a product would count one review once per feature (a 5-star review in a context of
  7 features would multiply the score by 1.5^7 ≈ 17). With the mean, one 5-star review in exactly
  the same context multiplies the score by 1.5 and a 1-star review by 0.8, as the document says;
  a context that shares k of its n features with the reviewed one moves by 1.5^(k/n) (through
  ``*`` alone, a little everywhere).
- ``fit`` is the catalog's prior (×1.5 for a weather the activity suits, ×0.3 for one it does
  not; ×1.2 / ×0.5 for time of day; ×0.5 outside its group size; ×(1 + 0.2 per shared tag)).
- ``exploration = 1 + 0.25 / sqrt(1 + reviews)`` keeps activities never tried in view (an
  upper-confidence-bound style bonus). At least one untried activity is kept in every ranking.

Time of day and day of week are the household's local ones: :func:`local_time` reads an instant
in the household's time zone when it has one, else in the UTC offset the client sent.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from family.domain.catalog import CATALOG, DAYS_OF_WEEK, Activity, activity_key

MIN_WEIGHT = 0.1
MAX_WEIGHT = 10.0
EXPLORATION = 0.25
EFFORT_ADJUSTMENT = {"easy": 0.05, "moderate": 0.0, "hard": -0.1}


@dataclass(frozen=True)
class Context:
    """The situation a suggestion is for, or an experience happened in. All fields optional."""

    weather: str | None = None
    time_of_day: str | None = None
    day_of_week: str | None = None
    participant_count: int | None = None
    tags: tuple[str, ...] = ()


def local_time(at: datetime, zone: tzinfo | None) -> datetime:
    """``at`` as a clock in the household's time ``zone`` shows it; without a zone, ``at`` as sent
    (its own UTC offset). Clients that send ``Z`` (the document's examples, every JavaScript
    ``toISOString()``) would otherwise have a 14:00 picnic in San Francisco learned as night."""
    return at.astimezone(zone) if zone is not None else at


def time_of_day(at: datetime) -> str:
    """``morning`` 05-12h, ``afternoon`` 12-17h, ``evening`` 17-21h, ``night`` otherwise, in
    ``at``'s own UTC offset (pass it through :func:`local_time` first)."""
    hour = at.hour
    if 5 <= hour < 12:
        return "morning"
    if 12 <= hour < 17:
        return "afternoon"
    if 17 <= hour < 21:
        return "evening"
    return "night"


def day_of_week(at: datetime) -> str:
    """Lower-case English day name of ``at`` in its own UTC offset (see :func:`local_time`)."""
    return DAYS_OF_WEEK[at.weekday()]


def participants_bucket(count: int) -> str:
    """Group-size bucket: ``1``, ``2``, ``3-4`` or ``5+``."""
    if count <= 1:
        return "1"
    if count == 2:
        return "2"
    if count <= 4:
        return "3-4"
    return "5+"


def features(context: Context) -> list[str]:
    """The weight features a context touches, ``*`` first."""
    found = ["*"]
    if context.weather:
        found.append(f"weather:{context.weather}")
    if context.time_of_day:
        found.append(f"time:{context.time_of_day}")
    if context.day_of_week:
        found.append(f"day:{context.day_of_week}")
    if context.participant_count:
        found.append(f"people:{participants_bucket(context.participant_count)}")
    found.extend(f"tag:{t}" for t in sorted(set(context.tags)))
    return found


def review_delta(rating: int, effort_felt: str | None = None, cleanup_felt: str | None = None) -> float:
    """The relative change a review makes (see module docstring for the rule and its source).

    Raises:
        ValueError: rating outside 1..5.
    """
    if not 1 <= rating <= 5:
        raise ValueError(f"rating must be 1..5, got {rating}")
    if rating >= 4:
        delta = 0.1 * rating
    elif rating <= 2:
        delta = -0.1 * (3 - rating)
    else:
        delta = 0.0
    delta += EFFORT_ADJUSTMENT.get(effort_felt or "moderate", 0.0)
    delta += EFFORT_ADJUSTMENT.get(cleanup_felt or "moderate", 0.0)
    return delta


def apply_delta(weight: float, delta: float) -> float:
    """``clamp(weight × (1 + delta), 0.1, 10)``."""
    return min(MAX_WEIGHT, max(MIN_WEIGHT, weight * (1.0 + delta)))


@dataclass(frozen=True)
class Weight:
    """A stored weight and how many reviews shaped it."""

    weight: float = 1.0
    reviews: int = 0


@dataclass
class Suggestion:
    """One ranked suggestion: ``score`` (unitless, higher first) and ``why`` (sentences)."""

    suggestion_id: str | None
    activity_name: str
    score: float
    tried: bool
    reviews: int
    why: list[str] = field(default_factory=list)


def _fit(activity: Activity, context: Context) -> tuple[float, list[str]]:
    fit, why = 1.0, []
    if context.weather and activity.weathers:
        if context.weather in activity.weathers:
            fit *= 1.5
            why.append(f"suits {context.weather} weather")
        else:
            fit *= 0.3
            why.append(f"less suited to {context.weather} weather")
    if context.time_of_day and activity.times:
        if context.time_of_day in activity.times:
            fit *= 1.2
            why.append(f"good in the {context.time_of_day}")
        else:
            fit *= 0.5
            why.append(f"usually not a {context.time_of_day} activity")
    if context.participant_count:
        if activity.min_people <= context.participant_count <= activity.max_people:
            why.append(f"works for {context.participant_count} people")
        else:
            fit *= 0.5
            why.append(f"best for {activity.min_people}-{activity.max_people} people")
    shared = sorted(set(context.tags) & set(activity.tags))
    if shared:
        fit *= 1.0 + 0.2 * len(shared)
        why.append("matches " + ", ".join(shared))
    return fit, why


def learned_factor(weights: Mapping[str, Weight], context: Context) -> float:
    """The learned factor of one activity in ``context``: the geometric mean of the weights of
    ``features(context)``, a feature with no stored weight counting as 1.0 (module docstring)."""
    found = features(context)
    logs = [math.log(weights[f].weight) if f in weights else 0.0 for f in found]
    return math.exp(math.fsum(logs) / len(found))


def _learned(weights: Mapping[str, Weight], context: Context) -> tuple[float, int, list[str]]:
    factor = learned_factor(weights, context)
    star = weights.get("*")
    reviews = star.reviews if star else 0
    why = []
    if abs(factor - 1.0) >= 0.05:
        change = round((factor - 1.0) * 100)
        raised = factor > 1.0
        # the context's features the reviews moved in the same direction, strongest first
        moved = sorted(
            (f for f in features(context) if f != "*" and f in weights and abs(weights[f].weight - 1.0) >= 0.05
             and (weights[f].weight > 1.0) == raised),
            key=lambda f: -abs(math.log(weights[f].weight)),
        )
        where = "in this context" if moved else "overall"
        detail = f" (most for {moved[0].replace(':', ' ')})" if moved and len(moved) < len(features(context)) - 1 else ""
        why.append(f"your reviews {'raised' if raised else 'lowered'} it {abs(change)}% {where}{detail}")
    return factor, reviews, why


def rank(
    context: Context,
    weights: Mapping[str, Mapping[str, Weight]],
    *,
    extra_activities: Iterable[str] = (),
    limit: int = 10,
    catalog: Iterable[Activity] = CATALOG,
) -> list[Suggestion]:
    """Rank the catalog (plus a household's own ``extra_activities`` by name) for ``context``.

    Args:
        weights: ``{activity_key: {feature: Weight}}`` of one household.
        extra_activities: names the household planned that are not in the catalog.
        limit: how many to return (1..50).

    Returns:
        at most ``limit`` suggestions, best first; when any activity was never reviewed, at
        least one such activity is included.
    """
    candidates: dict[str, tuple[str | None, str, float, list[str]]] = {}
    for activity in catalog:
        fit, why = _fit(activity, context)
        candidates[activity_key(activity.name)] = (activity.suggestion_id, activity.name, fit, why)
    for name in extra_activities:
        key = activity_key(name)
        if key and key not in candidates:
            candidates[key] = (None, name.strip(), 0.8, ["one of your own activities"])

    ranked: list[Suggestion] = []
    for key, (suggestion_id, name, fit, why) in candidates.items():
        learned, reviews, learned_why = _learned(weights.get(key, {}), context)
        tried = reviews > 0
        exploration = 1.0 + EXPLORATION / math.sqrt(1 + reviews)
        reasons = learned_why + why + ([] if tried else ["new for your household"])
        ranked.append(Suggestion(suggestion_id, name, round(fit * learned * exploration, 6), tried, reviews, reasons))
    ranked.sort(key=lambda s: (-s.score, s.activity_name))
    top = ranked[:limit]
    if top and all(s.tried for s in top):
        untried = next((s for s in ranked[limit:] if not s.tried), None)
        if untried is not None:
            untried.why.insert(0, "something new to try")
            top[-1] = untried
    return top
