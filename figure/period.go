package figure

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// dateLayout is how dates are written: in files, URLs and the store (as
// text, which compares as dates on both engines).
const dateLayout = "2006-01-02"

// Span is how long a reporting period lasts (报告周期): a kind of figure is
// reported per month, per quarter or per year.
type Span int

// The spans. The zero Span is none, so a Kind that forgot its span fails
// Catalog.Compile instead of silently becoming monthly.
const (
	Month   Span = iota + 1 // 月报
	Quarter                 // 季报
	Year                    // 年报
)

var spanNames = [...]struct{ code, zh, en string }{
	{"", "", ""},
	Month:   {"month", "月", "month"},
	Quarter: {"quarter", "季度", "quarter"},
	Year:    {"year", "年", "year"},
}

func (s Span) valid() bool { return s > 0 && int(s) < len(spanNames) }

// String returns the stable machine name: "month", "quarter" or "year".
func (s Span) String() string {
	if !s.valid() {
		return fmt.Sprintf("Span(%d)", int(s))
	}
	return spanNames[s].code
}

// Label returns the name shown to people: English when lang is "en",
// Chinese otherwise.
func (s Span) Label(lang string) string {
	if !s.valid() {
		return s.String()
	}
	if lang == "en" {
		return spanNames[s].en
	}
	return spanNames[s].zh
}

// ParseSpan reads a span at the edge: its String name in any letter case or
// its Chinese label (月, 季度, 年, and 月报/季报/年报 as forms say).
func ParseSpan(s string) (Span, error) {
	t := strings.TrimSpace(s)
	for sp := Month; sp.valid(); sp++ {
		n := spanNames[sp]
		if strings.EqualFold(t, n.code) || t == n.zh || t == strings.TrimSuffix(n.zh, "度")+"报" {
			return sp, nil
		}
	}
	return 0, fmt.Errorf("parse span %q: want month, quarter or year", s)
}

// Period is one reporting period (报告期): a month, a quarter or a year. It
// is a plain comparable value; the zero Period is none. Periods are parsed
// at the edge (ParsePeriod) and written by String, the form used in files,
// URLs and the store.
type Period struct {
	Span Span
	Year int
	// N is the month (1-12) or the quarter (1-4); 0 for a year.
	N int
}

// Years a period may lie in: the programme started in 2025, and figures of
// earlier years are back-filled at most; 2100 bounds typing errors.
const (
	minYear = 2000
	maxYear = 2100
)

// ParsePeriod reads a period as people and spreadsheets write it:
//
//	month    2025-03, 2025-3, 2025/03, 202503, 2025年3月
//	quarter  2025-Q1, 2025Q1, 2025-q1, 2025年第1季度, 2025年一季度
//	year     2025, 2025年
//
// Dates (2025-03-01) are refused rather than read as their month: a cell
// that Excel turned into a date may as well have been meant as a day.
func ParsePeriod(s string) (Period, error) {
	t := strings.TrimSpace(s)
	for _, f := range periodForms {
		m := f.re.FindStringSubmatch(t)
		if m == nil {
			continue
		}
		p := Period{Span: f.span}
		p.Year, _ = strconv.Atoi(m[1])
		if f.span != Year {
			if i := strings.Index("一二三四", m[2]); i >= 0 && m[2] != "" {
				p.N = i/len("一") + 1
			} else {
				p.N, _ = strconv.Atoi(m[2])
			}
		}
		if err := p.check(); err != nil {
			return Period{}, fmt.Errorf("%q: %w", s, err)
		}
		return p, nil
	}
	return Period{}, fmt.Errorf("%q is not a period: write 2025-03 (month), 2025-Q1 (quarter) or 2025 (year)", s)
}

// periodForms are the ways ParsePeriod accepts, each with the year as the
// first group and the month or quarter as the second.
var periodForms = []struct {
	re   *regexp.Regexp
	span Span
}{
	{regexp.MustCompile(`^([0-9]{4})年?$`), Year},
	{regexp.MustCompile(`^([0-9]{4})[-/]([0-9]{1,2})$`), Month},
	{regexp.MustCompile(`^([0-9]{4})([0-9]{2})$`), Month},
	{regexp.MustCompile(`^([0-9]{4})年([0-9]{1,2})月$`), Month},
	{regexp.MustCompile(`^([0-9]{4})-?[Qq]([0-9])$`), Quarter},
	{regexp.MustCompile(`^([0-9]{4})年第?([0-9]|一|二|三|四)季度$`), Quarter},
}

// check reports whether the period is a real one within the years served.
func (p Period) check() error {
	if p.Year < minYear || p.Year > maxYear {
		return fmt.Errorf("year %d is outside %d-%d", p.Year, minYear, maxYear)
	}
	switch p.Span {
	case Month:
		if p.N < 1 || p.N > 12 {
			return fmt.Errorf("month %d is not 1-12", p.N)
		}
	case Quarter:
		if p.N < 1 || p.N > 4 {
			return fmt.Errorf("quarter %d is not 1-4", p.N)
		}
	case Year:
		if p.N != 0 {
			return fmt.Errorf("a year has no part %d", p.N)
		}
	default:
		return fmt.Errorf("no span")
	}
	return nil
}

// IsZero reports whether p is the zero Period (none).
func (p Period) IsZero() bool { return p == Period{} }

// String returns the canonical form: 2025-03, 2025-Q1 or 2025; "" for the
// zero Period. ParsePeriod reads it back.
func (p Period) String() string {
	switch p.Span {
	case Month:
		return fmt.Sprintf("%04d-%02d", p.Year, p.N)
	case Quarter:
		return fmt.Sprintf("%04d-Q%d", p.Year, p.N)
	case Year:
		return fmt.Sprintf("%04d", p.Year)
	}
	return ""
}

// Label returns the period as people read it: 2025年3月, 2025年第1季度,
// 2025年; in English Mar 2025, Q1 2025, 2025.
func (p Period) Label(lang string) string {
	en := lang == "en"
	switch p.Span {
	case Month:
		if en {
			return time.Month(p.N).String()[:3] + " " + strconv.Itoa(p.Year)
		}
		return fmt.Sprintf("%d年%d月", p.Year, p.N)
	case Quarter:
		if en {
			return fmt.Sprintf("Q%d %d", p.N, p.Year)
		}
		return fmt.Sprintf("%d年第%d季度", p.Year, p.N)
	case Year:
		if en {
			return strconv.Itoa(p.Year)
		}
		return fmt.Sprintf("%d年", p.Year)
	}
	return ""
}

// months returns the first and last month of the period.
func (p Period) months() (first, last int) {
	switch p.Span {
	case Month:
		return p.N, p.N
	case Quarter:
		return 3*p.N - 2, 3 * p.N
	}
	return 1, 12
}

// Start returns the period's first day, YYYY-MM-DD.
func (p Period) Start() string {
	first, _ := p.months()
	return time.Date(p.Year, time.Month(first), 1, 0, 0, 0, 0, time.UTC).Format(dateLayout)
}

// End returns the period's last day, YYYY-MM-DD (inclusive, as deadlines
// in the notices are: "3月底" is 03-31).
func (p Period) End() string {
	_, last := p.months()
	return time.Date(p.Year, time.Month(last)+1, 0, 0, 0, 0, 0, time.UTC).Format(dateLayout)
}

// Prev returns the period before p of the same span: the month, quarter or
// year before. Jumps are measured against it.
func (p Period) Prev() Period {
	switch p.Span {
	case Month:
		if p.N == 1 {
			return Period{Span: Month, Year: p.Year - 1, N: 12}
		}
		return Period{Span: Month, Year: p.Year, N: p.N - 1}
	case Quarter:
		if p.N == 1 {
			return Period{Span: Quarter, Year: p.Year - 1, N: 4}
		}
		return Period{Span: Quarter, Year: p.Year, N: p.N - 1}
	case Year:
		return Period{Span: Year, Year: p.Year - 1}
	}
	return Period{}
}

// PeriodOf returns the period of the given span that contains date
// (YYYY-MM-DD).
func PeriodOf(span Span, date string) (Period, error) {
	d, err := time.Parse(dateLayout, date)
	if err != nil {
		return Period{}, fmt.Errorf("period of %q: not a date (YYYY-MM-DD)", date)
	}
	p := Period{Span: span, Year: d.Year()}
	switch span {
	case Month:
		p.N = int(d.Month())
	case Quarter:
		p.N = (int(d.Month())-1)/3 + 1
	case Year:
	default:
		return Period{}, fmt.Errorf("period of %s: %w", date, errNoSpan)
	}
	if err := p.check(); err != nil {
		return Period{}, fmt.Errorf("period of %s: %w", date, err)
	}
	return p, nil
}

var errNoSpan = fmt.Errorf("no span")

// Bounds reads the two ends of a date range given as periods or dates, as
// the engine asks for totals: from "2025-01" or "2025-01-01" to "2025-11"
// or "2025-11-30". It returns the first day of from and the last day of
// to, YYYY-MM-DD. An empty from is open (0000-01-01), an empty to too
// (9999-12-31).
func Bounds(from, to string) (start, end string, err error) {
	start, end = "0000-01-01", "9999-12-31"
	if f := strings.TrimSpace(from); f != "" {
		if _, derr := time.Parse(dateLayout, f); derr == nil {
			start = f
		} else if p, perr := ParsePeriod(f); perr == nil {
			start = p.Start()
		} else {
			return "", "", fmt.Errorf("from: %w", perr)
		}
	}
	if t := strings.TrimSpace(to); t != "" {
		if _, derr := time.Parse(dateLayout, t); derr == nil {
			end = t
		} else if p, perr := ParsePeriod(t); perr == nil {
			end = p.End()
		} else {
			return "", "", fmt.Errorf("to: %w", perr)
		}
	}
	if start > end {
		return "", "", fmt.Errorf("from %s is after to %s", start, end)
	}
	return start, end, nil
}

// AddWorkdays returns the date n working days after date (both
// YYYY-MM-DD): the official calendar with its 调休 when the caller has it
// (package calendar), Weekdays otherwise.
type AddWorkdays func(date string, n int) (string, error)

// Weekdays is an AddWorkdays that counts Monday to Friday and knows no
// public holidays or 调休. It serves until the caller passes the official
// calendar; deadlines it gives may fall a few days early around holidays.
func Weekdays(date string, n int) (string, error) {
	d, err := time.Parse(dateLayout, date)
	if err != nil {
		return "", fmt.Errorf("add %d weekdays to %q: not a date", n, date)
	}
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return d.Format(dateLayout), nil
}

// Due returns the deadline of a report for period p: workdays working days
// after the period's last day, counted by add (Weekdays when nil). With 0
// workdays the deadline is the last day itself.
func Due(p Period, workdays int, add AddWorkdays) (string, error) {
	if p.check() != nil {
		return "", fmt.Errorf("due date of %v: not a period", p)
	}
	if workdays <= 0 {
		return p.End(), nil
	}
	if add == nil {
		add = Weekdays
	}
	d, err := add(p.End(), workdays)
	if err != nil {
		return "", fmt.Errorf("due date of %s: %w", p, err)
	}
	return d, nil
}
