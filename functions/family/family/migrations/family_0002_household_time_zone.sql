-- A household's own time zone (an IANA name such as America/Los_Angeles; NULL when it has none):
-- an experience's time_of_day and day_of_week are read from start_at in that zone, because the
-- document's examples and JavaScript clients send instants in UTC (`Z`). The API checks the name
-- with zoneinfo (family/schemas.py); the CHECK here only bounds the text.
-- depends: family_0001_init

ALTER TABLE family.households
    ADD COLUMN time_zone text CHECK (time_zone IS NULL OR length(time_zone) BETWEEN 1 AND 64);
