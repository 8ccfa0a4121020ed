package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/figure"
	"github.com/shishi-health/shishi/region"
)

// Periodic figures and their approval (package figure). Every step on a
// version (save, submit, approve, return) is one transaction that changes
// the version's row, appends its event and appends its audit entry, so a
// crash leaves either the whole step or none of it, and the status always
// matches the last event (VerifyFigures checks that). The transitions
// themselves are figure's: the store loads the version with its row
// locked, asks figure whether the step is legal, and writes the result.

// figureLockKey is the PostgreSQL advisory lock that serialises the
// creation of versions: the next id and the next version number are read
// and written under it, so two reporters saving the same unit's figures at
// once do not both create version 1. SQLite's IMMEDIATE transactions
// exclude each other already.
const figureLockKey int64 = 0x5348495348494647 // "SHISHIFG"

// figureBatch is how many submissions a bulk approval approves per
// transaction: enough that the per-transaction cost vanishes, few enough
// that the single SQLite writer and PostgreSQL's audit lock are not held
// for long while thousands are approved.
const figureBatch = 200

// chinaZone is the time zone of approval dates ("in effect as of"):
// China Standard Time, UTC+8, without daylight saving time.
var chinaZone = time.FixedZone("CST", 8*3600)

// ErrFigureStale is returned when a step names a version, or a state of
// it (figure.Submission.Seq), that is no longer the current one: someone
// else acted on it since the caller looked.
var ErrFigureStale = errors.New("the figures changed since they were shown: reload them")

// FigureActor is who takes a step, for the version's history and the
// audit trail.
type FigureActor struct {
	UserID string // user ID, or "system"
	Role   string // auth.Role name
	// Region is the unit the actor acts for: for an approval, the unit
	// whose turn it must be.
	Region    string
	RequestID string
	// At is when; zero means now.
	At time.Time
}

func (a FigureActor) normalized() FigureActor {
	if a.At.IsZero() {
		a.At = time.Now()
	}
	a.At = a.At.UTC().Truncate(time.Microsecond)
	if a.UserID == "" {
		a.UserID = "system"
	}
	return a
}

// FigureEntry is what a submitter sends: one unit's values for one period.
type FigureEntry struct {
	Region string
	Period figure.Period
	// Values holds the figures by kind code; the caller validated them
	// (figure.Rules.Validate).
	Values map[string]float64
	// Submit sends the version for approval; false saves a draft.
	Submit bool
	// Confirmed records that the submitter confirmed the warnings.
	Confirmed bool
}

// FigureChange says what saving an entry did.
type FigureChange int

// The changes.
const (
	// FigureNew created a version: the unit's first for the period, or a
	// correction of an approved version.
	FigureNew FigureChange = iota + 1
	// FigureChanged changed a draft or returned version (its values, its
	// status, or both).
	FigureChanged
	// FigureUnchanged found the values already there: the same figures
	// approved, awaiting approval, or saved as a draft. Importing a file
	// twice changes nothing.
	FigureUnchanged
)

// FigureOutcome is what SaveFiguresBatch did with one entry: the version
// as stored and the change, or Err when the entry was refused (a version
// under review), which errors.Is tells apart with figure.ErrUnderReview.
type FigureOutcome struct {
	Submission figure.Submission
	Change     FigureChange
	Err        error
}

// ErrFiguresRefused is returned by SaveFiguresBatch when entries were
// refused and the batch was not partial: nothing was stored.
var ErrFiguresRefused = errors.New("figures refused: nothing stored")

// SaveFigures saves one entry in a transaction: a draft (e.Submit false)
// or a submission, as a new version when the unit has none for the
// period or its latest is approved (a correction: the approved version
// stays in effect until the new one is approved), or as a change of the
// latest when that is a draft or was returned. A version under review is
// refused with figure.ErrUnderReview unless the entry repeats its values
// and submits (a repeated upload). t gives the approval chain of a new
// version.
func (s *Store) SaveFigures(ctx context.Context, t *region.Tree, e FigureEntry, by FigureActor) (figure.Submission, FigureChange, error) {
	out, err := s.SaveFiguresBatch(ctx, t, []FigureEntry{e}, by, FigureBatchOptions{})
	if len(out) == 1 && out[0].Err != nil {
		return figure.Submission{}, 0, out[0].Err
	}
	if err != nil {
		return figure.Submission{}, 0, err
	}
	return out[0].Submission, out[0].Change, nil
}

// FigureBatchOptions control SaveFiguresBatch.
type FigureBatchOptions struct {
	// Partial stores the entries that are not refused; otherwise one
	// refusal stores nothing.
	Partial bool
	// DryRun does everything but commit, so the outcomes say what saving
	// would do.
	DryRun bool
}

// SaveFiguresBatch saves entries (a file's rows) in one transaction, each
// as SaveFigures would. When an entry is refused, nothing is stored and
// the error is ErrFiguresRefused, unless opts.Partial: then the other
// entries are stored. Either way the outcomes say what happened to each
// entry, in order. Two entries for the same unit and period are saved in
// turn.
func (s *Store) SaveFiguresBatch(ctx context.Context, t *region.Tree, entries []FigureEntry, by FigureActor, opts FigureBatchOptions) ([]FigureOutcome, error) {
	by = by.normalized()
	out := make([]FigureOutcome, len(entries))
	refused := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if s.dialect == Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, figureLockKey); err != nil {
				return fmt.Errorf("lock figures: %w", err)
			}
		}
		var next int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM figure_submissions`).Scan(&next); err != nil {
			return err
		}
		for i, e := range entries {
			o, err := s.saveFigure(ctx, tx, t, e, by, &next)
			if err != nil {
				return err
			}
			out[i] = o
			refused = refused || o.Err != nil
		}
		if refused && !opts.Partial {
			return ErrFiguresRefused
		}
		if opts.DryRun {
			return errRollback
		}
		return nil
	})
	if err != nil && !(opts.DryRun && errors.Is(err, errRollback)) {
		return out, fmt.Errorf("save figures: %w", err)
	}
	return out, nil
}

// saveFigure saves one entry in tx; a refusal is the outcome's Err, an
// error of the store the returned one.
func (s *Store) saveFigure(ctx context.Context, tx *sql.Tx, t *region.Tree, e FigureEntry, by FigureActor, next *int64) (FigureOutcome, error) {
	if e.Period.IsZero() || len(e.Values) == 0 {
		return FigureOutcome{Err: fmt.Errorf("figures of %s: no period or no values", e.Region)}, nil
	}
	cur, found, err := s.figureVersion(ctx, tx, e.Region, e.Period, 0)
	if err != nil {
		return FigureOutcome{}, err
	}
	same := found && maps.Equal(cur.Values, e.Values)
	var sub figure.Submission
	isNew := false
	switch {
	case found && same && (cur.Status == figure.Approved || cur.Status.Pending() && e.Submit ||
		cur.Status == figure.Draft && !e.Submit):
		return FigureOutcome{Submission: cur, Change: FigureUnchanged}, nil
	case !found || cur.Status == figure.Approved:
		chain, err := figure.ApprovalChain(t, e.Region)
		if err != nil {
			return FigureOutcome{Err: err}, nil
		}
		sub = figure.Submission{ID: *next, Region: e.Region, Period: e.Period, Version: cur.Version + 1, Chain: chain, Created: by.At}
		*next++
		isNew = true
	default:
		sub = cur
	}
	before := figureJSON(sub)
	from := sub.Status
	step, to := figure.Save, figure.Status(0)
	if e.Submit {
		step = figure.Submit
		to, err = figure.SubmitFor(sub)
	} else {
		to, err = figure.SaveDraft(sub)
	}
	if err != nil {
		return FigureOutcome{Err: err}, nil
	}
	sub.Status, sub.Values, sub.Updated = to, maps.Clone(e.Values), by.At
	sub.Confirmed = e.Submit && e.Confirmed
	if isNew {
		_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO figure_submissions (id, region, period, period_start, period_end,
			version, status, chain, awaiting, confirmed, reason, created_at, updated_at, last_seq)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, 0)`),
			sub.ID, sub.Region, sub.Period.String(), sub.Period.Start(), sub.Period.End(), sub.Version, sub.Status.String(),
			strings.Join(sub.Chain, ","), sub.Awaiting(), boolInt(sub.Confirmed), authTime(sub.Created), authTime(sub.Updated))
	} else {
		_, err = tx.ExecContext(ctx, s.rebind(`DELETE FROM figure_values WHERE submission_id = ?`), sub.ID)
	}
	if err != nil {
		return FigureOutcome{}, fmt.Errorf("figures of %s for %s: %w", sub.Region, sub.Period, err)
	}
	for _, kind := range slices.Sorted(maps.Keys(sub.Values)) {
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO figure_values (submission_id, kind, value) VALUES (?, ?, ?)`),
			sub.ID, kind, sub.Values[kind]); err != nil {
			return FigureOutcome{}, fmt.Errorf("figures of %s for %s: %s: %w", sub.Region, sub.Period, kind, err)
		}
	}
	if err := s.stepFigure(ctx, tx, &sub, from, step, "", sub.Values, by); err != nil {
		return FigureOutcome{}, err
	}
	action, change := audit.Update, FigureChanged
	if isNew {
		action, change, before = audit.Create, FigureNew, nil
	}
	if err := s.auditFigure(ctx, tx, sub, action, before, by); err != nil {
		return FigureOutcome{}, err
	}
	return FigureOutcome{Submission: sub, Change: change}, nil
}

// stepFigure records a step already applied to sub (its status, values
// and times set; from is the status before): the row's status and
// bookkeeping, and the event. values are the values the step stored, nil
// if none.
func (s *Store) stepFigure(ctx context.Context, tx *sql.Tx, sub *figure.Submission, from figure.Status, step figure.Step, reason string, values map[string]float64, by FigureActor) error {
	sub.Seq++
	sub.Updated = by.At
	if sub.Status == figure.Approved {
		sub.Approved = by.At
	}
	if step == figure.Return {
		sub.Reason = reason
	}
	var approvedAt, approvedOn any
	if !sub.Approved.IsZero() {
		approvedAt, approvedOn = authTime(sub.Approved), sub.Approved.In(chinaZone).Format("2006-01-02")
	}
	_, err := tx.ExecContext(ctx, s.rebind(`UPDATE figure_submissions SET status = ?, awaiting = ?, confirmed = ?, reason = ?,
		updated_at = ?, approved_at = ?, approved_on = ?, last_seq = ? WHERE id = ?`),
		sub.Status.String(), sub.Awaiting(), boolInt(sub.Confirmed), sub.Reason, authTime(sub.Updated), approvedAt, approvedOn, sub.Seq, sub.ID)
	if err != nil {
		return fmt.Errorf("figures of %s for %s: %w", sub.Region, sub.Period, err)
	}
	var vj any
	if values != nil {
		b, err := json.Marshal(values)
		if err != nil {
			return err
		}
		vj = string(b)
	}
	_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO figure_events (submission_id, seq, at, actor, actor_role, actor_region,
		step, from_status, to_status, reason, values_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		sub.ID, sub.Seq, authTime(by.At), by.UserID, by.Role, by.Region, step.String(), statusText(from), sub.Status.String(), reason, vj)
	if err != nil {
		return fmt.Errorf("figures of %s for %s: event: %w", sub.Region, sub.Period, err)
	}
	return nil
}

// statusText is a status as stored: "" for none (before the first step).
func statusText(st figure.Status) string {
	if st == 0 {
		return ""
	}
	return st.String()
}

// figureObject is the audit object of a unit's figures for a period, the
// same for every version, so that one search finds the whole story.
func figureObject(sub figure.Submission) string {
	return "figures/" + sub.Region + "/" + sub.Period.String()
}

// figureJSON is a version as the audit trail records it.
func figureJSON(sub figure.Submission) json.RawMessage {
	if sub.Status == 0 {
		return nil
	}
	m := map[string]any{"version": sub.Version, "status": sub.Status.String(), "awaiting": sub.Awaiting(), "values": sub.Values}
	if sub.Reason != "" {
		m["reason"] = sub.Reason
	}
	if sub.Confirmed {
		m["confirmed"] = true
	}
	b, _ := json.Marshal(m)
	return b
}

// auditFigure appends the audit entry of a step in the step's
// transaction. Values are numbers, but one that looks like a phone number
// (an 11-digit amount in yuan starting with 13-19) would make the audit
// refuse the entry and with it the step; the entry then goes without the
// values, which the step's event keeps anyway.
func (s *Store) auditFigure(ctx context.Context, tx *sql.Tx, sub figure.Submission, action audit.Action, before json.RawMessage, by FigureActor) error {
	e := audit.Entry{At: by.At, Actor: by.UserID, ActorRole: by.Role, Region: sub.Region, Action: action,
		Object: figureObject(sub), Before: before, After: figureJSON(sub), RequestID: by.RequestID}
	if err := e.Validate(); errors.Is(err, audit.ErrPersonalData) {
		strip := func(j json.RawMessage) json.RawMessage {
			var m map[string]any
			if json.Unmarshal(j, &m) != nil {
				return nil
			}
			delete(m, "values")
			m["values_redacted"] = true
			b, _ := json.Marshal(m)
			return b
		}
		e.Before, e.After = strip(e.Before), strip(e.After)
	}
	if _, err := s.appendAudit(ctx, tx, e); err != nil {
		return fmt.Errorf("figures of %s for %s: %w", sub.Region, sub.Period, err)
	}
	return nil
}

// figureColumns are figure_submissions' columns in the order scanFigure
// reads them.
const figureColumns = `id, region, period, version, status, chain, confirmed, reason, created_at, updated_at, approved_at, last_seq`

func scanFigure(sc rowScanner) (figure.Submission, error) {
	var sub figure.Submission
	var period, status, chain string
	var confirmed int64
	var created, updated, approved sql.NullString
	if err := sc.Scan(&sub.ID, &sub.Region, &period, &sub.Version, &status, &chain, &confirmed, &sub.Reason,
		&created, &updated, &approved, &sub.Seq); err != nil {
		return sub, err
	}
	var err error
	if sub.Period, err = figure.ParsePeriod(period); err != nil {
		return sub, fmt.Errorf("figures %d: %w", sub.ID, err)
	}
	if sub.Status, err = figure.ParseStatus(status); err != nil {
		return sub, fmt.Errorf("figures %d: %w", sub.ID, err)
	}
	if chain != "" {
		sub.Chain = strings.Split(chain, ",")
	}
	sub.Confirmed = confirmed != 0
	for _, f := range []struct {
		dst *time.Time
		src sql.NullString
	}{{&sub.Created, created}, {&sub.Updated, updated}, {&sub.Approved, approved}} {
		if *f.dst, err = parseAuthTime(f.src); err != nil {
			return sub, fmt.Errorf("figures %d: %w", sub.ID, err)
		}
	}
	return sub, nil
}

// queryFigures runs a query selecting figureColumns and fills in the
// values of every version found.
func (s *Store) queryFigures(ctx context.Context, q querier, query string, args ...any) ([]figure.Submission, error) {
	rows, err := q.QueryContext(ctx, s.rebind(query), args...)
	if err != nil {
		return nil, err
	}
	var out []figure.Submission
	for rows.Next() {
		sub, err := scanFigure(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, sub)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := s.loadFigureValues(ctx, q, out); err != nil {
		return nil, err
	}
	return out, nil
}

// loadFigureValues fills in the Values of subs: on PostgreSQL in one
// query with the ids as an array, on SQLite in queries of up to 1,000 ids.
func (s *Store) loadFigureValues(ctx context.Context, q querier, subs []figure.Submission) error {
	if len(subs) == 0 {
		return nil
	}
	at := make(map[int64]int, len(subs))
	ids := make([]int64, len(subs))
	for i := range subs {
		subs[i].Values = map[string]float64{}
		at[subs[i].ID] = i
		ids[i] = subs[i].ID
	}
	for start := 0; start < len(ids); {
		var query string
		var args []any
		if s.dialect == Postgres {
			query, args = `SELECT submission_id, kind, value FROM figure_values WHERE submission_id = ANY($1)`, []any{ids[start:]}
			start = len(ids)
		} else {
			part := ids[start:min(start+1000, len(ids))]
			start += len(part)
			args = make([]any, len(part))
			for i, id := range part {
				args[i] = id
			}
			query = `SELECT submission_id, kind, value FROM figure_values WHERE submission_id IN (` + placeholders(len(part)) + `)`
		}
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("load figure values: %w", err)
		}
		for rows.Next() {
			var id int64
			var kind string
			var v float64
			if err := rows.Scan(&id, &kind, &v); err != nil {
				rows.Close()
				return fmt.Errorf("load figure values: %w", err)
			}
			subs[at[id]].Values[kind] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("load figure values: %w", err)
		}
	}
	return nil
}

// figureVersion loads one version of a unit's figures for a period (the
// latest when version is 0) with its values; found is false when there is
// none. In a transaction the row is locked until the transaction ends.
func (s *Store) figureVersion(ctx context.Context, q querier, reg string, p figure.Period, version int) (figure.Submission, bool, error) {
	lock := ""
	if _, ok := q.(*sql.Tx); ok {
		lock = s.rowLock()
	}
	query := `SELECT ` + figureColumns + ` FROM figure_submissions WHERE region = ? AND period = ?`
	args := []any{reg, p.String()}
	if version > 0 {
		query += ` AND version = ?`
		args = append(args, version)
	} else {
		query += ` ORDER BY version DESC LIMIT 1`
	}
	subs, err := s.queryFigures(ctx, q, query+lock, args...)
	if err != nil {
		return figure.Submission{}, false, fmt.Errorf("figures of %s for %s: %w", reg, p, err)
	}
	if len(subs) == 0 {
		return figure.Submission{}, false, nil
	}
	return subs[0], true, nil
}

// FigureKey names a version of a unit's figures for a period as a caller
// showed it, for an approval or a return.
type FigureKey struct {
	Region string
	Period figure.Period
	// Version is the version shown; 0 means the latest.
	Version int
	// Seq is the version's Seq as shown; 0 skips the check. A step on a
	// version whose Seq moved on is refused with ErrFigureStale.
	Seq int
}

// FigureSubmission returns a version of a unit's figures for a period
// (the latest when version is 0) with its values; ErrNotFound if there is
// none.
func (s *Store) FigureSubmission(ctx context.Context, reg string, p figure.Period, version int) (figure.Submission, error) {
	sub, found, err := s.figureVersion(ctx, s.read, reg, p, version)
	if err != nil {
		return figure.Submission{}, err
	}
	if !found {
		return figure.Submission{}, fmt.Errorf("figures of %s for %s: %w", reg, p, ErrNotFound)
	}
	return sub, nil
}

// ApproveFigures records the approval of the version k names by the
// approver of unit by.Region: the next status as figure.ApproveBy says, or
// its error (figure.ErrNotYourStep when it is not that unit's turn,
// figure.ErrLocked for an approved version, …). The approval of a
// correction puts it in effect in place of the version it corrects.
func (s *Store) ApproveFigures(ctx context.Context, k FigureKey, by FigureActor) (figure.Submission, error) {
	return s.decideFigures(ctx, k, by, figure.Approve, "")
}

// ReturnFigures records the return of the version k names to its
// submitter by the approver of unit by.Region, with reason (required).
func (s *Store) ReturnFigures(ctx context.Context, k FigureKey, reason string, by FigureActor) (figure.Submission, error) {
	return s.decideFigures(ctx, k, by, figure.Return, strings.TrimSpace(reason))
}

func (s *Store) decideFigures(ctx context.Context, k FigureKey, by FigureActor, step figure.Step, reason string) (figure.Submission, error) {
	by = by.normalized()
	var sub figure.Submission
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var found bool
		var err error
		if sub, found, err = s.figureVersion(ctx, tx, k.Region, k.Period, 0); err != nil {
			return err
		}
		switch {
		case !found:
			return fmt.Errorf("figures of %s for %s: %w", k.Region, k.Period, ErrNotFound)
		case k.Version > sub.Version:
			return fmt.Errorf("figures of %s for %s, version %d: %w", k.Region, k.Period, k.Version, ErrNotFound)
		case k.Version > 0 && k.Version != sub.Version, k.Seq > 0 && k.Seq != sub.Seq:
			return fmt.Errorf("figures of %s for %s, version %d: %w", k.Region, k.Period, k.Version, ErrFigureStale)
		}
		return s.decide(ctx, tx, &sub, step, reason, by)
	})
	if err != nil {
		return figure.Submission{}, err
	}
	return sub, nil
}

// decide applies an approval or return to sub, loaded in tx with its row
// locked.
func (s *Store) decide(ctx context.Context, tx *sql.Tx, sub *figure.Submission, step figure.Step, reason string, by FigureActor) error {
	before := figureJSON(*sub)
	var to figure.Status
	var err error
	if step == figure.Approve {
		to, err = figure.ApproveBy(*sub, by.Region)
	} else {
		to, err = figure.ReturnBy(*sub, by.Region, reason)
	}
	if err != nil {
		return err
	}
	from := sub.Status
	sub.Status = to
	if err := s.stepFigure(ctx, tx, sub, from, step, reason, nil, by); err != nil {
		return err
	}
	// A final approval puts figures in effect: caches of evaluations
	// (WriteCount) must see it at once.
	if to == figure.Approved {
		if err := s.countWrite(ctx, tx); err != nil {
			return err
		}
	}
	return s.auditFigure(ctx, tx, *sub, audit.Update, before, by)
}

// FigureBulk selects what a bulk approval approves: the versions awaiting
// the approver's unit, of one period or all.
type FigureBulk struct {
	// Period limits the approval to one period; the zero Period means
	// every period.
	Period figure.Period
	// Before, when set, leaves out versions whose last step is later:
	// what arrived after the approver looked at the queue is not
	// approved unseen.
	Before time.Time
}

// ApproveAllFigures approves every version awaiting the approver of unit
// by.Region that q selects (审核通过全部), and returns how many it
// approved.
//
// It works in batches of figureBatch versions, one transaction each: each
// version's approval, event and audit entry commit together, and a batch
// commits whole or not at all. A crash or a cancelled request part-way
// leaves the batches committed so far approved and the rest awaiting the
// same unit, so running the same approval again approves exactly the
// rest: the final state is the one an uninterrupted run leaves, each
// version approved once, with one event. Batches rather than one
// transaction, because one transaction over thousands of versions would
// hold SQLite's only writer, and PostgreSQL's audit lock, for all of it.
func (s *Store) ApproveAllFigures(ctx context.Context, q FigureBulk, by FigureActor) (int, error) {
	by = by.normalized()
	if by.Region == "" {
		return 0, errors.New("approve all figures: no approving unit")
	}
	where := `awaiting = ?`
	args := []any{by.Region}
	if !q.Period.IsZero() {
		where += ` AND period = ?`
		args = append(args, q.Period.String())
	}
	if !q.Before.IsZero() {
		where += ` AND updated_at <= ?`
		args = append(args, authTime(q.Before))
	}
	total := 0
	for {
		n := 0
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			subs, err := s.queryFigures(ctx, tx, `SELECT `+figureColumns+` FROM figure_submissions WHERE `+where+
				fmt.Sprintf(` ORDER BY id LIMIT %d`, figureBatch)+s.rowLock(), args...)
			if err != nil {
				return err
			}
			for i := range subs {
				if err := s.decide(ctx, tx, &subs[i], figure.Approve, "", by); err != nil {
					return err
				}
			}
			n = len(subs)
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("approve all figures awaiting %s: %w", by.Region, err)
		}
		total += n
		// Until a batch finds nothing, rather than until one comes back
		// short: on PostgreSQL a row changed by another transaction while
		// the batch waited for its lock drops out of that batch alone.
		if n == 0 {
			return total, nil
		}
	}
}

// FigureVersion is a version with its history.
type FigureVersion struct {
	figure.Submission
	Events []figure.Event
}

// FigureHistory returns every version of a unit's figures for a period,
// oldest first, each with its values and every step taken on it;
// ErrNotFound if there is none.
func (s *Store) FigureHistory(ctx context.Context, reg string, p figure.Period) ([]FigureVersion, error) {
	subs, err := s.queryFigures(ctx, s.read, `SELECT `+figureColumns+` FROM figure_submissions
		WHERE region = ? AND period = ? ORDER BY version`, reg, p.String())
	if err != nil {
		return nil, fmt.Errorf("history of figures of %s for %s: %w", reg, p, err)
	}
	if len(subs) == 0 {
		return nil, fmt.Errorf("figures of %s for %s: %w", reg, p, ErrNotFound)
	}
	out := make([]FigureVersion, len(subs))
	at := map[int64]int{}
	for i, sub := range subs {
		out[i].Submission = sub
		at[sub.ID] = i
	}
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT e.submission_id, e.seq, e.at, e.actor, e.actor_role, e.actor_region,
		e.step, e.from_status, e.to_status, e.reason, e.values_json
		FROM figure_events e JOIN figure_submissions s ON s.id = e.submission_id
		WHERE s.region = ? AND s.period = ? ORDER BY e.submission_id, e.seq`), reg, p.String())
	if err != nil {
		return nil, fmt.Errorf("history of figures of %s for %s: %w", reg, p, err)
	}
	defer rows.Close()
	for rows.Next() {
		id, ev, err := scanFigureEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("history of figures of %s for %s: %w", reg, p, err)
		}
		if i, ok := at[id]; ok {
			out[i].Events = append(out[i].Events, ev)
		}
	}
	return out, rows.Err()
}

func scanFigureEvent(rows *sql.Rows) (int64, figure.Event, error) {
	var id int64
	var ev figure.Event
	var at, step, from, to string
	var vals sql.NullString
	if err := rows.Scan(&id, &ev.Seq, &at, &ev.Actor, &ev.ActorRole, &ev.ActorRegion, &step, &from, &to, &ev.Reason, &vals); err != nil {
		return 0, ev, err
	}
	var err error
	if ev.At, err = time.Parse(authTimeLayout, at); err != nil {
		return 0, ev, err
	}
	if ev.Step, err = figure.ParseStep(step); err != nil {
		return 0, ev, err
	}
	if from != "" {
		if ev.From, err = figure.ParseStatus(from); err != nil {
			return 0, ev, err
		}
	}
	if ev.To, err = figure.ParseStatus(to); err != nil {
		return 0, ev, err
	}
	if vals.Valid {
		if err := json.Unmarshal([]byte(vals.String), &ev.Values); err != nil {
			return 0, ev, fmt.Errorf("event %d of figures %d: %w", ev.Seq, id, err)
		}
	}
	return id, ev, nil
}

// InEffect returns the version of a history in effect: the latest
// approved one; ok is false when none is approved.
func InEffect(h []FigureVersion) (v FigureVersion, ok bool) {
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Status == figure.Approved {
			return h[i], true
		}
	}
	return FigureVersion{}, false
}

// FigureQuery selects the latest versions of units' figures.
type FigureQuery struct {
	// Under selects the units within this one (itself included); ""
	// or region.CountryCode: all.
	Under string
	// Period selects one period; the zero Period: all.
	Period figure.Period
	// Regions, when set, selects these units only (within Under).
	Regions []string
	// Status selects one status; 0: all.
	Status figure.Status
	// Limit bounds the result; 0 means 1000.
	Limit int
}

// LatestFigures returns the latest version of each unit's figures for
// each period that q selects, with values, ordered by period and unit.
func (s *Store) LatestFigures(ctx context.Context, q FigureQuery) ([]figure.Submission, error) {
	where := []string{`version = (SELECT MAX(m.version) FROM figure_submissions m WHERE m.region = s.region AND m.period = s.period)`}
	var args []any
	if lo, hi := regionRange(q.Under); lo != "" {
		where = append(where, `region >= ? AND region < ?`)
		args = append(args, lo, hi)
	}
	if !q.Period.IsZero() {
		where = append(where, `period = ?`)
		args = append(args, q.Period.String())
	}
	if len(q.Regions) > 0 {
		where = append(where, `region IN (`+placeholders(len(q.Regions))+`)`)
		for _, r := range q.Regions {
			args = append(args, r)
		}
	}
	if q.Status != 0 {
		where = append(where, `status = ?`)
		args = append(args, q.Status.String())
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 1000
	}
	subs, err := s.queryFigures(ctx, s.read, `SELECT `+figureColumns+` FROM figure_submissions s WHERE `+
		strings.Join(where, ` AND `)+fmt.Sprintf(` ORDER BY period_start, period, region LIMIT %d`, limit), args...)
	if err != nil {
		return nil, fmt.Errorf("latest figures: %w", err)
	}
	return subs, nil
}

// PendingFigures returns the versions awaiting the approver of unit
// approver (审核队列), of one period or of all (the zero Period), oldest
// period first, at most limit of them (0: 1000), and how many there are
// in all.
func (s *Store) PendingFigures(ctx context.Context, approver string, p figure.Period, limit int) ([]figure.Submission, int, error) {
	where := `awaiting = ?`
	args := []any{approver}
	if !p.IsZero() {
		where += ` AND period = ?`
		args = append(args, p.String())
	}
	if approver == "" {
		return nil, 0, errors.New("pending figures: no approving unit")
	}
	var total int
	if err := s.read.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM figure_submissions WHERE `+where), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("pending figures of %s: %w", approver, err)
	}
	if limit <= 0 {
		limit = 1000
	}
	subs, err := s.queryFigures(ctx, s.read, `SELECT `+figureColumns+` FROM figure_submissions WHERE `+where+
		fmt.Sprintf(` ORDER BY period_start, period, region LIMIT %d`, limit), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("pending figures of %s: %w", approver, err)
	}
	return subs, total, nil
}

// PendingCount is how many versions of one period await an approver.
type PendingCount struct {
	Period figure.Period
	Count  int
}

// PendingFigurePeriods counts the versions awaiting the approver of unit
// approver, per period, oldest period first: the queue's summary, with
// one "approve all" per period.
func (s *Store) PendingFigurePeriods(ctx context.Context, approver string) ([]PendingCount, error) {
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT period, COUNT(*) FROM figure_submissions WHERE awaiting = ?
		GROUP BY period_start, period ORDER BY period_start, period`), approver)
	if err != nil {
		return nil, fmt.Errorf("pending figures of %s: %w", approver, err)
	}
	defer rows.Close()
	var out []PendingCount
	for rows.Next() {
		var period string
		var c PendingCount
		if err := rows.Scan(&period, &c.Count); err != nil {
			return nil, err
		}
		if c.Period, err = figure.ParsePeriod(period); err != nil {
			return nil, fmt.Errorf("pending figures of %s: %w", approver, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// reportedStatuses are the statuses that count as reported, as SQL.
var reportedStatuses = `('` + figure.Submitted.String() + `', '` + figure.ApprovedByPrefecture.String() + `', '` + figure.Approved.String() + `')`

// ReportedFigures returns, for each of the given units that reported
// figures for period p, the values of its latest reported version
// (submitted, part-approved or approved; drafts and returned versions do
// not count): what the next period's jump check compares with. Units that
// reported nothing are absent. One query per 1,000 units on SQLite, one
// in all on PostgreSQL.
func (s *Store) ReportedFigures(ctx context.Context, p figure.Period, units []string) (figure.Totals, error) {
	out := figure.Totals{}
	for start := 0; start < len(units); {
		var cond string
		var args []any
		if s.dialect == Postgres {
			cond, args = `region = ANY(?)`, []any{units[start:]}
			start = len(units)
		} else {
			part := units[start:min(start+1000, len(units))]
			start += len(part)
			cond = `region IN (` + placeholders(len(part)) + `)`
			for _, u := range part {
				args = append(args, u)
			}
		}
		subs, err := s.queryFigures(ctx, s.read, `SELECT `+figureColumns+` FROM figure_submissions
			WHERE period = ? AND status IN `+reportedStatuses+` AND `+cond+` ORDER BY region, version DESC`,
			append([]any{p.String()}, args...)...)
		if err != nil {
			return nil, fmt.Errorf("reported figures for %s: %w", p, err)
		}
		for _, sub := range subs {
			if _, seen := out[sub.Region]; !seen {
				out[sub.Region] = sub.Values
			}
		}
	}
	return out, nil
}

// MissingReports returns, sorted, the codes of the units within under
// that are expected to report kind for period p (the units of the given
// level, and for region.County also the prefecture-level cities without
// counties, as figure.Reporters says) and have not: no version of theirs
// for p holding the kind is submitted, part-approved or approved, with a
// submission before before (zero: at any time). With the report's
// deadline as before, it is the list of units that did not report by the
// deadline (逾期未报).
//
// It reads the units from the regions table, which the server fills from
// the hierarchy at start (SyncRegions).
func (s *Store) MissingReports(ctx context.Context, kind string, p figure.Period, level region.Level, under string, before time.Time) ([]string, error) {
	cond := `(r.level = ?`
	args := []any{int(level)}
	if level == region.County {
		cond += ` OR r.kind = ?`
		args = append(args, region.KindPrefectureWithoutCounties.String())
	}
	cond += `)`
	if under == "" {
		return nil, errors.New("missing reports: no region")
	}
	if lo, hi := regionRange(under); lo != "" {
		cond += ` AND r.code >= ? AND r.code < ?`
		args = append(args, lo, hi)
	}
	reported := `SELECT 1 FROM figure_submissions s JOIN figure_values v ON v.submission_id = s.id
		WHERE s.region = r.code AND s.period = ? AND s.status IN ` + reportedStatuses + ` AND v.kind = ?`
	args = append(args, p.String(), kind)
	if !before.IsZero() {
		reported += ` AND EXISTS (SELECT 1 FROM figure_events e WHERE e.submission_id = s.id AND e.step = ? AND e.at < ?)`
		args = append(args, figure.Submit.String(), authTime(before))
	}
	if level == region.Country {
		// The country is not in the regions table: it is missing
		// unless it reported, and within no unit but itself.
		if under != region.CountryCode {
			return nil, nil
		}
		found, err := s.reportedCountry(ctx, kind, p, before)
		if err != nil || found {
			return nil, err
		}
		return []string{region.CountryCode}, nil
	}
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT r.code FROM regions r WHERE `+cond+
		` AND NOT EXISTS (`+reported+`) ORDER BY r.code`), args...)
	if err != nil {
		return nil, fmt.Errorf("missing %s reports for %s: %w", kind, p, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			return nil, err
		}
		out = append(out, code)
	}
	return out, rows.Err()
}

// reportedCountry reports whether the country reported kind for p.
func (s *Store) reportedCountry(ctx context.Context, kind string, p figure.Period, before time.Time) (bool, error) {
	q := `SELECT s.id FROM figure_submissions s JOIN figure_values v ON v.submission_id = s.id
		WHERE s.region = ? AND s.period = ? AND s.status IN ` + reportedStatuses + ` AND v.kind = ?`
	args := []any{region.CountryCode, p.String(), kind}
	if !before.IsZero() {
		q += ` AND EXISTS (SELECT 1 FROM figure_events e WHERE e.submission_id = s.id AND e.step = ? AND e.at < ?)`
		args = append(args, figure.Submit.String(), authTime(before))
	}
	var id int64
	err := s.read.QueryRowContext(ctx, s.rebind(q+` LIMIT 1`), args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("missing %s reports for %s: %w", kind, p, err)
	}
	return true, nil
}

// ApprovedFigureTotals returns the approved figures in effect on asOf,
// summed per reporting unit and kind (one query, grouped): for each unit
// and period within from..to, the latest version approved on or before
// asOf (a date in China; "" means everything approved so far), so an
// approved correction replaces the version it corrects and a correction
// awaiting approval changes nothing yet.
//
// from and to are periods or dates (figure.Bounds): every period that lies
// wholly between the first day of from and the last day of to counts, of
// any span, so from 2025-01 to 2025-11 takes the months January to
// November and the first three quarters. Values are summed over periods,
// which is right for flows (lectures, calls, slots added); for a level
// such as recognition_items or a yearly target, ask for the one period
// wanted. kinds empty means every kind.
//
// The totals are per reporting unit, not rolled up: figure.RollUp adds
// them up the hierarchy, so that a unit's own figure and its total stay
// apart.
func (s *Store) ApprovedFigureTotals(ctx context.Context, kinds []string, from, to, asOf string) (figure.Totals, error) {
	start, end, err := figure.Bounds(from, to)
	if err != nil {
		return nil, fmt.Errorf("approved figure totals: %w", err)
	}
	if asOf == "" {
		asOf = "9999-12-31"
	} else if _, err := time.Parse("2006-01-02", asOf); err != nil {
		return nil, fmt.Errorf("approved figure totals: as of %q: not a date", asOf)
	}
	approved := figure.Approved.String()
	q := `SELECT s.region, v.kind, SUM(v.value) FROM figure_submissions s JOIN figure_values v ON v.submission_id = s.id
		WHERE s.status = ? AND s.approved_on <= ? AND s.period_start >= ? AND s.period_end <= ?
		AND NOT EXISTS (SELECT 1 FROM figure_submissions n WHERE n.region = s.region AND n.period = s.period
			AND n.version > s.version AND n.status = ? AND n.approved_on <= ?)`
	args := []any{approved, asOf, start, end, approved, asOf}
	if len(kinds) > 0 {
		q += ` AND v.kind IN (` + placeholders(len(kinds)) + `)`
		for _, k := range kinds {
			args = append(args, k)
		}
	}
	rows, err := s.read.QueryContext(ctx, s.rebind(q+` GROUP BY s.region, v.kind`), args...)
	if err != nil {
		return nil, fmt.Errorf("approved figure totals: %w", err)
	}
	defer rows.Close()
	out := figure.Totals{}
	for rows.Next() {
		var reg, kind string
		var v float64
		if err := rows.Scan(&reg, &kind, &v); err != nil {
			return nil, fmt.Errorf("approved figure totals: %w", err)
		}
		if out[reg] == nil {
			out[reg] = map[string]float64{}
		}
		out[reg][kind] = v
	}
	return out, rows.Err()
}

// VerifyFigures checks the figures against their history and returns
// what is wrong, one line per problem (nil when all is well): every
// version has events numbered from 1 without gaps, its status is its last
// event's, last_seq is that event's seq, the unit awaited follows from the
// status and chain, only approved versions carry an approval time, and
// its values are those the last event that stored values stored. It is
// what a check after a crash runs.
func (s *Store) VerifyFigures(ctx context.Context) ([]string, error) {
	subs, err := s.queryFigures(ctx, s.read, `SELECT `+figureColumns+` FROM figure_submissions ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("verify figures: %w", err)
	}
	var awaiting = map[int64]string{}
	rows, err := s.read.QueryContext(ctx, `SELECT id, awaiting FROM figure_submissions`)
	if err != nil {
		return nil, fmt.Errorf("verify figures: %w", err)
	}
	for rows.Next() {
		var id int64
		var a string
		if err := rows.Scan(&id, &a); err != nil {
			rows.Close()
			return nil, err
		}
		awaiting[id] = a
	}
	rows.Close()
	events := map[int64][]figure.Event{}
	rows, err = s.read.QueryContext(ctx, `SELECT submission_id, seq, at, actor, actor_role, actor_region, step, from_status,
		to_status, reason, values_json FROM figure_events ORDER BY submission_id, seq`)
	if err != nil {
		return nil, fmt.Errorf("verify figures: %w", err)
	}
	for rows.Next() {
		id, ev, err := scanFigureEvent(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("verify figures: %w", err)
		}
		events[id] = append(events[id], ev)
	}
	rows.Close()
	var out []string
	for _, sub := range subs {
		name := fmt.Sprintf("figures %d (%s %s v%d)", sub.ID, sub.Region, sub.Period, sub.Version)
		evs := events[sub.ID]
		if len(evs) == 0 {
			out = append(out, name+": no events")
			continue
		}
		for i, ev := range evs {
			if ev.Seq != i+1 {
				out = append(out, fmt.Sprintf("%s: event %d numbered %d", name, i+1, ev.Seq))
				break
			}
			if i > 0 && ev.From != evs[i-1].To {
				out = append(out, fmt.Sprintf("%s: event %d starts from %s, the one before ended in %s", name, ev.Seq, ev.From, evs[i-1].To))
			}
		}
		last := evs[len(evs)-1]
		if sub.Status != last.To {
			out = append(out, fmt.Sprintf("%s: status %s, last event says %s", name, sub.Status, last.To))
		}
		if sub.Seq != last.Seq {
			out = append(out, fmt.Sprintf("%s: last_seq %d, last event %d", name, sub.Seq, last.Seq))
		}
		if awaiting[sub.ID] != sub.Awaiting() {
			out = append(out, fmt.Sprintf("%s: awaiting %q, want %q", name, awaiting[sub.ID], sub.Awaiting()))
		}
		if (sub.Status == figure.Approved) == sub.Approved.IsZero() {
			out = append(out, fmt.Sprintf("%s: status %s with approval time %v", name, sub.Status, sub.Approved))
		}
		var stored map[string]float64
		for _, ev := range evs {
			if ev.Values != nil {
				stored = ev.Values
			}
		}
		if !maps.Equal(stored, sub.Values) {
			out = append(out, fmt.Sprintf("%s: values %v, the history stored %v", name, sub.Values, stored))
		}
	}
	return out, nil
}
