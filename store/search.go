package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/shishi-health/shishi/facility"
)

// Facility search: Query.Text matches a facility whose code starts with
// the text or whose name contains it. The name is the hard half: Chinese
// names have no word boundaries, so a substring (LIKE '%…%') is what users
// expect, and no B-tree serves it. Migration 006 adds trigram indexes
// (SQLite FTS5, PostgreSQL pg_trgm) that find the rows holding every
// three-character run of the text; the exact LIKE then runs on those rows
// only. A text of one or two characters has no trigram: it is still a
// scan, bounded by the caller's Limit and CountCap.

// trigramMin is the shortest text, in characters, a trigram index serves.
const trigramMin = 3

// maxTrigrams bounds the trigrams a search looks up: a long text's first
// few already select few rows, and LIKE checks the rest.
const maxTrigrams = 16

// searchTable names the FTS5 index of a registry table (SQLite).
func searchTable(sc *facility.Schema) string { return sc.Table + "_search" }

// textCondition returns the condition selecting the versions whose code
// starts with text or whose name contains it, and its arguments.
func (s *Store) textCondition(sc *facility.Schema, text string) (string, []any) {
	esc := strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(text)
	var or []string
	var args []any
	// The code prefix as ranges on the primary key (SQLite, whose text
	// order is byte order) or on the code index in byte order
	// (PostgreSQL, 006_search.postgres.sql), rather than LIKE 'x%':
	// neither engine uses an index for that LIKE here (SQLite's LIKE
	// ignores case, and PostgreSQL's prefix optimisation needs the C
	// collation and a known pattern, not a parameter of a cached plan).
	col := "code"
	if s.dialect == Postgres {
		col = `code COLLATE "C"`
	}
	for _, p := range codePrefixes(text) {
		or = append(or, "("+col+" >= ? AND "+col+" < ?)")
		args = append(args, p, prefixEnd(p))
	}
	long := utf8.RuneCountInString(text) >= trigramMin
	switch {
	case s.dialect == Postgres && long:
		// The planner serves this LIKE from the pg_trgm index when
		// there is one; the index reads the pattern when the statement
		// runs, so a cached generic plan serves every text.
		or = append(or, `name LIKE ? ESCAPE '\'`)
		args = append(args, "%"+esc+"%")
	case s.dialect == Postgres:
		// Without a trigram the GIN index would read all of itself; a
		// statement of its own, which the index cannot serve, keeps a
		// cached plan for long texts from being used for short ones.
		// strpos is LIKE '%…%' without the escaping: exact, with case.
		or = append(or, `strpos(name, ?) > 0`)
		args = append(args, text)
	case long:
		// The FTS5 index yields the rows holding every trigram of the
		// text, in any order and folding case beyond ASCII; LIKE keeps
		// those that hold the text itself.
		or = append(or, `(rowid IN (SELECT rowid FROM `+searchTable(sc)+` WHERE `+searchTable(sc)+` MATCH ?) AND name LIKE ? ESCAPE '\')`)
		args = append(args, ftsQuery(text), "%"+esc+"%")
	default:
		or = append(or, `name LIKE ? ESCAPE '\'`)
		args = append(args, "%"+esc+"%")
	}
	return "(" + strings.Join(or, " OR ") + ")", args
}

// from returns what a query for q selects from: the registry table, read
// whole rather than through the region index when a short text (no
// trigram) is searched across the country on SQLite. Such a search reads
// every version in effect anyway, unless the first page fills early; going
// through the region index, a lookup of the row per entry, takes twice
// as long as reading the table in order, and a short text rarely fills a
// page early in every registry ("医院" in hospitals does, not in
// childcare). A search within a unit keeps the index, which confines it
// to the unit's rows.
func (s *Store) from(sc *facility.Schema, q Query) string {
	t := strings.TrimSpace(q.Text)
	if s.dialect == SQLite && t != "" && utf8.RuneCountInString(t) < trigramMin && RegionPrefix(q.Region) == "" {
		return sc.Table + " NOT INDEXED"
	}
	return sc.Table
}

// codePrefixes returns the prefixes a code starting with text begins with:
// text as typed, in upper and in lower case (codes are letters, digits,
// '-' and '_', conventionally upper case; both engines used to differ,
// SQLite's LIKE ignoring case and PostgreSQL's not). None when text holds
// a character no code has, such as any Chinese one.
func codePrefixes(text string) []string {
	if text == "" || len(text) > 40 {
		return nil
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '-' || c == '_') {
			return nil
		}
	}
	out := []string{text}
	for _, v := range []string{strings.ToUpper(text), strings.ToLower(text)} {
		if v != out[0] && (len(out) < 2 || v != out[1]) {
			out = append(out, v)
		}
	}
	return out
}

// prefixEnd returns the least string above every string starting with p,
// in byte order: p with its last byte raised by one. p holds code
// characters only, so the result is ASCII.
func prefixEnd(p string) string {
	b := []byte(p)
	b[len(b)-1]++
	return string(b)
}

// ftsQuery turns text into an FTS5 query for rows holding each of its
// trigrams (an index with detail=none knows no phrases): the trigrams
// quoted as strings, so that no character of text is query syntax.
func ftsQuery(text string) string {
	runes := []rune(text)
	seen := map[string]bool{}
	var terms []string
	for i := 0; i+trigramMin <= len(runes) && len(terms) < maxTrigrams; i++ {
		g := string(runes[i : i+trigramMin])
		if seen[g] {
			continue
		}
		seen[g] = true
		terms = append(terms, `"`+strings.ReplaceAll(g, `"`, `""`)+`"`)
	}
	return strings.Join(terms, " AND ")
}

// warnUnindexedSearch logs, on PostgreSQL, that facility search has no
// trigram index when migration 006 could not create pg_trgm (the role may
// not create extensions): the store works, every search scans, and the
// operator learns why and what to run.
func (s *Store) warnUnindexedSearch(ctx context.Context) {
	if s.dialect != Postgres {
		return
	}
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_indexes
		WHERE schemaname = current_schema() AND indexname LIKE '%\_name\_trgm'`).Scan(&n)
	if err != nil || n >= len(facility.Registries()) {
		return
	}
	var fix []string
	for _, sc := range facility.Registries() {
		fix = append(fix, fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s_name_trgm ON %s USING gin (name gin_trgm_ops);", sc.Table, sc.Table))
	}
	s.log.Warn("facility search has no trigram index (pg_trgm could not be created): searches scan the registries",
		slog.String("fix", "as a database owner: CREATE EXTENSION IF NOT EXISTS pg_trgm; "+strings.Join(fix, " ")))
}

// rebuildSearch rebuilds a registry's FTS5 index from the table, for an
// import that dropped its triggers to load an empty registry (SQLite; on
// PostgreSQL the trigram index is one of the indexes dropped and
// re-created).
func (t *ImportTx) rebuildSearch(ctx context.Context) error {
	if t.s.dialect != SQLite {
		return nil
	}
	name := searchTable(t.sc)
	var one int
	err := t.conn.QueryRowContext(ctx, `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`, name).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := t.conn.ExecContext(ctx, `INSERT INTO `+name+`(`+name+`) VALUES ('rebuild')`); err != nil {
		return fmt.Errorf("rebuild %s: %w", name, err)
	}
	return nil
}
