package calendar

import (
	"cmp"
	"maps"
	"slices"
)

// HolidayPeriod is one break a notice arranges, for listing: in 2026 春节
// is off from 02-15 to 02-23, and 02-14 and 02-28 are worked for it.
type HolidayPeriod struct {
	// Name is the holiday as the notice writes it: "国庆节、中秋节".
	Name string
	// From and To are the first and last day off, inclusive. A weekend
	// the notice leaves unlisted inside the break (2014 清明节: Saturday
	// 04-05 and Monday 04-07 listed, Sunday not) is part of it; one
	// merely joining either end is not.
	From, To Date
	// AdjustedWorkdays are the weekend days worked in exchange (调休上班),
	// ascending. A weekday a notice names as worked (2020-02-03) is an
	// ordinary working day and is not listed.
	AdjustedWorkdays []Date
}

// Days returns the length of the break in calendar days, From and To
// included.
func (p HolidayPeriod) Days() int { return p.To.DaysSince(p.From) + 1 }

// Holidays returns the breaks of year's notice, ordered by their first
// day. They are the notice's, so a New Year's break may begin in the
// December before (2023's 元旦 runs 2022-12-31 to 2023-01-02). A year
// without a notice is refused with a *NoOfficialCalendarError, even by a
// WithPlainWeekends calendar: plain weeks have no holidays to list.
func (c *Calendar) Holidays(year int) ([]HolidayPeriod, error) {
	if !c.noticed[year] {
		return nil, &NoOfficialCalendarError{Year: year}
	}
	ps := slices.Clone(c.periods[year])
	for i := range ps {
		ps[i].AdjustedWorkdays = slices.Clone(ps[i].AdjustedWorkdays)
	}
	return ps, nil
}

// periods groups a validated notice's days into breaks: the days off of
// one name, where a gap of unlisted weekend days does not split a break,
// and each worked weekend day goes to the nearest break of its name.
func periods(n Notice) []HolidayPeriod {
	listed := map[Date]bool{}
	offs := map[string][]Date{}
	for _, d := range n.Days {
		listed[d.Date] = true
		if d.OffDay {
			offs[d.Name] = append(offs[d.Name], d.Date)
		}
	}
	var ps []HolidayPeriod
	for _, name := range slices.Sorted(maps.Keys(offs)) {
		days := offs[name]
		slices.SortFunc(days, Date.Compare)
		days = slices.Compact(days)
		p := HolidayPeriod{Name: name, From: days[0], To: days[0]}
		for _, d := range days[1:] {
			if !bridged(p.To, d, listed) {
				ps = append(ps, p)
				p = HolidayPeriod{Name: name, From: d}
			}
			p.To = d
		}
		ps = append(ps, p)
	}
	for _, d := range n.Days {
		if d.OffDay || !d.Date.isWeekend() {
			continue
		}
		best, bestDist := -1, 0
		for i, p := range ps {
			if p.Name != d.Name {
				continue
			}
			dist := max(p.From.DaysSince(d.Date), d.Date.DaysSince(p.To))
			if best < 0 || dist < bestDist {
				best, bestDist = i, dist
			}
		}
		// validate saw a day off of this name, so best is set.
		if !slices.Contains(ps[best].AdjustedWorkdays, d.Date) {
			ps[best].AdjustedWorkdays = append(ps[best].AdjustedWorkdays, d.Date)
		}
	}
	for i := range ps {
		slices.SortFunc(ps[i].AdjustedWorkdays, Date.Compare)
	}
	slices.SortFunc(ps, func(a, b HolidayPeriod) int {
		return cmp.Or(a.From.Compare(b.From), cmp.Compare(a.Name, b.Name))
	})
	return ps
}

// bridged reports whether every day strictly between last and next is a
// weekend day the notice does not list.
func bridged(last, next Date, listed map[Date]bool) bool {
	for d := last.AddDays(1); d.Before(next); d = d.AddDays(1) {
		if listed[d] || !d.isWeekend() {
			return false
		}
	}
	return true
}
