-- Facility search (搜索) on PostgreSQL. A facility matches when its name
-- contains the text searched for (Chinese names have no word boundaries,
-- so "中牟县" must find "中牟县人民医院") or its code starts with it.
-- name LIKE '%…%' cannot use a B-tree index and scanned every version of
-- every registry; a GIN index of pg_trgm trigrams serves it when the text
-- has three characters or more (store/search.go). The code prefix is a
-- range on code COLLATE "C": byte order, whatever the database's
-- collation, so that the range is exactly the prefix and a B-tree serves
-- it even in a plan prepared before the text is known.
--
-- pg_trgm ships with PostgreSQL (contrib) and is a trusted extension from
-- PostgreSQL 13 on: a user with CREATE on the database may create it. It
-- goes into public, where extensions usually live and where it outlives
-- any one application schema (the tests create and drop a schema each);
-- failing that, into the current schema. Where the extension exists
-- already, in whatever schema, its operator class is named with that
-- schema. Where it can be neither found nor created (no contrib package,
-- no privilege), the trigram indexes are left out and searches scan as
-- before, with the same results; the store then logs at every start the
-- statements a database owner runs to add them.
-- Trigrams of Chinese characters need a database whose LC_CTYPE knows
-- them as letters (C.UTF-8, zh_CN.UTF-8; not C), or pg_trgm skips them and
-- the index serves only the Latin letters and digits of names.
-- Statements are separated by "-- statement" lines: the block holds
-- semicolons.

-- statement
CREATE INDEX hospital_versions_code ON hospital_versions (code COLLATE "C");
-- statement
CREATE INDEX primary_care_versions_code ON primary_care_versions (code COLLATE "C");
-- statement
CREATE INDEX childcare_versions_code ON childcare_versions (code COLLATE "C");
-- statement
CREATE INDEX blood_station_versions_code ON blood_station_versions (code COLLATE "C");
-- statement
CREATE INDEX hotline_versions_code ON hotline_versions (code COLLATE "C");
-- statement
DO $$
DECLARE
    ext_schema text;
    t text;
BEGIN
    SELECT n.nspname INTO ext_schema
        FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'pg_trgm';
    IF ext_schema IS NULL THEN
        -- Another store migrating at the same moment may create it first:
        -- then CREATE fails here, and the query below finds theirs.
        BEGIN
            CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
        EXCEPTION WHEN OTHERS THEN
            BEGIN
                CREATE EXTENSION IF NOT EXISTS pg_trgm;
            EXCEPTION WHEN OTHERS THEN
                RAISE WARNING 'pg_trgm: %', SQLERRM;
            END;
        END;
        SELECT n.nspname INTO ext_schema
            FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
            WHERE e.extname = 'pg_trgm';
        IF ext_schema IS NULL THEN
            RAISE WARNING 'pg_trgm not available: facility search scans the registries';
            RETURN;
        END IF;
    END IF;
    FOREACH t IN ARRAY ARRAY['hospital_versions', 'primary_care_versions', 'childcare_versions',
                             'blood_station_versions', 'hotline_versions'] LOOP
        EXECUTE format('CREATE INDEX %I ON %I USING gin (name %I.gin_trgm_ops)', t || '_name_trgm', t, ext_schema);
    END LOOP;
END;
$$;
