package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/conference"
	"github.com/shishi-health/shishi/region"
)

// conferenceLockKey serialises the writers of conferences and lectures on
// PostgreSQL, which number their rows MAX(id)+1 (SQLite has one writer).
const conferenceLockKey = 7_264_001

const conferenceColumns = `id, year, term, planned_on, planned_time, theme, theme_en, experts, advice, advice_en,
	status, held_on, recording_url, reach, recorded_on, revision, updated_at, updated_by`

func scanConference(row interface{ Scan(...any) error }) (conference.Conference, error) {
	var c conference.Conference
	var experts, status string
	err := row.Scan(&c.ID, &c.Year, &c.Term, &c.Date, &c.Time, &c.Theme, &c.ThemeEN, &experts, &c.Advice, &c.AdviceEN,
		&status, &c.HeldOn, &c.RecordingURL, &c.Reach, &c.RecordedOn, &c.Revision, &c.UpdatedAt, &c.UpdatedBy)
	if err != nil {
		return c, err
	}
	c.Status = conference.Status(status)
	if err := json.Unmarshal([]byte(experts), &c.Experts); err != nil {
		return c, fmt.Errorf("conference %d: experts: %w", c.ID, err)
	}
	return c, nil
}

// Conferences returns the conferences of a year (every year for 0) in
// term order.
func (s *Store) Conferences(ctx context.Context, year int) ([]conference.Conference, error) {
	q := `SELECT ` + conferenceColumns + ` FROM conferences`
	var args []any
	if year != 0 {
		q += ` WHERE year = ?`
		args = append(args, year)
	}
	rows, err := s.read.QueryContext(ctx, s.rebind(q+` ORDER BY year, term`), args...)
	if err != nil {
		return nil, fmt.Errorf("conferences of %d: %w", year, err)
	}
	defer rows.Close()
	var out []conference.Conference
	for rows.Next() {
		c, err := scanConference(rows)
		if err != nil {
			return nil, fmt.Errorf("conferences of %d: %w", year, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Conference returns the conference of a year's term, or ErrNotFound.
func (s *Store) Conference(ctx context.Context, year, term int) (conference.Conference, error) {
	return conferenceOf(ctx, s.read, s, year, term)
}

func conferenceOf(ctx context.Context, q dbtx, s *Store, year, term int) (conference.Conference, error) {
	c, err := scanConference(q.QueryRowContext(ctx, s.rebind(`SELECT `+conferenceColumns+` FROM conferences WHERE year = ? AND term = ?`), year, term))
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	return c, err
}

// PutConferences stores conferences by year and term, all or none: a new
// one is added, an existing one replaced (its revision raised for the
// feed). A conference that becomes held is recorded on today, and keeps
// that day while it stays held. Each change goes to the audit trail (e
// gives the actor) with before and after, and raises the write count.
func (s *Store) PutConferences(ctx context.Context, cs []conference.Conference, today string, e audit.Entry) ([]conference.Conference, error) {
	out := make([]conference.Conference, len(cs))
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockRegisters(ctx, tx); err != nil {
			return err
		}
		var next int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM conferences`).Scan(&next); err != nil {
			return err
		}
		now := time.Now().UTC().Format(time.RFC3339)
		for i, c := range cs {
			before, err := conferenceOf(ctx, tx, s, c.Year, c.Term)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
			exists := err == nil
			c.UpdatedAt, c.UpdatedBy = now, e.Actor
			switch {
			case c.Status != conference.Held:
				c.RecordedOn = ""
			case exists && before.Status == conference.Held && before.RecordedOn != "":
				c.RecordedOn = before.RecordedOn
			case c.RecordedOn == "":
				c.RecordedOn = today
			}
			experts, err := json.Marshal(c.Experts)
			if err != nil {
				return err
			}
			if c.Experts == nil {
				experts = []byte("[]")
			}
			ent := e
			if exists {
				c.ID, c.Revision = before.ID, before.Revision+1
				_, err = tx.ExecContext(ctx, s.rebind(`UPDATE conferences SET planned_on = ?, planned_time = ?, theme = ?, theme_en = ?,
					experts = ?, advice = ?, advice_en = ?, status = ?, held_on = ?, recording_url = ?, reach = ?, recorded_on = ?,
					revision = ?, updated_at = ?, updated_by = ? WHERE id = ?`),
					c.Date, c.Time, c.Theme, c.ThemeEN, string(experts), c.Advice, c.AdviceEN, string(c.Status), c.HeldOn,
					c.RecordingURL, c.Reach, c.RecordedOn, c.Revision, c.UpdatedAt, c.UpdatedBy, c.ID)
				ent.Action, ent.Before = audit.Update, conferenceJSON(before)
			} else {
				c.ID, c.Revision = next, 0
				next++
				_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO conferences (`+conferenceColumns+`)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
					c.ID, c.Year, c.Term, c.Date, c.Time, c.Theme, c.ThemeEN, string(experts), c.Advice, c.AdviceEN,
					string(c.Status), c.HeldOn, c.RecordingURL, c.Reach, c.RecordedOn, c.Revision, c.UpdatedAt, c.UpdatedBy)
				ent.Action = audit.Create
			}
			if err != nil {
				return fmt.Errorf("conference %d/%d: %w", c.Year, c.Term, err)
			}
			ent.Object = "conferences/" + strconv.Itoa(c.Year) + "/" + strconv.Itoa(c.Term)
			ent.Region = region.CountryCode
			ent.After = conferenceJSON(c)
			if _, err := s.appendAudit(ctx, tx, ent); err != nil {
				return err
			}
			out[i] = c
		}
		return s.countWrite(ctx, tx)
	})
	if err != nil {
		return nil, fmt.Errorf("put conferences: %w", err)
	}
	return out, nil
}

// DeleteConference removes a year's term's conference from the plan (a
// conference called off stays, as cancelled; this is for one entered by
// mistake), with an audit entry.
func (s *Store) DeleteConference(ctx context.Context, year, term int, e audit.Entry) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := conferenceOf(ctx, tx, s, year, term)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM conferences WHERE id = ?`), before.ID); err != nil {
			return err
		}
		e.Action, e.Before = audit.Purge, conferenceJSON(before)
		e.Object = "conferences/" + strconv.Itoa(year) + "/" + strconv.Itoa(term)
		e.Region = region.CountryCode
		if _, err := s.appendAudit(ctx, tx, e); err != nil {
			return err
		}
		return s.countWrite(ctx, tx)
	})
}

func conferenceJSON(c conference.Conference) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"year": c.Year, "term": c.Term, "date": c.Date, "time": c.Time, "theme": c.Theme,
		"theme_en": c.ThemeEN, "experts": c.Experts, "advice": c.Advice, "advice_en": c.AdviceEN, "status": c.Status,
		"held_on": c.HeldOn, "recording_url": c.RecordingURL, "reach": c.Reach, "recorded_on": c.RecordedOn})
	return b
}

// lockRegisters takes the registers' write lock on PostgreSQL.
func (s *Store) lockRegisters(ctx context.Context, tx *sql.Tx) error {
	if s.dialect != Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, conferenceLockKey); err != nil {
		return fmt.Errorf("lock registers: %w", err)
	}
	return nil
}

// countConferences is the press_conferences figure of the commitments:
// the conferences held from–to, on or before asOf and recorded by then,
// all the country's.
func (s *Store) countConferences(ctx context.Context, from, to, asOf string) (map[string]float64, error) {
	var n int64
	err := s.read.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM conferences WHERE status = ? AND held_on >= ? AND held_on <= ?
		AND held_on <= ? AND recorded_on <> '' AND recorded_on <= ?`), string(conference.Held), from, to, asOf, asOf).Scan(&n)
	if err != nil {
		return nil, fmt.Errorf("count conferences: %w", err)
	}
	if n == 0 {
		return map[string]float64{}, nil
	}
	return map[string]float64{region.CountryCode: float64(n)}, nil
}
