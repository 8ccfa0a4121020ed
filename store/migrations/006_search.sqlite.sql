-- Facility search (搜索) on SQLite. A facility matches when its name
-- contains the text searched for: Chinese names have no word boundaries,
-- so "中牟县" must find "中牟县人民医院". LIKE '%…%' cannot use a B-tree
-- index and scanned every version of every registry (about 450 ms a
-- search page over the national data). An FTS5 index with the trigram
-- tokenizer finds the versions whose names hold every three-character run
-- of the text; the query then checks the LIKE on those few rows
-- (store/search.go). Texts of one or two characters have no trigram and
-- are still a scan, which the search page bounds.
--
-- Each index is external content (content=the registry table, mapped by
-- rowid): it stores no second copy of the names. detail=none keeps only
-- which rows hold a trigram, not where: half the size, and the LIKE
-- re-check makes positions unnecessary. columnsize=0 drops the per-row
-- token counts, which only ranking uses: a rebuild of a million names
-- takes half the time without them. Triggers keep the index in step
-- with every insert, update of the name and delete, whichever path
-- writes; an import into an empty registry drops them with the other
-- secondary indexes and rebuilds the index once (store/importtx.go).
-- Statements are separated by "-- statement" lines: the trigger bodies
-- hold semicolons.

-- statement
CREATE VIRTUAL TABLE hospital_versions_search USING fts5(name, content='hospital_versions', tokenize='trigram', detail=none, columnsize=0);
-- statement
INSERT INTO hospital_versions_search(hospital_versions_search) VALUES ('rebuild');
-- statement
CREATE TRIGGER hospital_versions_search_insert AFTER INSERT ON hospital_versions BEGIN
    INSERT INTO hospital_versions_search(rowid, name) VALUES (new.rowid, new.name);
END;
-- statement
CREATE TRIGGER hospital_versions_search_delete AFTER DELETE ON hospital_versions BEGIN
    INSERT INTO hospital_versions_search(hospital_versions_search, rowid, name) VALUES ('delete', old.rowid, old.name);
END;
-- statement
CREATE TRIGGER hospital_versions_search_update AFTER UPDATE OF name ON hospital_versions BEGIN
    INSERT INTO hospital_versions_search(hospital_versions_search, rowid, name) VALUES ('delete', old.rowid, old.name);
    INSERT INTO hospital_versions_search(rowid, name) VALUES (new.rowid, new.name);
END;

-- statement
CREATE VIRTUAL TABLE primary_care_versions_search USING fts5(name, content='primary_care_versions', tokenize='trigram', detail=none, columnsize=0);
-- statement
INSERT INTO primary_care_versions_search(primary_care_versions_search) VALUES ('rebuild');
-- statement
CREATE TRIGGER primary_care_versions_search_insert AFTER INSERT ON primary_care_versions BEGIN
    INSERT INTO primary_care_versions_search(rowid, name) VALUES (new.rowid, new.name);
END;
-- statement
CREATE TRIGGER primary_care_versions_search_delete AFTER DELETE ON primary_care_versions BEGIN
    INSERT INTO primary_care_versions_search(primary_care_versions_search, rowid, name) VALUES ('delete', old.rowid, old.name);
END;
-- statement
CREATE TRIGGER primary_care_versions_search_update AFTER UPDATE OF name ON primary_care_versions BEGIN
    INSERT INTO primary_care_versions_search(primary_care_versions_search, rowid, name) VALUES ('delete', old.rowid, old.name);
    INSERT INTO primary_care_versions_search(rowid, name) VALUES (new.rowid, new.name);
END;

-- statement
CREATE VIRTUAL TABLE childcare_versions_search USING fts5(name, content='childcare_versions', tokenize='trigram', detail=none, columnsize=0);
-- statement
INSERT INTO childcare_versions_search(childcare_versions_search) VALUES ('rebuild');
-- statement
CREATE TRIGGER childcare_versions_search_insert AFTER INSERT ON childcare_versions BEGIN
    INSERT INTO childcare_versions_search(rowid, name) VALUES (new.rowid, new.name);
END;
-- statement
CREATE TRIGGER childcare_versions_search_delete AFTER DELETE ON childcare_versions BEGIN
    INSERT INTO childcare_versions_search(childcare_versions_search, rowid, name) VALUES ('delete', old.rowid, old.name);
END;
-- statement
CREATE TRIGGER childcare_versions_search_update AFTER UPDATE OF name ON childcare_versions BEGIN
    INSERT INTO childcare_versions_search(childcare_versions_search, rowid, name) VALUES ('delete', old.rowid, old.name);
    INSERT INTO childcare_versions_search(rowid, name) VALUES (new.rowid, new.name);
END;

-- statement
CREATE VIRTUAL TABLE blood_station_versions_search USING fts5(name, content='blood_station_versions', tokenize='trigram', detail=none, columnsize=0);
-- statement
INSERT INTO blood_station_versions_search(blood_station_versions_search) VALUES ('rebuild');
-- statement
CREATE TRIGGER blood_station_versions_search_insert AFTER INSERT ON blood_station_versions BEGIN
    INSERT INTO blood_station_versions_search(rowid, name) VALUES (new.rowid, new.name);
END;
-- statement
CREATE TRIGGER blood_station_versions_search_delete AFTER DELETE ON blood_station_versions BEGIN
    INSERT INTO blood_station_versions_search(blood_station_versions_search, rowid, name) VALUES ('delete', old.rowid, old.name);
END;
-- statement
CREATE TRIGGER blood_station_versions_search_update AFTER UPDATE OF name ON blood_station_versions BEGIN
    INSERT INTO blood_station_versions_search(blood_station_versions_search, rowid, name) VALUES ('delete', old.rowid, old.name);
    INSERT INTO blood_station_versions_search(rowid, name) VALUES (new.rowid, new.name);
END;

-- statement
CREATE VIRTUAL TABLE hotline_versions_search USING fts5(name, content='hotline_versions', tokenize='trigram', detail=none, columnsize=0);
-- statement
INSERT INTO hotline_versions_search(hotline_versions_search) VALUES ('rebuild');
-- statement
CREATE TRIGGER hotline_versions_search_insert AFTER INSERT ON hotline_versions BEGIN
    INSERT INTO hotline_versions_search(rowid, name) VALUES (new.rowid, new.name);
END;
-- statement
CREATE TRIGGER hotline_versions_search_delete AFTER DELETE ON hotline_versions BEGIN
    INSERT INTO hotline_versions_search(hotline_versions_search, rowid, name) VALUES ('delete', old.rowid, old.name);
END;
-- statement
CREATE TRIGGER hotline_versions_search_update AFTER UPDATE OF name ON hotline_versions BEGIN
    INSERT INTO hotline_versions_search(hotline_versions_search, rowid, name) VALUES ('delete', old.rowid, old.name);
    INSERT INTO hotline_versions_search(rowid, name) VALUES (new.rowid, new.name);
END;
