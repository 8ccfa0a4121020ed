package demo

import (
	"context"
	"runtime"
	"testing"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/lecture"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/store/storetest"
)

// TestLoad loads the national data set into each store and reads it back.
// The stores run one after the other so that the SQLite run can also check
// that Load keeps no data once it returns: `shishi serve` loads the demo on
// first start and then serves for months.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 300,000 records")
	}
	t.Run("sqlite", func(t *testing.T) {
		st := storetest.OpenSQLite(t)
		var before runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		testLoad(t, st, true, func() {
			var after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&after)
			// The hospital plan alone is 12 MB; pools may keep a few.
			if grown := int64(after.HeapInuse) - int64(before.HeapInuse); grown > 8<<20 {
				t.Errorf("heap grew by %d MB across Load", grown>>20)
			}
		})
	})
	t.Run("postgres", func(t *testing.T) {
		testLoad(t, storetest.OpenPostgres(t), false, func() {})
	})
}

// testLoad loads the national data set into st, with or without progress
// reports, calls loaded, and checks what the store holds.
func testLoad(t *testing.T, st *store.Store, withProgress bool, loaded func()) {
	ctx := context.Background()
	calls, last, total := 0, 0, 0
	progress := func(done, n int) {
		if done <= last || (total != 0 && n != total) {
			t.Errorf("progress %d of %d after %d of %d", done, n, last, total)
		}
		calls, last, total = calls+1, done, n
	}
	if !withProgress {
		progress = nil
	}
	sum, err := Load(ctx, st, tree(t), Options{}, progress)
	if err != nil {
		t.Fatal(err)
	}
	loaded()
	sets := national(t)
	if withProgress && (last != total || total != sum.Versions() || calls < total/loadBatch) {
		t.Errorf("progress ended at %d of %d after %d calls; %d versions written", last, total, calls, sum.Versions())
	}
	if len(sum) != len(sets) {
		t.Fatalf("summary of %d registries, want %d", len(sum), len(sets))
	}
	for i, s := range sets {
		w := sum[i]
		if w.Schema != s.Schema || w.Versions != len(s.Records) {
			t.Errorf("%s: wrote %d versions, generated %d", s.Schema.Name, w.Versions, len(s.Records))
		}
		n, err := st.Count(ctx, s.Schema)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(s.Records) {
			t.Errorf("%s: store holds %d versions, want %d", s.Schema.Name, n, len(s.Records))
		}
		for _, d := range []string{firstDay, "2025-09-11", lastDay} {
			byRegion, err := st.CountByRegion(ctx, s.Schema, "", d)
			if err != nil {
				t.Fatal(err)
			}
			got := 0
			for _, c := range byRegion {
				got += c
			}
			if want := len(asOf(s, d)); got != want {
				t.Errorf("%s on %s: store counts %d facilities, records %d", s.Schema.Name, d, got, want)
			}
		}
		// A facility's history reads back as generated.
		r := s.Records[len(s.Records)/2]
		h, err := st.History(ctx, s.Schema, r.Code)
		if err != nil {
			t.Fatal(err)
		}
		var want facility.History
		for _, x := range s.Records {
			if x.Code == r.Code {
				want = append(want, x)
			}
		}
		if len(h) != len(want) {
			t.Fatalf("%s %s: %d versions read back, want %d", s.Schema.Name, r.Code, len(h), len(want))
		}
		for k := range h {
			if h[k].ValidFrom != want[k].ValidFrom || h[k].Closed != want[k].Closed || !facility.SameValues(h[k], want[k]) {
				t.Errorf("%s %s: read back %v, want %v", s.Schema.Name, r.Code, h[k], want[k])
			}
		}
	}
	// The report card's first figure, as the store answers it.
	level23, without := 0, 0
	for _, grade := range []string{"2", "3"} {
		_, n, err := st.Facilities(ctx, facility.Hospitals, store.Query{AsOf: lastDay, Limit: 1,
			Equal: map[string]string{"type": "general", "ownership": "public", "grade": grade}})
		if err != nil {
			t.Fatal(err)
		}
		level23 += n
		_, n, err = st.Facilities(ctx, facility.Hospitals, store.Query{AsOf: lastDay, Limit: 1,
			Equal: map[string]string{"type": "general", "ownership": "public", "grade": grade, "pediatrics": "none"}})
		if err != nil {
			t.Fatal(err)
		}
		without += n
	}
	if level23 != publicGeneral23 || without != 0 {
		t.Errorf("store: %d public level-2/3 general hospitals, %d of them without pediatrics; want %d and 0", level23, without, publicGeneral23)
	}
	checkLectures(t, st)
}

// checkLectures checks the demo's lecture log against the quotas it was
// drawn to, computed from the log and the registry as the quota page does.
func checkLectures(t *testing.T, st *store.Store) {
	ctx := context.Background()
	all, n, err := st.Lectures(ctx, store.LectureQuery{})
	if err != nil {
		t.Fatal(err)
	}
	counts, err := st.LectureCounts(ctx, "", "2025-01-01", "2025-12-31")
	if err != nil {
		t.Fatal(err)
	}
	hospitals, _, err := st.Facilities(ctx, facility.Hospitals, store.Query{AsOf: lastDay})
	if err != nil {
		t.Fatal(err)
	}
	subjects := lecture.Quota(tree(t), region.CountryCode, hospitals, counts, lecture.NoticeRules(2025))
	var teams, hosp, shortTeams, shortHosp int
	for _, s := range subjects {
		if s.Kind == lecture.Team {
			teams++
			if s.Short() > 0 {
				shortTeams++
			}
		} else {
			hosp++
			if s.Short() > 0 {
				shortHosp++
			}
		}
	}
	t.Logf("%d lectures; %d teams (%d short), %d qualifying hospitals (%d short)", n, teams, shortTeams, hosp, shortHosp)
	// 31 provinces and 333 prefectures form teams with a quota.
	if teams != 31+333 || n != len(all) || n <= 5000 {
		t.Errorf("%d lectures (%d listed), %d teams; want over 5,000 and 364 teams", n, len(all), teams)
	}
	if shortTeams < 5 || shortTeams > 30 || hosp < 500 || shortHosp < hosp/50 || shortHosp > hosp/8 {
		t.Errorf("%d of %d teams and %d of %d hospitals short of quota: not the demo's shares", shortTeams, teams, shortHosp, hosp)
	}
	for _, l := range all[:100] {
		if err := l.Validate(tree(t), "2026-01-01"); err != nil {
			t.Errorf("lecture %d: %v", l.ID, err)
		}
	}
}

// TestLoadCancelled checks that a cancelled load stops and leaves the
// registry it was writing empty.
func TestLoadCancelled(t *testing.T) {
	st := storetest.OpenSQLite(t)
	ctx, cancel := context.WithCancel(context.Background())
	_, err := Load(ctx, st, tree(t), Options{}, func(done, total int) {
		if done >= 2*loadBatch {
			cancel()
		}
	})
	if err == nil {
		t.Fatal("cancelled load returned no error")
	}
	n, err := st.Count(context.Background(), facility.Hospitals)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("cancelled load left %d hospital versions", n)
	}
}

// BenchmarkGenerate measures generating the national data set without a
// store.
func BenchmarkGenerate(b *testing.B) {
	tr := tree(b)
	for b.Loop() {
		n := 0
		for _, p := range newGenerator(tr, Options{Seed: DefaultSeed, Scale: 1}).plans() {
			for range p.records {
				n++
			}
		}
		b.ReportMetric(float64(n), "records/op")
	}
}

// BenchmarkLoad measures `shishi demo` on an empty SQLite store, national
// size: the product target is 10 s on two cores.
func BenchmarkLoad(b *testing.B) {
	tr := tree(b)
	for b.Loop() {
		b.StopTimer()
		st := storetest.OpenSQLite(b)
		b.StartTimer()
		sum, err := Load(context.Background(), st, tr, Options{}, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(sum.Versions()), "records/op")
	}
}
