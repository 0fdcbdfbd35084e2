-- GET /api/v1/media/ lists a household's media newest first, keyset-paged on (created_at, id)
-- (family/repository.py, list_media): the index carries the id too, as the experiences' does.
-- depends: family_0003_media_moment_index

CREATE INDEX media_items_household_created_idx ON family.media_items (household_id, created_at DESC, id DESC);
DROP INDEX family.media_items_household_idx;
