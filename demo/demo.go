// Package demo generates the national demo data set (演示数据): every
// facility registry filled for the whole country from 2024-01-01 to
// 2025-12-31, so that a newcomer running `shishi demo` or `shishi serve
// --demo` on an empty store sees a live national dashboard at once.
//
// The data is invented but calibrated: the figures the commitments are
// judged on come out as the year-end report card (成绩单, seed 003) and the
// press conference of 2025-09-11 (seed 000) give them, with real gaps and
// real progress in between, so that every gap list has something to show.
// Names are built from the real unit names ("{县名}人民医院", "{市名}第一人民
// 医院", "{县名}{镇名}镇卫生院"); facilities are spread by census
// population. A unit without a census figure gets a small weight derived
// from its siblings (see unitWeight), used only to spread facilities: no
// population figure is ever invented or stored. 金门县, listed but not
// administered, gets no facility.
//
// At seed 2025, scale 1 (the tests recompute each figure from the records):
//
//	figure                                                   date        value
//	hospitals in the registry                                2025-12-31  ≈ 38,000
//	public level-2/3 general hospitals (all dates)                       4,845
//	  of them providing pediatrics, level 3 / level 2        2025-09-11  99.5% / 98.4%
//	  of them without pediatrics, level 3 / level 2          2024-01-01  3% / 9%
//	  of them without pediatrics                             2025-11-30  0
//	level-3 TCM + level-2/3 maternal-child without pediatrics 2025-12-31 5
//	prefecture-level units (of 333) with a psych / sleep clinic 2025-09-11 99% / 97%
//	units (333 + 86) with one hospital having both clinics   2025-11-30  419
//	weak dialysis counties (> 100,000 residents, ≤ 5 machines) 2024-01-01 1,071 (250 with none)
//	  added: machines, physicians, nurses, water units       2025-12-31  7,046, 712, 1,928, 356
//	counties > 100,000 residents without dialysis            2025-11-30  0
//	public hospitals charging outpatient deposits            2025-03-31  0 (86% in mid-2024)
//	0-3 green channel, level-2/3 general, children's, maternal-child      17% → 23% (2025-01-01) → 48%
//	township / community health centres                                  ≈ 33,000 / 10,000
//	  treating common pediatric illness                      2024-01-01  80% → 92% at 2025-12-31
//	childcare institutions, slots, affordable slots          2025-09-30  12.6万, 666万, 332万
//	  slots per 1,000 residents                              2025-09-30  4.73 (4.0 at 2024-01-01)
//	  affordable slots certified in 2024 / 2025              2025-09-30  560,000 / 892,000
//	blood centres / central stations / banks                             33 / 317 / 80, all on the platform by 2025-11-30
//	12356 lines (333 prefectures + 4 municipalities)         2025-05-01  337, all on 12356 with ≥ 2 seats
//
// Decisions where the sources say nothing: a weak dialysis county is one
// whose hospitals have at most five machines together on 2024-01-01; the
// units judged for dialysis are county-level units other than 市辖区 with
// a census figure over 100,000; the psych and sleep clinics are judged per
// region.Tree.PrefectureEquivalents, so hospitals of province-administered
// counties count for none; childcare stays unchanged after the report
// card's 2025-09-30.
//
// Generation is pure and deterministic: the same Options give the same
// records, byte for byte. The package does no I/O except in Load.
package demo

import (
	"context"
	"fmt"
	"iter"
	"strings"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
)

// DefaultSeed is the seed used when Options.Seed is 0.
const DefaultSeed = 2025

// MaxScale bounds Options.Scale: a hundred times the country is already
// 50 million records.
const MaxScale = 100

// Options say which demo data set to generate.
type Options struct {
	// Seed selects the data set; 0 means DefaultSeed. The same seed and
	// scale always give the same records.
	Seed uint64
	// Scale multiplies the number of facilities (hospitals, primary-care
	// institutions, childcare institutions and blood stations), not the
	// regions, for benchmarks: 1 is the national size, 10 ten times more.
	// Copies repeat the national ones under new codes and with "（n）"
	// appended to their names; hotlines stay one per prefecture. Values
	// below 1 mean 1; above MaxScale, MaxScale.
	Scale int
}

func (o Options) normalized() Options {
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	o.Scale = min(max(o.Scale, 1), MaxScale)
	return o
}

// Set is the demo data of one registry: every version of every facility,
// sorted by code and then by ValidFrom.
type Set struct {
	Schema  *facility.Schema
	Records []facility.Record
}

// Generate returns the demo data of every registry, in the order of
// facility.Registries. It is pure and deterministic.
//
// At scale 1 the data set holds about 300,000 versions; Load writes the
// same data without holding it all in memory, so use Generate for tests and
// small scales.
func Generate(t *region.Tree, o Options) []Set {
	plans := newGenerator(t, o.normalized()).plans()
	sets := make([]Set, len(plans))
	for i, p := range plans {
		recs := make([]facility.Record, 0, p.versions)
		for r := range p.records {
			recs = append(recs, r)
		}
		sets[i] = Set{Schema: p.schema, Records: recs}
	}
	return sets
}

// plan is one registry's demo data, decided but not yet turned into
// records: the compact plans of all registries take a few megabytes, their
// records a few hundred.
type plan struct {
	schema     *facility.Schema
	facilities int // distinct codes
	versions   int // records
	// records yields every record, sorted by code then ValidFrom.
	records iter.Seq[facility.Record]
}

// Written is what Load wrote into one registry.
type Written struct {
	Schema     *facility.Schema
	Facilities int // distinct facility codes
	Versions   int // records (versions)
}

// Summary says what Load wrote, per registry in the order of
// facility.Registries.
type Summary []Written

// String lists the counts per registry, as the CLI prints them.
func (s Summary) String() string {
	parts := make([]string, len(s))
	for i, w := range s {
		parts[i] = fmt.Sprintf("%s %d (%d versions)", w.Schema.Name, w.Facilities, w.Versions)
	}
	return strings.Join(parts, ", ")
}

// Versions returns the number of records written in all.
func (s Summary) Versions() int {
	n := 0
	for _, w := range s {
		n += w.Versions
	}
	return n
}

// loadBatch is how many records go to the store per Apply: large enough
// that per-batch costs vanish, small enough that a batch is a few
// megabytes.
const loadBatch = 5000

// Load generates the demo data (as Generate) and writes it into st, each
// registry in one import transaction, so that a failure leaves that
// registry as it was. progress, when not nil, is called after every batch
// with the records written so far and the total.
//
// Records are generated while the previous batch is written, and none is
// kept after it is written: Load's memory does not grow with the data set,
// which matters for `shishi serve` loading the demo on first start.
// Loading into a store that already holds the same demo data changes
// nothing (every record is unchanged).
func Load(ctx context.Context, st *store.Store, t *region.Tree, o Options, progress func(done, total int)) (Summary, error) {
	g := newGenerator(t, o.normalized())
	// With progress to report, each registry is planned twice: to count
	// its records, and again just before it is written, so that only one
	// registry's plan is held at a time. That keeps a cold `shishi serve
	// --demo` (which asks no progress) within its memory budget, and costs
	// `shishi demo` a few hundred milliseconds.
	total := 0
	if progress != nil {
		for _, planner := range g.registries() {
			total += planner().versions
		}
	}
	done := 0
	var sum Summary
	for _, planner := range g.registries() {
		p := planner()
		err := write(ctx, st, p, func(n int) {
			done += n
			if progress != nil {
				progress(done, total)
			}
		})
		if err != nil {
			return sum, err
		}
		sum = append(sum, Written{Schema: p.schema, Facilities: p.facilities, Versions: p.versions})
	}
	// The periodic figures last: the provinces' own targets are drawn
	// from the childcare registry just written.
	if _, err := LoadFigures(ctx, st, t, o); err != nil {
		return sum, err
	}
	// The registers of commitments 2 and 8: the lectures are drawn from
	// the hospitals just written.
	if _, err := LoadConferences(ctx, st, o); err != nil {
		return sum, err
	}
	if _, err := LoadLectures(ctx, st, t, o); err != nil {
		return sum, err
	}
	return sum, nil
}

// write loads one registry in one import transaction. A goroutine turns the
// plan into batches while the previous batch is being written: on two cores
// generating and writing overlap instead of adding up.
func write(ctx context.Context, st *store.Store, p plan, wrote func(int)) error {
	tx, err := st.BeginImport(ctx, p.schema)
	if err != nil {
		return fmt.Errorf("demo %s: %w", p.schema.Name, err)
	}
	defer tx.Rollback()
	// Unbuffered: one batch is built while the previous one is written,
	// and no more are held.
	batches := make(chan []facility.Record)
	stop := make(chan struct{})
	go func() {
		defer close(batches)
		batch := make([]facility.Record, 0, loadBatch)
		for r := range p.records {
			batch = append(batch, r)
			if len(batch) < loadBatch {
				continue
			}
			select {
			case batches <- batch:
			case <-stop:
				return
			}
			batch = make([]facility.Record, 0, loadBatch)
		}
		if len(batch) > 0 {
			select {
			case batches <- batch:
			case <-stop:
			}
		}
	}()
	fail := func(err error) error {
		close(stop)
		for range batches {
			// Let the producer see stop and end.
		}
		return fmt.Errorf("demo %s: %w", p.schema.Name, err)
	}
	for batch := range batches {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		if _, err := tx.Apply(ctx, batch); err != nil {
			return fail(err)
		}
		wrote(len(batch))
	}
	close(stop)
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("demo %s: %w", p.schema.Name, err)
	}
	return nil
}

// registries returns the planner of every registry, in the order of
// facility.Registries.
func (g *generator) registries() []func() plan {
	return []func() plan{g.hospitals, g.primaryCare, g.childcare, g.bloodStations, g.hotlines}
}

// plans plans every registry, in the order of facility.Registries.
func (g *generator) plans() []plan {
	var ps []plan
	for _, planner := range g.registries() {
		ps = append(ps, planner())
	}
	return ps
}
