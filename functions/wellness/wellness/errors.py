"""The wellness API's error codes: the ``code`` of every ``{"detail", "code"}`` error it answers
(one enumeration, ``Code``; the platform's own codes included, ``backlot.errors.PlatformCode``).
Clients may rely on them; a new code is added here before it is raised
(``tests/contract/test_openapi.py`` checks). Validation errors (400, DRF's ``{"field": ["message"]}``)
carry no code: the field names say what is wrong."""

from __future__ import annotations

from backlot.errors import product_codes

Code = product_codes(
    "WellnessCode",
    # accounts (Cognito)
    "user_exists", "invalid_password", "invalid_credentials", "user_not_confirmed", "identity_unavailable",
    # devices and apps
    "device_not_found", "duplicate_device", "relationship_not_found", "duplicate_relationship",
    "app_not_found", "device_app_not_found", "duplicate_device_app",
    # usage (wusage)
    "upload_too_large", "not_json", "not_multipart", "not_a_stayfree_table",
    # patterns, goals, analytics (wanalytics)
    "pattern_not_found", "goal_not_found",
    # conversations and journals (wai)
    "conversation_not_found", "staff_only",
    # social (wsocial)
    "user_not_found", "cannot_befriend_self", "user_blocked", "friend_connection_not_found", "not_addressee",
    "connection_not_pending", "not_friends", "visit_not_found", "visit_not_pending", "visit_over",
    "challenge_not_found", "challenge_finished", "not_participant",
    # blocks (wsocial3)
    "cannot_block_self",
    # notifications and webhooks (wnotify)
    "notification_not_found", "webhook_not_found",
)
