-- A routing pass pages through every waiting referral in arrival order (by id), so those
-- nobody can take yet never hold up the ones behind them.
DROP INDEX referrals_waiting;
CREATE INDEX referrals_waiting ON referrals (id) WHERE lifecycle = 'waiting';
