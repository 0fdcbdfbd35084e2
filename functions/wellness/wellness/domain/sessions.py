"""App sessions (start, end) of one device: the rules of one session, and merging overlaps.

Rules (issue 10 item 4): a session needs offsets on both ends (checked by ``ingest_values``),
ends after it starts (a reversed or empty session is refused), lasts at most 24 hours, and the
sessions of one device that overlap are merged. Merging is per app (``app_key``): two records of
the same app that overlap are one stretch of use reported twice (or cut differently by two
uploads); sessions of different apps may overlap on a real phone (split screen, picture in
picture, audio in the background) and are kept apart. Sessions that only touch (one ends when
the next starts) stay two sessions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from wellness.domain.ingest_values import Invalid

#: The longest session (issue 10 item 4).
MAX_SESSION = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Session:
    """One app in the foreground from ``started_at`` to ``ended_at`` (aware datetimes).

    ``utc_offset_seconds`` is the offset the client sent with the start (the local clock).
    """

    app_key: str
    started_at: datetime
    ended_at: datetime
    utc_offset_seconds: int

    @classmethod
    def checked(cls, app_key: str, start: datetime, end: datetime) -> Session:
        """A session from a client's start and end; ``Invalid`` if reversed, empty or over 24 h."""
        if end < start:
            raise Invalid(f"ends ({end.isoformat()}) before it starts ({start.isoformat()})")
        if end == start:
            raise Invalid("ends when it starts (no duration)")
        if end - start > MAX_SESSION:
            raise Invalid(f"lasts {end - start}, more than 24 hours")
        offset = start.utcoffset()
        assert offset is not None
        return cls(app_key, start, end, int(offset.total_seconds()))

    def local_start(self) -> datetime:
        """The start on the device's clock (the offset it sent)."""
        return self.started_at.astimezone(timezone(timedelta(seconds=self.utc_offset_seconds)))


def merge_sessions(stored: list[Session], incoming: list[tuple[str, Session]]
                   ) -> tuple[list[Session], list[tuple[str, str]]]:
    """Merge ``incoming`` sessions (each with its request path) into ``stored`` ones, per app.

    ``stored`` are sessions already kept for the device (never overlapping each other, as this
    function left them). Returns ``(sessions, refused)``: the merged, non-overlapping sessions
    that replace ``stored`` (sorted by app, then start), and ``(path, reason)`` for each incoming
    session that could not be kept: one whose overlaps would chain into a session of more than
    24 hours. A chain that would be too long keeps its stored sessions as they were and refuses
    the incoming sessions in it. The merged session keeps the offset of its earliest part.
    Merging the same sessions again gives the same result (idempotent re-uploads).
    """
    by_app: dict[str, list[tuple[Session, str | None]]] = defaultdict(list)
    for session in stored:
        by_app[session.app_key].append((session, None))
    for path, session in incoming:
        by_app[session.app_key].append((session, path))
    result: list[Session] = []
    refused: list[tuple[str, str]] = []
    for app_key in sorted(by_app):
        items = sorted(by_app[app_key], key=lambda item: (item[0].started_at, item[0].ended_at))
        for chain in _chains(items):
            first = chain[0][0]
            end = max(s.ended_at for s, _ in chain)
            if end - first.started_at <= MAX_SESSION:
                result.append(Session(app_key, first.started_at, end, first.utc_offset_seconds))
                continue
            result.extend(s for s, path in chain if path is None)
            refused.extend((path, f"overlaps other sessions of {app_key!r} into one session of "
                                  f"{end - first.started_at}, more than 24 hours")
                           for _, path in chain if path is not None)
    return result, refused


def _chains(items: list[tuple[Session, str | None]]) -> list[list[tuple[Session, str | None]]]:
    """Group start-sorted sessions into runs where each overlaps the run so far."""
    chains: list[list[tuple[Session, str | None]]] = []
    end: datetime | None = None
    for item in items:
        if end is not None and item[0].started_at < end:
            chains[-1].append(item)
            end = max(end, item[0].ended_at)
        else:
            chains.append([item])
            end = item[0].ended_at
    return chains
