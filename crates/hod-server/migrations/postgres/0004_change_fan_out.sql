-- Live fan-out across server instances (decision 0701): every change row announces itself
-- on the `hod_changes` channel as "<agent_id>:<seq>". PostgreSQL delivers a NOTIFY when its
-- transaction commits, and not at all when it rolls back, so a listener hears exactly the
-- committed changes. The payload names no data: listeners read the rows from the feed.
CREATE FUNCTION hod_announce_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hod_changes', NEW.agent_id::text || ':' || NEW.seq::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER changes_announce
    AFTER INSERT ON changes
    FOR EACH ROW EXECUTE FUNCTION hod_announce_change();
