package season

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// domain2025 is DOMAIN §5's 2025 table, Beijing time, in term order. 芒种
// is the figure the sxwnl model rounds to; HKO lists 17:56.
var domain2025 = []string{
	"01-05 10:33", "01-20 04:00", "02-03 22:10", "02-18 18:07", "03-05 16:07", "03-20 17:01",
	"04-04 20:49", "04-20 03:56", "05-05 13:57", "05-21 02:55", "06-05 17:57", "06-21 10:42",
	"07-07 04:05", "07-22 21:29", "08-07 13:52", "08-23 04:34", "09-07 16:52", "09-23 02:19",
	"10-08 08:41", "10-23 11:51", "11-07 12:04", "11-22 09:36", "12-07 05:05", "12-21 23:03",
}

func domainMoment(t *testing.T, year int, s string) time.Time {
	t.Helper()
	at, err := time.ParseInLocation("2006-01-02 15:04", time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006-")+s, beijing)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

func TestTerms2025(t *testing.T) {
	ms, err := Terms(2025)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 24 {
		t.Fatalf("%d moments", len(ms))
	}
	official := 0
	for i, m := range ms {
		want := domainMoment(t, 2025, domain2025[i])
		switch {
		case m.Term.Name == "芒种":
			// PMO's own minute was not found: computed, and ±1 min.
			if m.Source != Computed {
				t.Errorf("芒种 2025: source %v, want computed", m.Source)
			}
			if d := m.At.Sub(want).Abs(); d > time.Minute {
				t.Errorf("芒种 2025: %v, want %v ±1 min", m.At, want)
			}
		case m.Source != Official:
			t.Errorf("%s 2025: source %v, want official", m.Term.Name, m.Source)
		case !m.At.Equal(want):
			t.Errorf("%s 2025: %v, want %v", m.Term.Name, m.At, want)
		default:
			official++
		}
	}
	if official != 23 {
		t.Errorf("%d official minutes in 2025, want 23", official)
	}
}

// TestComputed2025 holds lunar-go itself to DOMAIN §5's table: every
// rounded minute within one of the published one, 芒种 17:56 or 17:57.
func TestComputed2025(t *testing.T) {
	exact := 0
	for i, term := range AllTerms() {
		got := computed(2025, term).Round(time.Minute)
		want := domainMoment(t, 2025, domain2025[i])
		if d := got.Sub(want).Abs(); d > time.Minute {
			t.Errorf("%s 2025: computed %v, want %v ±1 min", term.Name, got, want)
		}
		if got.Equal(want) {
			exact++
		}
		if term.Name == "芒种" {
			if s := got.Format("01-02 15:04"); s != "06-05 17:56" && s != "06-05 17:57" {
				t.Errorf("芒种 2025: computed %s", s)
			}
		}
	}
	// DOMAIN §5 found lunar-go equal to the table everywhere; say so if a
	// new version drifts, even within the minute allowed.
	if exact != 24 {
		t.Logf("computed minutes equal the table for %d of 24 terms", exact)
	}
}

// TestOfficialAgreesWithComputed guards the shipped data against typos: a
// published minute is within one of lunar-go's.
func TestOfficialAgreesWithComputed(t *testing.T) {
	ms, err := parseOfficial(officialFile, officialCSV)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		t.Fatal("no official minutes")
	}
	for _, m := range ms {
		c := computed(m.At.Year(), m.Term).Round(time.Minute)
		if d := m.At.Sub(c).Abs(); d > time.Minute {
			t.Errorf("%s %d: official %v, computed %v", m.Term.Name, m.At.Year(), m.At, c)
		}
	}
}

func TestTermsOrderAndDates(t *testing.T) {
	for _, year := range []int{MinYear, 1986, 2000, 2022, 2026, MaxYear} {
		ms, err := Terms(year)
		if err != nil {
			t.Fatalf("%d: %v", year, err)
		}
		if len(ms) != 24 {
			t.Fatalf("%d: %d moments", year, len(ms))
		}
		for i, m := range ms {
			name := m.Term.Name
			if m.Term != AllTerms()[i] {
				t.Errorf("%d: moment %d is %+v", year, i, m.Term)
			}
			if _, off := m.At.Zone(); off != 8*60*60 {
				t.Errorf("%d %s: zone offset %d", year, name, off)
			}
			if m.At.Second() != 0 || m.At.Nanosecond() != 0 {
				t.Errorf("%d %s: %v not to the minute", year, name, m.At)
			}
			// Terms 2k-1 and 2k fall in month k: 小寒 and 大寒 in January …
			// 大雪 and 冬至 in December.
			if m.At.Year() != year || int(m.At.Month()) != (i+2)/2 {
				t.Errorf("%d %s: %v", year, name, m.At)
			}
			if m.Source != Official && m.Source != Computed {
				t.Errorf("%d %s: source %v", year, name, m.Source)
			}
			if i > 0 {
				// The Sun takes 14.7 (January) to 15.7 (July) days per 15°.
				gap := m.At.Sub(ms[i-1].At).Hours() / 24
				if gap < 14.5 || gap > 16 {
					t.Errorf("%d %s: %.2f days after %s", year, name, gap, ms[i-1].Term.Name)
				}
			}
		}
		if d := ms[0].At.Day(); d < 4 || d > 7 {
			t.Errorf("%d 小寒 on %v", year, ms[0].At)
		}
		if d := ms[23].At.Day(); d < 20 || d > 23 {
			t.Errorf("%d 冬至 on %v", year, ms[23].At)
		}
	}
}

// TestTermsKnownDates checks dates far from 2025 against well-known ones.
func TestTermsKnownDates(t *testing.T) {
	tests := []struct {
		year  int
		index int
		date  string
	}{
		{1900, 1, "1900-01-06"},
		{1900, 24, "1900-12-22"},
		{2000, 3, "2000-02-04"},
		{2000, 6, "2000-03-20"},
		{2000, 24, "2000-12-21"},
		{2100, 1, "2100-01-05"},
		{2100, 24, "2100-12-22"},
	}
	for _, tt := range tests {
		ms, err := Terms(tt.year)
		if err != nil {
			t.Fatal(err)
		}
		if got := ms[tt.index-1].At.Format(time.DateOnly); got != tt.date {
			t.Errorf("%d %s: %s, want %s", tt.year, ms[tt.index-1].Term.Name, got, tt.date)
		}
	}
}

func TestTermsYearOutOfRange(t *testing.T) {
	for _, year := range []int{MinYear - 1, MaxYear + 1, 0, -2025} {
		ms, err := Terms(year)
		if !errors.Is(err, ErrYearOutOfRange) || ms != nil {
			t.Errorf("Terms(%d) = %d moments, %v", year, len(ms), err)
		}
	}
}

func TestTermByName(t *testing.T) {
	for _, want := range AllTerms() {
		got, ok := TermByName(want.Name)
		if !ok || got != want {
			t.Errorf("TermByName(%q) = %+v, %v", want.Name, got, ok)
		}
		if want.Longitude != (want.Index*15+270)%360 {
			t.Errorf("%s: longitude %d", want.Name, want.Longitude)
		}
	}
	if _, ok := TermByName("清名"); ok {
		t.Error("TermByName found 清名")
	}
}

func TestSourceString(t *testing.T) {
	for s, want := range map[Source]string{Official: "official", Computed: "computed ±1 min", 0: "Source(0)"} {
		if got := s.String(); got != want {
			t.Errorf("%d: %q, want %q", int(s), got, want)
		}
	}
}

func TestParseOfficialErrors(t *testing.T) {
	const header = "year,name,beijing_time,source\n"
	tests := []struct{ in, want string }{
		{"", "x.csv: empty file"},
		{"year,term,time,source\n", "x.csv: header"},
		{header + "2025,清明,2025-04-04 20:49\n", "x.csv: record on line 2: wrong number of fields"},
		{header + "二〇二五,清明,2025-04-04 20:49,x\n", `x.csv: row 2: year "二〇二五": not a year`},
		{header + "1899,小寒,1899-01-05 12:00,x\n", `x.csv: row 2: year "1899": year out of range`},
		{header + "2025,清名,2025-04-04 20:49,x\n", `x.csv: row 2: name "清名": unknown term`},
		{header + "2025,清明,2025-04-04 20:49:00,x\n", `x.csv: row 2: beijing_time "2025-04-04 20:49:00": want YYYY-MM-DD HH:MM`},
		{header + "2025,冬至,2024-12-21 17:21,x\n", `x.csv: row 2: beijing_time "2024-12-21 17:21": not in 2025`},
		{header + "2025,清明,2025-04-04 20:49, \n", `x.csv: row 2: source " ": say where`},
		{header + "2025,清明,2025-04-04 20:49,x\n2025,清明,2025-04-04 20:48,y\n", "x.csv: row 3: 清明 2025 appears twice"},
	}
	for _, tt := range tests {
		ms, err := parseOfficial("x.csv", []byte(tt.in))
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%q: %d moments, error %v, want %q", tt.in, len(ms), err, tt.want)
		}
	}
	ms, err := parseOfficial("x.csv", []byte(header+"# a comment\n2025, 清明 ,2025-04-04 20:49,Xinhua\n"))
	if err != nil || len(ms) != 1 || ms[0].Source != Official || ms[0].At.Format("2006-01-02 15:04 -0700") != "2025-04-04 20:49 +0800" {
		t.Errorf("%+v, %v", ms, err)
	}
}

func FuzzParseOfficial(f *testing.F) {
	f.Add(officialCSV)
	f.Add([]byte("year,name,beijing_time,source\n2025,清明,2025-04-04 20:49,x\n"))
	f.Add([]byte("year,name,beijing_time,source\n2025,冬至,2024-12-21 17:21,x\n"))
	f.Add([]byte("year,name,beijing_time,source\n\"2025\",\"小寒\n\",x,y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ms, err := parseOfficial("fuzz.csv", data)
		if err != nil {
			return
		}
		seen := map[officialKey]bool{}
		for _, m := range ms {
			k := officialKey{m.At.Year(), m.Term.Index}
			if seen[k] {
				t.Fatalf("%s %d twice", m.Term.Name, k.year)
			}
			seen[k] = true
			if m.Source != Official || m.At.Location() != beijing || m.At.Second() != 0 {
				t.Fatalf("moment %+v", m)
			}
			if k.year < MinYear || k.year > MaxYear {
				t.Fatalf("year %d", k.year)
			}
			if got, ok := TermByName(m.Term.Name); !ok || got != m.Term {
				t.Fatalf("term %+v", m.Term)
			}
		}
	})
}

// TestDomainIsPure keeps HTTP, SQL and every module but lunar-go out of
// the package.
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
		if strings.HasPrefix(dep, "github.com/shishi-health/shishi/") || strings.HasPrefix(dep, "github.com/6tail/lunar-go/") {
			continue
		}
		first, _, _ := strings.Cut(dep, "/")
		if dep == "net/http" || dep == "database/sql" || strings.Contains(first, ".") {
			t.Errorf("season depends on %s", dep)
		}
	}
}

func BenchmarkTerms(b *testing.B) {
	for b.Loop() {
		if _, err := Terms(2026); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCurrent(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, Beijing())
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		at, want, next string
	}{
		{"2025-11-22 09:35", "立冬", "小雪"}, // 小雪 begins at 09:36
		{"2025-11-22 09:36", "小雪", "大雪"},
		{"2025-12-31 23:59", "冬至", "小寒"},
		{"2026-01-01 00:00", "冬至", "小寒"}, // still 2025's 冬至
		{"2025-04-04 20:49", "清明", "谷雨"},
	}
	for _, tt := range tests {
		m, err := Current(at(tt.at))
		if err != nil {
			t.Fatal(err)
		}
		n, err := Next(m)
		if err != nil {
			t.Fatal(err)
		}
		if m.Term.Name != tt.want || n.Term.Name != tt.next || !n.At.After(m.At) {
			t.Errorf("Current(%s) = %s, next %s at %s; want %s, next %s", tt.at, m.Term.Name, n.Term.Name, n.At, tt.want, tt.next)
		}
	}
	if _, err := Current(time.Date(1900, 1, 2, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Error("Current before 1900's 小寒 answered")
	}
}
