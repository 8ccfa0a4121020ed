-- Population figures supplied by users (上报数): a newer yearbook or an
-- estimate for a unit the census does not cover. They take precedence over
-- the census figure shipped in the binary and are shown as "reported".
CREATE TABLE region_population (
    code       TEXT PRIMARY KEY,
    population BIGINT NOT NULL,
    year       INTEGER NOT NULL,
    note       TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
