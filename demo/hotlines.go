package demo

import (
	"fmt"
	"math"

	"github.com/shishi-health/shishi/facility"
)

// 12356 hotlines (commitment 2b): one line per prefecture-level unit and
// per municipality (at the municipality's own code). Most are existing
// psychological hotlines renumbered to 12356 between 2025-01-01 and
// 2025-04-30; the rest open as new lines then. Every line has at least two
// seats by 2025-05-01: a few open with one seat and add the second in
// April.
const (
	hotlinesRenumbered = 0.7  // share of lines that existed before under a local number
	hotlinesOneSeat    = 0.06 // share opening with a single seat
	hotlineNumber      = "12356"
)

// municipalAreaCodes are the telephone area codes of the municipalities;
// other cities' old local numbers get an invented four-digit area code.
var municipalAreaCodes = map[string]string{"110000": "010", "120000": "022", "310000": "021", "500000": "023"}

// hotline is the plan of one line.
type hotline struct {
	region, name string
	oldNumber    string // "" for a new line
	openAt       day    // 12356 connects from that day
	seats0       int64  // seats before openAt (old lines)
	seats        int64  // seats from openAt
	secondSeatAt day    // one-seat lines get the second seat that day
	growAt       day    // seats added later in 2025; never: none
	grownSeats   int64
	perSeat      int64 // trained counsellors per seat
}

func (g *generator) hotlines() plan {
	r := g.rng(streamHotlines)
	hs := make([]hotline, 0, len(g.cities))
	versions := 0
	for _, c := range g.cities {
		h := hotline{region: c.div.Code, name: c.div.Name + "12356心理援助热线", secondSeatAt: never, growAt: never}
		if chance(r, 0.1) {
			h.openAt = day2025 // the national launch day
		} else {
			h.openAt = between(r, day2025, dayHotline)
		}
		typical := int64(min(max(2, int(math.Round(float64(c.pop)/1.5e6))), 30))
		h.seats = typical + int64(r.IntN(3))
		if chance(r, hotlinesRenumbered) {
			area, ok := municipalAreaCodes[c.div.Code]
			if !ok {
				area = fmt.Sprintf("0%d", 310+r.IntN(630))
			}
			h.oldNumber = fmt.Sprintf("%s-%d", area, 10000000+r.IntN(90000000))
			h.seats0 = int64(intIn(r, 1, int(typical)))
		}
		if chance(r, hotlinesOneSeat) && h.openAt < dayHotline-10 {
			h.seats = 1
			h.secondSeatAt = between(r, max(h.openAt+1, dayOf("2025-04-01")), dayHotline)
		}
		if chance(r, 0.25) {
			h.growAt = between(r, dayOf("2025-06-01"), dayEnd)
			h.grownSeats = max(h.seats, 2) + int64(intIn(r, 1, 3))
		}
		h.perSeat = int64(intIn(r, 2, 5))
		versions += len(h.days())
		hs = append(hs, h)
	}
	return plan{
		schema:     facility.Hotlines,
		facilities: len(hs),
		versions:   versions,
		records: func(yield func(facility.Record) bool) {
			for _, h := range hs {
				for _, d := range h.days() {
					number, seats, opened := h.oldNumber, h.seats0, ""
					if d >= h.openAt {
						number, seats, opened = hotlineNumber, h.seats, g.date(h.openAt)
					}
					if d >= h.secondSeatAt {
						seats = 2
					}
					if d >= h.growAt {
						seats = h.grownSeats
					}
					v := []any{h.name, h.region, number, seats, seats * h.perSeat, opened}
					if !yield(facility.Record{Code: "L" + h.region, ValidFrom: g.date(d), Values: v}) {
						return
					}
				}
			}
		},
	}
}

// days returns the days on which the line gets a version.
func (h *hotline) days() []day {
	var ds []day
	if h.oldNumber != "" {
		ds = append(ds, 0)
	}
	ds = append(ds, h.openAt)
	if h.secondSeatAt != never {
		ds = append(ds, h.secondSeatAt)
	}
	if h.growAt != never {
		ds = append(ds, h.growAt)
	}
	return ds
}
