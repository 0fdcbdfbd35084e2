"""The family API's error codes: the ``code`` of every problem it answers with (one enumeration,
``Code``; the platform's own codes included, ``backlot.errors.PlatformCode``). Clients may rely on
them; a new code is added here before it is raised (``tests/contract/test_openapi.py`` checks)."""

from __future__ import annotations

from backlot.errors import product_codes

Code = product_codes(
    "FamilyCode",
    # households and members
    "household_not_found", "member_not_found", "owner_required", "last_owner", "already_member",
    # invitations (issue 9)
    "invitation_not_found", "invitation_answered", "invitation_expired", "invitation_revoked",
    # experiences and reviews
    "experience_not_found", "experience_mismatch", "household_mismatch", "review_exists",
    # participants must be members; the household changed meanwhile (issue 9)
    "unknown_participants", "members_changed",
    # merry moments
    "moment_not_found", "unknown_experience", "unknown_moment", "unknown_media",
    # media
    "media_not_found", "empty_file", "file_too_large", "not_an_image", "upload_not_received",
)
