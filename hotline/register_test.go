package hotline

import (
	"testing"

	"github.com/shishi-health/shishi/facility"
)

func TestRegister(t *testing.T) {
	sc := facility.Hotlines
	rec := func(code, region, number string, seats int64, opened string) facility.Record {
		r := sc.Zero(code, "2025-01-01")
		r.Values[sc.Index("name")] = code + "热线"
		r.Values[sc.Index("region")] = region
		r.Values[sc.Index("number")] = number
		r.Values[sc.Index("seats")] = seats
		r.Values[sc.Index("counsellors")] = seats * 5
		r.Values[sc.Index("opened_on")] = opened
		return r
	}
	recs := []facility.Record{
		rec("L3", "420100", "12356", 4, "2025-05-02"),
		rec("L1", "410100", "12356", 4, "2025-03-01"),
		rec("L2", "410200", "12356", 1, "2025-04-30"),
		rec("L4", "430100", "0731-1234567", 3, ""),
	}
	calls := map[string]map[string]float64{"410100": {"hotline_received": 1000, "hotline_answered": 900, "crisis_interventions": 12}}
	got := Register(sc, recs, calls, "2025-04-30")
	tests := []struct {
		code                     string
		few, not12356, late, rep bool
	}{
		{"L1", false, false, false, true},
		{"L2", true, false, false, false},
		{"L3", false, false, true, false},
		{"L4", false, true, true, false},
	}
	if len(got) != len(tests) {
		t.Fatalf("%d lines", len(got))
	}
	for i, tc := range tests {
		l := got[i]
		if l.Code != tc.code || l.FewSeats != tc.few || l.Not12356 != tc.not12356 || l.Late != tc.late || l.Reported != tc.rep {
			t.Errorf("line %d: %+v, want %+v", i, l, tc)
		}
		if l.Flagged() != (tc.few || tc.not12356 || tc.late) {
			t.Errorf("%s flagged %v", l.Code, l.Flagged())
		}
	}
	if r, ok := got[0].AnswerRate(); !ok || r != 0.9 {
		t.Errorf("answer rate %v %v", r, ok)
	}
	if _, ok := got[1].AnswerRate(); ok {
		t.Error("answer rate without calls")
	}
}
