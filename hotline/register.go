// Package hotline is the 12356 psychological assistance hotline register
// (心理援助热线台账): per line its city, number, opening date, seats and
// trained counsellors from the hotline registry, with the calls the city
// reported (received, answered, crisis interventions: periodic figures),
// and the lines the notice's rules flag — fewer than 2 seats, not on 12356,
// or opened after the deadline (5月1日0时前, so after 2025-04-30).
//
// The package is pure: no HTTP, no SQL.
package hotline

import (
	"sort"

	"github.com/shishi-health/shishi/facility"
)

// MinSeats is the seats every line must have (每条心理援助热线至少设置2个坐席).
const MinSeats = 2

// Number is the national number every line must answer on.
const Number = "12356"

// Line is one line of the register.
type Line struct {
	Code, Name, Region string
	Number             string
	Seats, Counsellors int64
	// OpenedOn is when the line began answering 12356 ("" unknown).
	OpenedOn string
	// Received, Answered and Crisis are the calls the line's city
	// reported over the period (approved figures); Reported says whether
	// it reported any.
	Received, Answered, Crisis float64
	Reported                   bool
	// FewSeats, Not12356 and Late are the notice's flags.
	FewSeats, Not12356, Late bool
}

// Flagged reports whether the line breaks a rule of the notice.
func (l Line) Flagged() bool { return l.FewSeats || l.Not12356 || l.Late }

// AnswerRate is answered over received calls; ok is false without calls.
func (l Line) AnswerRate() (rate float64, ok bool) {
	if l.Received <= 0 {
		return 0, false
	}
	return l.Answered / l.Received, true
}

// Register builds the register from the hotline registry's records in
// effect (sc is facility.Hotlines) and the calls per city code (figure
// code → value: hotline_received, hotline_answered, crisis_interventions),
// flagging lines opened after deadline (YYYY-MM-DD, inclusive). Lines come
// sorted by region, then code.
func Register(sc *facility.Schema, recs []facility.Record, calls map[string]map[string]float64, deadline string) []Line {
	out := make([]Line, 0, len(recs))
	for _, r := range recs {
		l := Line{Code: r.Code, Name: r.String(sc, "name"), Region: r.Region(sc), Number: r.String(sc, "number"),
			Seats: r.Int(sc, "seats"), Counsellors: r.Int(sc, "counsellors"), OpenedOn: r.String(sc, "opened_on")}
		if c, ok := calls[l.Region]; ok {
			l.Received, l.Answered, l.Crisis = c["hotline_received"], c["hotline_answered"], c["crisis_interventions"]
			l.Reported = true
		}
		l.FewSeats = l.Seats < MinSeats
		l.Not12356 = l.Number != Number
		l.Late = l.OpenedOn == "" || l.OpenedOn > deadline
		out = append(out, l)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Region != out[j].Region {
			return out[i].Region < out[j].Region
		}
		return out[i].Code < out[j].Code
	})
	return out
}
