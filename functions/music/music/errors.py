"""The music API's error codes: the ``code`` of every problem it answers with (one enumeration,
``Code``; the platform's own codes included, ``backlot.errors.PlatformCode``). Clients may rely on
them; a new code is added here before it is raised (``tests/contract/test_openapi.py`` checks)."""

from __future__ import annotations

from backlot.errors import product_codes

Code = product_codes(
    "MusicCode",
    # who may act
    "staff_only", "admin_only", "role_not_found", "not_a_manager",
    # songs
    "song_not_found", "song_has_audio", "song_has_no_embedding", "file_too_large", "invalid_csv", "unknown_songs",
    # players and their device
    "player_not_found", "player_token_required", "player_revoked", "unknown_parameter", "not_in_queue",
    "song_mismatch", "not_in_library",
    # venue codes and the vote rate limit (issue 9)
    "venue_not_found", "voting_too_fast",
    # listeners
    "no_active_session", "session_expired",
)
