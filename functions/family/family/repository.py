"""SQL of the family product (psycopg 3, hand-written). The only module here that talks to PostgreSQL.

Every function takes the connection as its first argument: the service owns the transactions
(``backlot.db.transaction``) and passes their connection; nothing here opens one.

Authorization lives in the queries: every read and write of household data is constrained by
``family.household_members`` for the calling user, so a row of another household is simply not
found (ARCHITECTURE.md, "Platform conventions").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import Connection, sql

from backlot import db

MEMBER_OF = "household_id IN (SELECT household_id FROM family.household_members WHERE user_id = %(user_id)s)"

EXPERIENCE_COLUMNS = (
    "id, household_id, activity_name, suggestion_id, participant_ids, start_at, end_at, place, place_address, "
    "place_lat, place_lng, status, prep_notes, needs_adult, cost_estimate::float8 AS cost_estimate, weather, "
    "time_of_day, day_of_week, tags, created_by, created_at, updated_at"
)
REVIEW_COLUMNS = "id, experience_id, household_id, rating, effort_felt, cleanup_felt, note, reviewed_by, merry_moment_id, created_at"
MOMENT_COLUMNS = (
    "id, household_id, experience_id, title, description, participant_ids, occurred_at, place, media_ids, "
    "created_by, is_manual, created_at, updated_at"
)
#: A moment's columns as the API shows them (``m`` is ``family.merry_moments``): ``media_ids`` is
#: the media given at creation plus the media uploaded with ``merry_moment_id`` = the moment, each
#: once, of the moment's own household only, in order of creation (``created_at``, ``id``). The ids
#: are read from ``family.media_items``, so a deleted item is never listed, even if its id is still
#: in the stored ``m.media_ids`` (``delete_media`` also removes it there). One
#: correlated subquery per moment (primary key and ``media_items_moment_idx``), so listing moments
#: stays one query.
MOMENT_SELECT = (
    "m.id, m.household_id, m.experience_id, m.title, m.description, m.participant_ids, m.occurred_at, m.place, "
    "COALESCE((SELECT array_agg(mi.id ORDER BY mi.created_at, mi.id) FROM family.media_items mi "
    "WHERE mi.household_id = m.household_id AND (mi.merry_moment_id = m.id OR mi.id = ANY(m.media_ids))), "
    "'{}'::uuid[]) AS media_ids, "
    "m.created_by, m.is_manual, m.created_at, m.updated_at"
)
MEDIA_COLUMNS = (
    "id, household_id, merry_moment_id, experience_id, status, reason, reason_code, original_key, file_key, "
    "preview_key, thumbnail_key, declared_type, source_mime_type, mime_type, file_size_bytes, width_px, height_px, "
    "duration_seconds, caption, uploaded_by, processed_at, created_at"
)


# ---------------------------------------------------------------- households
def create_household(conn: Connection, name: str, owner: UUID, time_zone: str | None = None) -> dict[str, Any]:
    """Insert the household and its owner's membership (run it in a transaction)."""
    row = conn.execute(
        "INSERT INTO family.households (name, created_by, time_zone) VALUES (%s, %s, %s) RETURNING *",
        (name, owner, time_zone),
    ).fetchone()
    conn.execute(
        "INSERT INTO family.household_members (household_id, user_id, role) VALUES (%s, %s, 'owner')",
        (row["id"], owner),
    )
    return row


HOUSEHOLD_SELECT = (
    "h.id, h.name, h.created_by, h.created_at, h.last_activity_at, h.time_zone, m.role, "
    "(SELECT array_agg(user_id ORDER BY added_at, user_id) FROM family.household_members WHERE household_id = h.id) AS member_ids"
)


def _oldest_first(conn: Connection, select_from: str, where: str, alias: str, params: dict[str, Any],
                  after: tuple[datetime, UUID] | None, limit: int) -> list[dict[str, Any]]:
    """``select_from`` filtered by ``where``, oldest first, keyset-paged on ``(<alias>.created_at,
    <alias>.id)`` after the cursor ``after``; ``limit + 1`` rows tell if more follow
    (``backlot.pagination.page``). The mirror of :func:`_newest_first`."""
    params = params | {"limit": limit + 1}
    if after:
        where += f" AND ({alias}.created_at, {alias}.id) > (%(after_at)s, %(after_id)s)"
        params["after_at"], params["after_id"] = after
    return conn.execute(
        f"{select_from} WHERE {where} ORDER BY {alias}.created_at, {alias}.id LIMIT %(limit)s", params
    ).fetchall()


def list_households(conn: Connection, user_id: UUID, *, after: tuple[datetime, UUID] | None, limit: int) -> list[dict[str, Any]]:
    """The user's households (with their ``role`` and ``member_ids``), oldest first, keyset-paged."""
    return _oldest_first(
        conn, f"SELECT {HOUSEHOLD_SELECT} FROM family.households h JOIN family.household_members m ON m.household_id = h.id",
        "m.user_id = %(user_id)s", "h", {"user_id": user_id}, after, limit,
    )


def lock_household(conn: Connection, household_id: UUID) -> bool:
    """Lock the household's row for the rest of the transaction (membership changes of one
    household run one at a time, so "another owner remains" cannot be read by two leaving owners
    at once); False when it does not exist."""
    return conn.execute("SELECT 1 FROM family.households WHERE id = %s FOR UPDATE", (household_id,)).fetchone() is not None


#: An unanswered invitation past its ``expires_at`` reads as ``expired`` (derived here, so no job has
#: to flip it; ``now()`` is the transaction's start, the same instant for every statement of it).
INVITATION_COLUMNS = (
    "i.id, i.household_id, h.name AS household_name, i.user_id, i.invited_by, "
    "CASE WHEN i.status = 'pending' AND i.expires_at <= now() THEN 'expired' ELSE i.status END AS status, "
    "i.created_at, i.expires_at, i.responded_at"
)
INVITATIONS_FROM = "FROM family.household_invitations i JOIN family.households h ON h.id = i.household_id"
#: still answerable: not answered, not revoked, not expired
OPEN = "i.status = 'pending' AND i.expires_at > now()"


def invite(conn: Connection, household_id: UUID, user_id: UUID, invited_by: UUID, ttl_days: int) -> tuple[dict[str, Any], bool]:
    """The open invitation of ``user_id`` to the household, created (expiring ``ttl_days`` days from
    now) unless one is open (``household_invitations_pending_uq``); returns (invitation, created).
    An expired one is closed first (status ``expired``) so a new one can be made. Creates the
    platform user row of a user id never seen."""
    conn.execute("INSERT INTO platform.users (id) VALUES (%s) ON CONFLICT DO NOTHING", (user_id,))
    conn.execute(
        "UPDATE family.household_invitations SET status = 'expired' "
        "WHERE household_id = %s AND user_id = %s AND status = 'pending' AND expires_at <= now()",
        (household_id, user_id),
    )
    created = conn.execute(
        "INSERT INTO family.household_invitations (household_id, user_id, invited_by, expires_at) "
        "VALUES (%s, %s, %s, now() + make_interval(days => %s)) "
        "ON CONFLICT (household_id, user_id) WHERE status = 'pending' DO NOTHING RETURNING id",
        (household_id, user_id, invited_by, ttl_days),
    ).fetchone()
    row = conn.execute(
        f"SELECT {INVITATION_COLUMNS} {INVITATIONS_FROM} "
        "WHERE i.household_id = %s AND i.user_id = %s AND i.status = 'pending'",
        (household_id, user_id),
    ).fetchone()
    return row, created is not None


def list_invitations(conn: Connection, user_id: UUID, *, after: tuple[datetime, UUID] | None, limit: int) -> list[dict[str, Any]]:
    """The user's open invitations (pending, not expired), oldest first, keyset-paged on ``(created_at, id)``."""
    return _oldest_first(
        conn, f"SELECT {INVITATION_COLUMNS} {INVITATIONS_FROM}",
        f"i.user_id = %(user_id)s AND {OPEN}", "i", {"user_id": user_id}, after, limit,
    )


def list_household_invitations(conn: Connection, household_id: UUID, *, after: tuple[datetime, UUID] | None,
                               limit: int) -> list[dict[str, Any]]:
    """The household's open invitations (pending, not expired), oldest first, keyset-paged on
    ``(created_at, id)`` (``household_invitations_pending_idx``). The caller checked ownership."""
    return _oldest_first(
        conn, f"SELECT {INVITATION_COLUMNS} {INVITATIONS_FROM}",
        f"i.household_id = %(household_id)s AND {OPEN}", "i", {"household_id": household_id}, after, limit,
    )


def get_invitation(conn: Connection, invitation_id: UUID, user_id: UUID, *, for_update: bool = False) -> dict[str, Any] | None:
    """The invitation if it was sent to ``user_id`` (anyone else's is not found)."""
    lock = " FOR UPDATE OF i" if for_update else ""
    return conn.execute(
        f"SELECT {INVITATION_COLUMNS} {INVITATIONS_FROM} WHERE i.id = %s AND i.user_id = %s{lock}",
        (invitation_id, user_id),
    ).fetchone()


def get_household_invitation(conn: Connection, invitation_id: UUID, household_id: UUID, *,
                             for_update: bool = False) -> dict[str, Any] | None:
    """The invitation if it is one of the household's (another household's is not found)."""
    lock = " FOR UPDATE OF i" if for_update else ""
    return conn.execute(
        f"SELECT {INVITATION_COLUMNS} {INVITATIONS_FROM} WHERE i.id = %s AND i.household_id = %s{lock}",
        (invitation_id, household_id),
    ).fetchone()


def respond_invitation(conn: Connection, invitation_id: UUID, status: str) -> None:
    """Close a pending invitation as ``accepted``, ``declined`` or ``revoked`` (the caller holds its
    row lock and checked it is open)."""
    conn.execute(
        "UPDATE family.household_invitations SET status = %s, responded_at = now() WHERE id = %s AND status = 'pending'",
        (status, invitation_id),
    )


def set_member_role(conn: Connection, household_id: UUID, user_id: UUID, role: str) -> bool:
    cur = conn.execute(
        "UPDATE family.household_members SET role = %s WHERE household_id = %s AND user_id = %s", (role, household_id, user_id)
    )
    return cur.rowcount == 1


def household_media_for_deletion(conn: Connection, household_id: UUID) -> list[dict[str, Any]]:
    """Every media item of the household, locked (a processor recording its result waits, then
    finds the row gone), with the keys naming its objects."""
    return conn.execute(
        "SELECT id, original_key, file_key, preview_key, thumbnail_key FROM family.media_items WHERE household_id = %s FOR UPDATE",
        (household_id,),
    ).fetchall()


def delete_household(conn: Connection, household_id: UUID) -> bool:
    """Delete the household and, by ``ON DELETE CASCADE``, every row of it."""
    return conn.execute("DELETE FROM family.households WHERE id = %s", (household_id,)).rowcount == 1


def queue_object_deletion(conn: Connection, media_prefix: str, media_keys: list[str], original_keys: list[str]) -> dict[str, Any]:
    """Record S3 objects to delete once this transaction commits (``family.object_deletions``)."""
    return conn.execute(
        "INSERT INTO family.object_deletions (media_prefix, media_keys, original_keys) VALUES (%s, %s, %s) RETURNING *",
        (media_prefix, media_keys, original_keys),
    ).fetchone()


def stale_object_deletions(conn: Connection, older_than_seconds: int, limit: int) -> list[dict[str, Any]]:
    """Deletions left over by a delete whose S3 calls failed (older than ``older_than_seconds``)."""
    return conn.execute(
        "SELECT * FROM family.object_deletions WHERE created_at < now() - make_interval(secs => %s) ORDER BY created_at LIMIT %s",
        (older_than_seconds, limit),
    ).fetchall()


def forget_object_deletion(conn: Connection, deletion_id: UUID) -> None:
    conn.execute("DELETE FROM family.object_deletions WHERE id = %s", (deletion_id,))


def non_members(conn: Connection, household_id: UUID, user_ids: list[str]) -> list[str]:
    """Those of ``user_ids`` (text, as ``participant_ids`` holds them) that are not members of the household."""
    if not user_ids:
        return []
    return [
        r["id"]
        for r in conn.execute(
            "SELECT p.id FROM unnest(%s::text[]) WITH ORDINALITY AS p(id, n) "
            "WHERE NOT EXISTS (SELECT 1 FROM family.household_members hm WHERE hm.household_id = %s AND hm.user_id::text = p.id) "
            "ORDER BY p.n",
            (user_ids, household_id),
        )
    ]


#: The condition "every one of %(participant_ids)s is a member of %(household_id)s", for the
#: guarded single-statement writes (``insert_experience``, ``update_experience``, ``insert_moment``).
PARTICIPANTS_ARE_MEMBERS = (
    "NOT EXISTS (SELECT 1 FROM unnest(%(participant_ids)s::text[]) AS p(id) WHERE NOT EXISTS ("
    "SELECT 1 FROM family.household_members hm WHERE hm.household_id = %(household_id)s AND hm.user_id::text = p.id))"
)


def member_role(conn: Connection, household_id: UUID, user_id: UUID) -> str | None:
    row = conn.execute(
        "SELECT role FROM family.household_members WHERE household_id = %s AND user_id = %s", (household_id, user_id)
    ).fetchone()
    return row["role"] if row else None


def add_member(conn: Connection, household_id: UUID, user_id: UUID) -> bool:
    """Make ``user_id`` a ``member`` (an accepted invitation); False if already a member."""
    cur = conn.execute(
        "INSERT INTO family.household_members (household_id, user_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (household_id, user_id),
    )
    return cur.rowcount == 1


def remove_member(conn: Connection, household_id: UUID, user_id: UUID) -> bool:
    cur = conn.execute(
        "DELETE FROM family.household_members WHERE household_id = %s AND user_id = %s", (household_id, user_id)
    )
    return cur.rowcount == 1


def household_time_zone(conn: Connection, household_id: UUID) -> str | None:
    """The household's IANA time zone name, or None when it has none (or does not exist)."""
    row = conn.execute("SELECT time_zone FROM family.households WHERE id = %s", (household_id,)).fetchone()
    return row["time_zone"] if row else None


def count_owners(conn: Connection, household_id: UUID) -> int:
    return conn.execute(
        "SELECT count(*) AS n FROM family.household_members WHERE household_id = %s AND role = 'owner'", (household_id,)
    ).fetchone()["n"]


def touch_household(conn: Connection, household_id: UUID, at: datetime) -> None:
    conn.execute(
        "UPDATE family.households SET last_activity_at = GREATEST(last_activity_at, %s) WHERE id = %s",
        (at, household_id),
    )


# ---------------------------------------------------------------- experiences
def _insert(conn: Connection, table: str, values: dict[str, Any], *, returning: str, on_conflict: str = "") -> dict[str, Any] | None:
    """``backlot.db.insert`` on the caller's connection (the service owns the transaction)."""
    schema, _, name = table.rpartition(".")
    query = sql.SQL("INSERT INTO {} ({}) VALUES ({}) " + on_conflict + " RETURNING " + returning).format(
        sql.Identifier(schema, name),
        sql.SQL(", ").join(map(sql.Identifier, values)),
        sql.SQL(", ").join(map(sql.Placeholder, values)),
    )
    return conn.execute(query, values).fetchone()


def _insert_where(conn: Connection, table: str, values: dict[str, Any], condition: str, condition_params: dict[str, Any],
                  returning: str) -> dict[str, Any] | None:
    """``INSERT INTO <table> (<keys>) SELECT <values> WHERE <condition> RETURNING <returning>``: one
    statement, so the condition is read in the same snapshot the row is written in. None when the
    condition is false. ``table``, ``condition`` and ``returning`` are trusted SQL from this module."""
    schema, _, name = table.rpartition(".")
    params = {f"v_{k}": v for k, v in values.items()} | condition_params
    query = sql.SQL("INSERT INTO {} ({}) SELECT {} WHERE " + condition + " RETURNING " + returning).format(
        sql.Identifier(schema, name),
        sql.SQL(", ").join(map(sql.Identifier, values)),
        sql.SQL(", ").join(sql.Placeholder(f"v_{k}") for k in values),
    )
    return conn.execute(query, params).fetchone()


def insert_experience(conn: Connection, values: dict[str, Any]) -> dict[str, Any] | None:
    """Insert the experience if every one of its ``participant_ids`` is a member of its household
    (document 000, "participants exist"); None otherwise (``non_members`` says who is not).

    Raises:
        psycopg.errors.ForeignKeyViolation: the household was deleted meanwhile.
    """
    return _insert_where(conn, "family.experiences", values, PARTICIPANTS_ARE_MEMBERS,
                         {"participant_ids": values.get("participant_ids") or [], "household_id": values["household_id"]},
                         EXPERIENCE_COLUMNS)


def get_experience(conn: Connection, experience_id: UUID, user_id: UUID, *, for_update: bool = False) -> dict[str, Any] | None:
    """The experience if the user is a member of its household; ``for_update`` locks the row for
    the rest of the transaction (``FOR NO KEY UPDATE``: reviews and links to it are not blocked)."""
    lock = " FOR NO KEY UPDATE" if for_update else ""
    return conn.execute(
        f"SELECT {EXPERIENCE_COLUMNS} FROM family.experiences WHERE id = %(id)s AND {MEMBER_OF}{lock}",
        {"id": experience_id, "user_id": user_id},
    ).fetchone()


def update_experience(conn: Connection, experience_id: UUID, user_id: UUID, changes: dict[str, Any]) -> dict[str, Any] | None:
    """Apply ``changes``; None when the experience is not the user's, or when ``changes`` has
    ``participant_ids`` of which one is not a member of the experience's household."""
    assignments, params = db.assignments(changes)
    guard = ""
    if "participant_ids" in changes:
        guard = " AND " + PARTICIPANTS_ARE_MEMBERS.replace("%(household_id)s", "family.experiences.household_id")
        params["participant_ids"] = changes["participant_ids"] or []
    query = sql.SQL(
        "UPDATE family.experiences SET {}, updated_at = now() WHERE id = %(id)s AND " + MEMBER_OF + guard + " RETURNING " + EXPERIENCE_COLUMNS
    ).format(assignments)
    return conn.execute(query, params | {"id": experience_id, "user_id": user_id}).fetchone()


def delete_experience(conn: Connection, experience_id: UUID, user_id: UUID) -> bool:
    cur = conn.execute(
        f"DELETE FROM family.experiences WHERE id = %(id)s AND {MEMBER_OF}", {"id": experience_id, "user_id": user_id}
    )
    return cur.rowcount == 1


def _newest_first(conn: Connection, select_from: str, where: list[str], params: dict[str, Any], after: tuple[datetime, UUID] | None) -> list[dict[str, Any]]:
    """``select_from`` filtered by ``where`` (ANDed), newest first, keyset-paged on ``(created_at, id)``
    after the cursor ``after``; ``params`` holds ``limit`` (the caller's ``limit + 1``)."""
    if after:
        where = [*where, "(created_at, id) < (%(after_at)s, %(after_id)s)"]
        params = params | {"after_at": after[0], "after_id": after[1]}
    return conn.execute(
        f"{select_from} WHERE {' AND '.join(where)} ORDER BY created_at DESC, id DESC LIMIT %(limit)s", params
    ).fetchall()


def list_experiences(
    conn: Connection,
    user_id: UUID, *, household_id: UUID | None, status: str | None, after: tuple[datetime, UUID] | None, limit: int
) -> list[dict[str, Any]]:
    """Newest first, keyset-paged on ``(created_at, id)``; ``limit + 1`` rows tell if more follow."""
    where = [MEMBER_OF]
    params: dict[str, Any] = {"user_id": user_id, "limit": limit + 1}
    if household_id:
        where.append("household_id = %(household_id)s")
        params["household_id"] = household_id
    if status:
        where.append("status = %(status)s")
        params["status"] = status
    return _newest_first(conn, f"SELECT {EXPERIENCE_COLUMNS} FROM family.experiences", where, params, after)


def household_activity_names(conn: Connection, household_id: UUID) -> list[str]:
    return [
        r["activity_name"]
        for r in conn.execute(
            "SELECT DISTINCT activity_name FROM family.experiences WHERE household_id = %s AND activity_name IS NOT NULL LIMIT 200",
            (household_id,),
        )
    ]


# ---------------------------------------------------------------- reviews and weights
def insert_review(conn: Connection, values: dict[str, Any]) -> dict[str, Any] | None:
    """Insert a review; None when this reviewer already reviewed this experience.

    Raises:
        psycopg.errors.ForeignKeyViolation: the experience was deleted meanwhile.
    """
    return _insert(conn, "family.experience_reviews", values, returning=REVIEW_COLUMNS,
                     on_conflict="ON CONFLICT (experience_id, reviewed_by) DO NOTHING")


def set_review_moment(conn: Connection, review_id: UUID, moment_id: UUID) -> dict[str, Any]:
    return conn.execute(
        f"UPDATE family.experience_reviews SET merry_moment_id = %s WHERE id = %s RETURNING {REVIEW_COLUMNS}", (moment_id, review_id)
    ).fetchone()


def find_review(conn: Connection, experience_id: UUID, reviewer: UUID) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {REVIEW_COLUMNS} FROM family.experience_reviews WHERE experience_id = %s AND reviewed_by = %s",
        (experience_id, reviewer),
    ).fetchone()


def list_reviews(conn: Connection, experience_id: UUID, user_id: UUID, *, after: tuple[datetime, UUID] | None, limit: int) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"experience_id": experience_id, "user_id": user_id, "limit": limit + 1}
    extra = ""
    if after:
        extra = " AND (created_at, id) < (%(after_at)s, %(after_id)s)"
        params["after_at"], params["after_id"] = after
    return conn.execute(
        f"SELECT {REVIEW_COLUMNS} FROM family.experience_reviews WHERE experience_id = %(experience_id)s AND {MEMBER_OF}{extra} "
        "ORDER BY created_at DESC, id DESC LIMIT %(limit)s",
        params,
    ).fetchall()


def load_weights(conn: Connection, household_id: UUID) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT activity_key, feature, weight, reviews FROM family.activity_weights WHERE household_id = %s",
        (household_id,),
    ).fetchall()


def upsert_weights(conn: Connection, household_id: UUID, activity: str, new_weights: dict[str, float]) -> None:
    """Write the new weight of each feature and count one more review for each."""
    with conn.cursor() as cur:
        cur.executemany(
            """
            INSERT INTO family.activity_weights (household_id, activity_key, feature, weight, reviews)
            VALUES (%s, %s, %s, %s, 1)
            ON CONFLICT (household_id, activity_key, feature)
            DO UPDATE SET weight = EXCLUDED.weight, reviews = family.activity_weights.reviews + 1, updated_at = now()
            """,
            [(household_id, activity, feature, weight) for feature, weight in new_weights.items()],
        )


def lock_weights(conn: Connection, household_id: UUID, activity: str) -> list[dict[str, Any]]:
    """Serialise the household's reviews for the rest of the transaction; return this activity's weights.

    The lock is on the household's row (``FOR NO KEY UPDATE``, which does not block inserts that
    reference the household), not on the weight rows: a feature no review has touched yet has no
    row to lock, and two first reviews would each start from 1.0, the later write erasing the
    earlier.
    """
    conn.execute("SELECT 1 FROM family.households WHERE id = %s FOR NO KEY UPDATE", (household_id,))
    return conn.execute(
        "SELECT feature, weight FROM family.activity_weights WHERE household_id = %s AND activity_key = %s",
        (household_id, activity),
    ).fetchall()


# ---------------------------------------------------------------- merry moments
def insert_moment(conn: Connection, values: dict[str, Any]) -> dict[str, Any] | None:
    """Insert the moment if every one of its ``participant_ids`` is a member of its household;
    None otherwise.

    Raises:
        psycopg.errors.ForeignKeyViolation: the household or ``experience_id`` was deleted meanwhile.
    """
    return _insert_where(conn, "family.merry_moments", values, PARTICIPANTS_ARE_MEMBERS,
                         {"participant_ids": values.get("participant_ids") or [], "household_id": values["household_id"]},
                         MOMENT_COLUMNS)


def get_moment(conn: Connection, moment_id: UUID, user_id: UUID) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {MOMENT_SELECT} FROM family.merry_moments m WHERE m.id = %(id)s AND m.{MEMBER_OF}",
        {"id": moment_id, "user_id": user_id},
    ).fetchone()


def list_moments(
    conn: Connection,
    user_id: UUID, *, household_id: UUID | None, after: tuple[datetime, UUID] | None, limit: int
) -> list[dict[str, Any]]:
    where = ["m." + MEMBER_OF]
    params: dict[str, Any] = {"user_id": user_id, "limit": limit + 1}
    if household_id:
        where.append("m.household_id = %(household_id)s")
        params["household_id"] = household_id
    if after:
        where.append("(m.occurred_at, m.id) < (%(after_at)s, %(after_id)s)")
        params["after_at"], params["after_id"] = after
    return conn.execute(
        f"SELECT {MOMENT_SELECT} FROM family.merry_moments m WHERE {' AND '.join(where)} "
        "ORDER BY m.occurred_at DESC, m.id DESC LIMIT %(limit)s",
        params,
    ).fetchall()


def media_in_household(conn: Connection, media_ids: list[UUID], household_id: UUID) -> list[UUID]:
    """Those of ``media_ids`` that are media of the household, in order of creation."""
    return [
        r["id"]
        for r in conn.execute(
            "SELECT id FROM family.media_items WHERE id = ANY(%s) AND household_id = %s ORDER BY created_at, id",
            (media_ids, household_id),
        )
    ]


def experience_in_household(conn: Connection, experience_id: UUID, household_id: UUID) -> bool:
    return bool(
        conn.execute(
            "SELECT 1 FROM family.experiences WHERE id = %s AND household_id = %s", (experience_id, household_id)
        ).fetchone()
    )


def moment_in_household(conn: Connection, moment_id: UUID, household_id: UUID) -> bool:
    return bool(
        conn.execute(
            "SELECT 1 FROM family.merry_moments WHERE id = %s AND household_id = %s", (moment_id, household_id)
        ).fetchone()
    )


# ---------------------------------------------------------------- media
def insert_media(conn: Connection, values: dict[str, Any]) -> dict[str, Any]:
    return _insert(conn, "family.media_items", values, returning=MEDIA_COLUMNS)


def get_media(conn: Connection, media_id: UUID, user_id: UUID) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {MEDIA_COLUMNS} FROM family.media_items WHERE id = %(id)s AND {MEMBER_OF}",
        {"id": media_id, "user_id": user_id},
    ).fetchone()


def list_media(
    conn: Connection,
    user_id: UUID,
    *,
    household_id: UUID,
    merry_moment_id: UUID | None,
    experience_id: UUID | None,
    status: str | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """The household's media, newest first, keyset-paged on ``(created_at, id)``; ``limit + 1``
    rows tell if more follow. Nothing when ``user_id`` is not a member of ``household_id``.

    ``merry_moment_id`` keeps the moment's media as its ``media_ids`` lists them (see
    ``MOMENT_SELECT``): uploaded into it, or given when it was created.
    """
    where = [MEMBER_OF, "household_id = %(household_id)s"]
    params: dict[str, Any] = {"user_id": user_id, "household_id": household_id, "limit": limit + 1}
    if merry_moment_id:
        where.append(
            "(merry_moment_id = %(merry_moment_id)s OR id = ANY(COALESCE((SELECT mm.media_ids FROM family.merry_moments mm "
            "WHERE mm.id = %(merry_moment_id)s AND mm.household_id = %(household_id)s), '{}'::uuid[])))"
        )
        params["merry_moment_id"] = merry_moment_id
    if experience_id:
        where.append("experience_id = %(experience_id)s")
        params["experience_id"] = experience_id
    if status:
        where.append("status = %(status)s")
        params["status"] = status
    return _newest_first(conn, f"SELECT {MEDIA_COLUMNS} FROM family.media_items", where, params, after)


def delete_media(conn: Connection, media_id: UUID, user_id: UUID) -> dict[str, Any] | None:
    """Delete the item if the user is a member of its household, and take its id out of the
    ``media_ids`` its household's moments were created with; returns the deleted row (its keys
    say what to remove from S3, after the commit: ``family.service.delete_media``), None when
    there was no such item. A media processor recording its result meanwhile waits for the row
    lock, then finds the row gone (``finish_media``)."""
    row = conn.execute(
        f"DELETE FROM family.media_items WHERE id = %(id)s AND {MEMBER_OF} RETURNING {MEDIA_COLUMNS}",
        {"id": media_id, "user_id": user_id},
    ).fetchone()
    if row is not None:
        conn.execute(
            "UPDATE family.merry_moments SET media_ids = array_remove(media_ids, %(id)s) "
            "WHERE household_id = %(household_id)s AND media_ids @> ARRAY[%(id)s]::uuid[]",
            {"id": media_id, "household_id": row["household_id"]},
        )
    return row


def discard_media(conn: Connection, media_id: UUID) -> None:
    """Delete an item whose upload failed before its original was stored (no membership check:
    the caller has just created it)."""
    conn.execute("DELETE FROM family.media_items WHERE id = %s", (media_id,))


def media_status(conn: Connection, original_key: str) -> str | None:
    """The status of the item naming this original, None when no item does (media processor: an
    original without one is an orphan, one of an item no longer pending a resubmission)."""
    row = conn.execute("SELECT status FROM family.media_items WHERE original_key = %s", (original_key,)).fetchone()
    return row["status"] if row else None


def claim_media(conn: Connection, original_key: str, lease_seconds: int) -> dict[str, Any] | None:
    """Claim a pending item for processing; None when it is done, unknown, or claimed by another
    delivery whose lease has not run out (so a duplicate S3 event does no work)."""
    return conn.execute(
        f"""
        UPDATE family.media_items SET claimed_at = now()
         WHERE original_key = %s AND status = 'pending'
           AND (claimed_at IS NULL OR claimed_at < now() - make_interval(secs => %s))
        RETURNING {MEDIA_COLUMNS}
        """,
        (original_key, lease_seconds),
    ).fetchone()


def reject_unreceived_media(conn: Connection, media_id: UUID, *, older_than_seconds: int, lease_seconds: int, reason: str, code: str) -> dict[str, Any] | None:
    """Reject a pending item created more than ``older_than_seconds`` ago and not being processed
    (no live lease); None when it is no longer such an item."""
    return conn.execute(
        f"""
        UPDATE family.media_items SET status = 'rejected', reason = %s, reason_code = %s, processed_at = now()
         WHERE id = %s AND status = 'pending' AND created_at < now() - make_interval(secs => %s)
           AND (claimed_at IS NULL OR claimed_at < now() - make_interval(secs => %s))
        RETURNING {MEDIA_COLUMNS}
        """,
        (reason, code, media_id, older_than_seconds, lease_seconds),
    ).fetchone()


def release_media(conn: Connection, media_id: UUID) -> None:
    conn.execute("UPDATE family.media_items SET claimed_at = NULL WHERE id = %s AND status = 'pending'", (media_id,))


def finish_media(conn: Connection, media_id: UUID, values: dict[str, Any]) -> bool:
    """Record the processor's result; False when the item is gone (deleted while it was processed)."""
    assignments, params = db.assignments(values)
    cur = conn.execute(
        sql.SQL("UPDATE family.media_items SET {}, processed_at = now() WHERE id = %(media_id)s").format(assignments),
        params | {"media_id": media_id},
    )
    return cur.rowcount == 1
