package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/shishi-health/shishi/audit"
)

// The audit log is append-only: the store has no method that changes or
// removes an entry, and triggers (migrations/003_audit.*.sql) make the
// database refuse UPDATE and DELETE on audit_log from any connection.

// auditLockKey is the PostgreSQL advisory lock that serialises appends, so
// that two transactions never read the same last entry and fork the chain.
// It is database-wide: stores on other schemas of the same database share
// it, which costs only waiting.
const auditLockKey int64 = 0x5348495348494155 // "SHISHIAU"

// dbtx is what an append runs on: a *sql.Tx, or the *sql.Conn of an
// ImportTx, which holds its transaction open itself.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// AppendAudit appends e to the audit log in a transaction of its own and
// returns it as stored: Seq one after the last entry, chained to its hash,
// At set to now when zero. The entry must pass audit.Entry.Validate.
//
// It takes the write connection, so do not call it inside another write
// transaction of the same store (with SQLite's single writer that would
// wait for ever): a change and its audit entry that must commit together
// go through ImportTx.AppendAudit, or through appendAudit for methods of
// this package that run in inTx.
func (s *Store) AppendAudit(ctx context.Context, e audit.Entry) (audit.Entry, error) {
	var out audit.Entry
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.appendAudit(ctx, tx, e)
		return err
	})
	if err != nil {
		return audit.Entry{}, fmt.Errorf("append audit %s %s: %w", e.Action, e.Object, err)
	}
	return out, nil
}

// AppendAudit appends e to the audit log inside the import's transaction,
// so that the entry is written if and only if the import commits. On
// PostgreSQL the append holds the audit lock until the import ends, which
// stops every other append meanwhile: call it just before Commit.
func (t *ImportTx) AppendAudit(ctx context.Context, e audit.Entry) (audit.Entry, error) {
	if t.done {
		return audit.Entry{}, fmt.Errorf("append audit to %s import: %w", t.sc.Name, errRollback)
	}
	out, err := t.s.appendAudit(ctx, t.conn, e)
	if err != nil {
		return audit.Entry{}, fmt.Errorf("append audit to %s import: %w", t.sc.Name, err)
	}
	return out, nil
}

// appendAudit appends e on q, which must be in a write transaction.
// SQLite's transactions on the write connection begin IMMEDIATE, so they
// already exclude each other; PostgreSQL takes auditLockKey until the
// transaction ends. The lock comes before the read of the last entry, and
// under READ COMMITTED (the default, which the store keeps) that read sees
// whatever the previous holder committed. The primary key on seq stops a
// fork whatever happens.
func (s *Store) appendAudit(ctx context.Context, q dbtx, e audit.Entry) (audit.Entry, error) {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	if err := e.Validate(); err != nil {
		return audit.Entry{}, err
	}
	if s.dialect == Postgres {
		if _, err := q.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, auditLockKey); err != nil {
			return audit.Entry{}, fmt.Errorf("lock audit log: %w", err)
		}
	}
	last, prev, err := auditHead(ctx, q)
	if err != nil {
		return audit.Entry{}, err
	}
	e.Seq = last + 1
	e = audit.Chain(prev, e)
	_, err = q.ExecContext(ctx, s.rebind(`INSERT INTO audit_log (seq, at, actor, actor_role, region, action, object,
		before_json, after_json, request_id, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		e.Seq, e.At.Format(audit.TimeLayout), e.Actor, e.ActorRole, e.Region, e.Action.String(), e.Object,
		nullJSON(e.Before), nullJSON(e.After), e.RequestID, e.PrevHash, e.Hash)
	if err != nil {
		return audit.Entry{}, fmt.Errorf("insert audit entry %d: %w", e.Seq, err)
	}
	return e, nil
}

func nullJSON(j json.RawMessage) any {
	if len(j) == 0 {
		return nil
	}
	return string(j)
}

func auditHead(ctx context.Context, q dbtx) (int64, string, error) {
	var seq int64
	var hash string
	err := q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, audit.Genesis, nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("read audit head: %w", err)
	}
	return seq, hash, nil
}

// AuditHead returns the Seq and Hash of the newest entry (0 and
// audit.Genesis for an empty log). A copy of the head kept outside the
// database shows whether the newest entries were removed, which the chain
// alone cannot.
func (s *Store) AuditHead(ctx context.Context) (seq int64, hash string, err error) {
	return auditHead(ctx, s.read)
}

// AuditQuery selects audit entries. Empty fields select everything.
type AuditQuery struct {
	Actor  string // user ID
	Object string // exact object, "hospitals/H4101020001"
	// Region selects entries of the unit with this GB/T 2260 code and of
	// the units under it (see RegionPrefix): "410000" the province,
	// "410100" the prefecture and its counties, "000000" everything.
	Region   string
	Action   audit.Action // 0: any
	From, To time.Time    // From <= At < To; zero: open-ended
	// Limit is the page size, 100 when 0, at most 1000; Offset skips that
	// many entries.
	Limit, Offset int
}

// maxAuditPage caps AuditQuery.Limit.
const maxAuditPage = 1000

// auditColumns lists audit_log's columns in the order scanAudit reads them.
const auditColumns = `seq, at, actor, actor_role, region, action, object, before_json, after_json, request_id, prev_hash, hash`

// AuditEntries returns one page of the entries q selects, newest first,
// and how many it selects in all.
func (s *Store) AuditEntries(ctx context.Context, q AuditQuery) ([]audit.Entry, int, error) {
	var where []string
	var args []any
	add := func(cond string, vals ...any) {
		where = append(where, cond)
		args = append(args, vals...)
	}
	if q.Actor != "" {
		add(`actor = ?`, q.Actor)
	}
	if q.Object != "" {
		add(`object = ?`, q.Object)
	}
	if lo, hi := regionRange(q.Region); lo != "" {
		add(`region >= ? AND region < ?`, lo, hi)
	}
	if q.Action != 0 {
		add(`action = ?`, q.Action.String())
	}
	if !q.From.IsZero() {
		add(`at >= ?`, q.From.UTC().Format(audit.TimeLayout))
	}
	if !q.To.IsZero() {
		add(`at < ?`, q.To.UTC().Format(audit.TimeLayout))
	}
	cond := ""
	if len(where) > 0 {
		cond = ` WHERE ` + strings.Join(where, ` AND `)
	}
	var total int
	if err := s.read.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM audit_log`+cond), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count audit entries: %w", err)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, maxAuditPage)
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT `+auditColumns+` FROM audit_log`+cond+
		` ORDER BY seq DESC LIMIT ? OFFSET ?`), append(args, limit, max(q.Offset, 0))...)
	if err != nil {
		return nil, 0, fmt.Errorf("search audit entries: %w", err)
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("search audit entries: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("search audit entries: %w", err)
	}
	return out, total, nil
}

// scanAudit reads one row of auditColumns.
func scanAudit(rows *sql.Rows) (audit.Entry, error) {
	var e audit.Entry
	var at, action string
	var before, after sql.NullString
	if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.ActorRole, &e.Region, &action, &e.Object,
		&before, &after, &e.RequestID, &e.PrevHash, &e.Hash); err != nil {
		return audit.Entry{}, err
	}
	// An unreadable time or action is kept as the zero value rather than
	// refused: the entry's hash then fails, and Verify names it.
	e.At, _ = time.Parse(audit.TimeLayout, at)
	e.Action, _ = audit.ParseAction(action)
	if before.Valid {
		e.Before = json.RawMessage(before.String)
	}
	if after.Valid {
		e.After = json.RawMessage(after.String)
	}
	return e, nil
}

// auditPage is how many entries StreamAudit reads per query: the memory it
// holds, and how often it goes back to the database.
const auditPage = 2000

// StreamAudit calls fn with every entry in Seq order, oldest first, until
// fn returns an error, which it returns. It reads a page at a time by Seq,
// so memory stays constant and no query stays open while fn runs (fn may
// be slow, writing an export); entries appended meanwhile are included.
func (s *Store) StreamAudit(ctx context.Context, fn func(audit.Entry) error) error {
	after := int64(-1 << 63)
	page := make([]audit.Entry, 0, auditPage)
	for {
		page = page[:0]
		rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT `+auditColumns+` FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`), after, auditPage)
		if err != nil {
			return fmt.Errorf("read audit log: %w", err)
		}
		for rows.Next() {
			e, err := scanAudit(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("read audit log after %d: %w", after, err)
			}
			page = append(page, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read audit log after %d: %w", after, err)
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(page) < auditPage {
			return nil
		}
		after = page[len(page)-1].Seq
	}
}

// AuditLog returns the whole audit log in Seq order for audit.Verify:
// audit.Verify(s.AuditLog(ctx)).
func (s *Store) AuditLog(ctx context.Context) iter.Seq2[audit.Entry, error] {
	return func(yield func(audit.Entry, error) bool) {
		stop := errors.New("stop")
		err := s.StreamAudit(ctx, func(e audit.Entry) error {
			if !yield(e, nil) {
				return stop
			}
			return nil
		})
		if err != nil && err != stop {
			yield(audit.Entry{}, err)
		}
	}
}
