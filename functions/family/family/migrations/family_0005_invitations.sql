-- Households by invitation (issue 9, item 4): an owner invites a user id; only the invited user's
-- acceptance makes a membership (family/service.py, invite_member / accept_invitation). One
-- pending invitation per household and user (inviting twice returns it); accepted and declined
-- ones stay as the record of who was asked, and a declined user can be invited again.
-- A review may create its merry moment in the same request (document 000, "cascading creates
-- (review -> moment -> weight update)"): the review names it, so a retry answers the same moment.
-- S3 objects to delete once the rows naming them are gone (family/service.py, _delete_objects):
-- written in the transaction that deletes the rows, removed once S3 confirms, so no S3 call
-- runs inside a transaction and a failed S3 call is finished by a later delete.
-- depends: family_0004_media_list_index

CREATE TABLE family.household_invitations (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    household_id  uuid NOT NULL REFERENCES family.households (id) ON DELETE CASCADE,
    user_id       uuid NOT NULL REFERENCES platform.users (id),
    invited_by    uuid NOT NULL REFERENCES platform.users (id),
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    responded_at  timestamptz
);
CREATE UNIQUE INDEX household_invitations_pending_uq ON family.household_invitations (household_id, user_id) WHERE status = 'pending';
CREATE INDEX household_invitations_user_idx ON family.household_invitations (user_id, created_at, id);

ALTER TABLE family.experience_reviews
    ADD COLUMN merry_moment_id uuid REFERENCES family.merry_moments (id) ON DELETE SET NULL;

CREATE TABLE family.object_deletions (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    media_prefix   text NOT NULL CHECK (media_prefix LIKE 'media/%/'),
    media_keys     text[] NOT NULL DEFAULT '{}',
    original_keys  text[] NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now()
);
