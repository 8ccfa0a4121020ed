package calendar

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// DayKind is what a date is for work. It is a status, not a bool, because
// callers show the difference between a weekend and a holiday, and between
// a weekday and an adjusted working day.
type DayKind int

// The kinds of day. The zero DayKind is none of them: it comes with an
// error.
const (
	// Workday is a Monday to Friday that no notice gives off.
	Workday DayKind = iota + 1
	// Weekend is a Saturday or Sunday that no notice makes a working day,
	// including a weekend that merely joins a holiday.
	Weekend
	// Holiday is a day off a notice lists (放假): the statutory holidays
	// and the weekdays moved to join them, whatever the weekday.
	Holiday
	// AdjustedWorkday is a Saturday or Sunday worked in exchange for a
	// weekday off (调休上班).
	AdjustedWorkday
)

// String returns the kind in English: "workday", "weekend", "holiday",
// "adjusted workday".
func (k DayKind) String() string {
	switch k {
	case Workday:
		return "workday"
	case Weekend:
		return "weekend"
	case Holiday:
		return "holiday"
	case AdjustedWorkday:
		return "adjusted workday"
	}
	return fmt.Sprintf("DayKind(%d)", int(k))
}

// IsWorkday reports whether a day of kind k is worked: a Workday or an
// AdjustedWorkday.
func (k DayKind) IsWorkday() bool { return k == Workday || k == AdjustedWorkday }

// ErrNoOfficialCalendar is what errors about a date no notice covers
// wrap: test with errors.Is. The error itself is a
// *NoOfficialCalendarError naming the year.
var ErrNoOfficialCalendar = errors.New("no official calendar")

// NoOfficialCalendarError is returned for a date whose year has no
// published notice (before 2007 and after the last embedded one): the
// calendar does not guess a year's 调休, which the State Council decides
// each year. It prints "no official calendar for 2027".
type NoOfficialCalendarError struct {
	// Year is the year without a notice.
	Year int
}

// Error returns "no official calendar for YEAR".
func (e *NoOfficialCalendarError) Error() string {
	return fmt.Sprintf("%v for %d", ErrNoOfficialCalendar, e.Year)
}

// Unwrap returns ErrNoOfficialCalendar.
func (e *NoOfficialCalendarError) Unwrap() error { return ErrNoOfficialCalendar }

// Calendar answers working-day questions from the notices it was built
// with (New, Load, Official). A working day is a Monday to Friday that no
// notice gives off, plus every weekend day a notice makes a working day.
//
// A date is covered when a notice lists it or when its year's own notice
// is present. Uncovered dates are refused with a *NoOfficialCalendarError;
// the calendar returned by WithPlainWeekends counts them as plain Monday to
// Friday weeks instead and says so in every result (Day.Fallback,
// FallbackYears). Caveat: late December of the last covered year is only
// as good as the notices present; the next year's notice may still move
// those days (2019's moved 2018-12-29 to 12-31), and the embedded data
// must then be updated.
//
// A Calendar is immutable and safe for concurrent use.
type Calendar struct {
	listed        map[Date]ListedDay
	noticed       map[int]bool            // years whose own notice is present
	periods       map[int][]HolidayPeriod // by notice year
	plainWeekends bool
}

// New merges notices into a calendar. A date may appear in two notices
// (the upstream files are keyed by the notice's year, and a New Year's
// arrangement may reach back into December) only if both say the same.
// A notice without days (an upstream placeholder) leaves its year
// uncovered.
func New(notices ...Notice) (*Calendar, error) {
	c := &Calendar{listed: map[Date]ListedDay{}, noticed: map[int]bool{}, periods: map[int][]HolidayPeriod{}}
	from := map[Date]int{} // the notice year each date came from, for errors
	years := map[int]bool{}
	for _, n := range notices {
		if err := n.validate(); err != nil {
			return nil, err
		}
		if years[n.Year] {
			return nil, fmt.Errorf("two notices for %d", n.Year)
		}
		years[n.Year] = true
		for _, d := range n.Days {
			if prev, ok := c.listed[d.Date]; ok && prev != d {
				return nil, fmt.Errorf("%s is %s in the notice for %d but %s in the notice for %d",
					d.Date, describe(prev), from[d.Date], describe(d), n.Year)
			}
			c.listed[d.Date], from[d.Date] = d, n.Year
		}
		if len(n.Days) > 0 {
			c.noticed[n.Year] = true
			c.periods[n.Year] = periods(n)
		}
	}
	return c, nil
}

// WithPlainWeekends returns a calendar that, instead of refusing a date no
// notice covers, counts it as a plain Monday to Friday week: no holidays,
// no 调休. Every result computed from such a date says so, so that callers
// show a warning; the listed days of neighbouring notices still count.
func (c *Calendar) WithPlainWeekends() *Calendar {
	fb := *c
	fb.plainWeekends = true
	return &fb
}

// Years returns the years whose notice the calendar holds, ascending.
func (c *Calendar) Years() []int {
	return slices.Sorted(maps.Keys(c.noticed))
}

// Day is what the calendar knows of one date.
type Day struct {
	// Date is the date asked about.
	Date Date
	// Kind is what the date is for work.
	Kind DayKind
	// Holiday names the holiday of a Holiday, or the holiday an
	// AdjustedWorkday makes up for ("国庆节、中秋节"); empty otherwise.
	Holiday string
	// Fallback is set when no notice covers the date and Kind only
	// follows the weekday (WithPlainWeekends).
	Fallback bool
}

// Day returns what d is. Without WithPlainWeekends it fails with a
// *NoOfficialCalendarError for a date no notice covers.
func (c *Calendar) Day(d Date) (Day, error) {
	day := Day{Date: d}
	if l, ok := c.listed[d]; ok {
		switch {
		case l.OffDay:
			day.Kind, day.Holiday = Holiday, l.Name
		case d.isWeekend():
			day.Kind, day.Holiday = AdjustedWorkday, l.Name
		default:
			// A weekday a notice names as worked (2020-02-03, the end of
			// the extended Spring Festival) is an ordinary working day.
			day.Kind = Workday
		}
		return day, nil
	}
	if !c.noticed[d.Year()] {
		if !c.plainWeekends {
			return Day{}, &NoOfficialCalendarError{Year: d.Year()}
		}
		// The bound keeps the loops of AddWorkdays and WorkdaysBetween
		// finite on a calendar that never refuses.
		if d.Year() < 1 || d.Year() > 9999 {
			return Day{}, fmt.Errorf("%s: year out of range 1–9999", d)
		}
		day.Fallback = true
	}
	day.Kind = Workday
	if d.isWeekend() {
		day.Kind = Weekend
	}
	return day, nil
}

// Kind returns what d is for work; see Day.
func (c *Calendar) Kind(d Date) (DayKind, error) {
	day, err := c.Day(d)
	return day.Kind, err
}

// IsWorkday reports whether d is worked: a Workday or an AdjustedWorkday.
func (c *Calendar) IsWorkday(d Date) (bool, error) {
	day, err := c.Day(d)
	return day.Kind.IsWorkday(), err
}

// HolidayName returns the holiday d is off for, or the holiday d is worked
// in exchange for; "" for an ordinary day.
func (c *Calendar) HolidayName(d Date) (string, error) {
	day, err := c.Day(d)
	return day.Holiday, err
}

// Result is a date computed by counting working days.
type Result struct {
	// Date is the computed date.
	Date Date
	// FallbackYears lists, ascending, the years counted as plain Monday
	// to Friday weeks because no notice covers them; nil when every day
	// counted was covered.
	FallbackYears []int
}

// Warning returns the sentence to show next to a result computed with
// plain weeks, "" if none was.
func (r Result) Warning() string { return fallbackWarning(r.FallbackYears) }

// Count is a number of working days.
type Count struct {
	// Workdays is the number of working days.
	Workdays int
	// FallbackYears lists, ascending, the years counted as plain Monday
	// to Friday weeks because no notice covers them; nil when every day
	// counted was covered.
	FallbackYears []int
}

// Warning returns the sentence to show next to a count made with plain
// weeks, "" if none was.
func (c Count) Warning() string { return fallbackWarning(c.FallbackYears) }

func fallbackWarning(years []int) string {
	if len(years) == 0 {
		return ""
	}
	s := make([]string, len(years))
	for i, y := range years {
		s[i] = fmt.Sprint(y)
	}
	return fmt.Sprintf("%v for %s: counted plain Monday–Friday weeks, without holidays or 调休", ErrNoOfficialCalendar, strings.Join(s, ", "))
}

// addFallback adds the year of day to years if it is a fallback.
func addFallback(years []int, day Day) []int {
	if day.Fallback && !slices.Contains(years, day.Date.Year()) {
		years = append(years, day.Date.Year())
	}
	return years
}

// AddWorkdays returns the n-th working day strictly after d: d + 1 is the
// next working day, whatever d is. 2025-09-30 + 3 is 2025-10-11, a
// Saturday worked after the National Day break. For negative n it counts
// backwards: d - 1 is the last working day strictly before d. n = 0
// returns d, working day or not.
//
// It fails with a *NoOfficialCalendarError as soon as it meets a date no
// notice covers, unless the calendar is WithPlainWeekends.
func (c *Calendar) AddWorkdays(d Date, n int) (Result, error) {
	step := 1
	if n < 0 {
		step = -1
	}
	var fallback []int
	cur := d
	// left moves towards 0 by step, so n = math.MinInt does not overflow.
	for left := n; left != 0; {
		cur = cur.AddDays(step)
		day, err := c.Day(cur)
		if err != nil {
			return Result{}, fmt.Errorf("%s %+d working days: %w", d, n, err)
		}
		fallback = addFallback(fallback, day)
		if day.Kind.IsWorkday() {
			left -= step
		}
	}
	slices.Sort(fallback)
	return Result{Date: cur, FallbackYears: fallback}, nil
}

// WorkdaysBetween counts the working days in (a, b]: after a, up to and
// including b. It is 0 for a = b and negative when b is before a
// (WorkdaysBetween(a, b) = -WorkdaysBetween(b, a)). For n > 0,
// WorkdaysBetween(d, AddWorkdays(d, n)) = n.
func (c *Calendar) WorkdaysBetween(a, b Date) (Count, error) {
	sign := 1
	if b.Before(a) {
		a, b, sign = b, a, -1
	}
	var cnt Count
	for d := a.AddDays(1); !d.After(b); d = d.AddDays(1) {
		day, err := c.Day(d)
		if err != nil {
			return Count{}, fmt.Errorf("working days between %s and %s: %w", a, b, err)
		}
		cnt.FallbackYears = addFallback(cnt.FallbackYears, day)
		if day.Kind.IsWorkday() {
			cnt.Workdays++
		}
	}
	cnt.Workdays *= sign
	slices.Sort(cnt.FallbackYears)
	return cnt, nil
}

// WorkdayOnOrAfter returns d if it is a working day, else the first
// working day after it: the rule for a period counted in calendar days
// whose last day falls on a day off (期间届满的最后一日是法定节假日的，以节假日
// 后的第一日为期间届满的日期). For a period counted in working days use
// AddWorkdays.
func (c *Calendar) WorkdayOnOrAfter(d Date) (Result, error) {
	day, err := c.Day(d)
	if err != nil {
		return Result{}, fmt.Errorf("first working day from %s: %w", d, err)
	}
	if day.Kind.IsWorkday() {
		return Result{Date: d, FallbackYears: addFallback(nil, day)}, nil
	}
	r, err := c.AddWorkdays(d, 1)
	if err != nil {
		return Result{}, err
	}
	r.FallbackYears = addFallback(r.FallbackYears, day)
	slices.Sort(r.FallbackYears)
	return r, nil
}
