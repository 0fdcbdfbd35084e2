-- A merry moment's media_ids in every response include the media uploaded into it
-- (media_items.merry_moment_id; family/repository.py, MOMENT_SELECT): find them by index.
-- depends: family_0002_household_time_zone

CREATE INDEX media_items_moment_idx ON family.media_items (merry_moment_id) WHERE merry_moment_id IS NOT NULL;
