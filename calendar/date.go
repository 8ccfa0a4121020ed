package calendar

import (
	"fmt"
	"time"
)

// dateLayout is how dates are written in the holiday files, on the command
// line and in the store (facility.DateLayout).
const dateLayout = "2006-01-02"

// china is China Standard Time. A fixed offset rather than
// time.LoadLocation("Asia/Shanghai"): China has kept UTC+8 without
// daylight saving since 1991, and a fixed zone needs no tzdata on the
// server.
var china = time.FixedZone("CST", 8*60*60)

// Date is a day of the Chinese civil calendar, without a time of day or a
// zone: the unit every working-day question is asked in. Dates compare
// with == and can be map keys. The zero Date is January 1 of year 1;
// IsZero reports it.
//
// Date rather than time.Time because a deadline is a date: a time.Time at
// midnight turns into the previous day as soon as someone formats it in
// UTC. Convert at the edges with ParseDate/String (the "YYYY-MM-DD" the
// store keeps, facility.DateLayout), DateOf (an instant, seen in China)
// and Time (midnight in China, UTC+8).
type Date struct {
	// t is midnight UTC of the date, never anything else: it keeps
	// == and map keys exact and makes day arithmetic DST-free.
	t time.Time
}

// NewDate returns the date year-month-day. Like time.Date it normalizes
// values out of range: NewDate(2025, time.February, 29) is 2025-03-01.
func NewDate(year int, month time.Month, day int) Date {
	return Date{t: time.Date(year, month, day, 0, 0, 0, 0, time.UTC)}
}

// ParseDate reads a date written YYYY-MM-DD (two-digit month and day), the
// form of facility.DateLayout. It refuses dates that do not exist
// ("2025-02-29").
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q: not a real date written YYYY-MM-DD", s)
	}
	return Date{t: t}, nil
}

// DateOf returns the date in China (UTC+8) at the instant t, whatever
// t's location: 2025-09-30T20:00:00Z is 2025-10-01 in China.
func DateOf(t time.Time) Date {
	y, m, d := t.In(china).Date()
	return NewDate(y, m, d)
}

// Year returns the year of d.
func (d Date) Year() int { return d.t.Year() }

// Month returns the month of d.
func (d Date) Month() time.Month { return d.t.Month() }

// Day returns the day of the month of d.
func (d Date) Day() int { return d.t.Day() }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.t.Weekday() }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d.t.IsZero() }

// String returns d written YYYY-MM-DD.
func (d Date) String() string { return d.t.Format(dateLayout) }

// Time returns midnight at the start of d in China (UTC+8).
func (d Date) Time() time.Time {
	y, m, day := d.t.Date()
	return time.Date(y, m, day, 0, 0, 0, 0, china)
}

// AddDays returns the date n calendar days after d (before d for negative
// n).
func (d Date) AddDays(n int) Date { return Date{t: d.t.AddDate(0, 0, n)} }

// DaysSince returns the number of calendar days from e to d: positive when
// d is after e.
func (d Date) DaysSince(e Date) int {
	// Unix seconds rather than Sub: a time.Duration saturates after 292
	// years.
	return int((d.t.Unix() - e.t.Unix()) / (24 * 60 * 60))
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.t.Before(e.t) }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.t.After(e.t) }

// Compare returns -1 if d is before e, +1 if after, 0 if they are the same
// date; for slices.SortFunc.
func (d Date) Compare(e Date) int { return d.t.Compare(e.t) }

// MarshalText writes d as YYYY-MM-DD, so that dates are strings in JSON.
func (d Date) MarshalText() ([]byte, error) {
	return []byte(d.String()), nil
}

// UnmarshalText reads a date written YYYY-MM-DD, as ParseDate does.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// isWeekend reports whether d is a Saturday or a Sunday.
func (d Date) isWeekend() bool {
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}
