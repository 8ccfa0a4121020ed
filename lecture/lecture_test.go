package lecture

import (
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
)

var tree = func() *region.Tree {
	t, err := region.Load()
	if err != nil {
		panic(err)
	}
	return t
}()

const today = "2025-12-31"

// fields returns the fields an error of Validate names, in order.
func fields(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var es facility.FieldErrors
	if !errors.As(err, &es) {
		t.Fatalf("Validate returned %T, want Errors", err)
	}
	var out []string
	for _, e := range es {
		if e.Msg.ZH == "" || e.Msg.EN == "" {
			t.Errorf("error of %s without a message in both languages: %+v", e.Field, e)
		}
		out = append(out, e.Field)
	}
	return out
}

func TestValidate(t *testing.T) {
	team := Lecture{HeldOn: "2025-06-01", Kind: Team, Region: "410000", Level: "province", Venue: "school",
		Place: "郑州市第一中学", Topic: "青少年情绪管理", Audience: 300}
	hospital := Lecture{HeldOn: "2025-06-01", Kind: Hospital, Region: "410122", Facility: "H001", Level: "prefecture",
		Venue: "enterprise", Topic: "职场压力与睡眠", Audience: 80}
	for _, c := range []struct {
		name   string
		base   Lecture
		change func(*Lecture)
		want   []string
	}{
		{"team", team, func(*Lecture) {}, nil},
		{"hospital", hospital, func(*Lecture) {}, nil},
		{"national team", team, func(l *Lecture) { l.Region, l.Level = region.CountryCode, "national" }, nil},
		{"prefecture team", team, func(l *Lecture) { l.Region, l.Level = "410100", "prefecture" }, nil},
		{"held today", team, func(l *Lecture) { l.HeldOn = today }, nil},
		{"bad date", team, func(l *Lecture) { l.HeldOn = "2025-13-01" }, []string{"held_on"}},
		{"not a date", team, func(l *Lecture) { l.HeldOn = "六月一日" }, []string{"held_on"}},
		{"future date", team, func(l *Lecture) { l.HeldOn = "2026-01-01" }, []string{"held_on"}},
		{"unknown level", team, func(l *Lecture) { l.Level = "county" }, []string{"level"}},
		{"hospital at an unknown level", hospital, func(l *Lecture) { l.Level = "" }, []string{"level"}},
		{"team at a county", team, func(l *Lecture) { l.Region, l.Level = "410122", "prefecture" }, []string{"region"}},
		{"team of a municipal district", team, func(l *Lecture) { l.Region = "110101" }, []string{"region"}},
		{"team of an unknown region", team, func(l *Lecture) { l.Region = "999999" }, []string{"region"}},
		{"team level mismatch", team, func(l *Lecture) { l.Region = "410100" }, []string{"level"}},
		{"national team at provincial level", team, func(l *Lecture) { l.Region = region.CountryCode }, []string{"level"}},
		{"team naming a hospital", team, func(l *Lecture) { l.Facility = "H001" }, []string{"facility"}},
		{"hospital without code", hospital, func(l *Lecture) { l.Facility = "" }, []string{"facility"}},
		{"hospital not in the registry", hospital, func(l *Lecture) { l.Region = "" }, []string{"facility"}},
		{"unknown kind", team, func(l *Lecture) { l.Kind = "school" }, []string{"kind"}},
		{"unknown venue", team, func(l *Lecture) { l.Venue = "hospital" }, []string{"venue"}},
		{"no venue", team, func(l *Lecture) { l.Venue = "" }, []string{"venue"}},
		{"empty topic", team, func(l *Lecture) { l.Topic = "  " }, []string{"topic"}},
		{"topic too long", team, func(l *Lecture) { l.Topic = strings.Repeat("心", MaxText+1) }, []string{"topic"}},
		{"topic at the limit", team, func(l *Lecture) { l.Topic = strings.Repeat("心", MaxText) }, nil},
		{"phone number in the place", team, func(l *Lecture) { l.Place = "联系人电话13800138000" }, []string{"place"}},
		{"ID number in the topic", team, func(l *Lecture) { l.Topic = "讲者110101199003070014" }, []string{"topic"}},
		{"ten digits are fine", team, func(l *Lecture) { l.Place = "1234567890号楼" }, nil},
		{"no audience", team, func(l *Lecture) { l.Audience = 0 }, []string{"audience"}},
		{"negative audience", team, func(l *Lecture) { l.Audience = -5 }, []string{"audience"}},
		{"one listener", team, func(l *Lecture) { l.Audience = 1 }, nil},
		{"a stadium", team, func(l *Lecture) { l.Audience = MaxAudience }, nil},
		{"a typo", team, func(l *Lecture) { l.Audience = MaxAudience + 1 }, []string{"audience"}},
		{"everything wrong", team, func(l *Lecture) {
			*l = Lecture{HeldOn: "x", Kind: Team, Region: "410122", Level: "y", Venue: "z"}
		}, []string{"held_on", "level", "region", "venue", "topic", "audience"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := c.base
			c.change(&l)
			got := fields(t, l.Validate(tree, today))
			if !slices.Equal(got, c.want) {
				t.Errorf("fields %v, want %v (%v)", got, c.want, l.Validate(tree, today))
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	for _, c := range []struct {
		in, want Lecture
	}{
		{Lecture{Kind: "专家巡讲团", Level: "省级", Venue: "学校", Topic: " 情绪 ", Place: " 一中 "},
			Lecture{Kind: Team, Level: "province", Venue: "school", Topic: "情绪", Place: "一中"}},
		{Lecture{Kind: " 医院 ", Level: "市级", Venue: "企业", HeldOn: " 2025-06-01 ", Facility: " H001 "},
			Lecture{Kind: Hospital, Level: "prefecture", Venue: "enterprise", HeldOn: "2025-06-01", Facility: "H001"}},
		{Lecture{Kind: "team", Level: "国家级", Venue: "机关", Region: " 000000"},
			Lecture{Kind: Team, Level: "national", Venue: "agency", Region: "000000"}},
		{Lecture{Kind: "Expert Team", Level: "Provincial", Venue: "Government Agency"},
			Lecture{Kind: Team, Level: "province", Venue: "agency"}},
		{Lecture{Kind: "hospital", Level: "prefecture", Venue: "社区"},
			Lecture{Kind: Hospital, Level: "prefecture", Venue: "community"}},
		// Unknown labels stay, for Validate to report.
		{Lecture{Kind: "讲师", Level: "县级", Venue: "医院"}, Lecture{Kind: "讲师", Level: "县级", Venue: "医院"}},
	} {
		got := c.in
		got.Normalize()
		if got != c.want {
			t.Errorf("Normalize(%+v) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

func TestLevelOf(t *testing.T) {
	for code, want := range map[string]string{"000000": "national", "410000": "province", "110000": "province", "410100": "prefecture",
		"441900": "prefecture", "410122": "", "110101": "", "419001": ""} {
		d, _ := tree.Get(code)
		got, ok := LevelOf(d)
		if got != want || ok != (want != "") {
			t.Errorf("LevelOf(%s) = %q %v, want %q", code, got, ok, want)
		}
	}
}

func TestNoticeRules(t *testing.T) {
	for _, c := range []struct {
		year int
		want Rules
	}{{2025, Rules{Team: 10, Hospital: 5}}, {2026, Rules{Hospital: 5}}, {2024, Rules{Hospital: 5}}} {
		if got := NoticeRules(c.year); got != c.want {
			t.Errorf("NoticeRules(%d) = %+v, want %+v", c.year, got, c.want)
		}
	}
}

// hospital returns a hospital record of the registry.
func hospital(code, name, reg, typ, grade string, psychiatry bool) facility.Record {
	sc := facility.Hospitals
	r := sc.Zero(code, "2024-01-01")
	r.Values[sc.Index("name")] = name
	r.Values[sc.Index("region")] = reg
	r.Values[sc.Index("type")] = typ
	r.Values[sc.Index("grade")] = grade
	r.Values[sc.Index("psychiatry")] = psychiatry
	return r
}

func TestQualifies(t *testing.T) {
	for _, c := range []struct {
		typ, grade string
		psychiatry bool
		want       bool
	}{
		{"psychiatric", "3", false, true},
		{"psychiatric", "2", false, true},
		{"psychiatric", "2", true, true},
		{"psychiatric", "1", true, false},
		{"psychiatric", "0", false, false},
		{"general", "3", true, true},
		{"general", "3", false, false},
		{"general", "2", true, false},
		{"tcm", "3", true, true},
		{"tcm", "3", false, false},
		{"tcm", "2", true, false},
		{"integrated", "3", true, false},
		{"specialty", "3", true, false},
		{"children", "3", true, false},
		{"maternal_child", "3", true, false},
	} {
		if got := Qualifies(hospital("H", "x", "410102", c.typ, c.grade, c.psychiatry)); got != c.want {
			t.Errorf("Qualifies(%s, grade %s, psychiatry %v) = %v, want %v", c.typ, c.grade, c.psychiatry, got, c.want)
		}
	}
}

func TestQuota(t *testing.T) {
	hospitals := []facility.Record{
		hospital("H010", "郑州市第八人民医院", "410102", "psychiatric", "3", false),
		hospital("H011", "中牟县人民医院", "410122", "general", "2", true),
		hospital("H012", "河南省中医院", "410105", "tcm", "3", true),
	}
	counts := map[string]int{
		Key(Team, "410000", ""): 12, Key(Team, "410100", ""): 3, Key(Team, "000000", ""): 40,
		Key(Hospital, "", "H010"): 2, Key(Hospital, "", "H011"): 9, Key(Hospital, "410105", "H012"): 5,
	}
	prefectures := tree.Under("410000", region.Prefecture)
	got := Quota(tree, "410000", hospitals, counts, NoticeRules(2025))
	if want := 1 + len(prefectures) + 2; len(got) != want {
		t.Fatalf("Henan: %d subjects, want %d (the province, %d prefectures, 2 hospitals)", len(got), want, len(prefectures))
	}
	if len(prefectures) != 17 {
		t.Errorf("Henan has %d prefectures, want 17", len(prefectures))
	}
	if s := got[0]; s != (Subject{Kind: Team, Region: "410000", Name: "河南省专家巡讲团", Held: 12, Quota: 10}) || s.Short() != 0 {
		t.Errorf("Henan's team: %+v short %d", s, s.Short())
	}
	if s := got[1]; s.Region != "410100" || s.Name != "郑州市专家巡讲团" || s.Held != 3 || s.Short() != 7 {
		t.Errorf("Zhengzhou's team: %+v short %d", s, s.Short())
	}
	for i, p := range prefectures {
		if s := got[1+i]; s.Kind != Team || s.Region != p.Code {
			t.Errorf("team %d: %+v, want %s", 1+i, s, p.Code)
		}
		if i > 0 && got[1+i].Held != 0 {
			t.Errorf("%s held %d", p.Name, got[1+i].Held)
		}
	}
	for _, s := range got {
		if s.Region == "419001" {
			t.Error("济源, a province-administered county, forms no team")
		}
	}
	hs := got[len(got)-2:]
	if hs[0] != (Subject{Kind: Hospital, Region: "410102", Facility: "H010", Name: "郑州市第八人民医院", Held: 2, Quota: 5}) || hs[0].Short() != 3 {
		t.Errorf("psychiatric hospital: %+v", hs[0])
	}
	if hs[1].Facility != "H012" || hs[1].Held != 5 || hs[1].Short() != 0 {
		t.Errorf("TCM hospital: %+v", hs[1])
	}

	// A municipality: its own team only; its districts form none.
	if got := Quota(tree, "110000", nil, counts, NoticeRules(2025)); len(got) != 1 || got[0].Region != "110000" || got[0].Name != "北京市专家巡讲团" {
		t.Errorf("Beijing: %+v", got)
	}
	// A prefecture: its own team.
	if got := Quota(tree, "410100", nil, counts, NoticeRules(2025)); len(got) != 1 || got[0].Region != "410100" {
		t.Errorf("Zhengzhou: %+v", got)
	}
	// A county: no team, only its hospitals.
	if got := Quota(tree, "410122", hospitals[1:2], counts, NoticeRules(2025)); len(got) != 0 {
		t.Errorf("Zhongmu: %+v", got)
	}
	// The country: every province and prefecture, not the national team.
	got = Quota(tree, region.CountryCode, nil, counts, NoticeRules(2025))
	if want := len(tree.Under(region.CountryCode, region.Province)) + len(tree.Under(region.CountryCode, region.Prefecture)); len(got) != want {
		t.Errorf("the country: %d teams, want %d", len(got), want)
	}
	if got[0].Region != "110000" || slices.ContainsFunc(got, func(s Subject) bool { return s.Region == region.CountryCode }) {
		t.Errorf("the country's teams start with %+v", got[0])
	}
	// 2026: no team quota, hospitals only.
	got = Quota(tree, "410000", hospitals, counts, NoticeRules(2026))
	if len(got) != 2 || got[0].Kind != Hospital {
		t.Errorf("2026: %+v", got)
	}
}

func TestShortAndKey(t *testing.T) {
	if s := (Subject{Held: 12, Quota: 10}); s.Short() != 0 {
		t.Errorf("over quota: short %d", s.Short())
	}
	if s := (Subject{Held: 0, Quota: 5}); s.Short() != 5 {
		t.Errorf("none held: short %d", s.Short())
	}
	if k := Key(Team, "410000", "ignored"); k != "team:410000" {
		t.Error(k)
	}
	if k := Key(Hospital, "410102", "H010"); k != "hospital:H010" {
		t.Error(k)
	}
}

func TestCounts(t *testing.T) {
	l := Lecture{HeldOn: "2025-06-01", RecordedOn: "2025-07-01"}
	for _, c := range []struct {
		from, to, asOf string
		want           bool
	}{
		{"2025-01-01", "2025-12-31", "2025-12-31", true},
		{"2025-01-01", "2025-12-31", "2025-06-30", false}, // entered later
		{"2025-01-01", "2025-05-31", "2025-12-31", false}, // held after the period
		{"2025-06-01", "2025-06-01", "2025-07-01", true},
	} {
		if got := l.Counts(c.from, c.to, c.asOf); got != c.want {
			t.Errorf("Counts(%s, %s, %s) = %v", c.from, c.to, c.asOf, got)
		}
	}
	if (Lecture{HeldOn: "2025-06-01"}).Counts("2025-01-01", "2025-12-31", "2025-12-31") {
		t.Error("an entry without a recorded day counts")
	}
}

func TestLabels(t *testing.T) {
	for _, ls := range [][]Label{Kinds, Levels, Venues} {
		for _, l := range ls {
			for _, s := range []string{l.Code, l.ZH, l.EN, strings.ToUpper(l.EN)} {
				if got, ok := find(ls, s); !ok || got != l {
					t.Errorf("find(%q) = %v %v", s, got, ok)
				}
			}
			if l.Name("en") != l.EN || l.Name("zh") != l.ZH {
				t.Errorf("Name of %v", l)
			}
		}
	}
}

// TestPureGo keeps the package free of I/O: no HTTP, no SQL.
func TestPureGo(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "net/http" || dep == "database/sql" {
			t.Errorf("lecture depends on %s", dep)
		}
	}
}
