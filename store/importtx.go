package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/shishi-health/shishi/facility"
)

// Outcome is what applying one record did (or, in a dry run, would do).
type Outcome struct {
	Change facility.Change
	Diff   []facility.FieldChange
	// Refused is set when the guard refused to change an existing
	// facility; nothing was written for the record.
	Refused bool
}

// ImportTx is one all-or-nothing write of many records into one registry.
// It holds a single connection with an open transaction for its whole life,
// so that every lookup sees the rows written before it and a failure, a
// dry run or a killed process leaves the store as it was.
type ImportTx struct {
	s       *Store
	sc      *facility.Schema
	conn    *sql.Conn
	cols    []string
	done    bool
	insert  []*pendingRow
	pending map[string]*pendingRow // code|valid_from → queued insert
	updates []rowUpdate
	stmts   map[int]*sql.Stmt // SQLite multi-row INSERTs by row count
	// written holds the codes this import wrote when the registry was
	// empty at its start: then only those can have versions, and the
	// lookup of existing versions, a query per batch, is skipped for every
	// other code. A first load of a million rows makes no lookups at all.
	written map[string]struct{}
	// indexes holds the definitions of the secondary indexes dropped for
	// a first load, re-created before commit: building an index from the
	// finished table (a sort) is far cheaper than inserting a million rows
	// into it one by one at random places. On SQLite they include the
	// triggers that keep the search index in step (006_search): Commit
	// rebuilds that index once instead.
	indexes []string
	guard   func(facility.History) bool
	// wrote is set once a row is inserted or updated: only then does
	// Commit raise the store's write count.
	wrote bool
}

// SetGuard makes Apply refuse records of existing facilities for which
// allow returns false (a facility registered outside the importing user's
// area): their outcome is Refused and nothing is written for them.
func (t *ImportTx) SetGuard(allow func(facility.History) bool) {
	t.guard = allow
}

type pendingRow struct {
	rec     facility.Record
	validTo string
}

// rowUpdate changes an existing row: its valid_to, or (when rec is set) all
// its attributes.
type rowUpdate struct {
	code, validFrom string
	validTo         string
	rec             *facility.Record
}

// BeginImport starts an import into the registry sc.
func (s *Store) BeginImport(ctx context.Context, sc *facility.Schema) (*ImportTx, error) {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin import %s: %w", sc.Name, err)
	}
	begin := "BEGIN"
	if s.dialect == SQLite {
		// Take the write lock now rather than fail on upgrade later.
		begin = "BEGIN IMMEDIATE"
		// A large import inserts into the region index all over the
		// file; with the index's pages cached it does not re-read them.
		// The cache shrinks back when the import ends.
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = %d", importCacheKiB)); err != nil {
			conn.Close()
			return nil, fmt.Errorf("begin import %s: %w", sc.Name, err)
		}
	}
	if _, err := conn.ExecContext(ctx, begin); err != nil {
		conn.Close()
		return nil, fmt.Errorf("begin import %s: %w", sc.Name, err)
	}
	t := &ImportTx{s: s, sc: sc, conn: conn, cols: columns(sc), pending: map[string]*pendingRow{}, stmts: map[int]*sql.Stmt{}}
	var one int
	err = conn.QueryRowContext(ctx, `SELECT 1 FROM `+sc.Table+` LIMIT 1`).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		t.written = map[string]struct{}{}
		if err := t.dropIndexes(ctx); err != nil {
			t.Rollback()
			return nil, fmt.Errorf("begin import %s: %w", sc.Name, err)
		}
	case err != nil:
		t.Rollback()
		return nil, fmt.Errorf("begin import %s: %w", sc.Name, err)
	}
	return t, nil
}

func key(code, from string) string { return code + "|" + from }

// Apply plans and writes a batch of records. Records are applied in order,
// so a later record of the same code sees an earlier one.
func (t *ImportTx) Apply(ctx context.Context, recs []facility.Record) ([]Outcome, error) {
	codes := make([]string, 0, len(recs))
	seen := make(map[string]bool, len(recs))
	for _, r := range recs {
		if seen[r.Code] {
			continue
		}
		seen[r.Code] = true
		if t.written != nil {
			if _, ok := t.written[r.Code]; !ok {
				// Clone: the code may share memory with the whole row.
				t.written[strings.Clone(r.Code)] = struct{}{}
				continue
			}
		}
		codes = append(codes, r.Code)
	}
	hs, err := t.s.histories(ctx, t.conn, t.sc, codes)
	if err != nil {
		return nil, err
	}
	out := make([]Outcome, len(recs))
	for i, r := range recs {
		h := hs[r.Code]
		if t.guard != nil && len(h) > 0 && !t.guard(h) {
			out[i] = Outcome{Refused: true}
			continue
		}
		change, diff, replace := t.sc.Plan(h, r)
		out[i] = Outcome{Change: change, Diff: diff}
		if change == facility.Unchanged {
			continue
		}
		pos, _ := slices.BinarySearchFunc(h, r.ValidFrom, func(v facility.Record, d string) int { return strings.Compare(v.ValidFrom, d) })
		if replace {
			t.replace(r)
			h[pos] = r
			continue
		}
		validTo := openEnd
		if pos < len(h) {
			validTo = h[pos].ValidFrom
		}
		if pos > 0 {
			t.setValidTo(r.Code, h[pos-1].ValidFrom, r.ValidFrom)
		}
		p := &pendingRow{rec: r, validTo: validTo}
		t.insert = append(t.insert, p)
		t.pending[key(r.Code, r.ValidFrom)] = p
		hs[r.Code] = slices.Insert(h, pos, r)
	}
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

func (t *ImportTx) replace(r facility.Record) {
	if p, ok := t.pending[key(r.Code, r.ValidFrom)]; ok {
		p.rec = r
		return
	}
	t.updates = append(t.updates, rowUpdate{code: r.Code, validFrom: r.ValidFrom, rec: &r})
}

func (t *ImportTx) setValidTo(code, from, to string) {
	if p, ok := t.pending[key(code, from)]; ok {
		p.validTo = to
		return
	}
	t.updates = append(t.updates, rowUpdate{code: code, validFrom: from, validTo: to})
}

func (t *ImportTx) flush(ctx context.Context) error {
	if len(t.insert) > 0 {
		rows := make([][]any, len(t.insert))
		for i, p := range t.insert {
			rows[i] = encode(t.sc, p.rec, p.validTo)
		}
		var err error
		if t.s.dialect == Postgres {
			err = copyRows(ctx, t.conn, t.sc.Table, t.cols, rows)
		} else {
			err = t.insertRows(ctx, rows)
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", t.sc.Name, err)
		}
		t.insert = t.insert[:0]
		clear(t.pending)
		t.wrote = true
	}
	if len(t.updates) > 0 {
		t.wrote = true
	}
	for _, u := range t.updates {
		var err error
		if u.rec != nil {
			vals := encode(t.sc, *u.rec, "")[3:] // closed and the fields
			set := make([]string, 0, len(vals))
			for _, c := range t.cols[3:] {
				set = append(set, c+" = ?")
			}
			_, err = t.conn.ExecContext(ctx, t.s.rebind(`UPDATE `+t.sc.Table+` SET `+strings.Join(set, ", ")+` WHERE code = ? AND valid_from = ?`),
				append(vals, u.code, u.validFrom)...)
		} else {
			_, err = t.conn.ExecContext(ctx, t.s.rebind(`UPDATE `+t.sc.Table+` SET valid_to = ? WHERE code = ? AND valid_from = ?`),
				u.validTo, u.code, u.validFrom)
		}
		if err != nil {
			return fmt.Errorf("update %s %s: %w", t.sc.Name, u.code, err)
		}
	}
	t.updates = t.updates[:0]
	return nil
}

// sqliteBatch is how many rows one SQLite INSERT carries: many rows per
// statement cut the per-statement cost that dominates single-row inserts,
// while staying far below SQLite's 32,766 bound parameters.
const sqliteBatch = 200

func (t *ImportTx) insertRows(ctx context.Context, rows [][]any) error {
	for len(rows) > 0 {
		n := min(len(rows), sqliteBatch)
		stmt, ok := t.stmts[n]
		if !ok {
			one := "(" + placeholders(len(t.cols)) + ")"
			q := `INSERT INTO ` + t.sc.Table + ` (` + strings.Join(t.cols, ", ") + `) VALUES ` +
				strings.TrimSuffix(strings.Repeat(one+",", n), ",")
			var err error
			stmt, err = t.conn.PrepareContext(ctx, q)
			if err != nil {
				return err
			}
			t.stmts[n] = stmt
		}
		args := make([]any, 0, n*len(t.cols))
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// dropIndexes drops the registry's secondary indexes (all but the primary
// key) inside the transaction, remembering their definitions; a rollback
// brings them back with everything else. On SQLite it drops the triggers
// that feed the search index too, which Commit rebuilds from the table;
// other triggers, whose work no rebuild would redo, stay.
func (t *ImportTx) dropIndexes(ctx context.Context) error {
	q := `SELECT type || ' ' || name, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL
		AND (type = 'index' OR type = 'trigger' AND name GLOB ?)`
	args := []any{t.sc.Table, searchTable(t.sc) + "_*"}
	if t.s.dialect == Postgres {
		q = `SELECT 'index ' || indexname, indexdef FROM pg_indexes WHERE tablename = $1 AND schemaname = current_schema()
			AND indexname <> $1 || '_pkey'`
		args = args[:1]
	}
	rows, err := t.conn.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return err
		}
		names = append(names, name)
		t.indexes = append(t.indexes, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, n := range names {
		if _, err := t.conn.ExecContext(ctx, `DROP `+n); err != nil {
			return err
		}
	}
	return nil
}

// Commit makes the import's writes permanent.
func (t *ImportTx) Commit(ctx context.Context) error {
	if t.done {
		return fmt.Errorf("commit %s import: %w", t.sc.Name, errRollback)
	}
	for _, def := range t.indexes {
		if _, err := t.conn.ExecContext(ctx, def); err != nil {
			t.Rollback()
			return fmt.Errorf("commit %s import: rebuild index: %w", t.sc.Name, err)
		}
	}
	if t.written != nil {
		if err := t.rebuildSearch(ctx); err != nil {
			t.Rollback()
			return fmt.Errorf("commit %s import: %w", t.sc.Name, err)
		}
	}
	if t.wrote {
		if err := t.s.countWrite(ctx, t.conn); err != nil {
			t.Rollback()
			return fmt.Errorf("commit %s import: %w", t.sc.Name, err)
		}
	}
	t.done = true
	t.closeStmts()
	_, err := t.conn.ExecContext(ctx, "COMMIT")
	if err != nil {
		t.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	}
	t.release()
	if err != nil {
		return fmt.Errorf("commit %s import: %w", t.sc.Name, err)
	}
	return nil
}

// Rollback discards the import's writes; it does nothing after Commit.
func (t *ImportTx) Rollback() error {
	if t.done {
		return nil
	}
	t.done = true
	t.closeStmts()
	_, err := t.conn.ExecContext(context.Background(), "ROLLBACK")
	t.release()
	return err
}

// importCacheKiB is the SQLite page cache of an import's connection
// (negative: KiB), defaultCacheKiB that of every other connection.
const (
	importCacheKiB  = -262144
	defaultCacheKiB = -32000
)

// release returns the connection to the pool with the normal cache size.
func (t *ImportTx) release() {
	if t.s.dialect == SQLite {
		t.conn.ExecContext(context.Background(), fmt.Sprintf("PRAGMA cache_size = %d", defaultCacheKiB))
	}
	t.conn.Close()
}

func (t *ImportTx) closeStmts() {
	for _, st := range t.stmts {
		st.Close()
	}
}
