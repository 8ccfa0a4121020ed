-- Users, sessions and API tokens (用户、会话、API令牌); see package auth.
-- Times are UTC text of fixed width (2025-03-01T08:00:00.000000Z), which
-- compares as time on both engines; NULL where there is no time.
-- A user is bound either to a region or to an institution, never both: the
-- CHECKs hold the database to that even if a caller does not. role holds
-- auth.Role's String name. failed_count, failed_since, lockouts and
-- locked_until are auth.AccountState, kept here so a restart does not lift
-- a lock-out. Users are disabled, never deleted, so the audit trail keeps
-- naming them.

CREATE TABLE users (
    id                 TEXT PRIMARY KEY,
    username           TEXT NOT NULL UNIQUE,
    display_name       TEXT NOT NULL,
    role               TEXT NOT NULL,
    region             TEXT NOT NULL DEFAULT '',
    institution        TEXT NOT NULL DEFAULT '',
    institution_region TEXT NOT NULL DEFAULT '',
    password_hash      TEXT NOT NULL,
    must_change        SMALLINT NOT NULL DEFAULT 0,
    disabled           SMALLINT NOT NULL DEFAULT 0,
    failed_count       INTEGER NOT NULL DEFAULT 0,
    failed_since       TEXT,
    lockouts           INTEGER NOT NULL DEFAULT 0,
    locked_until       TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    CHECK ((region = '') <> (institution = '')),
    CHECK ((institution = '') = (institution_region = ''))
);
CREATE INDEX users_region ON users (region);
CREATE INDEX users_institution_region ON users (institution_region);

-- A session's id is the SHA-256 of its token (auth.HashToken): the token
-- itself is only ever in the user's cookie. csrf is the session's random
-- anti-forgery token.
CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    csrf       TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- An API token is found by hash (SHA-256 of the secret) and listed and
-- revoked by id. rights is a comma-separated list of auth.Right names;
-- region is '' for the owner's whole scope.
CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    hash       TEXT NOT NULL UNIQUE,
    user_id    TEXT NOT NULL REFERENCES users (id),
    name       TEXT NOT NULL,
    rights     TEXT NOT NULL,
    region     TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    last_used  TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
