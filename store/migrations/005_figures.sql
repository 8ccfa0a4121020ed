-- Periodic figures (上报数据) and their approval (审核); see package figure.
-- A row of figure_submissions is one version of one unit's figures for one
-- period; versions of a unit and period count from 1, and a correction of
-- an approved version is the next version. status holds figure.Status's
-- String name; chain the approving units in order, comma-separated;
-- awaiting the unit whose approver acts now ('' when none), so that an
-- approver's queue is one index range. period is the canonical text
-- (2025-03, 2025-Q1, 2025) and period_start/period_end its first and last
-- day, so that a date range selects periods of every span. Times are UTC
-- text of fixed width (2025-03-01T08:00:00.000000Z); approved_on is the
-- date in China of the final approval, for "in effect as of a date".
-- last_seq is the seq of the version's last event, kept so that the
-- status and its history can be checked against each other in one join.
CREATE TABLE figure_submissions (
    id           BIGINT PRIMARY KEY,
    region       TEXT NOT NULL,
    period       TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end   TEXT NOT NULL,
    version      INTEGER NOT NULL,
    status       TEXT NOT NULL,
    chain        TEXT NOT NULL,
    awaiting     TEXT NOT NULL DEFAULT '',
    confirmed    SMALLINT NOT NULL DEFAULT 0,
    reason       TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    approved_at  TEXT,
    approved_on  TEXT,
    last_seq     INTEGER NOT NULL,
    UNIQUE (region, period, version)
);
CREATE INDEX figure_submissions_awaiting ON figure_submissions (awaiting, period);
CREATE INDEX figure_submissions_period ON figure_submissions (period_start, period_end, status);

-- The values of a version, one row per kind reported. The values of an
-- approved version never change; those of a draft or returned version
-- are replaced when it is edited, and every set of values a step stored
-- is also kept in that step's event.
CREATE TABLE figure_values (
    submission_id BIGINT NOT NULL REFERENCES figure_submissions (id),
    kind          TEXT NOT NULL,
    value         DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (submission_id, kind)
);
CREATE INDEX figure_values_kind ON figure_values (kind, submission_id);

-- Every step of every version (操作记录), appended and never changed: who
-- (user, role, the unit they acted for), when, from which status to which,
-- the reason of a return, and values_json, the values the step stored
-- (NULL for approvals and returns, which change none).
CREATE TABLE figure_events (
    submission_id BIGINT NOT NULL REFERENCES figure_submissions (id),
    seq           INTEGER NOT NULL,
    at            TEXT NOT NULL,
    actor         TEXT NOT NULL,
    actor_role    TEXT NOT NULL,
    actor_region  TEXT NOT NULL,
    step          TEXT NOT NULL,
    from_status   TEXT NOT NULL,
    to_status     TEXT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    values_json   TEXT,
    PRIMARY KEY (submission_id, seq)
);
