-- The registers of commitments 2 and 8 (package conference, package
-- lecture): the seasonal health press conferences, one per solar term and
-- year, and the log of mental-health lectures. Dates are YYYY-MM-DD text;
-- recorded_on is the day (in China) a held conference's record or a
-- lecture was entered, from which it counts for the commitments. experts
-- is the panel as a JSON array of {field, name, affiliation}. Changes go to
-- the audit trail with before and after.
CREATE TABLE conferences (
    id            BIGINT PRIMARY KEY,
    year          INTEGER NOT NULL,
    term          INTEGER NOT NULL,
    planned_on    TEXT NOT NULL,
    planned_time  TEXT NOT NULL,
    theme         TEXT NOT NULL,
    theme_en      TEXT NOT NULL DEFAULT '',
    experts       TEXT NOT NULL DEFAULT '[]',
    advice        TEXT NOT NULL DEFAULT '',
    advice_en     TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    held_on       TEXT NOT NULL DEFAULT '',
    recording_url TEXT NOT NULL DEFAULT '',
    reach         BIGINT NOT NULL DEFAULT 0,
    recorded_on   TEXT NOT NULL DEFAULT '',
    revision      INTEGER NOT NULL DEFAULT 0,
    updated_at    TEXT NOT NULL,
    updated_by    TEXT NOT NULL,
    UNIQUE (year, term)
);

-- One row per lecture. kind is 'team' (region is the team's: the country,
-- a province or a prefecture) or 'hospital' (facility is its registry
-- code, region the county it stands in, copied when the entry is made).
CREATE TABLE lectures (
    id          BIGINT PRIMARY KEY,
    held_on     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    region      TEXT NOT NULL,
    facility    TEXT NOT NULL DEFAULT '',
    lecturer    TEXT NOT NULL,
    level       TEXT NOT NULL,
    venue       TEXT NOT NULL,
    place       TEXT NOT NULL DEFAULT '',
    topic       TEXT NOT NULL,
    audience    BIGINT NOT NULL,
    recorded_on TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);
CREATE INDEX lectures_region ON lectures (region, held_on);
CREATE INDEX lectures_held ON lectures (held_on);
CREATE INDEX lectures_facility ON lectures (facility, held_on);
