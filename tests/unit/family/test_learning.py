"""The learning-weight rule and ranking of document 000, section 6 (pure logic)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from family.domain import learning
from family.domain.learning import Context, Weight


@pytest.mark.parametrize(("rating", "delta"), [(5, 0.5), (4, 0.4), (3, 0.0), (2, -0.1), (1, -0.2)])
def test_review_delta_is_the_documents_rule(rating: int, delta: float) -> None:
    assert learning.review_delta(rating) == pytest.approx(delta)


def test_effort_and_cleanup_count() -> None:
    assert learning.review_delta(3, "hard", "hard") == pytest.approx(-0.2)
    assert learning.review_delta(3, "easy", "easy") == pytest.approx(0.1)
    assert learning.review_delta(5, "hard") < learning.review_delta(5)


@pytest.mark.parametrize("rating", [0, 6, -1])
def test_rating_out_of_range_is_refused(rating: int) -> None:
    with pytest.raises(ValueError, match="1..5"):
        learning.review_delta(rating)


def test_apply_delta_is_multiplicative_and_bounded() -> None:
    assert learning.apply_delta(1.0, 0.5) == pytest.approx(1.5)
    assert learning.apply_delta(1.0, -0.2) == pytest.approx(0.8)
    w = 1.0
    for _ in range(100):
        w = learning.apply_delta(w, -0.2)
    assert w == learning.MIN_WEIGHT
    for _ in range(100):
        w = learning.apply_delta(w, 0.5)
    assert w == learning.MAX_WEIGHT


def test_context_from_the_clients_own_offset() -> None:
    at = datetime(2024, 1, 13, 23, 30, tzinfo=timezone(timedelta(hours=-8)))  # Saturday night in California
    assert learning.time_of_day(at) == "night" and learning.day_of_week(at) == "saturday"
    assert learning.time_of_day(at.astimezone(timezone.utc)) == "morning"
    assert learning.local_time(at, None) is at  # no household time zone: the offset sent


def test_context_in_the_households_time_zone() -> None:
    # a 14:00 Monday picnic in San Francisco, sent as JavaScript sends it (UTC, "Z")
    sent = datetime(2024, 1, 15, 22, 0, tzinfo=timezone.utc)
    local = learning.local_time(sent, ZoneInfo("America/Los_Angeles"))
    assert (learning.time_of_day(local), learning.day_of_week(local)) == ("afternoon", "monday")
    assert (learning.time_of_day(sent), learning.day_of_week(sent)) == ("night", "monday")
    # across midnight and daylight saving time: 02:30Z on a July Saturday is Friday 19:30 in California
    summer = learning.local_time(datetime(2024, 7, 13, 2, 30, tzinfo=timezone.utc), ZoneInfo("America/Los_Angeles"))
    assert (learning.time_of_day(summer), learning.day_of_week(summer)) == ("evening", "friday")


def test_features_cover_the_five_dimensions() -> None:
    ctx = Context("sunny", "afternoon", "sunday", 3, ("outdoor", "food"))
    assert learning.features(ctx) == ["*", "weather:sunny", "time:afternoon", "day:sunday", "people:3-4", "tag:food", "tag:outdoor"]
    assert learning.features(Context()) == ["*"]


FULL = Context("sunny", "afternoon", "saturday", 3, ("outdoor", "food"))  # 7 features


def reviewed(context: Context, *ratings: int) -> dict[str, Weight]:
    """The weights of one activity after ``ratings`` in ``context``, as ``service.create_review`` moves them."""
    weights: dict[str, Weight] = {}
    for rating in ratings:
        delta = learning.review_delta(rating)
        for f in learning.features(context):
            old = weights.get(f, Weight())
            weights[f] = Weight(learning.apply_delta(old.weight, delta), old.reviews + 1)
    return weights


def test_one_five_star_review_boosts_its_own_context_by_half() -> None:
    """The document: "Boost by 10% per star (40-50% for 4-5 stars)", not once per feature (1.5^7)."""
    assert len(learning.features(FULL)) == 7
    assert learning.learned_factor(reviewed(FULL, 5), FULL) == pytest.approx(1.5, rel=1e-12)
    assert learning.learned_factor(reviewed(FULL, 4), FULL) == pytest.approx(1.4, rel=1e-12)
    assert learning.learned_factor(reviewed(FULL, 1), FULL) == pytest.approx(0.8, rel=1e-12)
    assert learning.learned_factor(reviewed(FULL, 3), FULL) == 1.0
    assert learning.learned_factor({}, FULL) == 1.0


def test_a_context_sharing_fewer_features_moves_less() -> None:
    weights = reviewed(FULL, 5)
    # 4 features (*, weather:rainy, time:morning, day:sunday): only * was reviewed
    other = Context("rainy", "morning", "sunday")
    assert learning.learned_factor(weights, other) == pytest.approx(1.5 ** (1 / 4), rel=1e-12)
    # 4 features sharing *, weather and time: 1.5^(3/4)
    close = Context("sunny", "afternoon", "sunday")
    assert learning.learned_factor(weights, close) == pytest.approx(1.5 ** (3 / 4), rel=1e-12)
    # the empty context is all *
    assert learning.learned_factor(weights, Context()) == pytest.approx(1.5, rel=1e-12)


def test_the_score_moves_by_the_learned_factor_times_the_exploration_change() -> None:
    name = "Park Picnic"
    before = next(s for s in learning.rank(FULL, {}, limit=50) if s.activity_name == name)
    after = next(s for s in learning.rank(FULL, {"park picnic": reviewed(FULL, 5)}, limit=50) if s.activity_name == name)
    exploration = (1 + learning.EXPLORATION / math.sqrt(2)) / (1 + learning.EXPLORATION)
    assert after.score / before.score == pytest.approx(1.5 * exploration, rel=1e-5)
    assert after.why[0] == "your reviews raised it 50% in this context"
    elsewhere = next(s for s in learning.rank(Context("rainy", "morning", "sunday"), {"park picnic": reviewed(FULL, 5)}, limit=50)
                     if s.activity_name == name)
    assert elsewhere.why[0] == "your reviews raised it 11% overall"


def test_repeated_reviews_compound_per_review_not_per_feature() -> None:
    assert learning.learned_factor(reviewed(FULL, 5, 5), FULL) == pytest.approx(2.25, rel=1e-12)
    assert learning.learned_factor(reviewed(FULL, 5, 1), FULL) == pytest.approx(1.2, rel=1e-12)


def names(ranked: list[learning.Suggestion]) -> list[str]:
    return [s.activity_name for s in ranked]


def test_weights_reorder_and_explain() -> None:
    ctx = Context(weather="rainy", time_of_day="afternoon")
    base = names(learning.rank(ctx, {}, limit=50))
    loved = {"bowling": {"*": Weight(1.5, 1), "weather:rainy": Weight(1.5, 1)}}
    ranked = learning.rank(ctx, loved, limit=50)
    assert names(ranked).index("Bowling") < base.index("Bowling")
    bowling = next(s for s in ranked if s.activity_name == "Bowling")
    assert bowling.tried and any("raised" in w for w in bowling.why)


def test_an_untried_activity_keeps_a_place() -> None:
    ctx = Context(weather="sunny")
    all_loved = {learning.activity_key(a.name): {"*": Weight(5.0, 3)} for a in learning.CATALOG}
    all_loved.pop("jigsaw puzzle")
    ranked = learning.rank(ctx, all_loved, limit=3)
    assert [s.activity_name for s in ranked if not s.tried] == ["Jigsaw Puzzle"]


def test_own_activities_join_the_candidates() -> None:
    ranked = learning.rank(Context(), {}, extra_activities=["Grandma's Pancakes", "  park   PICNIC "], limit=50)
    assert "Grandma's Pancakes" in names(ranked)
    assert names(ranked).count("Park Picnic") == 1
