package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/store/storetest"
)

func hospital(code, from, name string, ped string) facility.Record {
	sc := facility.Hospitals
	r := sc.Zero(code, from)
	set := func(k string, v any) { r.Values[sc.Index(k)] = v }
	set("name", name)
	set("region", "410102")
	set("grade", "2")
	set("type", "general")
	set("ownership", "public")
	set("pediatrics", ped)
	return r
}

func TestImportVersions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := facility.Hospitals
		apply := func(recs ...facility.Record) []facility.Change {
			t.Helper()
			tx, err := s.BeginImport(ctx, sc)
			if err != nil {
				t.Fatal(err)
			}
			out, err := tx.Apply(ctx, recs)
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			var cs []facility.Change
			for _, o := range out {
				cs = append(cs, o.Change)
			}
			return cs
		}
		steps := []struct {
			name string
			recs []facility.Record
			want []facility.Change
		}{
			{"new", []facility.Record{hospital("H1", "2024-01-01", "甲县人民医院", "none"), hospital("H2", "2024-01-01", "乙县中医医院", "own")},
				[]facility.Change{facility.New, facility.New}},
			{"same again", []facility.Record{hospital("H1", "2024-01-01", "甲县人民医院", "none")}, []facility.Change{facility.Unchanged}},
			{"same values later date", []facility.Record{hospital("H1", "2024-06-01", "甲县人民医院", "none")}, []facility.Change{facility.Unchanged}},
			{"pediatrics opens", []facility.Record{hospital("H1", "2025-07-01", "甲县人民医院", "own")}, []facility.Change{facility.Changed}},
			{"backdated rename", []facility.Record{hospital("H1", "2025-01-01", "甲县第一人民医院", "none")}, []facility.Change{facility.Changed}},
			{"replace a version in one batch twice", []facility.Record{
				hospital("H3", "2025-01-01", "丙", "none"), hospital("H3", "2025-01-01", "丙县医院", "none"), hospital("H3", "2025-03-01", "丙县医院", "own")},
				[]facility.Change{facility.New, facility.Changed, facility.Changed}},
		}
		for _, st := range steps {
			if got := apply(st.recs...); !slices.Equal(got, st.want) {
				t.Fatalf("%s: got %v, want %v", st.name, got, st.want)
			}
		}
		h, err := s.History(ctx, sc, "H1")
		if err != nil {
			t.Fatal(err)
		}
		var dates []string
		for _, r := range h {
			dates = append(dates, r.ValidFrom)
		}
		if want := []string{"2024-01-01", "2025-01-01", "2025-07-01"}; !slices.Equal(dates, want) {
			t.Fatalf("H1 versions %v, want %v", dates, want)
		}
		asOf := []struct {
			date, name, ped string
			found           bool
		}{
			{"2023-12-31", "", "", false},
			{"2024-12-31", "甲县人民医院", "none", true},
			{"2025-01-01", "甲县第一人民医院", "none", true},
			// Versions are whole snapshots: the 07-01 row was written before the
			// backdated rename and keeps the name it was imported with.
			{"2025-07-01", "甲县人民医院", "own", true},
		}
		for _, c := range asOf {
			got, _, err := s.Facilities(ctx, sc, store.Query{AsOf: c.date, Text: "H1"})
			if err != nil {
				t.Fatal(err)
			}
			if !c.found {
				if len(got) != 0 {
					t.Errorf("as of %s: got %d rows, want none", c.date, len(got))
				}
				continue
			}
			if len(got) != 1 {
				t.Fatalf("as of %s: got %d rows, want 1", c.date, len(got))
			}
			if got[0].String(sc, "name") != c.name || got[0].String(sc, "pediatrics") != c.ped {
				t.Errorf("as of %s: got %s/%s, want %s/%s", c.date, got[0].String(sc, "name"), got[0].String(sc, "pediatrics"), c.name, c.ped)
			}
		}
		// Exactly one version in effect per code on every date.
		for _, d := range []string{"2024-01-01", "2024-12-31", "2025-01-01", "2025-02-01", "2025-03-01", "2025-06-30", "2025-07-01", "2030-01-01"} {
			got, total, err := s.Facilities(ctx, sc, store.Query{AsOf: d})
			if err != nil {
				t.Fatal(err)
			}
			codes := map[string]int{}
			for _, r := range got {
				codes[r.Code]++
			}
			for c, n := range codes {
				if n != 1 {
					t.Errorf("as of %s: %s has %d versions in effect", d, c, n)
				}
			}
			if total != len(got) {
				t.Errorf("as of %s: total %d, rows %d", d, total, len(got))
			}
		}
		// Close keeps history; the facility disappears from that date.
		if err := s.CloseFacility(ctx, sc, "H2", "2025-05-01"); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := s.Facilities(ctx, sc, store.Query{AsOf: "2025-05-01", Text: "H2"}); len(got) != 0 {
			t.Errorf("H2 still in effect after closing")
		}
		if got, _, _ := s.Facilities(ctx, sc, store.Query{AsOf: "2025-04-30", Text: "H2"}); len(got) != 1 {
			t.Errorf("H2 gone before closing date")
		}
		if _, err := s.History(ctx, sc, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("History of unknown code: %v, want ErrNotFound", err)
		}
	})
}

func TestDryRunRollsBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tx, err := s.BeginImport(ctx, facility.Hospitals)
		if err != nil {
			t.Fatal(err)
		}
		var recs []facility.Record
		for i := range 1000 {
			recs = append(recs, hospital(fmt.Sprintf("D%04d", i), "2024-01-01", "某县医院", "none"))
		}
		if _, err := tx.Apply(ctx, recs); err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if n, err := s.Count(ctx, facility.Hospitals); err != nil || n != 0 {
			t.Fatalf("after rollback: %d rows, %v", n, err)
		}
	})
}

func TestRegionPrefix(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""}, {"000000", ""}, {"410000", "41"}, {"410100", "4101"}, {"410102", "410102"}, {"419001", "419001"}, {"110000", "11"},
	} {
		if got := store.RegionPrefix(c.in); got != c.want {
			t.Errorf("RegionPrefix(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSyncRegions(t *testing.T) {
	tree, err := region.Load()
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for range 2 { // the second run finds the hash and skips
			if err := s.SyncRegions(ctx, tree); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.RegionCount(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[region.Level]int{region.Province: 31, region.Prefecture: 333, region.County: 2846}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("regions per level %v, want %v", got, want)
		}
	})
}

// TestEmptyRegistryAcrossBatches covers the first-load path, where lookups
// are skipped for codes this import has not written: a code in two batches
// must still become two versions with the first one ended.
func TestEmptyRegistryAcrossBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tx, err := s.BeginImport(ctx, facility.Hospitals)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		batches := [][]facility.Record{
			{hospital("A", "2024-01-01", "甲", "none"), hospital("B", "2024-01-01", "乙", "none")},
			{hospital("A", "2025-01-01", "甲", "own"), hospital("C", "2024-01-01", "丙", "none"), hospital("B", "2024-01-01", "乙", "none")},
		}
		var got []facility.Change
		for _, b := range batches {
			out, err := tx.Apply(ctx, b)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range out {
				got = append(got, o.Change)
			}
		}
		want := []facility.Change{facility.New, facility.New, facility.Changed, facility.New, facility.Unchanged}
		if !slices.Equal(got, want) {
			t.Fatalf("changes %v, want %v", got, want)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ date, ped string }{{"2024-06-01", "none"}, {"2025-06-01", "own"}} {
			rs, _, err := s.Facilities(ctx, facility.Hospitals, store.Query{AsOf: c.date, Text: "A"})
			if err != nil || len(rs) != 1 || rs[0].String(facility.Hospitals, "pediatrics") != c.ped {
				t.Errorf("A as of %s: %v %v, want one version with pediatrics %s", c.date, rs, err, c.ped)
			}
		}
	})
}
