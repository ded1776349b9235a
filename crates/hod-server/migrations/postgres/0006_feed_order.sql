-- The dispatcher's roster reads the agents named by changes committed since its last look,
-- by any instance or command (decision 0201): a global order over the change feed, whose
-- own sequence numbers are per agent. Numbers are taken at insert, so a transaction that
-- commits late can land behind a mark already passed; the LISTEN notices (0701) and the
-- roster's periodic full read cover that.
ALTER TABLE changes ADD COLUMN feed_order BIGSERIAL;
CREATE INDEX changes_feed_order ON changes (feed_order);
