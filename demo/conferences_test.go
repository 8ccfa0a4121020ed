package demo

import (
	"context"
	"testing"
	"time"

	"github.com/shishi-health/shishi/conference"
	"github.com/shishi-health/shishi/store/storetest"
)

func TestConferencePlan(t *testing.T) {
	tests := []struct {
		year                     int
		planned, held, cancelled int
		firstTerm, lastHeldTerm  int
	}{
		// 雨水 to 冬至, 大暑's cancelled: the notice's "20场以上" exactly.
		{2025, 0, 20, 1, 4, 24},
		// Every term, held up to 小雪 (2026-11-22).
		{2026, 2, 22, 0, 1, 22},
		{2027, 0, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		cs, err := ConferencePlan(tt.year, Options{})
		if err != nil {
			t.Fatal(err)
		}
		n := map[conference.Status]int{}
		lastHeld := 0
		for _, c := range cs {
			n[c.Status]++
			if c.Status == conference.Held {
				lastHeld = c.Term
			}
			c.Normalize()
			if err := c.Validate("2026-11-23"); err != nil {
				t.Errorf("%d %s: %v", c.Year, c.TermOf().Name, err)
			}
			if c.Status == conference.Held && (c.RecordedOn <= c.HeldOn || len(c.Experts) < 2) {
				t.Errorf("%d %s: recorded %s, held %s, %d experts", c.Year, c.TermOf().Name, c.RecordedOn, c.HeldOn, len(c.Experts))
			}
		}
		if n[conference.Planned] != tt.planned || n[conference.Held] != tt.held || n[conference.Cancelled] != tt.cancelled || lastHeld != tt.lastHeldTerm {
			t.Errorf("%d: %v, last held term %d; want %d planned, %d held, %d cancelled, last held %d", tt.year, n, lastHeld, tt.planned, tt.held, tt.cancelled, tt.lastHeldTerm)
		}
		if len(cs) > 0 && cs[0].Term != tt.firstTerm {
			t.Errorf("%d: first term %d, want %d", tt.year, cs[0].Term, tt.firstTerm)
		}
	}
}

func TestLoadConferences(t *testing.T) {
	st := storetest.OpenSQLite(t)
	ctx := context.Background()
	n, err := LoadConferences(ctx, st, Options{})
	if err != nil || n != 21+24 {
		t.Fatalf("loaded %d, %v; want 45", n, err)
	}
	if again, err := LoadConferences(ctx, st, Options{}); err != nil || again != 0 {
		t.Errorf("second load wrote %d, %v", again, err)
	}
	cs, err := st.Conferences(ctx, 2025)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if held, _ := time.Parse(time.DateOnly, c.HeldOn); c.Status == conference.Held && c.RecordedOn != held.AddDate(0, 0, 1).Format(time.DateOnly) {
			t.Errorf("%s: held %s, recorded %s; want the day after", c.TermOf().Name, c.HeldOn, c.RecordedOn)
		}
		if c.Revision != 0 {
			t.Errorf("%s: revision %d after one load", c.TermOf().Name, c.Revision)
		}
	}
}
