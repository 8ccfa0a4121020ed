package store_test

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/shishi-health/shishi/commitment"
	"github.com/shishi-health/shishi/demo"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/store/storetest"
)

// BenchmarkEvaluate evaluates every target of the 2025 commitments for
// every region (country, 31 provinces, 333 prefectures, 2,846 counties)
// over the demo data on 2025-12-31: "single" reads the store once, "trend"
// twice (the date and 90 days before, as the pages do). SHISHI_BENCH_SCALE
// multiplies the demo data (10: ten times the facilities); PostgreSQL runs
// when SHISHI_TEST_POSTGRES is set.
//
//	go test ./store -run '^$' -bench Evaluate -benchtime 5x
//	SHISHI_BENCH_SCALE=10 go test ./store -run '^$' -bench Evaluate -benchtime 3x -timeout 30m
func BenchmarkEvaluate(b *testing.B) {
	scale := 1
	if s := os.Getenv("SHISHI_BENCH_SCALE"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("SHISHI_BENCH_SCALE=%q", s)
		}
		scale = n
	}
	tr, err := region.Load()
	if err != nil {
		b.Fatal(err)
	}
	sets, err := commitment.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	set, _ := commitment.Find(sets, "2025")
	stores := map[string]func(testing.TB) *store.Store{"sqlite": storetest.OpenSQLite}
	if os.Getenv(storetest.EnvPostgres) != "" {
		stores["postgres"] = storetest.OpenPostgres
	}
	for _, name := range []string{"sqlite", "postgres"} {
		open, ok := stores[name]
		if !ok {
			continue
		}
		b.Run(name+"/scale="+strconv.Itoa(scale), func(b *testing.B) {
			ctx := context.Background()
			st := open(b)
			sum, err := demo.Load(ctx, st, tr, demo.Options{Scale: scale}, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("%d versions", sum.Versions())
			for _, mode := range []struct {
				name  string
				trend int
			}{{"single", 0}, {"trend", 90}} {
				b.Run(mode.name, func(b *testing.B) {
					for b.Loop() {
						ev, err := st.Evaluate(ctx, set, tr, "2025-12-31", mode.trend)
						if err != nil {
							b.Fatal(err)
						}
						if ev.Result(set.Targets()[0], region.CountryCode) == nil {
							b.Fatal("no result")
						}
					}
				})
			}
		})
	}
}
