-- Deleting a user's wellness data (DELETE /api/accounts/users/me/) also removes what OTHER users'
-- feeds say about them: friend and visit notifications name the other person in data.user_id
-- (wellness.notifications.events), and those rows have the deleted user in no user_id column, so
-- the account deletion's per-table delete does not reach them. Their pending webhook deliveries go
-- with them (ON DELETE CASCADE). The expression index keeps the delete an index scan.
-- depends: wellness_0007_notifications_webhooks wellness_0008_blocks_rate_limits

CREATE INDEX notifications_about_user_idx ON wellness.notifications ((data ->> 'user_id'))
    WHERE data ? 'user_id';

CREATE FUNCTION wellness.notifications_forget_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM wellness.notifications WHERE data ? 'user_id' AND data ->> 'user_id' = OLD.user_id::text;
    RETURN OLD;
END;
$$;

CREATE TRIGGER profiles_notifications_forget AFTER DELETE ON wellness.profiles
    FOR EACH ROW EXECUTE FUNCTION wellness.notifications_forget_user();
