"""The preference update (Rocchio, online, on unit vectors) and the collective vector."""

from __future__ import annotations

import math
import random

import pytest

from music.domain import preference as pref


def norm(v: list[float]) -> float:
    return math.sqrt(sum(x * x for x in v))


SONG = [0.8, 0.6, 0.2, 0.1, 0.5]


def test_signal_maps_one_to_five_onto_minus_one_to_one() -> None:
    assert [pref.vote_signal(v) for v in range(1, 6)] == [-1.0, -0.5, 0.0, 0.5, 1.0]
    for bad in (0, 6, -1, 3.5, 10):
        with pytest.raises(ValueError):
            pref.vote_signal(bad)


def test_first_positive_vote_points_at_the_song() -> None:
    moved = pref.updated_preference([0.0] * 5, SONG, 5)
    assert moved == pytest.approx(pref.unit(SONG))
    assert pref.updated_preference([0.0] * 5, SONG, 4) == pytest.approx(pref.unit(SONG))


def test_three_changes_nothing_and_result_is_unit() -> None:
    start = pref.unit([0.1, 0.9, 0.3, 0.2, 0.4])
    assert pref.updated_preference(start, SONG, 3) == pytest.approx(start)
    rng = random.Random(4)
    p = [0.0] * 5
    for _ in range(200):
        p = pref.updated_preference(p, [rng.random() for _ in range(5)], rng.randint(1, 5))
        assert norm(p) == pytest.approx(1.0) or norm(p) == 0.0


def test_likes_pull_closer_and_dislikes_push_away() -> None:
    start = pref.unit([0.1, 0.9, 0.3, 0.2, 0.4])
    before = pref.cosine_distance(start, SONG)
    assert pref.cosine_distance(pref.updated_preference(start, SONG, 5), SONG) < pref.cosine_distance(
        pref.updated_preference(start, SONG, 4), SONG) < before
    assert pref.cosine_distance(pref.updated_preference(start, SONG, 1), SONG) > pref.cosine_distance(
        pref.updated_preference(start, SONG, 2), SONG) > before


def test_repeated_fives_converge_on_the_song_without_overshoot() -> None:
    p = pref.unit([0.0, 0.0, 1.0, 0.0, 0.0])
    distances = []
    for _ in range(30):
        p = pref.updated_preference(p, SONG, 5)
        distances.append(pref.cosine_distance(p, SONG))
    assert all(b <= a + 1e-12 for a, b in zip(distances, distances[1:]))
    assert distances[-1] < 1e-3


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError):
        pref.updated_preference([0.0] * 5, [0.0] * 5, 5)  # zero embedding
    with pytest.raises(ValueError):
        pref.updated_preference([0.0] * 5, [1.0, 2.0], 5)
    with pytest.raises(ValueError):
        pref.updated_preference([0.0] * 5, [math.nan, 1, 1, 1, 1], 5)
    with pytest.raises(ValueError):
        pref.updated_preference([0.0] * 5, SONG, 5, learning_rate=0)


def test_collective_weighs_each_listener_once_however_loud() -> None:
    quiet = pref.unit([1.0, 0.0, 0.0, 0.0, 0.0])
    loud = [0.0, 1.0, 0.0, 0.0, 0.0]
    for _ in range(50):  # fifty votes move the loud listener's vector but not its weight
        loud = pref.updated_preference(loud, [0.0, 1.0, 0.0, 0.0, 0.0], 5)
    room = pref.collective([quiet, loud, [0.0] * 5])
    assert room == pytest.approx([0.5, 0.5, 0.0, 0.0, 0.0])
    assert pref.collective([[0.0] * 5]) is None
    assert pref.collective([]) is None
    # magnitude never buys weight
    assert pref.collective([[100.0, 0, 0, 0, 0], [0, 1.0, 0, 0, 0]]) == pytest.approx([0.5, 0.5, 0, 0, 0])
