-- Accounts: agents, their licenses, passwords, sessions, failed-login counters and
-- idempotency keys. Shipped: never edit, add a new migration instead.

CREATE TABLE agents (
    id                       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    npn                      TEXT        NOT NULL,
    name                     TEXT        NOT NULL,
    username                 TEXT        NOT NULL,
    mlms_email               TEXT        NOT NULL,
    mobile_phone             TEXT        NOT NULL,
    -- ISO 639 codes separated by commas, e.g. 'en,es' (same form as the SQLite backend).
    languages                TEXT        NOT NULL,
    -- CP-1 option in wire form; CP-2 recommends the default.
    preferred_contact_method TEXT        NOT NULL DEFAULT 'email_text_app',
    -- AV-9: an agent is suspended while suspended_at is set.
    suspended_at             TIMESTAMPTZ,
    suspension_reason        TEXT,
    created_at               TIMESTAMPTZ NOT NULL,
    updated_at               TIMESTAMPTZ NOT NULL,
    CONSTRAINT agents_npn_unique UNIQUE (npn),
    CONSTRAINT agents_username_unique UNIQUE (username),
    CONSTRAINT agents_suspension_has_reason
        CHECK ((suspended_at IS NULL) = (suspension_reason IS NULL))
);

-- NIPR-like license rows (ST-1). The natural key makes a re-import idempotent.
CREATE TABLE licenses (
    agent_id          BIGINT      NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    state             TEXT        NOT NULL,
    line_of_authority TEXT        NOT NULL,
    status            TEXT        NOT NULL,
    effective_on      DATE        NOT NULL,
    expires_on        DATE,
    imported_at       TIMESTAMPTZ NOT NULL,
    CONSTRAINT licenses_natural_key UNIQUE (agent_id, state, line_of_authority)
);

-- argon2id PHC strings.
CREATE TABLE agent_passwords (
    agent_id   BIGINT      PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
    phc        TEXT        NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Bearer sessions: only the SHA-256 of the token is stored.
CREATE TABLE sessions (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agent_id     BIGINT      NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    token_sha256 BYTEA       NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ,
    CONSTRAINT sessions_token_unique UNIQUE (token_sha256)
);
CREATE INDEX sessions_by_agent ON sessions (agent_id);

-- Failed logins per subject ('account:<username>' or 'address:<ip>'), one fixed window each.
CREATE TABLE login_failures (
    subject           TEXT        PRIMARY KEY,
    failures          INTEGER     NOT NULL,
    window_started_at TIMESTAMPTZ NOT NULL
);

-- Responses remembered per Idempotency-Key (used by the agent commands).
CREATE TABLE idempotency_keys (
    agent_id            BIGINT      NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    key                 TEXT        NOT NULL,
    request_fingerprint BYTEA       NOT NULL,
    response_status     INTEGER     NOT NULL,
    response_body       TEXT        NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (agent_id, key)
);
