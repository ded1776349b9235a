-- The notification outbox: one row per message to send (e-mail, text, app reminder),
-- written in the transaction that makes the offer. Instants are INTEGER milliseconds since
-- the Unix epoch (UTC). Shipped: never edit.
--
-- Rows hold no contact details and no message text: the sender reads the agent's MLMS
-- address or mobile number and the referral's state, city and zip when it sends (CP-3), and
-- `last_error` is the sender's own short description, never a provider's echo.
CREATE TABLE notifications (
    id              INTEGER PRIMARY KEY,
    offer_id        INTEGER NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
    referral_id     INTEGER NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    agent_id        INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    -- hod_domain Channel: 'email', 'text' or 'app'.
    channel         TEXT    NOT NULL,
    -- 'offer' (the new referral) or 'reminder' (still pending near the deadline).
    kind            TEXT    NOT NULL,
    -- 'queued' → 'sending' (claimed) → 'delivered' | 'queued' (retry) | 'dead';
    -- or 'skipped' when the offer was no longer pending.
    state           TEXT    NOT NULL DEFAULT 'queued',
    created_at      INTEGER NOT NULL,
    -- Timer: the first moment the row may be sent, then the next retry.
    next_attempt_at INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- While 'sending': a claim not settled by then was lost (the sender stopped) and the
    -- row is claimed again.
    claimed_until   INTEGER,
    last_error      TEXT,
    -- When the provider (or the app channel) took the message.
    handed_over_at  INTEGER,
    finished_at     INTEGER,
    CONSTRAINT notifications_once UNIQUE (offer_id, channel, kind)
);
CREATE INDEX notifications_due ON notifications (next_attempt_at)
    WHERE state IN ('queued', 'sending');
CREATE INDEX notifications_by_state ON notifications (state, id);
