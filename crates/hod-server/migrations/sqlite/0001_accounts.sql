-- Accounts: agents, their licenses, passwords, sessions, failed-login counters and
-- idempotency keys. Instants are INTEGER milliseconds since the Unix epoch (UTC); calendar
-- dates are TEXT 'YYYY-MM-DD'. Shipped: never edit, add a new migration instead.

CREATE TABLE agents (
    id                       INTEGER PRIMARY KEY,
    npn                      TEXT    NOT NULL,
    name                     TEXT    NOT NULL,
    username                 TEXT    NOT NULL,
    mlms_email               TEXT    NOT NULL,
    mobile_phone             TEXT    NOT NULL,
    -- ISO 639 codes separated by commas, e.g. 'en,es'.
    languages                TEXT    NOT NULL,
    -- CP-1 option in wire form; CP-2 recommends the default.
    preferred_contact_method TEXT    NOT NULL DEFAULT 'email_text_app',
    -- AV-9: an agent is suspended while suspended_at is set.
    suspended_at             INTEGER,
    suspension_reason        TEXT,
    created_at               INTEGER NOT NULL,
    updated_at               INTEGER NOT NULL,
    CONSTRAINT agents_npn_unique UNIQUE (npn),
    CONSTRAINT agents_username_unique UNIQUE (username),
    CONSTRAINT agents_suspension_has_reason
        CHECK ((suspended_at IS NULL) = (suspension_reason IS NULL))
);

-- NIPR-like license rows (ST-1). The natural key makes a re-import idempotent.
CREATE TABLE licenses (
    agent_id          INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    state             TEXT    NOT NULL,
    line_of_authority TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    effective_on      TEXT    NOT NULL,
    expires_on        TEXT,
    imported_at       INTEGER NOT NULL,
    CONSTRAINT licenses_natural_key UNIQUE (agent_id, state, line_of_authority)
);

-- argon2id PHC strings.
CREATE TABLE agent_passwords (
    agent_id   INTEGER PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
    phc        TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Bearer sessions: only the SHA-256 of the token is stored.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    agent_id     INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    token_sha256 BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    CONSTRAINT sessions_token_unique UNIQUE (token_sha256)
);
CREATE INDEX sessions_by_agent ON sessions (agent_id);

-- Failed logins per subject ('account:<username>' or 'address:<ip>'), one fixed window each.
CREATE TABLE login_failures (
    subject           TEXT    PRIMARY KEY,
    failures          INTEGER NOT NULL,
    window_started_at INTEGER NOT NULL
);

-- Responses remembered per Idempotency-Key (used by the agent commands).
CREATE TABLE idempotency_keys (
    agent_id            INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    key                 TEXT    NOT NULL,
    request_fingerprint BLOB    NOT NULL,
    response_status     INTEGER NOT NULL,
    response_body       TEXT    NOT NULL,
    created_at          INTEGER NOT NULL,
    PRIMARY KEY (agent_id, key)
);
