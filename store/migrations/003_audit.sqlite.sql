-- The application never changes or removes an audit entry; these triggers
-- make the database refuse it too. Whoever drops them has direct access
-- to the file, and audit.Verify then shows what they changed.
-- Statements are separated by "-- statement" lines: the trigger bodies
-- hold semicolons.

-- statement
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;
-- statement
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;
