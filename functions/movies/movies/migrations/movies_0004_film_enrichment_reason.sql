-- Why a film has no TMDB data (issue 9 item 6): a stable code beside the free-text
-- enrichment_error: tmdb_unreachable, tmdb_http_<status>, tmdb_invalid_json, out_of_time,
-- not_found, ambiguous, no_tmdb_key, enrichment_not_queued, enrichment_timed_out; NULL when matched
-- or still pending. Nullable with no default: adding it rewrites nothing, and COPY names its columns.
-- depends: movies_0003_viewings_session_index_only

ALTER TABLE movies.films ADD COLUMN IF NOT EXISTS enrichment_reason text;
