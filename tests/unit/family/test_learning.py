"""The learning-weight rule and ranking of document 000, section 6 (pure logic)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

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


def test_features_cover_the_five_dimensions() -> None:
    ctx = Context("sunny", "afternoon", "sunday", 3, ("outdoor", "food"))
    assert learning.features(ctx) == ["*", "weather:sunny", "time:afternoon", "day:sunday", "people:3-4", "tag:food", "tag:outdoor"]
    assert learning.features(Context()) == ["*"]


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
