package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/shishi-health/shishi/commitment"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/figure"
	"github.com/shishi-health/shishi/region"
)

// GroupFacilities counts the facilities of a registry in effect on asOf,
// grouped by region and the given fields, with the sums fields added up:
// the aggregation runs in the database, so a national evaluation reads a
// few thousand rows rather than every facility.
func (s *Store) GroupFacilities(ctx context.Context, sc *facility.Schema, keys, sums []string, asOf string) ([]facility.Group, error) {
	cols := []string{"region"}
	kinds := make([]facility.Kind, len(keys))
	for i, k := range keys {
		if k == "region" {
			return nil, fmt.Errorf("group %s: region is always grouped by", sc.Name)
		}
		j := sc.Index(k)
		if j < 0 {
			return nil, fmt.Errorf("group %s: no field %q", sc.Name, k)
		}
		kinds[i] = sc.Fields[j].Kind
		// Dates may be NULL (no certification date); '' keeps them one
		// group and one type with the records' "".
		if kinds[i] == facility.Date {
			cols = append(cols, "COALESCE("+k+", '')")
		} else {
			cols = append(cols, k)
		}
	}
	sel := append([]string{}, cols...)
	sel = append(sel, "COUNT(*)")
	for _, k := range sums {
		j := sc.Index(k)
		if j < 0 || sc.Fields[j].Kind != facility.Int {
			return nil, fmt.Errorf("group %s: %q is not a number field", sc.Name, k)
		}
		sel = append(sel, "COALESCE(SUM("+k+"), 0)")
	}
	q := `SELECT ` + strings.Join(sel, ", ") + ` FROM ` + sc.Table +
		` WHERE valid_from <= ? AND valid_to > ? AND closed = 0 GROUP BY ` + strings.Join(cols, ", ")
	rows, err := s.read.QueryContext(ctx, s.rebind(q), asOf, asOf)
	if err != nil {
		return nil, fmt.Errorf("group %s: %w", sc.Name, err)
	}
	defer rows.Close()
	var out []facility.Group
	dest := make([]any, 1+len(keys)+1+len(sums))
	var reg string
	dest[0] = &reg
	strs := make([]sql.NullString, len(keys))
	ints := make([]sql.NullInt64, len(keys))
	for i, k := range kinds {
		switch k {
		case facility.Int, facility.Bool:
			dest[1+i] = &ints[i]
		default:
			dest[1+i] = &strs[i]
		}
	}
	var count int64
	dest[1+len(keys)] = &count
	sumv := make([]int64, len(sums))
	for i := range sums {
		dest[2+len(keys)+i] = &sumv[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("group %s: %w", sc.Name, err)
		}
		g := facility.Group{Region: reg, Values: make([]any, len(keys)), Count: count, Sums: append([]int64(nil), sumv...)}
		for i, k := range kinds {
			switch k {
			case facility.Int:
				g.Values[i] = ints[i].Int64
			case facility.Bool:
				g.Values[i] = ints[i].Int64 != 0
			default:
				g.Values[i] = strs[i].String
			}
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("group %s: %w", sc.Name, err)
	}
	return out, nil
}

// figureFacts returns, per figure code and reporting region, the approved
// figures in effect on asOf for the periods from the set's start to asOf:
// a flow summed over its periods (ApprovedFigureTotals), a level (Latest)
// from its latest approved period, and a register's figure counted from
// the register (lectures per team's region or hospital's county,
// conferences held for the country).
func (s *Store) figureFacts(ctx context.Context, set *commitment.Set, codes []string, asOf string) (map[string]map[string]float64, error) {
	out := map[string]map[string]float64{}
	var flows, levels []string
	for _, c := range codes {
		f, ok := set.Figure(c)
		switch {
		case ok && f.Register == commitment.RegisterLectures:
			n, err := s.countLectures(ctx, set.From, set.To, asOf)
			if err != nil {
				return nil, err
			}
			out[c] = n
			continue
		case ok && f.Register == commitment.RegisterConferences:
			n, err := s.countConferences(ctx, set.From, set.To, asOf)
			if err != nil {
				return nil, err
			}
			out[c] = n
			continue
		}
		if ok && f.Latest {
			levels = append(levels, c)
		} else {
			flows = append(flows, c)
		}
		out[c] = map[string]float64{}
	}
	if len(flows) > 0 {
		// Periods within the set's span, counted from the day they were
		// approved: a year's figure approved in April counts from April.
		tot, err := s.ApprovedFigureTotals(ctx, flows, set.From, set.To, asOf)
		if err != nil {
			return nil, err
		}
		for reg, kinds := range tot {
			for k, v := range kinds {
				out[k][reg] = v
			}
		}
	}
	if len(levels) == 0 {
		return out, nil
	}
	approved := figure.Approved.String()
	q := `SELECT s.region, v.kind, v.value, s.period_end FROM figure_submissions s JOIN figure_values v ON v.submission_id = s.id
		WHERE s.status = ? AND s.approved_on <= ? AND s.period_start >= ? AND s.period_end <= ?
		AND v.kind IN (` + placeholders(len(levels)) + `)
		AND NOT EXISTS (SELECT 1 FROM figure_submissions n WHERE n.region = s.region AND n.period = s.period
			AND n.version > s.version AND n.status = ? AND n.approved_on <= ?)`
	args := []any{approved, asOf, set.From, set.To}
	for _, k := range levels {
		args = append(args, k)
	}
	args = append(args, approved, asOf)
	rows, err := s.read.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("latest figures: %w", err)
	}
	defer rows.Close()
	latest := map[[2]string]string{}
	for rows.Next() {
		var reg, kind, end string
		var v float64
		if err := rows.Scan(&reg, &kind, &v, &end); err != nil {
			return nil, fmt.Errorf("latest figures: %w", err)
		}
		// The latest period approved by asOf holds the level.
		if k := [2]string{reg, kind}; end >= latest[k] {
			latest[k] = end
			out[kind][reg] = v
		}
	}
	return out, rows.Err()
}

// CommitmentFacts loads what set's targets read on asOf: every registry
// the set uses grouped as its Needs say, and the approved figures.
func (s *Store) CommitmentFacts(ctx context.Context, set *commitment.Set, asOf string) (commitment.Facts, error) {
	f := commitment.Facts{AsOf: asOf, Groups: map[string][]facility.Group{}, Figures: map[string]map[string]float64{}}
	needs, figures := set.Needs()
	for _, n := range needs {
		gs, err := s.GroupFacilities(ctx, n.Registry, n.Keys, n.Sums, asOf)
		if err != nil {
			return f, fmt.Errorf("commitments %s as of %s: %w", set.ID, asOf, err)
		}
		f.Groups[n.Registry.Name] = gs
	}
	if len(figures) > 0 {
		tot, err := s.figureFacts(ctx, set, figures, asOf)
		if err != nil {
			return f, fmt.Errorf("commitments %s as of %s: %w", set.ID, asOf, err)
		}
		f.Figures = tot
	}
	return f, nil
}

// Evaluate evaluates set over the store on asOf, with the trend drawn from
// trendDays earlier (none when trendDays is 0 or that day is before the
// set's period).
func (s *Store) Evaluate(ctx context.Context, set *commitment.Set, tree *region.Tree, asOf string, trendDays int) (*commitment.Evaluation, error) {
	now, err := s.CommitmentFacts(ctx, set, asOf)
	if err != nil {
		return nil, err
	}
	var before *commitment.Facts
	if trendDays > 0 {
		d, err := time.Parse(facility.DateLayout, asOf)
		if err != nil {
			return nil, fmt.Errorf("evaluate: as of %q: %w", asOf, err)
		}
		if b := d.AddDate(0, 0, -trendDays).Format(facility.DateLayout); b >= set.From {
			f, err := s.CommitmentFacts(ctx, set, b)
			if err != nil {
				return nil, err
			}
			before = &f
		}
	}
	return commitment.Evaluate(set, tree, now, before), nil
}
