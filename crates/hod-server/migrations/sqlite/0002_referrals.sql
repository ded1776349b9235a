-- Referrals, offers, contact attempts, per-agent routing state and the change feed.
-- Instants are INTEGER milliseconds since the Unix epoch (UTC). Shipped: never edit.

-- One row per agent, created on first use. Holds what the agent saves on the Availability
-- and Profile screens, and the change counter: every change appended to the agent's feed
-- takes the next value under this row's write lock, so commit order is sequence order.
CREATE TABLE agent_state (
    agent_id            INTEGER PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
    -- JSON of hod_domain AvailabilitySettings; NULL until saved: the program defaults
    -- (AV-1) in the server's default time zone.
    availability        TEXT,
    -- JSON of hod_domain StatePreferences; NULL until saved: every eligible state (ST-2).
    state_preferences   TEXT,
    -- The last change sequence number handed out for this agent.
    change_seq          INTEGER NOT NULL DEFAULT 0,
    -- When the agent's last offer ended (order of arrival).
    last_offer_ended_at INTEGER,
    -- AV-9: misses are counted after this instant (the agent's last suspension).
    misses_counted_from INTEGER
);

CREATE TABLE referrals (
    id                         INTEGER PRIMARY KEY,
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
    received_at                INTEGER NOT NULL,
    -- The intake view (ReferralState): waiting, offered, accepted, completed,
    -- not_a_good_referral, unassigned.
    lifecycle                  TEXT    NOT NULL,
    -- Timer: a referral still waiting then closes as unassigned.
    max_wait_until             INTEGER NOT NULL,
    -- Timer: when routing a waiting referral is tried again (availability may change).
    retry_at                   INTEGER,
    -- The agent who accepted, and the status they keep current (RS-2..RS-6).
    agent_id                   INTEGER REFERENCES agents (id),
    status                     TEXT,
    accepted_at                INTEGER,
    completion_outcome         TEXT,
    not_a_good_referral_reason TEXT,
    intake_key                 TEXT,
    updated_at                 INTEGER NOT NULL,
    CONSTRAINT referrals_intake_key_unique UNIQUE (intake_key)
);
CREATE INDEX referrals_waiting ON referrals (received_at, id) WHERE lifecycle = 'waiting';

-- One referral pending with one agent (MR-1). Outcome NULL while pending.
CREATE TABLE offers (
    id            INTEGER PRIMARY KEY,
    referral_id   INTEGER NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    agent_id      INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    offered_at    INTEGER NOT NULL,
    -- Timer: the first instant the offer is missed (the deadline belongs to the expiry).
    deadline      INTEGER NOT NULL,
    outcome       TEXT,
    resolved_at   INTEGER,
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
    id          INTEGER PRIMARY KEY,
    referral_id INTEGER NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    agent_id    INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    channel     TEXT    NOT NULL,
    outcome     TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    logged_at   INTEGER NOT NULL
);
CREATE INDEX contact_attempts_by_referral ON contact_attempts (referral_id, at);

-- The change feed: seq is per agent, from agent_state.change_seq.
CREATE TABLE changes (
    agent_id INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    seq      INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    -- JSON of hod_domain wire::v1::ChangeEvent.
    event    TEXT    NOT NULL,
    PRIMARY KEY (agent_id, seq)
);
