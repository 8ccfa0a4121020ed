package demo

import (
	"context"
	"testing"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/figure"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store/storetest"
)

// TestLoadFigures checks the demo's figures add up to the report card's
// (seed 003) as the store reads them back, and that loading them twice
// changes nothing.
func TestLoadFigures(t *testing.T) {
	tr := tree(t)
	st := storetest.OpenSQLite(t)
	ctx := context.Background()
	n, err := LoadFigures(ctx, st, tr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tot, err := st.ApprovedFigureTotals(ctx, nil, "2025-01-01", "2025-11-30", "2025-12-31")
	if err != nil {
		t.Fatal(err)
	}
	sum := figure.RollUp(tr, tot)[region.CountryCode]
	runChecks(t, []check{
		{"12356 calls answered", "2025-11-30", sum["hotline_answered"], 700_000, 750_000},
		{"crisis interventions", "2025-11-30", sum["crisis_interventions"], 9_000, 9_999},
		{"deposits refunded (yuan)", "2025-11-30", sum["deposit_refund_yuan"], 8.5e9, 9.5e9},
		{"accounts refunded", "2025-11-30", sum["deposit_refund_accounts"], 1.35e8, 1.45e8},
	})
	again, err := LoadFigures(ctx, st, tr, Options{})
	if err != nil || again != n {
		t.Fatalf("second load: %d, %v", again, err)
	}
	if problems, err := st.VerifyFigures(ctx); err != nil || len(problems) > 0 {
		t.Errorf("verify figures: %v %v", problems, err)
	}
	_ = facility.Childcare
	// The lectures and press conferences are registers, not figures.
	for _, k := range []string{"lectures", "press_conferences"} {
		if v, ok := sum[k]; ok {
			t.Errorf("%s reported as a figure: %v", k, v)
		}
	}
}
