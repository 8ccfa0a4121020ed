package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/shishi-health/shishi/region"
)

// SyncRegions writes the administrative hierarchy into the regions table,
// so that queries can join facilities to their prefecture and province and
// sum populations in SQL. It does nothing when the table already holds this
// version of the data (a hash in meta), which keeps start-up fast.
func (s *Store) SyncRegions(ctx context.Context, t *region.Tree) error {
	all := t.All()
	h := sha256.New()
	for _, d := range all {
		p := t.Population(d.Code)
		fmt.Fprintf(h, "%s|%s|%s|%d|%s|%s|%d|%s\n", d.Code, d.Name, d.NameEn, d.Level, d.Kind, d.Parent, p.Value, p.Source)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if cur, err := s.Meta(ctx, "regions_hash"); err == nil && cur == sum {
		return nil
	} else if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("sync regions: %w", err)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM regions`); err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, s.rebind(`INSERT INTO regions (code, name, name_en, level, kind, parent, population, population_source)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, d := range all {
			p := t.Population(d.Code)
			var pop any
			if p.Source != region.Missing {
				pop = p.Value
			}
			if _, err := stmt.ExecContext(ctx, d.Code, d.Name, d.NameEn, int(d.Level), d.Kind.String(), d.Parent, pop, p.Source.String()); err != nil {
				return fmt.Errorf("region %s: %w", d.Code, err)
			}
		}
		_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO meta (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`), "regions_hash", sum)
		return err
	})
	if err != nil {
		return fmt.Errorf("sync regions: %w", err)
	}
	return nil
}

// RegionCount returns how many units the regions table holds per level.
func (s *Store) RegionCount(ctx context.Context) (map[region.Level]int, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT level, COUNT(*) FROM regions GROUP BY level`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[region.Level]int{}
	for rows.Next() {
		var l, n int
		if err := rows.Scan(&l, &n); err != nil {
			return nil, err
		}
		out[region.Level(l)] = n
	}
	return out, rows.Err()
}

// PopulationFigures returns the population figures users have imported.
func (s *Store) PopulationFigures(ctx context.Context) ([]region.Figure, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT code, population, year, note FROM region_population ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("population figures: %w", err)
	}
	defer rows.Close()
	var out []region.Figure
	for rows.Next() {
		var f region.Figure
		if err := rows.Scan(&f.Code, &f.Value, &f.Year, &f.Note); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// PutPopulationFigures stores figures in one transaction (a figure for a
// unit that has one replaces it).
func (s *Store) PutPopulationFigures(ctx context.Context, figs []region.Figure, now string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, s.rebind(`INSERT INTO region_population (code, population, year, note, updated_at)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (code) DO UPDATE SET population = excluded.population, year = excluded.year,
				note = excluded.note, updated_at = excluded.updated_at`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, f := range figs {
			if _, err := stmt.ExecContext(ctx, f.Code, f.Value, f.Year, f.Note, now); err != nil {
				return fmt.Errorf("population figure %s: %w", f.Code, err)
			}
		}
		return s.countWrite(ctx, tx)
	})
}

// TreeWithFigures returns the hierarchy with the imported population
// figures applied.
func (s *Store) TreeWithFigures(ctx context.Context, t *region.Tree) (*region.Tree, error) {
	figs, err := s.PopulationFigures(ctx)
	if err != nil || len(figs) == 0 {
		return t, err
	}
	return t.WithFigures(figs)
}
