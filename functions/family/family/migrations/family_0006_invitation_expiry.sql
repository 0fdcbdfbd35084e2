-- Invitations expire and owners revoke them (issue 9 leftovers). An invitation is made with its
-- expiry (now + INVITATION_TTL_DAYS, family/settings.py, 7 days by default); one that was not
-- answered by then cannot be accepted or declined, and reads as `expired` (family/repository.py,
-- INVITATION_COLUMNS: the state is derived from expires_at, so no job has to flip it). An owner may
-- revoke a pending one (`revoked`). The one-pending-per-household-and-user index stays: inviting
-- again after expiry first closes the expired row (status 'expired'), then inserts a new one.
-- Rows made before this migration expire 7 days after they were made.
-- depends: family_0005_invitations

ALTER TABLE family.household_invitations ADD COLUMN expires_at timestamptz;
UPDATE family.household_invitations SET expires_at = created_at + interval '7 days';
ALTER TABLE family.household_invitations ALTER COLUMN expires_at SET NOT NULL;

ALTER TABLE family.household_invitations DROP CONSTRAINT household_invitations_status_check;
ALTER TABLE family.household_invitations ADD CONSTRAINT household_invitations_status_check
    CHECK (status IN ('pending', 'accepted', 'declined', 'revoked', 'expired'));

-- an owner's list of the household's pending invitations, oldest first (keyset on created_at, id)
CREATE INDEX household_invitations_pending_idx ON family.household_invitations (household_id, created_at, id)
    WHERE status = 'pending';
