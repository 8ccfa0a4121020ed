package store_test

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/shishi-health/shishi/commitment"
	"github.com/shishi-health/shishi/demo"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/store/storetest"
)

// The demo data, generated once: the expected figures and gap lists are
// computed from these records in plain Go, independently of the CEL
// predicates and the SQL the engine uses.
var (
	demoOnce sync.Once
	demoSets []demo.Set
)

func demoRecords(t *testing.T, tr *region.Tree, sc *facility.Schema) []facility.Record {
	demoOnce.Do(func() { demoSets = demo.Generate(tr, demo.Options{}) })
	for _, s := range demoSets {
		if s.Schema == sc {
			return s.Records
		}
	}
	t.Fatalf("no demo records of %s", sc.Name)
	return nil
}

// stateOn returns the facilities in effect on d: each code's latest
// version from on or before d, unless closed. Records come sorted by code,
// then ValidFrom.
func stateOn(recs []facility.Record, d string) []facility.Record {
	var out []facility.Record
	for i, r := range recs {
		if r.ValidFrom > d {
			continue
		}
		if i+1 < len(recs) && recs[i+1].Code == r.Code && recs[i+1].ValidFrom <= d {
			continue
		}
		if !r.Closed {
			out = append(out, r)
		}
	}
	return out
}

func TestEvaluateDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the national demo data")
	}
	tr, err := region.Load()
	if err != nil {
		t.Fatal(err)
	}
	sets, err := commitment.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	set, _ := commitment.Find(sets, "2025")
	plan, _ := commitment.Find(sets, "2025-2027")
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if _, err := demo.Load(ctx, st, tr, demo.Options{}, nil); err != nil {
			t.Fatal(err)
		}
		end, err := st.Evaluate(ctx, set, tr, "2025-12-31", 90)
		if err != nil {
			t.Fatal(err)
		}
		mid, err := st.Evaluate(ctx, set, tr, "2025-09-11", 90)
		if err != nil {
			t.Fatal(err)
		}
		if len(end.Problems) > 0 || len(mid.Problems) > 0 {
			t.Errorf("problems: %v %v", end.Problems, mid.Problems)
		}
		t.Run("every target in every region", func(t *testing.T) {
			all := append([]region.Division{tr.Country()}, tr.All()...)
			for _, ev := range []*commitment.Evaluation{end, mid} {
				for _, tg := range set.Targets() {
					for _, d := range all {
						r := ev.Result(tg, d.Code)
						if r == nil {
							t.Fatalf("%s: no result in %s", tg.ID, d.Code)
						}
						if r.Region.Code != d.Code || r.Target != tg {
							t.Fatalf("%s in %s: result of %s in %s", tg.ID, d.Code, r.Target.ID, r.Region.Code)
						}
					}
					if r := ev.Result(tg, region.CountryCode); r.Status == commitment.NotApplicable {
						t.Errorf("%s on %s: not applicable to the country", tg.ID, ev.AsOf)
					}
				}
			}
		})
		t.Run("report card figures at 2025-12-31", func(t *testing.T) {
			country := func(id string) *commitment.Result {
				tg, ok := set.Target(id)
				if !ok {
					t.Fatalf("no target %s", id)
				}
				return end.Result(tg, region.CountryCode)
			}
			checks := []struct {
				id       string
				num, den float64
				status   commitment.Status
			}{
				{"pediatrics-general", 4845, 4845, commitment.Met},
				{"psych-sleep-clinics", 419, 419, commitment.Met},
				{"hotline-12356", 337, 337, commitment.Met},
				{"outpatient-deposit-stopped", -1, -1, commitment.Met},
				{"blood-stations-on-platform", 430, 430, commitment.Met},
			}
			for _, c := range checks {
				r := country(c.id)
				if r.Status != c.status || (c.num >= 0 && (r.Num != c.num || r.Den != c.den)) {
					t.Errorf("%s: %v/%v %s, want %v/%v %s", c.id, r.Num, r.Den, r.Status, c.num, c.den, c.status)
				}
			}
			if r := country("dialysis-counties"); r.Status != commitment.Met || r.Gap != 0 {
				t.Errorf("dialysis: %+v", r)
			}
			if r := country("childcare-per-1000"); math.Round(r.Value*100) != 473 || r.Status != commitment.Met {
				t.Errorf("slots per 1,000: %v %s, want 4.73 met", r.Value, r.Status)
			}
			if r := country("affordable-new"); r.Value < 880000 || r.Value > 900000 || r.Status != commitment.Met {
				t.Errorf("new affordable slots: %v %s, want 89.2万 met", r.Value, r.Status)
			}
			if r := country("affordable-slots"); math.Round(r.Value/1e4) != 332 {
				t.Errorf("affordable slots: %v, want 332万", r.Value)
			}
			if r := country("childcare-institutions"); math.Round(float64(r.Facilities)/1e3) != 126 || math.Round(r.Value/1e4) != 666 {
				t.Errorf("childcare: %d institutions, %v slots, want 12.6万 and 666万", r.Facilities, r.Value)
			}
			// Commitment 8 from the conference register: 20 held by
			// 冬至; commitment 2's lectures from the log, counted as
			// entered by the year's end, equal to the log's own count.
			if r := country("press-conferences"); r.Value != 20 || r.Status != commitment.Met {
				t.Errorf("press conferences: %v %s, want 20 met", r.Value, r.Status)
			}
			var entered float64
			logged, _, err := st.Lectures(ctx, store.LectureQuery{From: "2025-01-01", To: "2025-12-31"})
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range logged {
				if l.RecordedOn <= "2025-12-31" {
					entered++
				}
			}
			if r := country("lectures"); r.Value != entered || r.Value <= 5000 || r.Status != commitment.Met {
				t.Errorf("lectures: %v %s, want %v (> 5,000) met", r.Value, r.Status, entered)
			}
		})
		t.Run("briefing figures at 2025-09-11", func(t *testing.T) {
			for id, want := range map[string]string{
				"pediatrics-general-3":     "99.5%",
				"pediatrics-general-2":     "98.4%",
				"psych-clinic-prefectures": "99%",
				"sleep-clinic-prefectures": "97%",
			} {
				tg, _ := set.Target(id)
				r := mid.Result(tg, region.CountryCode)
				// The briefing gives whole or one-decimal percentages.
				got := commitment.Percent(r.Value)
				if strings.Count(want, ".") == 0 {
					got = commitment.Percent(math.Round(r.Value*100) / 100)
				}
				if got != want {
					t.Errorf("%s on 2025-09-11 = %s (%v/%v), want %s", id, got, r.Num, r.Den, want)
				}
				if r.Status == commitment.Met || r.Status == commitment.Overdue {
					t.Errorf("%s on 2025-09-11: %s before the deadline with gaps", id, r.Status)
				}
			}
		})
		t.Run("gap lists name exactly the units left behind", func(t *testing.T) {
			hospitals := stateOn(demoRecords(t, tr, facility.Hospitals), "2025-09-11")
			sc := facility.Hospitals
			str := func(r facility.Record, k string) string { return r.String(sc, k) }

			// Hospitals without pediatrics.
			var want []string
			for _, r := range hospitals {
				g := str(r, "grade")
				if str(r, "ownership") == "public" && str(r, "type") == "general" && (g == "2" || g == "3") && str(r, "pediatrics") == "none" {
					want = append(want, r.Code)
				}
			}
			tg, _ := set.Target("pediatrics-general")
			recs, _, err := st.Facilities(ctx, sc, store.Query{AsOf: "2025-09-11"})
			if err != nil {
				t.Fatal(err)
			}
			gaps, err := commitment.FacilityGaps(mid, tg, recs)
			if err != nil {
				t.Fatal(err)
			}
			if got := gapCodes(gaps); len(want) == 0 || !slices.Equal(got, sorted(want)) {
				t.Errorf("hospitals without pediatrics: got %d %v, want %d", len(got), first(got), len(want))
			}
			if r := mid.Result(tg, region.CountryCode); r.Gap != int64(len(want)) {
				t.Errorf("pediatrics gap count %d, want %d", r.Gap, len(want))
			}

			// Units without a hospital having both clinics; counties over
			// 100,000 without dialysis.
			covered := func(units []region.Division, keep func(facility.Record) bool) []string {
				var out []string
				for _, u := range units {
					ok := false
					for _, r := range hospitals {
						if keep(r) && tr.Contains(u.Code, r.Region(sc)) {
							ok = true
							break
						}
					}
					if !ok {
						out = append(out, u.Code)
					}
				}
				return out
			}
			both := func(r facility.Record) bool { return r.Bool(sc, "psych_clinic") && r.Bool(sc, "sleep_clinic") }
			wantUnits := covered(tr.PrefectureEquivalents(region.CountryCode), both)
			tg, _ = set.Target("psych-sleep-clinics")
			if got := gapCodes(commitment.UnitGaps(mid, tg, region.CountryCode)); len(wantUnits) == 0 || !slices.Equal(got, wantUnits) {
				t.Errorf("units without both clinics: got %v, want %v", got, wantUnits)
			}
			var counties []region.Division
			for _, d := range tr.All() {
				k := d.Kind
				judged := k == region.KindCounty || k == region.KindProvinceAdministeredCounty || k == region.KindPrefectureWithoutCounties ||
					(k == region.KindMunicipalDistrict && strings.HasSuffix(d.Name, "县"))
				if p := tr.Population(d.Code); judged && p.Source != region.Missing && p.Value > 100000 {
					counties = append(counties, d)
				}
			}
			wantCounties := covered(counties, func(r facility.Record) bool { return r.Int(sc, "dialysis_machines") > 0 })
			tg, _ = set.Target("dialysis-counties")
			if got := gapCodes(commitment.UnitGaps(mid, tg, region.CountryCode)); len(wantCounties) == 0 || !slices.Equal(got, wantCounties) {
				t.Errorf("counties without dialysis: got %d %v, want %d %v", len(got), first(got), len(wantCounties), first(wantCounties))
			}
			if r := mid.Result(tg, region.CountryCode); r.Den != float64(len(counties)) {
				t.Errorf("dialysis units judged %v, want %d", r.Den, len(counties))
			}
			// Within one province, only its own units.
			henan := gapCodes(commitment.UnitGaps(mid, tg, "410000"))
			for _, c := range henan {
				if !strings.HasPrefix(c, "41") {
					t.Errorf("Henan's dialysis gaps hold %s", c)
				}
			}
		})
		t.Run("action plan", func(t *testing.T) {
			ev, err := st.Evaluate(ctx, plan, tr, "2025-12-31", 90)
			if err != nil {
				t.Fatal(err)
			}
			tg, _ := plan.Target("ped-primary-care")
			r := ev.Result(tg, region.CountryCode)
			if r.Value < 0.9 || r.Status != commitment.Met {
				t.Errorf("primary care treating common pediatric illness: %v %s, want ≥ 90%% met", r.Value, r.Status)
			}
			tg, _ = plan.Target("green-channel")
			if r := ev.Result(tg, region.CountryCode); r.Status != commitment.AtRisk && r.Status != commitment.OnTrack {
				t.Errorf("green channel at 2025-12-31: %s (%v), want on track or at risk before 2027", r.Status, r.Value)
			}
		})
	})
}

func gapCodes(gs []commitment.Gap) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.Code
	}
	slices.Sort(out)
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func first(s []string) []string {
	return s[:min(len(s), 5)]
}
