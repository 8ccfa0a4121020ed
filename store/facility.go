package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/shishi-health/shishi/facility"
)

// openEnd is valid_to of a version still in effect.
const openEnd = "9999-12-31"

// columns lists a registry table's columns in the order rows are scanned
// and written.
func columns(s *facility.Schema) []string {
	cols := []string{"code", "valid_from", "valid_to", "closed"}
	for _, f := range s.Fields {
		cols = append(cols, f.Key)
	}
	return cols
}

// encode turns a record into column values (see columns).
func encode(s *facility.Schema, r facility.Record, validTo string) []any {
	out := make([]any, 0, len(s.Fields)+4)
	out = append(out, r.Code, r.ValidFrom, validTo, boolInt(r.Closed))
	for i, f := range s.Fields {
		v := r.Values[i]
		switch f.Kind {
		case facility.Bool:
			b, _ := v.(bool)
			v = boolInt(b)
		case facility.Date:
			if v == "" {
				v = nil
			}
		}
		out = append(out, v)
	}
	return out
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// scanner scans registry rows into records.
type scanner struct {
	s              *facility.Schema
	dest           []any
	strs           []sql.NullString
	ints           []sql.NullInt64
	code, from, to string
	closed         int64
}

func newScanner(s *facility.Schema) *scanner {
	sc := &scanner{s: s, strs: make([]sql.NullString, len(s.Fields)), ints: make([]sql.NullInt64, len(s.Fields))}
	sc.dest = []any{&sc.code, &sc.from, &sc.to, &sc.closed}
	for i, f := range s.Fields {
		if f.Kind == facility.Int || f.Kind == facility.Bool {
			sc.dest = append(sc.dest, &sc.ints[i])
		} else {
			sc.dest = append(sc.dest, &sc.strs[i])
		}
	}
	return sc
}

func (sc *scanner) scan(rows *sql.Rows) (facility.Record, string, error) {
	if err := rows.Scan(sc.dest...); err != nil {
		return facility.Record{}, "", err
	}
	r := facility.Record{Code: sc.code, ValidFrom: sc.from, Closed: sc.closed != 0, Values: make([]any, len(sc.s.Fields))}
	for i, f := range sc.s.Fields {
		switch f.Kind {
		case facility.Int:
			r.Values[i] = sc.ints[i].Int64
		case facility.Bool:
			r.Values[i] = sc.ints[i].Int64 != 0
		default:
			r.Values[i] = sc.strs[i].String
		}
	}
	return r, sc.to, nil
}

// Query selects facilities of one registry in effect on a date.
type Query struct {
	// Region limits the result to facilities within this unit (its code
	// prefix: 2 digits for a province, 4 for a prefecture, 6 for a county);
	// "" or "000000" means the whole country.
	Region string
	AsOf   string // YYYY-MM-DD; required
	// Text matches a code prefix or a part of the name.
	Text string
	// Equal holds field key → stored value filters (grade=3, type=general).
	Equal  map[string]string
	Limit  int // 0: no limit
	Offset int
	// CountCap, when positive, lets Facilities stop counting once more
	// than CountCap match: a total above CountCap then says only that.
	// Counting every match of a short text ("医院") means reading every
	// row in effect; the search page needs only "more than 1,000".
	CountCap int
}

// RegionPrefix returns the code prefix shared by every county-level unit
// within region: GB/T 2260 codes nest by digits (省 2, 地 4, 县 6), and the
// units directly under a province (municipal districts, 省直辖县) share the
// province's 2 digits.
func RegionPrefix(region string) string {
	switch {
	case region == "" || region == "000000":
		return ""
	case strings.HasSuffix(region, "0000"):
		return region[:2]
	case strings.HasSuffix(region, "00"):
		return region[:4]
	}
	return region
}

// regionRange returns the range [lo, hi) of region codes within region,
// "" for the whole country. A range rather than LIKE, so that both engines
// use the index; and hi is the next prefix of digits ("4101" → "4102")
// rather than the prefix followed by a high character, because linguistic
// collations (ICU zh-Hans-CN, glibc zh_CN on PostgreSQL) pass over
// punctuation and order "410102" after "4101~". Digit strings of one length
// sort the same in every collation.
func regionRange(region string) (lo, hi string) {
	p := RegionPrefix(region)
	if p == "" {
		return "", ""
	}
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < '9' {
			b[i]++
			return p, string(b[:i+1])
		}
		b[i] = '0'
	}
	// All nines: nothing sorts above the prefix among six-digit codes
	// except longer digit strings, which the next length covers.
	return p, ":"
}

func (s *Store) where(sc *facility.Schema, q Query) (string, []any, error) {
	conds := []string{"valid_from <= ?", "valid_to > ?", "closed = 0"}
	args := []any{q.AsOf, q.AsOf}
	if lo, hi := regionRange(q.Region); lo != "" {
		conds = append(conds, "region >= ?", "region < ?")
		args = append(args, lo, hi)
	}
	if t := strings.TrimSpace(q.Text); t != "" {
		cond, targs := s.textCondition(sc, t)
		conds = append(conds, cond)
		args = append(args, targs...)
	}
	for key, v := range q.Equal {
		i := sc.Index(key)
		if i < 0 {
			return "", nil, fmt.Errorf("%s has no field %q", sc.Name, key)
		}
		f := sc.Fields[i]
		conds = append(conds, key+" = ?")
		switch f.Kind {
		case facility.Bool:
			args = append(args, boolInt(v == "1" || v == "true" || v == "yes"))
		case facility.Int:
			var n int64
			if _, err := fmt.Sscan(v, &n); err != nil {
				return "", nil, fmt.Errorf("filter %s: %q is not a number", key, v)
			}
			args = append(args, n)
		default:
			args = append(args, v)
		}
	}
	return strings.Join(conds, " AND "), args, nil
}

// Facilities returns the facilities matching q, ordered by region and code,
// and how many match in all (see Query.CountCap).
func (s *Store) Facilities(ctx context.Context, sc *facility.Schema, q Query) ([]facility.Record, int, error) {
	where, args, err := s.where(sc, q)
	if err != nil {
		return nil, 0, err
	}
	from := s.from(sc, q)
	query := `SELECT ` + strings.Join(columns(sc), ", ") + ` FROM ` + from + ` WHERE ` + where + ` ORDER BY region, code`
	// A scan of the whole table (see from) reads every row to sort them
	// anyway: it fetches the rows up to the cap in the same pass rather
	// than scanning again to count.
	oneScan := q.Limit > 0 && q.CountCap > 0 && from != sc.Table
	switch {
	case oneScan:
		query += fmt.Sprintf(" LIMIT %d", max(q.Offset+q.Limit, q.CountCap+1))
	case q.Limit > 0:
		query += fmt.Sprintf(" LIMIT %d OFFSET %d", q.Limit, q.Offset)
	}
	var out []facility.Record
	n := 0
	err = s.EachFacility(ctx, sc, query, args, func(r facility.Record) error {
		if n++; !oneScan || n > q.Offset && n <= q.Offset+q.Limit {
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if oneScan {
		return out, n, nil
	}
	// A page that is not full, and not past the end, holds the last
	// match: the total is known without counting. Most searches find
	// fewer than a page, and this spares them a second pass.
	switch {
	case q.Limit <= 0:
		return out, len(out), nil
	case len(out) < q.Limit && (len(out) > 0 || q.Offset == 0):
		return out, q.Offset + len(out), nil
	}
	count := `SELECT COUNT(*) FROM ` + from + ` WHERE ` + where
	if q.CountCap > 0 {
		count = fmt.Sprintf(`SELECT COUNT(*) FROM (SELECT 1 FROM %s WHERE %s LIMIT %d) capped`, from, where, q.CountCap+1)
	}
	var total int
	if err := s.read.QueryRowContext(ctx, s.rebind(count), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count %s: %w", sc.Name, err)
	}
	return out, total, nil
}

// StreamFacilities calls fn for every facility matching q (Limit and Offset
// ignored), ordered by region and code, without holding them all in memory:
// the exporter writes 100,000 rows this way.
func (s *Store) StreamFacilities(ctx context.Context, sc *facility.Schema, q Query, fn func(facility.Record) error) error {
	where, args, err := s.where(sc, q)
	if err != nil {
		return err
	}
	query := `SELECT ` + strings.Join(columns(sc), ", ") + ` FROM ` + sc.Table + ` WHERE ` + where + ` ORDER BY region, code`
	return s.EachFacility(ctx, sc, query, args, fn)
}

// EachFacility runs a query selecting columns(sc) and calls fn per row.
func (s *Store) EachFacility(ctx context.Context, sc *facility.Schema, query string, args []any, fn func(facility.Record) error) error {
	rows, err := s.read.QueryContext(ctx, s.rebind(query), args...)
	if err != nil {
		return fmt.Errorf("query %s: %w", sc.Name, err)
	}
	defer rows.Close()
	scan := newScanner(sc)
	for rows.Next() {
		r, _, err := scan.scan(rows)
		if err != nil {
			return fmt.Errorf("scan %s: %w", sc.Name, err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// History returns every version of the facility with the given code.
func (s *Store) History(ctx context.Context, sc *facility.Schema, code string) (facility.History, error) {
	hs, err := s.histories(ctx, s.read, sc, []string{code})
	if err != nil {
		return nil, err
	}
	h, ok := hs[code]
	if !ok {
		return nil, fmt.Errorf("%s %s: %w", sc.Name, code, ErrNotFound)
	}
	return h, nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// histories loads the versions of the given codes: on PostgreSQL in one
// query with the codes as an array, on SQLite in queries of up to 1,000
// codes (an IN list; SQLite has no array parameters).
func (s *Store) histories(ctx context.Context, db querier, sc *facility.Schema, codes []string) (map[string]facility.History, error) {
	out := make(map[string]facility.History, len(codes))
	sel := `SELECT ` + strings.Join(columns(sc), ", ") + ` FROM ` + sc.Table
	for start := 0; start < len(codes); {
		var q string
		var args []any
		if s.dialect == Postgres {
			q, args = sel+` WHERE code = ANY($1) ORDER BY code, valid_from`, []any{codes[start:]}
			start = len(codes)
		} else {
			part := codes[start:min(start+1000, len(codes))]
			start += len(part)
			args = make([]any, len(part))
			for i, c := range part {
				args[i] = c
			}
			q = sel + ` WHERE code IN (` + placeholders(len(part)) + `) ORDER BY code, valid_from`
		}
		if err := scanHistories(ctx, db, sc, q, args, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func scanHistories(ctx context.Context, db querier, sc *facility.Schema, q string, args []any, out map[string]facility.History) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("load %s versions: %w", sc.Name, err)
	}
	defer rows.Close()
	scan := newScanner(sc)
	for rows.Next() {
		r, _, err := scan.scan(rows)
		if err != nil {
			return fmt.Errorf("scan %s: %w", sc.Name, err)
		}
		out[r.Code] = append(out[r.Code], r)
	}
	return rows.Err()
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// CountByRegion counts the facilities of a registry in effect on asOf per
// region code (county-level unit) within region, in one grouped query; the
// caller rolls counts up the hierarchy.
func (s *Store) CountByRegion(ctx context.Context, sc *facility.Schema, region, asOf string) (map[string]int, error) {
	where, args, err := s.where(sc, Query{Region: region, AsOf: asOf})
	if err != nil {
		return nil, err
	}
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT region, COUNT(*) FROM `+sc.Table+` WHERE `+where+` GROUP BY region`), args...)
	if err != nil {
		return nil, fmt.Errorf("count %s by region: %w", sc.Name, err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var code string
		var n int
		if err := rows.Scan(&code, &n); err != nil {
			return nil, err
		}
		out[code] = n
	}
	return out, rows.Err()
}

// Count returns how many versions the registry holds (all dates).
func (s *Store) Count(ctx context.Context, sc *facility.Schema) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+sc.Table).Scan(&n)
	return n, err
}

// Put stores one record through the same path as an import, so that the
// API's create and update follow the import's rules.
func (s *Store) Put(ctx context.Context, sc *facility.Schema, r facility.Record) (Outcome, error) {
	tx, err := s.BeginImport(ctx, sc)
	if err != nil {
		return Outcome{}, err
	}
	defer tx.Rollback()
	out, err := tx.Apply(ctx, []facility.Record{r})
	if err != nil {
		return Outcome{}, err
	}
	return out[0], tx.Commit(ctx)
}

// CloseFacility ends a facility's existence from date d, keeping its
// history: a closed version is added with the attributes it had.
func (s *Store) CloseFacility(ctx context.Context, sc *facility.Schema, code, d string) error {
	h, err := s.History(ctx, sc, code)
	if err != nil {
		return err
	}
	cur, ok := h.AsOf(d)
	if !ok {
		return fmt.Errorf("%s %s on %s: %w", sc.Name, code, d, ErrNotFound)
	}
	cur.ValidFrom, cur.Closed = d, true
	_, err = s.Put(ctx, sc, cur)
	return err
}

// Purge deletes every version of the facility: for a record entered by
// mistake. Closing keeps the history and is what a facility that stops
// existing needs.
func (s *Store) Purge(ctx context.Context, sc *facility.Schema, code string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM `+sc.Table+` WHERE code = ?`), code)
		if err != nil {
			return fmt.Errorf("purge %s %s: %w", sc.Name, code, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%s %s: %w", sc.Name, code, ErrNotFound)
		}
		return s.countWrite(ctx, tx)
	})
}

// writeCountKey is the meta key of the write count.
const writeCountKey = "write_count"

// WriteCount returns the store's write count: a number that every
// committed change of facility data or population figures raises (an
// import, a facility's new version or closing, a purge, a regions
// import). A cache of figures derived from that data is fresh while the
// count it was computed under is current.
//
// The count is a row of meta, raised in the writing transaction, rather
// than a counter in memory, so that it also sees writes of other
// processes: `shishi import` on the same SQLite file while the server
// runs, or a second server on the same PostgreSQL database. Reading it is
// one primary-key lookup.
func (s *Store) WriteCount(ctx context.Context) (int64, error) {
	var v string
	err := s.read.QueryRowContext(ctx, s.rebind(`SELECT value FROM meta WHERE key = ?`), writeCountKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("write count: %w", err)
	}
	var n int64
	if _, err := fmt.Sscan(v, &n); err != nil {
		return 0, fmt.Errorf("write count %q: %w", v, err)
	}
	return n, nil
}

// countWrite raises the write count (see WriteCount) inside the
// transaction of the write it counts: the count and the data commit
// together, so a reader that read a count before reading data sees at
// least the data that count stands for.
func (s *Store) countWrite(ctx context.Context, tx dbtx) error {
	_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO meta (key, value) VALUES (?, '1')
		ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT)`), writeCountKey)
	if err != nil {
		return fmt.Errorf("count write: %w", err)
	}
	return nil
}

var errRollback = errors.New("rolled back")
