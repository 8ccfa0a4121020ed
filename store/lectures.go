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
	"github.com/shishi-health/shishi/lecture"
)

const lectureColumns = `id, held_on, kind, region, facility, lecturer, level, venue, place, topic, audience, recorded_on, updated_at, updated_by`

func scanLecture(row interface{ Scan(...any) error }) (lecture.Lecture, error) {
	var l lecture.Lecture
	err := row.Scan(&l.ID, &l.HeldOn, &l.Kind, &l.Region, &l.Facility, &l.Lecturer, &l.Level, &l.Venue, &l.Place, &l.Topic,
		&l.Audience, &l.RecordedOn, &l.UpdatedAt, &l.UpdatedBy)
	return l, err
}

// LectureQuery selects lectures of the log.
type LectureQuery struct {
	// Region keeps the lectures of the teams and hospitals within it
	// ("" or 000000: all).
	Region string
	// From and To bound the day held (inclusive; "" for open).
	From, To string
	// Kind keeps a team's or hospitals' (lecture.Team, lecture.Hospital);
	// Facility one hospital's.
	Kind, Facility string
	Limit, Offset  int
}

func (q LectureQuery) where() (string, []any) {
	w, args := ` WHERE 1 = 1`, []any{}
	if lo, hi := regionRange(q.Region); lo != "" {
		w += ` AND region >= ?`
		args = append(args, lo)
		if hi != "" {
			w += ` AND region < ?`
			args = append(args, hi)
		}
	}
	if q.From != "" {
		w += ` AND held_on >= ?`
		args = append(args, q.From)
	}
	if q.To != "" {
		w += ` AND held_on <= ?`
		args = append(args, q.To)
	}
	if q.Kind != "" {
		w += ` AND kind = ?`
		args = append(args, q.Kind)
	}
	if q.Facility != "" {
		w += ` AND facility = ?`
		args = append(args, q.Facility)
	}
	return w, args
}

// Lectures returns the lectures q selects, latest first, and how many
// match in all.
func (s *Store) Lectures(ctx context.Context, q LectureQuery) ([]lecture.Lecture, int, error) {
	w, args := q.where()
	var total int
	if err := s.read.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM lectures`+w), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("lectures: %w", err)
	}
	sqlq := `SELECT ` + lectureColumns + ` FROM lectures` + w + ` ORDER BY held_on DESC, id DESC`
	if q.Limit > 0 {
		sqlq += ` LIMIT ` + strconv.Itoa(q.Limit) + ` OFFSET ` + strconv.Itoa(max(0, q.Offset))
	}
	rows, err := s.read.QueryContext(ctx, s.rebind(sqlq), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("lectures: %w", err)
	}
	defer rows.Close()
	var out []lecture.Lecture
	for rows.Next() {
		l, err := scanLecture(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("lectures: %w", err)
		}
		out = append(out, l)
	}
	return out, total, rows.Err()
}

// Lecture returns one lecture, or ErrNotFound.
func (s *Store) Lecture(ctx context.Context, id int64) (lecture.Lecture, error) {
	return lectureOf(ctx, s.read, s, id)
}

func lectureOf(ctx context.Context, q dbtx, s *Store, id int64) (lecture.Lecture, error) {
	l, err := scanLecture(q.QueryRowContext(ctx, s.rebind(`SELECT `+lectureColumns+` FROM lectures WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return l, ErrNotFound
	}
	return l, err
}

// AddLectures adds entries to the log, all or none, each recorded on its
// RecordedOn (the caller's today, unless an import of past entries says
// otherwise), with one audit entry per lecture; it returns them with
// their ids.
func (s *Store) AddLectures(ctx context.Context, ls []lecture.Lecture, e audit.Entry) ([]lecture.Lecture, error) {
	out := make([]lecture.Lecture, len(ls))
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockRegisters(ctx, tx); err != nil {
			return err
		}
		var next int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM lectures`).Scan(&next); err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, s.rebind(`INSERT INTO lectures (`+lectureColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		now := time.Now().UTC().Format(time.RFC3339)
		for i, l := range ls {
			l.ID, next = next, next+1
			l.UpdatedAt, l.UpdatedBy = now, e.Actor
			if _, err := stmt.ExecContext(ctx, l.ID, l.HeldOn, l.Kind, l.Region, l.Facility, l.Lecturer, l.Level, l.Venue,
				l.Place, l.Topic, l.Audience, l.RecordedOn, l.UpdatedAt, l.UpdatedBy); err != nil {
				return fmt.Errorf("lecture %d: %w", i+1, err)
			}
			ent := e
			ent.Action, ent.Object, ent.Region, ent.After = audit.Create, "lectures/"+strconv.FormatInt(l.ID, 10), l.Region, lectureJSON(l)
			if _, err := s.appendAudit(ctx, tx, ent); err != nil {
				return err
			}
			out[i] = l
		}
		return s.countWrite(ctx, tx)
	})
	if err != nil {
		return nil, fmt.Errorf("add lectures: %w", err)
	}
	return out, nil
}

// UpdateLecture replaces an entry (its recorded day kept), with an audit
// entry.
func (s *Store) UpdateLecture(ctx context.Context, l lecture.Lecture, e audit.Entry) (lecture.Lecture, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := lectureOf(ctx, tx, s, l.ID)
		if err != nil {
			return err
		}
		l.RecordedOn = before.RecordedOn
		l.UpdatedAt, l.UpdatedBy = time.Now().UTC().Format(time.RFC3339), e.Actor
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE lectures SET held_on = ?, kind = ?, region = ?, facility = ?, lecturer = ?,
			level = ?, venue = ?, place = ?, topic = ?, audience = ?, updated_at = ?, updated_by = ? WHERE id = ?`),
			l.HeldOn, l.Kind, l.Region, l.Facility, l.Lecturer, l.Level, l.Venue, l.Place, l.Topic, l.Audience,
			l.UpdatedAt, l.UpdatedBy, l.ID); err != nil {
			return err
		}
		e.Action, e.Object, e.Region = audit.Update, "lectures/"+strconv.FormatInt(l.ID, 10), l.Region
		e.Before, e.After = lectureJSON(before), lectureJSON(l)
		if _, err := s.appendAudit(ctx, tx, e); err != nil {
			return err
		}
		return s.countWrite(ctx, tx)
	})
	if err != nil {
		return l, fmt.Errorf("update lecture %d: %w", l.ID, err)
	}
	return l, nil
}

// DeleteLecture removes an entry made by mistake, with an audit entry
// holding what it was.
func (s *Store) DeleteLecture(ctx context.Context, id int64, e audit.Entry) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := lectureOf(ctx, tx, s, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM lectures WHERE id = ?`), id); err != nil {
			return err
		}
		e.Action, e.Object, e.Region, e.Before = audit.Purge, "lectures/"+strconv.FormatInt(id, 10), before.Region, lectureJSON(before)
		if _, err := s.appendAudit(ctx, tx, e); err != nil {
			return err
		}
		return s.countWrite(ctx, tx)
	})
}

func lectureJSON(l lecture.Lecture) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"held_on": l.HeldOn, "kind": l.Kind, "region": l.Region, "facility": l.Facility,
		"lecturer": l.Lecturer, "level": l.Level, "venue": l.Venue, "place": l.Place, "topic": l.Topic,
		"audience": l.Audience, "recorded_on": l.RecordedOn})
	return b
}

// LectureCounts counts the lectures held from–to (inclusive) per lecturer,
// keyed by lecture.Key, within region; the quota list's input.
func (s *Store) LectureCounts(ctx context.Context, region, from, to string) (map[string]int, error) {
	w, args := LectureQuery{Region: region, From: from, To: to}.where()
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT kind, region, facility, COUNT(*) FROM lectures`+w+
		` GROUP BY kind, region, facility`), args...)
	if err != nil {
		return nil, fmt.Errorf("lecture counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var kind, reg, fac string
		var n int
		if err := rows.Scan(&kind, &reg, &fac, &n); err != nil {
			return nil, fmt.Errorf("lecture counts: %w", err)
		}
		out[lecture.Key(kind, reg, fac)] += n
	}
	return out, rows.Err()
}

// countLectures is the lectures figure of the commitments: per region
// (the team's, or the hospital's county), the lectures held from–to, on
// or before asOf, and entered by then.
func (s *Store) countLectures(ctx context.Context, from, to, asOf string) (map[string]float64, error) {
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT region, COUNT(*) FROM lectures WHERE held_on >= ? AND held_on <= ?
		AND held_on <= ? AND recorded_on <= ? GROUP BY region`), from, to, asOf, asOf)
	if err != nil {
		return nil, fmt.Errorf("count lectures: %w", err)
	}
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var reg string
		var n int64
		if err := rows.Scan(&reg, &n); err != nil {
			return nil, fmt.Errorf("count lectures: %w", err)
		}
		out[reg] = float64(n)
	}
	return out, rows.Err()
}

// LectureTally is how many lectures, and how large an audience, one value
// of a field counts.
type LectureTally struct {
	Lectures int
	Audience int64
}

// LectureTotals sums the lectures q selects (Limit and Offset ignored) by
// kind, level and venue, keyed by field ("kind", "level", "venue") and
// code, with the overall total under ["", ""].
func (s *Store) LectureTotals(ctx context.Context, q LectureQuery) (map[[2]string]LectureTally, error) {
	w, args := q.where()
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT kind, level, venue, COUNT(*), COALESCE(SUM(audience), 0) FROM lectures`+w+
		` GROUP BY kind, level, venue`), args...)
	if err != nil {
		return nil, fmt.Errorf("lecture totals: %w", err)
	}
	defer rows.Close()
	out := map[[2]string]LectureTally{}
	add := func(k [2]string, n int, aud int64) {
		t := out[k]
		t.Lectures += n
		t.Audience += aud
		out[k] = t
	}
	for rows.Next() {
		var kind, level, venue string
		var n int
		var aud int64
		if err := rows.Scan(&kind, &level, &venue, &n, &aud); err != nil {
			return nil, fmt.Errorf("lecture totals: %w", err)
		}
		add([2]string{}, n, aud)
		add([2]string{"kind", kind}, n, aud)
		add([2]string{"level", level}, n, aud)
		add([2]string{"venue", venue}, n, aud)
	}
	return out, rows.Err()
}
