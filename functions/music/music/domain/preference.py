"""How votes move a listener's taste, and how listeners make a room's taste.

Preference update (a vote of ``v`` in 1..5 on a song with embedding ``e``)
------------------------------------------------------------------------
This is Rocchio's relevance-feedback rule (J. J. Rocchio, "Relevance feedback in information
retrieval", 1971; as presented in Manning, Raghavan & Schütze, *Introduction to Information
Retrieval*, 2008, section 9.1.1: ``q' = α q + β·centroid(relevant) − γ·centroid(non-relevant)``)
applied online, one judgement at a time, in the space of unit vectors::

    r  = (v - 3) / 2                 # 1 → -1, 2 → -0.5, 3 → 0, 4 → +0.5, 5 → +1
    p' = unit(p + η · r · unit(e))   # α = 1, β = γ = η · |r|

``p`` is the stored preference (unit length, or all zero before any vote counts); ``η`` is
``learning_rate`` (0.5 by default). A 3 changes nothing; a 5 pulls the taste towards the song, a 1
pushes it away, each by an angle that shrinks as ``p`` and ``e`` agree. Keeping ``p`` unit length
is the normalisation step Rocchio's rule is usually followed by; it keeps every listener a
direction, which the collective vector needs. If an update would cancel ``p`` exactly, the
listener is back to no taste (zero).

Collective vector (document 002, "Data Flow" step 3: "average of active sessions")
-------------------------------------------------------------------------------
The mean of the unit preference vectors of the listeners checked in at a player, each counted
once whatever the number of their votes or sessions; listeners with no taste yet are left out.
The SQL function ``music.collective_vector`` computes it; :func:`collective` is the same rule in
Python, for tests.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

DIMENSIONS = 5
DEFAULT_LEARNING_RATE = 0.5


def unit(vector: Sequence[float]) -> list[float] | None:
    """``vector / |vector|``, or None for the zero vector.

    Raises:
        ValueError: not 5 finite numbers.
    """
    values = [float(x) for x in vector]
    if len(values) != DIMENSIONS or not all(math.isfinite(x) for x in values):
        raise ValueError(f"expected {DIMENSIONS} finite numbers")
    norm = math.sqrt(sum(x * x for x in values))
    if norm == 0.0:
        return None
    return [x / norm for x in values]


def vote_signal(vote_value: int) -> float:
    """``(v - 3) / 2``: how much a vote says, from -1 (1 star) to +1 (5 stars).

    Raises:
        ValueError: ``vote_value`` outside 1..5.
    """
    if not isinstance(vote_value, int) or not 1 <= vote_value <= 5:
        raise ValueError(f"vote_value must be an integer 1..5, got {vote_value!r}")
    return (vote_value - 3) / 2


def updated_preference(
    current: Sequence[float], song_embedding: Sequence[float], vote_value: int, *, learning_rate: float = DEFAULT_LEARNING_RATE
) -> list[float]:
    """The preference after one vote (the rule and its source are in the module docstring).

    Args:
        current: the stored preference vector (unit length or zero).
        song_embedding: the song's embedding (any non-zero length).
        vote_value: 1..5.
        learning_rate: η > 0.

    Returns:
        a unit vector, or ``[0.0] * 5`` when the listener has no taste.

    Raises:
        ValueError: a bad vote, a zero or malformed embedding, or η <= 0.
    """
    if not learning_rate > 0:
        raise ValueError("learning_rate must be positive")
    signal = vote_signal(vote_value)
    song = unit(song_embedding)
    if song is None:
        raise ValueError("the song's embedding is the zero vector")
    base = unit(current) or [0.0] * DIMENSIONS
    if signal == 0.0:
        return base
    moved = [p + learning_rate * signal * e for p, e in zip(base, song, strict=True)]
    return unit(moved) or [0.0] * DIMENSIONS


def collective(preferences: Iterable[Sequence[float]]) -> list[float] | None:
    """Mean of the unit vectors of the non-zero preferences; None when there are none."""
    units = [u for u in (unit(p) for p in preferences) if u is not None]
    if not units:
        return None
    return [sum(column) / len(units) for column in zip(*units, strict=True)]


def cosine_distance(a: Sequence[float], b: Sequence[float]) -> float:
    """``1 - cos(a, b)`` (0 same direction, 1 orthogonal, 2 opposite), as pgvector's ``<=>``.

    Raises:
        ValueError: either vector is zero or malformed.
    """
    ua, ub = unit(a), unit(b)
    if ua is None or ub is None:
        raise ValueError("cosine distance of a zero vector is undefined")
    return 1.0 - sum(x * y for x, y in zip(ua, ub, strict=True))
