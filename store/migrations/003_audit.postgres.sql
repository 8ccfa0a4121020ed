-- The application never changes or removes an audit entry; this trigger
-- makes the database refuse it too, for UPDATE, DELETE and TRUNCATE, even
-- of no rows. It binds the table's owner as well; in production the
-- server should run as a role granted only SELECT and INSERT on
-- audit_log, so that dropping the trigger takes the owner. Whoever drops
-- it, audit.Verify shows what they changed.
-- Statements are separated by "-- statement" lines: the function body
-- holds semicolons.

-- statement
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only';
END;
$$;
-- statement
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
