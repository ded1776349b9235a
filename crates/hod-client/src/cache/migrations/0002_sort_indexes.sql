-- hod-client local cache, schema 2: indexes that let Manage Referrals sort by status or by
-- state without sorting the whole table. Each sort has a fixed tie-break (newest first), so
-- ascending and descending need their own index: SQLite can walk an index backwards, but
-- only when every column flips together.
CREATE INDEX referrals_status_asc  ON referrals (status_rank ASC,  assigned_at DESC, id DESC);
CREATE INDEX referrals_status_desc ON referrals (status_rank DESC, assigned_at DESC, id DESC);
CREATE INDEX referrals_state_asc   ON referrals (state ASC,  assigned_at DESC, id DESC);
CREATE INDEX referrals_state_desc  ON referrals (state DESC, assigned_at DESC, id DESC);
