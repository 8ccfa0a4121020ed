package region

import (
	"strings"
	"testing"
)

func TestLevel(t *testing.T) {
	tests := []struct {
		level       Level
		str, zh, en string
	}{
		{Country, "country", "全国", "Country"},
		{Province, "province", "省级", "Province-level"},
		{Prefecture, "prefecture", "地级", "Prefecture-level"},
		{County, "county", "县级", "County-level"},
		{Level(9), "Level(9)", "Level(9)", "Level(9)"},
	}
	for _, tc := range tests {
		if got := tc.level.String(); got != tc.str {
			t.Errorf("Level(%d).String() = %q, want %q", int(tc.level), got, tc.str)
		}
		for lang, want := range map[string]string{"zh": tc.zh, "zh-CN": tc.zh, "en": tc.en, "": tc.en} {
			if got := tc.level.Label(lang); got != want {
				t.Errorf("Level(%d).Label(%q) = %q, want %q", int(tc.level), lang, got, want)
			}
		}
	}
}

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in      string
		want    Level
		wantErr bool
	}{
		{"country", Country, false},
		{"province", Province, false},
		{" Prefecture ", Prefecture, false},
		{"COUNTY", County, false},
		{"县级", County, false},
		{"地级", Prefecture, false},
		{"", 0, true},
		{"city", 0, true},
		{"Level(9)", 0, true},
	}
	for _, tc := range tests {
		got, err := ParseLevel(tc.in)
		if (err != nil) != tc.wantErr || err == nil && got != tc.want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestKind(t *testing.T) {
	tests := []struct {
		kind    Kind
		str, zh string
	}{
		{KindCountry, "country", "全国"},
		{KindProvince, "province", "省/自治区"},
		{KindMunicipality, "municipality", "直辖市"},
		{KindPrefecture, "prefecture", "地级单位"},
		{KindPrefectureWithoutCounties, "prefecture_without_counties", "不设区的地级市"},
		{KindMunicipalDistrict, "municipal_district", "直辖市的区县"},
		{KindProvinceAdministeredCounty, "province_administered_county", "省直辖县级单位"},
		{KindUrbanDistrict, "urban_district", "市辖区"},
		{KindCounty, "county", "县级单位"},
		{Kind(-1), "Kind(-1)", "Kind(-1)"},
	}
	for _, tc := range tests {
		if got := tc.kind.String(); got != tc.str {
			t.Errorf("Kind(%d).String() = %q, want %q", int(tc.kind), got, tc.str)
		}
		if got := tc.kind.Label("zh"); got != tc.zh {
			t.Errorf("Kind(%d).Label(zh) = %q, want %q", int(tc.kind), got, tc.zh)
		}
		if got := tc.kind.Label("en"); got == "" || strings.ContainsFunc(got, func(r rune) bool { return r > 0x7f }) {
			t.Errorf("Kind(%d).Label(en) = %q, want English", int(tc.kind), got)
		}
	}
}

func TestPopulationSource(t *testing.T) {
	tests := []struct {
		source      PopulationSource
		str, zh, en string
	}{
		{Census, "census", "普查数", "Census"},
		{Sum, "sum", "下级合计", "Sum of sub-units"},
		{Missing, "missing", "缺失", "Missing"},
		{PopulationSource(7), "PopulationSource(7)", "PopulationSource(7)", "PopulationSource(7)"},
	}
	for _, tc := range tests {
		if got := tc.source.String(); got != tc.str {
			t.Errorf("String() = %q, want %q", got, tc.str)
		}
		if got := tc.source.Label("zh"); got != tc.zh {
			t.Errorf("Label(zh) = %q, want %q", got, tc.zh)
		}
		if got := tc.source.Label("en"); got != tc.en {
			t.Errorf("Label(en) = %q, want %q", got, tc.en)
		}
	}
}

func TestSources(t *testing.T) {
	s := Sources()
	for name, want := range map[string]string{
		"divisions.csv":  "MCA 中华人民共和国县以上行政区划代码, 2024 edition",
		"population.csv": "7th national census",
	} {
		if !strings.Contains(s[name], want) {
			t.Errorf("Sources()[%q] lacks %q", name, want)
		}
	}
	if len(s) != 2 {
		t.Errorf("Sources() has %d entries, want 2", len(s))
	}
	s["divisions.csv"] = ""
	if Sources()["divisions.csv"] == "" {
		t.Error("changing the map from Sources changed the next one")
	}
}

// FuzzParseLevel: whatever people type, ParseLevel either fails or returns
// a level that round-trips through String.
func FuzzParseLevel(f *testing.F) {
	for _, s := range []string{"county", "Province", "地级", "", "Level(3)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLevel(s)
		if err != nil {
			return
		}
		if l < Country || l > County {
			t.Fatalf("ParseLevel(%q) = %d", s, int(l))
		}
		if back, err := ParseLevel(l.String()); err != nil || back != l {
			t.Fatalf("ParseLevel(%q) = %v, does not round-trip: %v, %v", s, l, back, err)
		}
	})
}

// FuzzSearch: search boxes take anything; Search must not panic, must keep
// to limit, and must return only units that exist.
func FuzzSearch(f *testing.F) {
	tree, err := Load()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"北京", "xi'an", "1101", "", "\xff", "区"} {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, q string, limit int) {
		got := tree.Search(q, limit)
		if limit > 0 && len(got) > limit {
			t.Fatalf("Search(%q, %d) returned %d results", q, limit, len(got))
		}
		for _, d := range got {
			if _, ok := tree.Get(d.Code); !ok {
				t.Fatalf("Search(%q) returned unknown %q", q, d.Code)
			}
		}
	})
}
