package calendar

import (
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// official is the embedded calendar, loaded once per test.
func official(t testing.TB) *Calendar {
	t.Helper()
	c, err := Official()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// date parses s or fails the test.
func date(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// arrangement is one row of the tables of DOMAIN.md §4, written here by
// hand from the State Council notices, independently of the JSON files.
type arrangement struct {
	name     string
	from, to string // off, inclusive
	days     int
	worked   []string // 调休上班
}

// The notice for 2025: 国办发明电〔2024〕12号.
var want2025 = []arrangement{
	{"元旦", "2025-01-01", "2025-01-01", 1, nil},
	{"春节", "2025-01-28", "2025-02-04", 8, []string{"2025-01-26", "2025-02-08"}},
	{"清明节", "2025-04-04", "2025-04-06", 3, nil},
	{"劳动节", "2025-05-01", "2025-05-05", 5, []string{"2025-04-27"}},
	{"端午节", "2025-05-31", "2025-06-02", 3, nil},
	{"国庆节、中秋节", "2025-10-01", "2025-10-08", 8, []string{"2025-09-28", "2025-10-11"}},
}

// The notice for 2026: 国办发明电〔2025〕7号.
var want2026 = []arrangement{
	{"元旦", "2026-01-01", "2026-01-03", 3, []string{"2026-01-04"}},
	{"春节", "2026-02-15", "2026-02-23", 9, []string{"2026-02-14", "2026-02-28"}},
	{"清明节", "2026-04-04", "2026-04-06", 3, nil},
	{"劳动节", "2026-05-01", "2026-05-05", 5, []string{"2026-05-09"}},
	{"端午节", "2026-06-19", "2026-06-21", 3, nil},
	{"中秋节", "2026-09-25", "2026-09-27", 3, nil},
	{"国庆节", "2026-10-01", "2026-10-07", 7, []string{"2026-09-20", "2026-10-10"}},
}

// TestEveryDayOf2025And2026 checks every date of both years against the
// hand-written tables: every holiday day, every adjusted working day, and
// every ordinary weekday and weekend in between.
func TestEveryDayOf2025And2026(t *testing.T) {
	c := official(t)
	for year, table := range map[int][]arrangement{2025: want2025, 2026: want2026} {
		want := map[Date]Day{}
		for _, a := range table {
			for d := date(t, a.from); !d.After(date(t, a.to)); d = d.AddDays(1) {
				want[d] = Day{Date: d, Kind: Holiday, Holiday: a.name}
			}
			for _, s := range a.worked {
				d := date(t, s)
				if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
					t.Errorf("table: %s is a %s, not a weekend day", s, wd)
				}
				want[d] = Day{Date: d, Kind: AdjustedWorkday, Holiday: a.name}
			}
		}
		workdays := 0
		for d := NewDate(year, time.January, 1); d.Year() == year; d = d.AddDays(1) {
			w, ok := want[d]
			if !ok {
				w = Day{Date: d, Kind: Workday}
				if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
					w.Kind = Weekend
				}
			}
			got, err := c.Day(d)
			if err != nil {
				t.Fatalf("Day(%s): %v", d, err)
			}
			if got != w {
				t.Errorf("Day(%s %s) = %+v, want %+v", d, d.Weekday(), got, w)
			}
			if k, _ := c.Kind(d); k != w.Kind {
				t.Errorf("Kind(%s) = %s, want %s", d, k, w.Kind)
			}
			if ok, _ := c.IsWorkday(d); ok != w.Kind.IsWorkday() {
				t.Errorf("IsWorkday(%s) = %t", d, ok)
			}
			if name, _ := c.HolidayName(d); name != w.Holiday {
				t.Errorf("HolidayName(%s) = %q, want %q", d, name, w.Holiday)
			}
			if w.Kind.IsWorkday() {
				workdays++
			}
		}
		// 365 days - 104 weekend days - holidays on weekdays + 调休.
		if workdays != 248 {
			t.Errorf("%d: the table gives %d working days, want 248", year, workdays)
		}
		cnt, err := c.WorkdaysBetween(NewDate(year-1, time.December, 31), NewDate(year, time.December, 31))
		if err != nil || cnt.Workdays != 248 || cnt.FallbackYears != nil {
			t.Errorf("WorkdaysBetween over %d = %+v, %v; want 248", year, cnt, err)
		}
	}
}

func TestHolidays(t *testing.T) {
	c := official(t)
	for year, table := range map[int][]arrangement{2025: want2025, 2026: want2026} {
		got, err := c.Holidays(year)
		if err != nil {
			t.Fatal(err)
		}
		var want []HolidayPeriod
		for _, a := range table {
			p := HolidayPeriod{Name: a.name, From: date(t, a.from), To: date(t, a.to)}
			for _, s := range a.worked {
				p.AdjustedWorkdays = append(p.AdjustedWorkdays, date(t, s))
			}
			want = append(want, p)
			if p.Days() != a.days {
				t.Errorf("%d %s: %d days, want %d", year, a.name, p.Days(), a.days)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("Holidays(%d)\n got %v\nwant %v", year, got, want)
		}
		// The caller's copy is its own.
		got[0].Name = "changed"
		if again, _ := c.Holidays(year); again[0].Name == "changed" {
			t.Error("Holidays returned the calendar's own slice")
		}
	}
}

// TestHolidaysEveryYear checks the breaks of every embedded notice against
// the days: a break is days off and the weekends inside it, its adjusted
// working days are worked weekend days.
func TestHolidaysEveryYear(t *testing.T) {
	c := official(t)
	years := c.Years()
	if len(years) != 20 || years[0] != 2007 || years[19] != 2026 {
		t.Fatalf("Years() = %v, want 2007…2026", years)
	}
	for _, y := range years {
		ps, err := c.Holidays(y)
		if err != nil || len(ps) < 4 { // 2007: 元旦, 春节, “五一”, “十一”
			t.Fatalf("Holidays(%d) = %d periods, %v", y, len(ps), err)
		}
		for _, p := range ps {
			if p.To.Before(p.From) || p.Days() > 10 {
				t.Errorf("%d %s: %s to %s", y, p.Name, p.From, p.To)
			}
			for d := p.From; !d.After(p.To); d = d.AddDays(1) {
				day, err := c.Day(d)
				if err != nil {
					t.Fatal(err)
				}
				if day.Kind != Holiday && day.Kind != Weekend {
					t.Errorf("%d %s: %s is a %s", y, p.Name, d, day.Kind)
				}
			}
			for _, d := range p.AdjustedWorkdays {
				if day, _ := c.Day(d); day.Kind != AdjustedWorkday || day.Holiday != p.Name {
					t.Errorf("%d %s: adjusted working day %s is %+v", y, p.Name, d, day)
				}
			}
		}
	}
	// Sunday 2014-04-06 is not listed but lies inside 清明节.
	ps, _ := c.Holidays(2014)
	if i := slices.IndexFunc(ps, func(p HolidayPeriod) bool { return p.Name == "清明节" }); i < 0 ||
		ps[i].From != date(t, "2014-04-05") || ps[i].To != date(t, "2014-04-07") {
		t.Errorf("2014 清明节 = %v", ps)
	}
	// 2023's 元旦 begins in 2022.
	ps, _ = c.Holidays(2023)
	if ps[0].Name != "元旦" || ps[0].From != date(t, "2022-12-31") || ps[0].To != date(t, "2023-01-02") {
		t.Errorf("2023 元旦 = %v", ps[0])
	}
}

func TestAddWorkdays(t *testing.T) {
	c := official(t)
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2025-09-30", 3, "2025-10-11"}, // a Saturday worked after National Day
		{"2025-09-30", 1, "2025-10-09"},
		{"2025-09-30", 2, "2025-10-10"},
		{"2025-09-30", 4, "2025-10-13"},
		{"2025-09-26", 1, "2025-09-28"}, // Sunday worked before it
		{"2025-10-05", 1, "2025-10-09"}, // from a holiday
		{"2025-10-01", 0, "2025-10-01"}, // n = 0 is d, worked or not
		{"2025-09-30", 0, "2025-09-30"},
		// Spring Festival 2025: off 01-28 to 02-04, Sunday 01-26 and
		// Saturday 02-08 worked.
		{"2025-01-24", 1, "2025-01-26"},
		{"2025-01-24", 2, "2025-01-27"},
		{"2025-01-24", 3, "2025-02-05"},
		{"2025-01-27", 1, "2025-02-05"},
		{"2025-02-05", 3, "2025-02-08"},
		{"2025-01-20", 10, "2025-02-08"},
		// Spring Festival 2026: Saturday 02-14 worked, off 02-15 to 02-23,
		// Saturday 02-28 worked.
		{"2026-02-13", 1, "2026-02-14"},
		{"2026-02-13", 2, "2026-02-24"},
		{"2026-02-13", 6, "2026-02-28"},
		{"2026-02-13", 7, "2026-03-02"},
		// Backwards: strictly before.
		{"2025-10-09", -1, "2025-09-30"},
		{"2025-10-13", -1, "2025-10-11"},
		{"2025-10-13", -2, "2025-10-10"},
		{"2025-10-13", -4, "2025-09-30"},
		{"2025-10-13", -5, "2025-09-29"},
		{"2025-10-13", -6, "2025-09-28"}, // Sunday worked
		{"2025-10-13", -7, "2025-09-26"},
		{"2025-02-05", -1, "2025-01-27"},
		{"2025-02-05", -2, "2025-01-26"},
		{"2025-02-05", -3, "2025-01-24"},
		{"2026-03-02", -7, "2026-02-13"},
		// Year boundaries: 2026 starts with 01-01 to 01-03 off and Sunday
		// 01-04 worked.
		{"2025-12-31", 1, "2026-01-04"},
		{"2025-12-31", 2, "2026-01-05"},
		{"2026-01-05", -1, "2026-01-04"},
		{"2026-01-05", -2, "2025-12-31"},
		{"2024-12-31", 1, "2025-01-02"},
		{"2025-01-02", -1, "2024-12-31"},
		// Days the next year's notice lists: 2019's notice works Saturday
		// 2018-12-29 and gives 12-30 and 12-31 off; 2023's gives Saturday
		// 2022-12-31 off.
		{"2018-12-28", 1, "2018-12-29"},
		{"2018-12-28", 2, "2019-01-02"},
		{"2022-12-30", 1, "2023-01-03"},
		// 2006-12-30 has no notice of its year, but 2007's lists it.
		{"2006-12-29", 1, "2006-12-30"},
		// The last covered working day.
		{"2026-12-30", 1, "2026-12-31"},
	}
	for _, tt := range tests {
		got, err := c.AddWorkdays(date(t, tt.from), tt.n)
		if err != nil {
			t.Errorf("%s %+d: %v", tt.from, tt.n, err)
			continue
		}
		if got.Date.String() != tt.want || got.FallbackYears != nil || got.Warning() != "" {
			t.Errorf("%s %+d = %s %v, want %s", tt.from, tt.n, got.Date, got.FallbackYears, tt.want)
		}
	}
}

// TestAddWorkdaysInverse checks AddWorkdays against WorkdaysBetween and
// IsWorkday from every day of 2025 and 2026.
func TestAddWorkdaysInverse(t *testing.T) {
	c := official(t)
	for d := date(t, "2025-01-01"); d.Year() < 2027; d = d.AddDays(1) {
		for _, n := range []int{1, 2, 3, 5, 10, 20} {
			r, err := c.AddWorkdays(d, n)
			if err != nil {
				if !errors.Is(err, ErrNoOfficialCalendar) || d.Month() != time.December {
					t.Fatalf("%s %+d: %v", d, n, err)
				}
				continue
			}
			if ok, _ := c.IsWorkday(r.Date); !ok {
				t.Errorf("%s %+d = %s, not a working day", d, n, r.Date)
			}
			if cnt, _ := c.WorkdaysBetween(d, r.Date); cnt.Workdays != n {
				t.Errorf("WorkdaysBetween(%s, %s) = %d, want %d", d, r.Date, cnt.Workdays, n)
			}
			if cnt, _ := c.WorkdaysBetween(d, r.Date.AddDays(-1)); cnt.Workdays != n-1 {
				t.Errorf("%s %+d = %s is not the first such day", d, n, r.Date)
			}
			if back, _ := c.AddWorkdays(r.Date, -n); back.Date.After(d) || back.Date != mustOnOrBefore(t, c, d) {
				t.Errorf("%s %+d %+d = %s", d, n, -n, back.Date)
			}
		}
	}
}

// mustOnOrBefore is the last working day on or before d.
func mustOnOrBefore(t *testing.T, c *Calendar, d Date) Date {
	t.Helper()
	for {
		ok, err := c.IsWorkday(d)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			return d
		}
		d = d.AddDays(-1)
	}
}

func TestWorkdaysBetween(t *testing.T) {
	c := official(t)
	tests := []struct {
		a, b string
		want int
	}{
		{"2025-09-30", "2025-10-11", 3},
		{"2025-10-11", "2025-09-30", -3},
		{"2025-09-30", "2025-09-30", 0},
		{"2025-10-01", "2025-10-08", 0},
		{"2025-09-30", "2025-10-08", 0},
		{"2025-12-31", "2026-01-05", 2},
		{"2025-01-24", "2025-02-08", 6}, // 01-26, 01-27, 02-05, 02-06, 02-07, 02-08
		{"2025-02-09", "2025-02-16", 5},
	}
	for _, tt := range tests {
		got, err := c.WorkdaysBetween(date(t, tt.a), date(t, tt.b))
		if err != nil || got.Workdays != tt.want || got.FallbackYears != nil {
			t.Errorf("WorkdaysBetween(%s, %s) = %+v, %v; want %d", tt.a, tt.b, got, err, tt.want)
		}
	}
}

func TestWorkdayOnOrAfter(t *testing.T) {
	c := official(t)
	for from, want := range map[string]string{
		"2025-09-30": "2025-09-30",
		"2025-10-01": "2025-10-09",
		"2025-10-11": "2025-10-11",
		"2025-10-12": "2025-10-13",
		"2026-02-14": "2026-02-14",
		"2026-02-15": "2026-02-24",
	} {
		got, err := c.WorkdayOnOrAfter(date(t, from))
		if err != nil || got.Date.String() != want {
			t.Errorf("WorkdayOnOrAfter(%s) = %s, %v; want %s", from, got.Date, err, want)
		}
	}
}

// TestNoOfficialCalendar: years without a notice are refused, never
// guessed.
func TestNoOfficialCalendar(t *testing.T) {
	c := official(t)
	check := func(what string, err error, year int) {
		t.Helper()
		var nc *NoOfficialCalendarError
		if !errors.Is(err, ErrNoOfficialCalendar) || !errors.As(err, &nc) || nc.Year != year {
			t.Errorf("%s: error %v, want no official calendar for %d", what, err, year)
			return
		}
		if want := fmt.Sprintf("no official calendar for %d", year); !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %q does not say %q", what, err, want)
		}
	}
	_, err := c.Day(date(t, "2027-01-04"))
	check("Day(2027-01-04)", err, 2027)
	_, err = c.Kind(date(t, "2027-06-01"))
	check("Kind(2027-06-01)", err, 2027)
	_, err = c.IsWorkday(date(t, "2006-06-01"))
	check("IsWorkday(2006-06-01)", err, 2006)
	_, err = c.AddWorkdays(date(t, "2026-12-30"), 3)
	check("2026-12-30 +3", err, 2027)
	if err != nil && err.Error() != "2026-12-30 +3 working days: no official calendar for 2027" {
		t.Errorf("message %q", err)
	}
	_, err = c.AddWorkdays(date(t, "2007-01-05"), -5)
	check("2007-01-05 -5", err, 2006)
	_, err = c.WorkdaysBetween(date(t, "2026-12-01"), date(t, "2027-01-31"))
	check("WorkdaysBetween into 2027", err, 2027)
	_, err = c.WorkdayOnOrAfter(date(t, "2027-01-01"))
	check("WorkdayOnOrAfter(2027-01-01)", err, 2027)
	_, err = c.Holidays(2027)
	check("Holidays(2027)", err, 2027)
	_, err = c.Holidays(2006)
	check("Holidays(2006)", err, 2006)
	_, err = c.WithPlainWeekends().Holidays(2027)
	check("plain Holidays(2027)", err, 2027)
}

// TestPlainWeekends: the fallback counts Monday to Friday, says which
// years it assumed, and leaves the official calendar alone.
func TestPlainWeekends(t *testing.T) {
	c := official(t)
	fb := c.WithPlainWeekends()

	// 2027-01-01 is surely New Year's Day, but without a notice the
	// fallback does not know which days join it: a plain Friday.
	r, err := fb.AddWorkdays(date(t, "2026-12-30"), 3)
	if err != nil {
		t.Fatal(err)
	}
	if r.Date.String() != "2027-01-04" || !slices.Equal(r.FallbackYears, []int{2027}) {
		t.Errorf("plain 2026-12-30 +3 = %+v, want 2027-01-04 with fallback 2027", r)
	}
	if w := r.Warning(); !strings.Contains(w, "no official calendar for 2027") || !strings.Contains(w, "plain Monday–Friday") {
		t.Errorf("Warning() = %q", w)
	}
	day, err := fb.Day(date(t, "2027-01-01"))
	if err != nil || day.Kind != Workday || !day.Fallback || day.Holiday != "" {
		t.Errorf("plain Day(2027-01-01) = %+v, %v", day, err)
	}
	day, _ = fb.Day(date(t, "2027-01-02"))
	if day.Kind != Weekend || !day.Fallback {
		t.Errorf("plain Day(2027-01-02) = %+v", day)
	}
	// Covered dates are official, with no warning.
	r, err = fb.AddWorkdays(date(t, "2025-09-30"), 3)
	if err != nil || r.Date.String() != "2025-10-11" || r.FallbackYears != nil || r.Warning() != "" {
		t.Errorf("plain 2025-09-30 +3 = %+v, %v", r, err)
	}
	if day, _ := fb.Day(date(t, "2025-10-11")); day.Fallback || day.Kind != AdjustedWorkday {
		t.Errorf("plain Day(2025-10-11) = %+v", day)
	}
	// Listed days of a year without a notice still count: 2007's notice
	// works Saturday 2006-12-30 and Sunday 2006-12-31.
	r, err = fb.AddWorkdays(date(t, "2007-01-04"), -3)
	if err != nil || r.Date.String() != "2006-12-29" || !slices.Equal(r.FallbackYears, []int{2006}) {
		t.Errorf("plain 2007-01-04 -3 = %+v, %v", r, err)
	}
	r, err = fb.AddWorkdays(date(t, "2007-01-04"), -2)
	if err != nil || r.Date.String() != "2006-12-30" || r.FallbackYears != nil {
		t.Errorf("plain 2007-01-04 -2 = %+v, %v", r, err)
	}
	cnt, err := fb.WorkdaysBetween(date(t, "2026-12-31"), date(t, "2028-01-01"))
	if err != nil || cnt.Workdays != 261 || !slices.Equal(cnt.FallbackYears, []int{2027, 2028}) || !strings.Contains(cnt.Warning(), "2027, 2028") {
		t.Errorf("plain WorkdaysBetween over 2027 = %+v, %v", cnt, err)
	}
	r, err = fb.WorkdayOnOrAfter(date(t, "2027-01-02"))
	if err != nil || r.Date.String() != "2027-01-04" || !slices.Equal(r.FallbackYears, []int{2027}) {
		t.Errorf("plain WorkdayOnOrAfter(2027-01-02) = %+v, %v", r, err)
	}
	// The fallback ends where dates end.
	if _, err := fb.AddWorkdays(NewDate(9999, time.December, 30), 5); err == nil || errors.Is(err, ErrNoOfficialCalendar) {
		t.Errorf("plain +5 past 9999: %v", err)
	}
	// The official calendar is unchanged.
	if _, err := c.Day(date(t, "2027-01-01")); !errors.Is(err, ErrNoOfficialCalendar) {
		t.Errorf("WithPlainWeekends changed its receiver: %v", err)
	}
}

func TestDayKindString(t *testing.T) {
	for k, want := range map[DayKind]string{
		Workday: "workday", Weekend: "weekend", Holiday: "holiday", AdjustedWorkday: "adjusted workday", 0: "DayKind(0)",
	} {
		if k.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(k), k, want)
		}
	}
	if DayKind(0).IsWorkday() || Holiday.IsWorkday() || Weekend.IsWorkday() || !Workday.IsWorkday() || !AdjustedWorkday.IsWorkday() {
		t.Error("IsWorkday")
	}
}

func TestSource(t *testing.T) {
	if s := Source(); !strings.Contains(s, "NateScarlet/holiday-cn") || !strings.Contains(s, "MIT") {
		t.Errorf("Source() = %q", s)
	}
}

// TestDomainIsPure keeps HTTP, SQL and third-party modules out of the
// package.
func TestDomainIsPure(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/shishi-health/shishi/") {
			continue
		}
		// A dot in the first path element marks a module outside the
		// standard library.
		first, _, _ := strings.Cut(dep, "/")
		if dep == "net/http" || dep == "database/sql" || strings.Contains(first, ".") {
			t.Errorf("calendar depends on %s", dep)
		}
	}
}

func BenchmarkAddWorkdays(b *testing.B) {
	c := official(b)
	d := NewDate(2025, time.September, 30)
	for b.Loop() {
		if _, err := c.AddWorkdays(d, 20); err != nil {
			b.Fatal(err)
		}
	}
}
