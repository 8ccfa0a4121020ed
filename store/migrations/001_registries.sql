-- Facility registries. Each table holds versions: one row per facility per
-- date from which a set of attributes holds. valid_to is the next version's
-- valid_from, or '9999-12-31' for the version still in effect, so that "the
-- state on date D" is the index-friendly range valid_from <= D < valid_to.
-- Dates are ISO text (YYYY-MM-DD) in both stores, which compare as text.
-- Yes/no attributes are 0/1 SMALLINTs so that SUM works on both engines.
-- The region indexes cover the as-of columns, so counting facilities per
-- region on a date reads the index alone.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE regions (
    code              TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    name_en           TEXT NOT NULL,
    level             SMALLINT NOT NULL,
    kind              TEXT NOT NULL,
    parent            TEXT NOT NULL,
    population        BIGINT,
    population_source TEXT NOT NULL
);
CREATE INDEX regions_parent ON regions (parent);

CREATE TABLE hospital_versions (
    code                TEXT NOT NULL,
    valid_from          TEXT NOT NULL,
    valid_to            TEXT NOT NULL DEFAULT '9999-12-31',
    closed              SMALLINT NOT NULL DEFAULT 0,
    name                TEXT NOT NULL,
    region              TEXT NOT NULL,
    grade               TEXT NOT NULL,
    type                TEXT NOT NULL,
    ownership           TEXT NOT NULL,
    pediatrics          TEXT NOT NULL,
    ped_outpatient      SMALLINT NOT NULL,
    ped_beds            BIGINT NOT NULL,
    pediatricians       BIGINT NOT NULL,
    ped_nurses          BIGINT NOT NULL,
    psychiatry          SMALLINT NOT NULL,
    psych_clinic        SMALLINT NOT NULL,
    sleep_clinic        SMALLINT NOT NULL,
    dialysis_machines   BIGINT NOT NULL,
    dialysis_physicians BIGINT NOT NULL,
    dialysis_nurses     BIGINT NOT NULL,
    water_units         BIGINT NOT NULL,
    green_channel       SMALLINT NOT NULL,
    outpatient_deposit  SMALLINT NOT NULL,
    PRIMARY KEY (code, valid_from)
);
CREATE INDEX hospital_versions_region ON hospital_versions (region, valid_from, valid_to, closed);

CREATE TABLE primary_care_versions (
    code       TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to   TEXT NOT NULL DEFAULT '9999-12-31',
    closed     SMALLINT NOT NULL DEFAULT 0,
    name       TEXT NOT NULL,
    region     TEXT NOT NULL,
    type       TEXT NOT NULL,
    ped_common SMALLINT NOT NULL,
    PRIMARY KEY (code, valid_from)
);
CREATE INDEX primary_care_versions_region ON primary_care_versions (region, valid_from, valid_to, closed);

CREATE TABLE childcare_versions (
    code             TEXT NOT NULL,
    valid_from       TEXT NOT NULL,
    valid_to         TEXT NOT NULL DEFAULT '9999-12-31',
    closed           SMALLINT NOT NULL DEFAULT 0,
    name             TEXT NOT NULL,
    region           TEXT NOT NULL,
    slots            BIGINT NOT NULL,
    affordable_slots BIGINT NOT NULL,
    certified_on     TEXT,
    monthly_fee      BIGINT NOT NULL,
    PRIMARY KEY (code, valid_from)
);
CREATE INDEX childcare_versions_region ON childcare_versions (region, valid_from, valid_to, closed);

CREATE TABLE blood_station_versions (
    code        TEXT NOT NULL,
    valid_from  TEXT NOT NULL,
    valid_to    TEXT NOT NULL DEFAULT '9999-12-31',
    closed      SMALLINT NOT NULL DEFAULT 0,
    name        TEXT NOT NULL,
    region      TEXT NOT NULL,
    type        TEXT NOT NULL,
    on_platform SMALLINT NOT NULL,
    PRIMARY KEY (code, valid_from)
);
CREATE INDEX blood_station_versions_region ON blood_station_versions (region, valid_from, valid_to, closed);

CREATE TABLE hotline_versions (
    code        TEXT NOT NULL,
    valid_from  TEXT NOT NULL,
    valid_to    TEXT NOT NULL DEFAULT '9999-12-31',
    closed      SMALLINT NOT NULL DEFAULT 0,
    name        TEXT NOT NULL,
    region      TEXT NOT NULL,
    number      TEXT NOT NULL,
    seats       BIGINT NOT NULL,
    counsellors BIGINT NOT NULL,
    opened_on   TEXT,
    PRIMARY KEY (code, valid_from)
);
CREATE INDEX hotline_versions_region ON hotline_versions (region, valid_from, valid_to, closed);
