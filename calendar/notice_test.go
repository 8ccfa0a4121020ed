package calendar

import (
	"encoding/json"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestParseNotice(t *testing.T) {
	n, err := ParseNotice([]byte(`{"$schema": "x", "year": 2030, "papers": ["https://www.gov.cn/a"],
		"days": [{"name": "元旦", "date": "2029-12-29", "isOffDay": false},
		         {"name": "元旦", "date": "2030-01-01", "isOffDay": true}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Notice{Year: 2030, Papers: []string{"https://www.gov.cn/a"}, Days: []ListedDay{
		{Name: "元旦", Date: NewDate(2029, time.December, 29), OffDay: false},
		{Name: "元旦", Date: NewDate(2030, time.January, 1), OffDay: true},
	}}
	if n.Year != want.Year || len(n.Papers) != 1 || len(n.Days) != 2 || n.Days[0] != want.Days[0] || n.Days[1] != want.Days[1] {
		t.Errorf("ParseNotice = %+v, want %+v", n, want)
	}
}

func TestParseNoticeErrors(t *testing.T) {
	day := func(name, date, off string) string {
		return `{"name": "` + name + `", "date": "` + date + `", "isOffDay": ` + off + `}`
	}
	notice := func(days ...string) string {
		return `{"year": 2025, "days": [` + strings.Join(days, ",") + `]}`
	}
	tests := []struct {
		name, json, want string
	}{
		{"not JSON", `{"year": 2025`, "notice: unexpected end"},
		{"trailing data", `{"year": 2025} {}`, "notice: invalid character"},
		{"no year", `{"days": []}`, "notice: no year"},
		{"year a string", `{"year": "2025"}`, "notice: json"},
		{"year 0", `{"year": 0}`, "year out of range"},
		{"null day", `{"year": 2025, "days": [null]}`, "days[0]: null"},
		{"no isOffDay", notice(`{"name": "元旦", "date": "2025-01-01"}`), "days[0]: no isOffDay"},
		{"no date", notice(`{"name": "元旦", "isOffDay": true}`), `days[0]: date "": not a real date`},
		{"bad date", notice(day("元旦", "2025-02-29", "true")), `days[0]: date "2025-02-29"`},
		{"short date", notice(day("元旦", "2025-1-1", "true")), `date "2025-1-1"`},
		{"no name", notice(day(" ", "2025-01-01", "true")), "days[0] (2025-01-01): no name"},
		{"control character", notice(day(`元旦\n`, "2025-01-01", "true")), "control character"},
		{"too far", notice(day("元旦", "2027-01-01", "true")), "days[0]: 2027-01-01 is more than a year away"},
		{"twice", notice(day("元旦", "2025-01-01", "true"), day("元旦", "2025-01-01", "false")),
			"days[1]: 2025-01-01 listed twice, as 元旦 (day off) and as 元旦 (working day)"},
		{"working day without day off", notice(day("春节", "2025-01-26", "false")),
			`days[0]: 2025-01-26 is a working day of "春节", which has no day off`},
	}
	for _, tt := range tests {
		_, err := ParseNotice([]byte(tt.json))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
	// The same day listed twice alike is harmless.
	if _, err := ParseNotice([]byte(notice(day("元旦", "2025-01-01", "true"), day("元旦", "2025-01-01", "true")))); err != nil {
		t.Errorf("identical duplicate: %v", err)
	}
}

func TestNew(t *testing.T) {
	off := func(name string, y int, m time.Month, d int) ListedDay {
		return ListedDay{Name: name, Date: NewDate(y, m, d), OffDay: true}
	}
	n2030 := Notice{Year: 2030, Days: []ListedDay{off("元旦", 2030, time.January, 1)}}
	if _, err := New(n2030, n2030); err == nil || err.Error() != "two notices for 2030" {
		t.Errorf("two notices: %v", err)
	}
	n2031 := Notice{Year: 2031, Days: []ListedDay{{Name: "元旦", Date: NewDate(2030, time.January, 1)}, off("元旦", 2031, time.January, 1)}}
	if _, err := New(n2030, n2031); err == nil || !strings.Contains(err.Error(), "2030-01-01 is 元旦 (day off) in the notice for 2030 but 元旦 (working day) in the notice for 2031") {
		t.Errorf("conflict: %v", err)
	}
	if _, err := New(Notice{Year: 2030, Days: []ListedDay{off("", 2030, time.January, 1)}}); err == nil {
		t.Error("New accepted a day without a name")
	}
	// An empty placeholder (upstream's 2027.json) leaves its year
	// uncovered.
	c, err := New(n2030, Notice{Year: 2031})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Years(); len(got) != 1 || got[0] != 2030 {
		t.Errorf("Years() = %v, want [2030]", got)
	}
	if _, err := c.Day(NewDate(2031, time.March, 3)); !errors.Is(err, ErrNoOfficialCalendar) {
		t.Errorf("Day in a placeholder year: %v", err)
	}
	if k, err := c.Kind(NewDate(2030, time.January, 1)); err != nil || k != Holiday {
		t.Errorf("Kind(2030-01-01) = %v, %v", k, err)
	}
}

func TestLoad(t *testing.T) {
	good := `{"year": 2030, "days": [{"name": "元旦", "date": "2030-01-01", "isOffDay": true}]}`
	c, err := Load(fstest.MapFS{"2030.json": {Data: []byte("\uFEFF" + good)}, "README.md": {Data: []byte("#")}})
	if err != nil {
		t.Fatal(err)
	}
	if k, _ := c.Kind(NewDate(2030, time.January, 1)); k != Holiday {
		t.Errorf("Kind(2030-01-01) = %s", k)
	}
	for name, fsys := range map[string]fs.FS{
		"2031.json: holds the notice for 2030": fstest.MapFS{"2031.json": {Data: []byte(good)}},
		"2030.json: notice: no year":           fstest.MapFS{"2030.json": {Data: []byte(`{}`)}},
	} {
		if _, err := Load(fsys); err == nil || err.Error() != name {
			t.Errorf("Load: error %v, want %q", err, name)
		}
	}
}

func TestDate(t *testing.T) {
	for _, s := range []string{"", "2025-02-29", "2025-1-1", "2025-13-01", " 2025-01-01", "2025-01-01T00:00:00Z", "25-01-01", "2025/01/01"} {
		if d, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) = %s", s, d)
		}
	}
	d, err := ParseDate("2024-02-29")
	if err != nil || d.Year() != 2024 || d.Month() != time.February || d.Day() != 29 || d.Weekday() != time.Thursday || d.String() != "2024-02-29" {
		t.Errorf("ParseDate(2024-02-29) = %s, %v", d, err)
	}
	if NewDate(2025, time.February, 29) != NewDate(2025, time.March, 1) {
		t.Error("NewDate does not normalize")
	}
	// 16:00 UTC is midnight in China: the next day.
	if got := DateOf(time.Date(2025, 9, 30, 16, 0, 0, 0, time.UTC)); got != NewDate(2025, time.October, 1) {
		t.Errorf("DateOf(2025-09-30T16:00Z) = %s", got)
	}
	if got := DateOf(time.Date(2025, 9, 30, 15, 59, 59, 0, time.UTC)); got != NewDate(2025, time.September, 30) {
		t.Errorf("DateOf(2025-09-30T15:59:59Z) = %s", got)
	}
	if got := NewDate(2025, time.October, 1).Time(); got.Format(time.RFC3339) != "2025-10-01T00:00:00+08:00" {
		t.Errorf("Time() = %s", got.Format(time.RFC3339))
	}
	if got := DateOf(NewDate(2025, time.October, 1).Time()); got != NewDate(2025, time.October, 1) {
		t.Errorf("DateOf(Time()) = %s", got)
	}
	a, b := NewDate(1, time.January, 1), NewDate(9999, time.December, 31)
	if got := b.DaysSince(a); got != 3652058 {
		t.Errorf("DaysSince over 9999 years = %d", got)
	}
	if a.AddDays(3652058) != b || b.AddDays(-3652058) != a {
		t.Error("AddDays over 9999 years")
	}
	if !a.Before(b) || !b.After(a) || a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 {
		t.Error("Before/After/Compare")
	}
	if !(Date{}).IsZero() || a.AddDays(1).IsZero() {
		t.Error("IsZero")
	}
	var v struct{ D Date }
	if err := json.Unmarshal([]byte(`{"D": "2025-10-11"}`), &v); err != nil || v.D != NewDate(2025, time.October, 11) {
		t.Errorf("UnmarshalText: %s, %v", v.D, err)
	}
	if out, err := json.Marshal(v); err != nil || string(out) != `{"D":"2025-10-11"}` {
		t.Errorf("MarshalText: %s, %v", out, err)
	}
	if err := json.Unmarshal([]byte(`{"D": "2025-10-32"}`), &v); err == nil {
		t.Error("UnmarshalText accepted 2025-10-32")
	}
}

// FuzzParse feeds outside input to the holiday-file parser: it must not
// panic, and what it accepts must build a calendar whose days say what
// the file said.
func FuzzParse(f *testing.F) {
	files, err := fs.Glob(noticeFiles, "holidays/*.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		data, err := noticeFiles.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `{"year": 2027, "papers": [], "days": []}`,
		`{"year": 2025, "days": [{"name": "x", "date": "2025-01-04", "isOffDay": false}, {"name": "x", "date": "2025-01-01", "isOffDay": true}]}`,
		`{"year": 2025, "days": [{"name": "x", "date": "2025-01-01", "isOffDay": true}, {"name": "x", "date": "2025-01-01", "isOffDay": true}]}`,
		`{"year": 1, "days": [{"name": "x", "date": "0001-01-01", "isOffDay": true}]}`,
		`{"year": 9999, "days": [{"name": "x", "date": "9999-12-31", "isOffDay": true}]}`,
		`{"year": 2025, "days": [{"name": "x", "date": "2025-01-01", "isOffDay": true}, {"name": "x", "date": "2025-01-06", "isOffDay": true}, {"name": "x", "date": "2025-01-11", "isOffDay": false}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := ParseNotice(data)
		if err != nil {
			return
		}
		c, err := New(n)
		if err != nil {
			t.Fatalf("New refused a parsed notice: %v", err)
		}
		for _, d := range n.Days {
			day, err := c.Day(d.Date)
			if err != nil {
				t.Fatalf("Day(%s): %v", d.Date, err)
			}
			switch {
			case d.OffDay && (day.Kind != Holiday || day.Holiday != d.Name):
				t.Fatalf("%s listed off as %q is %+v", d.Date, d.Name, day)
			case !d.OffDay && d.Date.isWeekend() && (day.Kind != AdjustedWorkday || day.Holiday != d.Name):
				t.Fatalf("%s listed worked as %q is %+v", d.Date, d.Name, day)
			case !d.OffDay && !d.Date.isWeekend() && day.Kind != Workday:
				t.Fatalf("weekday %s listed worked is %+v", d.Date, day)
			}
		}
		ps, err := c.Holidays(n.Year)
		if len(n.Days) == 0 {
			if err == nil {
				t.Fatal("Holidays of a notice without days")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p.To.Before(p.From) {
				t.Fatalf("period %+v ends before it starts", p)
			}
			for _, w := range p.AdjustedWorkdays {
				if k, _ := c.Kind(w); k != AdjustedWorkday {
					t.Fatalf("adjusted working day %s of %s is a %s", w, p.Name, k)
				}
			}
		}
	})
}
