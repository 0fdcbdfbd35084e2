-- wellness part 2 (issue 11 items 1-6; design document 001 "Conversations App", "AI Generation
-- Service", "Daily Conversation Generation (6 AM)", "Daily Journal Generation (11 PM)"):
-- conversations and journals written by a language model (or the offline generator), the record
-- of every generation with its tokens and cost, the daily budgets and the Batch API batches.
-- Every row carries user_id and every query filters by it.
-- depends: wellness_0003_patterns_goals_analytics

-- One generated text: a conversation between the user's devices and apps, or a journal entry of
-- one device or app. ``participants`` is the cast as it was when the row was made
-- ([{"kind": "device"|"app", "id", "name", "personality"}]; an app's id is its registry id, or
-- its app key when it is not in the registry), so a renamed device keeps its old lines.
CREATE TABLE wellness.conversations (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id            uuid NOT NULL,
    kind               text NOT NULL CHECK (kind IN ('conversation', 'journal')),
    origin             text NOT NULL CHECK (origin IN ('on_demand', 'nightly')),
    conversation_type  text CHECK (conversation_type IN ('daily_recap', 'usage_intervention', 'app_drama',
                           'morning_briefing', 'bedtime_wind_down', 'goal_celebration', 'pattern_alert',
                           'notification_overload', 'focus_check', 'weekend_review', 'friend_visit')),
    mood               text NOT NULL CHECK (mood IN ('humorous', 'supportive', 'dramatic', 'sarcastic',
                           'wholesome', 'philosophical', 'chaotic', 'motivational', 'concerned', 'celebratory')),
    for_date           date NOT NULL,          -- the user's local day the text is about
    subject_kind       text CHECK (subject_kind IN ('device', 'app')),   -- journals: whose journal
    subject_id         text,
    participants       jsonb NOT NULL DEFAULT '[]',
    request            jsonb,                  -- the chat completion request body (prompt), kept for retries
    status             text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'failed')),
    provider           text CHECK (provider IN ('openai', 'offline')),
    model              text,
    title              text,
    turns              jsonb,                  -- conversation: [{"speaker": {"kind", "id", "name"}, "text"}]
    entry              text,                   -- journal: the entry
    attempts           integer NOT NULL DEFAULT 0,
    failure_reason     text,
    batch_id           text,                   -- the OpenAI batch holding it while one does
    claimed_until      timestamptz,            -- a synchronous generation is under way until then
    reserved_usd       numeric(12, 6),         -- budget reserved for the call under way (settled after)
    reserved_day       date,
    rating             smallint CHECK (rating BETWEEN 1 AND 5),
    is_favorite        boolean NOT NULL DEFAULT false,
    feedback           text CHECK (length(feedback) <= 2000),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    generated_at       timestamptz,
    CHECK ((kind = 'conversation') = (conversation_type IS NOT NULL)),
    CHECK ((kind = 'journal') = (subject_kind IS NOT NULL AND subject_id IS NOT NULL))
);
CREATE INDEX conversations_user_idx ON wellness.conversations (user_id, kind, created_at, id);
CREATE INDEX conversations_participants_idx ON wellness.conversations USING gin (participants jsonb_path_ops);
CREATE INDEX conversations_to_submit_idx ON wellness.conversations (created_at) WHERE status = 'pending' AND origin = 'nightly' AND batch_id IS NULL;
CREATE INDEX conversations_batch_idx ON wellness.conversations (batch_id) WHERE batch_id IS NOT NULL;
-- the nightly work is made once per user and local day (a rerun of the plan changes nothing)
CREATE UNIQUE INDEX conversations_nightly_once_idx ON wellness.conversations (user_id, for_date)
    WHERE origin = 'nightly' AND kind = 'conversation';
CREATE UNIQUE INDEX journals_nightly_once_idx ON wellness.conversations (user_id, for_date, subject_kind, subject_id)
    WHERE origin = 'nightly' AND kind = 'journal';

-- Every call to a model (or the offline generator): what it cost. Staff read it by day and model.
CREATE TABLE wellness.ai_generations (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id  uuid NOT NULL REFERENCES wellness.conversations (id) ON DELETE CASCADE,
    user_id          uuid NOT NULL,
    provider         text NOT NULL,
    model            text NOT NULL,
    mode             text NOT NULL CHECK (mode IN ('sync', 'batch', 'offline')),
    input_tokens     integer NOT NULL DEFAULT 0,
    output_tokens    integer NOT NULL DEFAULT 0,
    cost_usd         numeric(12, 6) NOT NULL DEFAULT 0,
    outcome          text NOT NULL CHECK (outcome IN ('ok', 'invalid', 'error')),
    reason           text,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ai_generations_day_idx ON wellness.ai_generations (created_at);
CREATE INDEX ai_generations_conversation_idx ON wellness.ai_generations (conversation_id);

-- Daily spend (UTC day) per user and overall (scope 'global'): estimates are reserved before a
-- call (a conditional UPDATE: two concurrent reservations cannot both pass the limit) and
-- settled to the real cost after it.
CREATE TABLE wellness.ai_budget (
    day           date NOT NULL,
    scope         text NOT NULL,             -- 'global' or the user id
    reserved_usd  numeric(12, 6) NOT NULL DEFAULT 0,
    PRIMARY KEY (day, scope)
);

-- OpenAI batches submitted by the nightly job, until their results are collected.
CREATE TABLE wellness.ai_batches (
    id             text PRIMARY KEY,         -- OpenAI's batch id
    input_file_id  text NOT NULL,
    items          integer NOT NULL,
    status         text NOT NULL,            -- OpenAI's last status
    submitted_at   timestamptz NOT NULL DEFAULT now(),
    collected_at   timestamptz
);
CREATE INDEX ai_batches_open_idx ON wellness.ai_batches (submitted_at) WHERE collected_at IS NULL;

-- The last local date each user's nightly plan ran for, per kind (like wellness.job_runs).
CREATE TABLE wellness.ai_plan_runs (
    user_id     uuid NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('conversation', 'journal')),
    local_date  date NOT NULL,
    ran_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, kind)
);
