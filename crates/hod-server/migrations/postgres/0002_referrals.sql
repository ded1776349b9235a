-- Referrals, offers, contact attempts, per-agent routing state and the change feed.
-- Instants are TIMESTAMPTZ. Shipped: never edit.

-- One row per agent, created on first use. Holds what the agent saves on the Availability
-- and Profile screens, and the change counter: every change appended to the agent's feed
-- takes the next value under this row's write lock, so commit order is sequence order.
CREATE TABLE agent_state (
    agent_id            BIGINT PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
    -- JSON of hod_domain AvailabilitySettings; NULL until saved: the program defaults
    -- (AV-1) in the server's default time zone.
    availability        TEXT,
    -- JSON of hod_domain StatePreferences; NULL until saved: every eligible state (ST-2).
    state_preferences   TEXT,
    -- The last change sequence number handed out for this agent.
    change_seq          BIGINT  NOT NULL DEFAULT 0,
    -- When the agent's last offer ended (order of arrival).
    last_offer_ended_at TIMESTAMPTZ,
    -- AV-9: misses are counted after this instant (the agent's last suspension).
    misses_counted_from TIMESTAMPTZ
);

CREATE TABLE referrals (
    id                         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Personal data (MR-4): only ever sent to the agent who accepted.
    consumer_name              TEXT    NOT NULL,
    phone                      TEXT    NOT NULL,
    email                      TEXT,
    notes                      TEXT,
    state                      TEXT    NOT NULL,
    city                       TEXT    NOT NULL,
    zip                        TEXT    NOT NULL,
    language                   TEXT    NOT NULL,
    plan_year                  INTEGER NOT NULL,
    received_at                TIMESTAMPTZ NOT NULL,
    -- The intake view (ReferralState): waiting, offered, accepted, completed,
    -- not_a_good_referral, unassigned.
    lifecycle                  TEXT    NOT NULL,
    -- Timer: a referral still waiting then closes as unassigned.
    max_wait_until             TIMESTAMPTZ NOT NULL,
    -- Timer: when routing a waiting referral is tried again (availability may change).
    retry_at                   TIMESTAMPTZ,
    -- The agent who accepted, and the status they keep current (RS-2..RS-6).
    agent_id                   BIGINT  REFERENCES agents (id),
    status                     TEXT,
    accepted_at                TIMESTAMPTZ,
    completion_outcome         TEXT,
    not_a_good_referral_reason TEXT,
    intake_key                 TEXT,
    updated_at                 TIMESTAMPTZ NOT NULL,
    CONSTRAINT referrals_intake_key_unique UNIQUE (intake_key)
);
CREATE INDEX referrals_waiting ON referrals (received_at, id) WHERE lifecycle = 'waiting';

-- One referral pending with one agent (MR-1). Outcome NULL while pending.
CREATE TABLE offers (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id   BIGINT  NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    agent_id      BIGINT  NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    offered_at    TIMESTAMPTZ NOT NULL,
    -- Timer: the first instant the offer is missed (the deadline belongs to the expiry).
    deadline      TIMESTAMPTZ NOT NULL,
    outcome       TEXT,
    resolved_at   TIMESTAMPTZ,
    reject_reason TEXT,
    -- Never offered twice to the same agent (CE-3).
    CONSTRAINT offers_once_per_agent UNIQUE (referral_id, agent_id)
);
CREATE UNIQUE INDEX offers_pending_per_referral ON offers (referral_id) WHERE outcome IS NULL;
CREATE UNIQUE INDEX offers_pending_per_agent ON offers (agent_id) WHERE outcome IS NULL;
CREATE INDEX offers_due ON offers (deadline) WHERE outcome IS NULL;
CREATE INDEX offers_by_agent ON offers (agent_id, id);

-- CE-4: attempts to reach the consumer after accepting. No contact details here.
CREATE TABLE contact_attempts (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id BIGINT  NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    agent_id    BIGINT  NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    channel     TEXT    NOT NULL,
    outcome     TEXT    NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    logged_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX contact_attempts_by_referral ON contact_attempts (referral_id, at);

-- The change feed: seq is per agent, from agent_state.change_seq.
CREATE TABLE changes (
    agent_id BIGINT  NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    seq      BIGINT  NOT NULL,
    at       TIMESTAMPTZ NOT NULL,
    -- JSON of hod_domain wire::v1::ChangeEvent.
    event    TEXT    NOT NULL,
    PRIMARY KEY (agent_id, seq)
);
