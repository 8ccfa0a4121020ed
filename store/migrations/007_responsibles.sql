-- Who answers for each commitment in each region (责任领导、责任部门和具体
-- 负责人). One row per set, commitment and region; changes go to the audit
-- trail with before and after. The contact's phone is sealed (AEAD, key
-- ring from SHISHI_DATA_KEYS, the key id inside the sealed text) and kept
-- beside a masked form for lists.
CREATE TABLE responsibles (
    set_id       TEXT NOT NULL,
    commitment   TEXT NOT NULL,
    region       TEXT NOT NULL,
    leader       TEXT NOT NULL,
    department   TEXT NOT NULL,
    contact      TEXT NOT NULL,
    phone_sealed TEXT NOT NULL DEFAULT '',
    phone_masked TEXT NOT NULL DEFAULT '',
    updated_at   TEXT NOT NULL,
    updated_by   TEXT NOT NULL,
    PRIMARY KEY (set_id, commitment, region)
);
CREATE INDEX responsibles_region ON responsibles (region);
