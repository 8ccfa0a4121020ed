package conference

import (
	"errors"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/shishi-health/shishi/facility"
)

// valid is a planned conference of 2025's 小雪 (11-22 09:36), whose window
// runs from 11-12 to 12-06.
func valid() Conference {
	return Conference{Year: 2025, Term: 22, Date: "2025-11-21", Time: "15:00", Theme: "小雪防寒保暖与呼吸道疾病防治",
		Experts: []Expert{{Field: "western", Name: "王强", Affiliation: "综合医院 主任医师"}, {Field: "tcm", Name: "李芳"}},
		Advice:  "注意防寒保暖。", Status: Planned}
}

func held() Conference {
	c := valid()
	c.Status, c.HeldOn, c.RecordingURL, c.Reach = Held, "2025-11-21", "https://www.nhc.gov.cn/x.shtml", 1_200_000
	return c
}

func TestValidate(t *testing.T) {
	const today = "2025-11-23"
	for _, tc := range []struct {
		name   string
		change func(*Conference)
		want   []string // the fields in error, in order; none for valid
	}{
		{"planned", func(c *Conference) {}, nil},
		{"held", func(c *Conference) { *c = held() }, nil},
		{"cancelled", func(c *Conference) { c.Status = Cancelled }, nil},
		{"first day of the window", func(c *Conference) { c.Date = "2025-11-12" }, nil},
		{"last day of the window", func(c *Conference) { c.Date = "2025-12-06" }, nil},
		{"held today", func(c *Conference) { *c = held(); c.Date, c.HeldOn = "2025-11-23", "2025-11-23" }, nil},
		{"no experts while planned", func(c *Conference) { c.Experts = nil }, nil},
		{"year before 1900", func(c *Conference) { c.Year = 1899 }, []string{"year"}},
		{"year after 2100", func(c *Conference) { c.Year = 2101 }, []string{"year"}},
		{"term 0", func(c *Conference) { c.Term = 0 }, []string{"term"}},
		{"term 25", func(c *Conference) { c.Term = 25 }, []string{"term"}},
		{"date not a date", func(c *Conference) { c.Date = "2025-13-01" }, []string{"date"}},
		{"date empty", func(c *Conference) { c.Date = "" }, []string{"date"}},
		{"date before the window", func(c *Conference) { c.Date = "2025-11-11" }, []string{"date"}},
		{"date after the window", func(c *Conference) { c.Date = "2025-12-07" }, []string{"date"}},
		{"date in another year", func(c *Conference) { c.Date = "2024-11-21" }, []string{"date"}},
		{"bad time", func(c *Conference) { c.Time = "25:00" }, []string{"time"}},
		{"no theme", func(c *Conference) { c.Theme = "" }, []string{"theme"}},
		{"theme too long", func(c *Conference) { c.Theme = strings.Repeat("长", 201) }, []string{"theme"}},
		{"advice too long", func(c *Conference) { c.AdviceEN = strings.Repeat("a", 2001) }, []string{"advice_en"}},
		{"held in the future", func(c *Conference) { *c = held(); c.Date, c.HeldOn = "2025-11-24", "2025-11-24" }, []string{"held_on"}},
		{"held without experts", func(c *Conference) { *c = held(); c.Experts = nil }, []string{"experts"}},
		{"held date not a date", func(c *Conference) { *c = held(); c.HeldOn = "21.11.2025" }, []string{"held_on"}},
		{"held outside the window", func(c *Conference) { *c = held(); c.HeldOn = "2025-11-10" }, []string{"held_on"}},
		{"planned with a held date", func(c *Conference) { c.HeldOn = "2025-11-21" }, []string{"status"}},
		{"planned with a recording", func(c *Conference) { c.RecordingURL = "https://example.org/v" }, []string{"status"}},
		{"cancelled with a reach", func(c *Conference) { c.Status, c.Reach = Cancelled, 10 }, []string{"status"}},
		{"recording not http", func(c *Conference) { *c = held(); c.RecordingURL = "ftp://example.org/v" }, []string{"recording_url"}},
		{"recording not a URL", func(c *Conference) { *c = held(); c.RecordingURL = "www.nhc.gov.cn/x" }, []string{"recording_url"}},
		{"recording without host", func(c *Conference) { *c = held(); c.RecordingURL = "https://" }, []string{"recording_url"}},
		{"recording javascript", func(c *Conference) { *c = held(); c.RecordingURL = "javascript:alert(1)" }, []string{"recording_url"}},
		{"negative reach", func(c *Conference) { *c = held(); c.Reach = -1 }, []string{"reach"}},
		{"unknown field", func(c *Conference) { c.Experts[0].Field = "surgery" }, []string{"experts"}},
		{"expert without name", func(c *Conference) { c.Experts[1].Name = "" }, []string{"experts"}},
		{"bracket in a name", func(c *Conference) { c.Experts[1].Name = "李芳（主任）" }, []string{"experts"}},
		{"semicolon in an affiliation", func(c *Conference) { c.Experts[0].Affiliation = "北京大学；清华大学" }, []string{"experts"}},
		{"line break in a name", func(c *Conference) { c.Experts[0].Name = "王\n强" }, []string{"experts"}},
		{"too many experts", func(c *Conference) {
			for range 20 {
				c.Experts = append(c.Experts, Expert{Field: "cdc", Name: "某"})
			}
		}, []string{"experts"}},
		{"unknown status", func(c *Conference) { c.Status = "done" }, []string{"status"}},
		{"every problem at once", func(c *Conference) {
			*c = held()
			c.Date, c.Time, c.Theme, c.Experts, c.RecordingURL, c.Reach = "x", "x", "", nil, "x", -5
		}, []string{"date", "time", "theme", "experts", "recording_url", "reach"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.change(&c)
			err := c.Validate(today)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Validate: %v, want none", err)
				}
				return
			}
			var es facility.FieldErrors
			if !errors.As(err, &es) {
				t.Fatalf("Validate: %v, want Errors of %v", err, tc.want)
			}
			var got []string
			for _, e := range es {
				got = append(got, e.Field)
				if e.Msg.ZH == "" || e.Msg.EN == "" || !strings.Contains(err.Error(), e.Msg.EN) {
					t.Errorf("error %+v lacks a language", e)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("fields in error %v, want %v (%v)", got, tc.want, err)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	c := Conference{Year: 2025, Term: 22, Date: " 2025-11-21 ", Time: "9:30", Theme: " 主题\r\n", Advice: "一行\r\n二行\r三行",
		Experts: []Expert{{Field: "中医", Name: " 张三 "}, {Field: "Disease Control", Name: "李四"}, {Field: "外科", Name: "王五"}},
		Status:  Held}
	c.Normalize()
	want := Conference{Year: 2025, Term: 22, Date: "2025-11-21", Time: "09:30", Theme: "主题", Advice: "一行\n二行\n三行",
		Experts: []Expert{{Field: "tcm", Name: "张三"}, {Field: "cdc", Name: "李四"}, {Field: "外科", Name: "王五"}},
		Status:  Held, HeldOn: "2025-11-21"}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Normalize:\n got %+v\nwant %+v", c, want)
	}
	for in, out := range map[string]string{"": "15:00", "15:00:00": "15:00", "14:30": "14:30", "15:00:30": "15:00:30", "三点": "三点"} {
		c := Conference{Time: in}
		c.Normalize()
		if c.Time != out {
			t.Errorf("Normalize time %q = %q, want %q", in, c.Time, out)
		}
	}
	c = Conference{}
	c.Normalize()
	if c.Status != Planned || c.HeldOn != "" {
		t.Errorf("the zero conference normalizes to status %q, held %q", c.Status, c.HeldOn)
	}
}

func TestWindow2025(t *testing.T) {
	for _, tc := range []struct {
		term     int
		from, to string
	}{
		{1, "2024-12-26", "2025-01-19"},  // 小寒 01-05, 大寒 01-20
		{4, "2025-02-08", "2025-03-04"},  // 雨水 02-18, 惊蛰 03-05
		{11, "2025-05-26", "2025-06-20"}, // 芒种 (computed minute), 夏至 06-21
		{22, "2025-11-12", "2025-12-06"}, // 小雪 11-22, 大雪 12-07
		{24, "2025-12-11", "2026-01-04"}, // 冬至 12-21, 小寒 2026 01-05
	} {
		from, to, err := Window(2025, tc.term)
		if err != nil || from != tc.from || to != tc.to {
			t.Errorf("Window(2025, %d) = %s, %s, %v; want %s, %s", tc.term, from, to, err, tc.from, tc.to)
		}
	}
	for _, bad := range []struct{ year, term int }{{2025, 0}, {2025, 25}, {1899, 1}, {2101, 3}} {
		if _, _, err := Window(bad.year, bad.term); err == nil {
			t.Errorf("Window(%d, %d): no error", bad.year, bad.term)
		}
	}
	// Every term of the year has a window of at least two weeks that
	// contains its own date.
	for term := 1; term <= 24; term++ {
		from, to, err := Window(2025, term)
		if err != nil || to < from {
			t.Fatalf("Window(2025, %d) = %s, %s, %v", term, from, to, err)
		}
	}
}

func TestParseExperts(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Expert
		err  string // a part of the error; "" for none
	}{
		{"", nil, ""},
		{"；；\n", nil, ""},
		{"中医：张三（中国中医科学院主任医师）；疾控：李四",
			[]Expert{{"tcm", "张三", "中国中医科学院主任医师"}, {"cdc", "李四", ""}}, ""},
		{"tcm: Zhang San (CACMS); cdc:Li Si;",
			[]Expert{{"tcm", "Zhang San", "CACMS"}, {"cdc", "Li Si", ""}}, ""},
		{"Traditional Chinese Medicine：张三(北京中医医院)\r\n心理健康:  王五 （ 精神卫生中心 ） \n",
			[]Expert{{"tcm", "张三", "北京中医医院"}, {"mental", "王五", "精神卫生中心"}}, ""},
		{"西医：赵六（北京大学（医学部）教授）",
			[]Expert{{"western", "赵六", "北京大学（医学部）教授"}}, ""},
		{"食品营养：孙七（单位：营养所）",
			[]Expert{{"nutrition", "孙七", "单位：营养所"}}, ""},
		{"infectious:周八()", []Expert{{"infectious", "周八", ""}}, ""},
		{"张三", nil, "want 领域：姓名"},
		{"中医：", nil, "no name"},
		{"中医：（北京中医医院）", nil, "no name"},
		{"外科：张三", nil, `unknown field "外科"`},
		{"中医：张三；外科：李四", nil, `expert 2: unknown field`},
		{"中医：张三（北京中医医院", nil, "unclosed bracket"},
		{"中医：张三(", nil, "unclosed bracket"},
		{"中医：张)三", nil, "bracket in the name"},
	} {
		got, err := ParseExperts(tc.in)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("ParseExperts(%q): %v", tc.in, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseExperts(%q) = %v, %v; want an error with %q", tc.in, got, err, tc.err)
		case tc.err == "" && !reflect.DeepEqual(got, tc.want):
			t.Errorf("ParseExperts(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestFormatExpertsRoundTrip(t *testing.T) {
	panels := [][]Expert{
		nil,
		{{"tcm", "张三", "中国中医科学院西苑医院主任医师"}},
		{{"western", "赵六", "北京大学（医学部）教授"}, {"cdc", "李四", ""}, {"exercise", "A. Smith", "Sport (UK)"}},
		{{"mental", "王五", "单位：精神卫生中心"}, {"chronic", "钱:九", ""}},
	}
	for _, es := range panels {
		s := FormatExperts(es)
		got, err := ParseExperts(s)
		if err != nil || !reflect.DeepEqual(got, es) {
			t.Errorf("FormatExperts(%+v) = %q, which parses to %+v, %v", es, s, got, err)
		}
	}
	if s := FormatExperts([]Expert{{"tcm", "张三", "医院"}, {"cdc", "李四", ""}}); s != "中医：张三（医院）；疾控：李四" {
		t.Errorf("FormatExperts = %q", s)
	}
}

// FuzzParseExperts: whatever the cell holds, ParseExperts does not panic;
// what it accepts has known fields and names, passes Validate's checks of
// the panel, and comes back unchanged through FormatExperts.
func FuzzParseExperts(f *testing.F) {
	for _, s := range []string{
		"中医：张三（中国中医科学院主任医师）；疾控：李四",
		"tcm: Zhang San (CACMS); cdc:Li Si;",
		"西医：赵六（北京大学（医学部）教授）\n心理健康：王五",
		"中医：（北京）", "外科：张三", "中医：张三（", "：：；（）", "中医:\xff(\xfe)", "\u3000中医\u3000：\u3000张三\u3000",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		es, err := ParseExperts(s)
		if err != nil {
			if es != nil {
				t.Fatalf("ParseExperts(%q) returned experts with an error", s)
			}
			return
		}
		for _, e := range es {
			if _, ok := FieldByName(e.Field); !ok || e.Name == "" {
				t.Fatalf("ParseExperts(%q) accepted %+v", s, e)
			}
			if strings.ContainsAny(e.Name, "()（）"+expertSeparators) || strings.ContainsAny(e.Affiliation, expertSeparators) {
				t.Fatalf("ParseExperts(%q) accepted %+v", s, e)
			}
		}
		back, err := ParseExperts(FormatExperts(es))
		if err != nil || !reflect.DeepEqual(back, es) {
			t.Fatalf("ParseExperts(%q) = %+v; formatted %q parses to %+v, %v", s, es, FormatExperts(es), back, err)
		}
	})
}

func TestValidatePersonalData(t *testing.T) {
	for _, change := range []func(*Conference){
		func(c *Conference) { c.Advice = "咨询电话13800138000" },
		func(c *Conference) { c.Experts[0].Affiliation = "手机 138-0013-8000" },
		func(c *Conference) { c.ThemeEN = "ID 11010519491231002X" },
	} {
		c := valid()
		change(&c)
		var es facility.FieldErrors
		if err := c.Validate("2025-11-23"); !errors.As(err, &es) || len(es) != 1 || !strings.Contains(es[0].Msg.EN, "ID or mobile number") {
			t.Errorf("%+v: %v, want a personal-data error", c, err)
		}
	}
	c := valid()
	c.Advice = "情绪低落可拨打12356心理援助热线，急救拨打120。"
	if err := c.Validate("2025-11-23"); err != nil {
		t.Errorf("hotline numbers: %v", err)
	}
}

// TestPureGo keeps the package free of I/O: it imports no HTTP and no
// SQL, and nothing it uses reaches SQL. (github.com/arran4/golang-ical,
// which writes the feed, imports net/http for a download helper the
// package does not call; hence the direct imports for HTTP.)
func TestPureGo(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found")
	}
	imports, err := exec.Command(goTool, "list", "-f", "{{join .Imports \" \"}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(imports)) {
		if dep == "net/http" || dep == "database/sql" {
			t.Errorf("conference imports %s", dep)
		}
	}
	for _, dep := range strings.Fields(string(deps)) {
		if dep == "database/sql" {
			t.Errorf("conference depends on %s", dep)
		}
	}
}
