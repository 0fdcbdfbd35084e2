"""The movies API's error codes: the ``code`` of every problem it answers with (one enumeration,
``Code``; the platform's own codes included, ``backlot.errors.PlatformCode``). Clients may rely on
them; a new code is added here before it is raised (``tests/contract/test_openapi.py`` checks).

The export's refusals (``movies.domain.export.ExportRejected``) are problems of a direct upload
too; a session that fails later carries its code in its status, not as a problem."""

from __future__ import annotations

from backlot.errors import product_codes

Code = product_codes(
    "MoviesCode",
    "session_not_found", "not_multipart", "no_files", "export_too_large", "unsupported_type",
    # the export's refusals (movies.domain.export)
    "bad_zip", "zip_too_many_entries", "zip_encrypted", "zip_bomb", "not_utf8", "empty_file", "not_text",
    "too_many_rows", "bad_csv", "wrong_headers", "not_letterboxd",
)
