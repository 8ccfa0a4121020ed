-- The audit trail (审计日志): append-only, hash-chained (see package
-- audit). seq is assigned by the store as the last seq + 1, so the primary
-- key also rejects a second entry at the same place in the chain. at is
-- UTC text of fixed width (2025-03-01T08:00:00.000000Z), which compares as
-- time. before_json and after_json are NULL when there is nothing; they
-- hold masked or hashed personal data only. The search indexes end in seq
-- so that "newest first" reads them in order. The triggers that reject
-- UPDATE and DELETE differ by engine: 003_audit.sqlite.sql and
-- 003_audit.postgres.sql.

CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    actor_role  TEXT NOT NULL,
    region      TEXT NOT NULL,
    action      TEXT NOT NULL,
    object      TEXT NOT NULL,
    before_json TEXT,
    after_json  TEXT,
    request_id  TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_object ON audit_log (object, seq);
CREATE INDEX audit_log_region ON audit_log (region, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_at ON audit_log (at);
