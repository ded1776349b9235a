-- hod-client local cache, schema 1. Shipped migrations are never edited; add a new file.
-- Instants are UTC milliseconds (INTEGER) so they sort; wire shapes are kept whole as JSON.

-- Single values: the profile (with licenses and eligible states), the availability settings,
-- the missed-referral alert (MR-3) and the change-feed cursor.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- One row per referral as this agent sees it; `body` is the wire Referral, the other
-- columns are copies for filtering and sorting in Manage Referrals.
CREATE TABLE referrals (
    id            INTEGER PRIMARY KEY,
    status        TEXT    NOT NULL,
    status_rank   INTEGER NOT NULL,
    outcome       TEXT,
    state         TEXT    NOT NULL,
    language      TEXT    NOT NULL,
    city          TEXT    NOT NULL,
    zip           TEXT    NOT NULL,
    display_name  TEXT    NOT NULL,
    assigned_at   INTEGER NOT NULL,
    offer_deadline INTEGER,
    body          TEXT    NOT NULL
) STRICT;
CREATE INDEX referrals_assigned ON referrals (assigned_at);
CREATE INDEX referrals_pending_offers ON referrals (offer_deadline) WHERE offer_deadline IS NOT NULL;

-- Agent actions waiting for (or answered by) the server, in the order they were taken.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT    NOT NULL UNIQUE,
    action          TEXT    NOT NULL,  -- OutboxAction as JSON
    undo            TEXT    NOT NULL,  -- Undo: the state before and after the optimistic effect
    created_at      INTEGER NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'refused')),
    response        TEXT,              -- server response body, when sent
    refusal         TEXT,              -- ApiError as JSON, when refused
    rollback        TEXT,              -- Rollback as JSON, when refused
    resolved_at     INTEGER,
    dismissed       INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX outbox_pending ON outbox (id) WHERE state = 'pending';
