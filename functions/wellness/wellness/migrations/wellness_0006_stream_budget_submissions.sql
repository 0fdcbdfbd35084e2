-- Wellness part 2, second round (issue 11: "no streaming", spend rows per user, a batch paid once).
-- depends: wellness_0004_conversations

-- 1. Streamed generation: a conversation whose turns are being written shows them as they come,
--    in status 'generating' (design document 001 "Known limitations" 2: "No Streaming").
ALTER TABLE wellness.conversations DROP CONSTRAINT conversations_status_check;
ALTER TABLE wellness.conversations ADD CONSTRAINT conversations_status_check
    CHECK (status IN ('pending', 'generating', 'ready', 'failed'));

-- 2. Daily spend rows name their user by ``user_id`` (NULL = the global budget), so deleting an
--    account (every wellness table with a user_id column) deletes its spend rows too. One row per
--    (day, user) and one global row per day: NULLS NOT DISTINCT (PostgreSQL 15+).
ALTER TABLE wellness.ai_budget ADD COLUMN user_id uuid;
UPDATE wellness.ai_budget SET user_id = scope::uuid WHERE scope <> 'global';
ALTER TABLE wellness.ai_budget DROP CONSTRAINT ai_budget_pkey;
ALTER TABLE wellness.ai_budget DROP COLUMN scope;
CREATE UNIQUE INDEX ai_budget_day_user_idx ON wellness.ai_budget (day, user_id) NULLS NOT DISTINCT;

-- 3. A batch is paid once: the intent to submit (its rows claimed, their budget reserved) is
--    committed BEFORE OpenAI is called, and its id travels as the batch's metadata; a later run
--    finds an intent without a batch id by that metadata (``batches.list``) before submitting again.
CREATE TABLE wellness.ai_submissions (
    id             uuid PRIMARY KEY,          -- the batch metadata ``wellness_submission``
    items          integer NOT NULL,
    batch_id       text,                      -- OpenAI's batch, once known
    attempts       integer NOT NULL DEFAULT 0,
    last_error     text,
    claimed_until  timestamptz,               -- a run is talking to OpenAI about it until then
    created_at     timestamptz NOT NULL DEFAULT now(),
    resolved_at    timestamptz
);
CREATE INDEX ai_submissions_open_idx ON wellness.ai_submissions (created_at) WHERE resolved_at IS NULL;
ALTER TABLE wellness.conversations ADD COLUMN submission_id uuid REFERENCES wellness.ai_submissions (id);
CREATE INDEX conversations_submission_idx ON wellness.conversations (submission_id) WHERE submission_id IS NOT NULL;
DROP INDEX wellness.conversations_to_submit_idx;
CREATE INDEX conversations_to_submit_idx ON wellness.conversations (created_at)
    WHERE status = 'pending' AND origin = 'nightly' AND batch_id IS NULL AND submission_id IS NULL;
