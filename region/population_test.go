package region

import (
	"slices"
	"strings"
	"testing"
)

func TestPopulation(t *testing.T) {
	tree := loadTree(t)
	tests := []struct {
		code    string
		value   int64
		source  PopulationSource
		year    int
		note    string // substring of Note
		missing []string
	}{
		{"110000", 21893095, Census, 2020, "matched by code", nil},
		{"110101", 708829, Census, 2020, "matched by code", nil},
		// 杭州 has a census figure although seven of its districts lack
		// one: the given figure wins and nothing is missing from it.
		{"330100", 11936010, Census, 2020, "matched by code", nil},
		{"460300", 2333, Census, 2020, "", nil},
		{"350405", 250503, Census, 2020, "350427 沙县", nil},
		{"320613", 1183740, Census, 2020, "320611 港闸区", nil},
		{CountryCode, 1409778724, Sum, 2020, "1,411,778,724", nil},
		{"330102", 0, Missing, 0, "no census figure", nil},
		{"653228", 0, Missing, 0, "no census figure", nil},
		{"999999", 0, Missing, 0, "no division", nil},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			p := tree.Population(tc.code)
			if p.Value != tc.value {
				t.Errorf("Value = %d, want %d", p.Value, tc.value)
			}
			if p.Source != tc.source || p.Year != tc.year {
				t.Errorf("Source, Year = %s, %d, want %s, %d", p.Source, p.Year, tc.source, tc.year)
			}
			if !strings.Contains(p.Note, tc.note) {
				t.Errorf("Note = %q, want it to contain %q", p.Note, tc.note)
			}
			if !slices.Equal(p.Missing, tc.missing) {
				t.Errorf("Missing = %v, want %v", p.Missing, tc.missing)
			}
		})
	}
	if n := tree.Population(CountryCode).Note; !strings.Contains(n, "2,000,000") {
		t.Errorf("country Note = %q, want it to explain the 2,000,000 military", n)
	}
}

// TestPopulationMissingCounties checks that exactly the 14 divisions
// SOURCE.md lists lack a figure, and that every other unit has one given.
func TestPopulationMissingCounties(t *testing.T) {
	tree := loadTree(t)
	want := []string{
		"330102", "330105", "330106", "330109", "330110", "330113", "330114",
		"350527", "460302", "460303", "653228", "653229", "659011", "659012",
	}
	var missing []string
	var provinces int64
	for _, d := range tree.All() {
		p := tree.Population(d.Code)
		switch p.Source {
		case Missing:
			missing = append(missing, d.Code)
		case Sum:
			t.Errorf("%s %s: Sum, want every unit but the country to be given or missing", d.Code, d.Name)
		}
		if d.Level == Province {
			provinces += p.Value
		}
	}
	if !slices.Equal(missing, want) {
		t.Errorf("units without a figure = %v, want %v", missing, want)
	}
	if provinces != 1409778724 {
		t.Errorf("31 provinces sum to %d, want 1409778724", provinces)
	}
}

// TestPopulationSum uses a population file without the prefecture and
// province figures, so only sums are possible.
func TestPopulationSum(t *testing.T) {
	const divisions = "code,name,level,parent_code,name_en\n" +
		"330000,浙江省,province,,Zhejiang\n" +
		"330100,杭州市,prefecture,330000,Hangzhou\n" +
		"330102,上城区,county,330100,Shangcheng\n" +
		"330105,拱墅区,county,330100,Gongshu\n" +
		"330122,桐庐县,county,330100,Tonglu\n" +
		"330200,宁波市,prefecture,330000,Ningbo\n" +
		"330203,海曙区,county,330200,Haishu\n" +
		"330300,温州市,prefecture,330000,Wenzhou\n"
	const population = "code,name,population,year,source_note\n" +
		"330122,桐庐县,453106,2020,a\n" +
		"330200,宁波市,9404283,2020,b\n" +
		"330203,海曙区,1,2020,c\n"
	tree, err := load(divisions, population)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		code    string
		value   int64
		source  PopulationSource
		missing []string
	}{
		{"330100", 453106, Sum, []string{"330102", "330105"}},
		// 宁波's own figure wins over its county's.
		{"330200", 9404283, Census, nil},
		{"330300", 0, Missing, nil},
		{"330000", 453106 + 9404283, Sum, []string{"330102", "330105", "330300"}},
		{CountryCode, 453106 + 9404283, Sum, []string{"330102", "330105", "330300"}},
	}
	for _, tc := range tests {
		p := tree.Population(tc.code)
		if p.Value != tc.value || p.Source != tc.source || !slices.Equal(p.Missing, tc.missing) {
			t.Errorf("Population(%s) = %+v, want %d %s missing %v", tc.code, p, tc.value, tc.source, tc.missing)
		}
		if p.Source == Sum && p.Year != 2020 {
			t.Errorf("Population(%s).Year = %d, want 2020", tc.code, p.Year)
		}
	}
	// A caller changing Missing must not change the next answer.
	p := tree.Population("330000")
	p.Missing[0] = "changed"
	if again := tree.Population("330000"); again.Missing[0] != "330102" {
		t.Errorf("Missing shared between calls: %v", again.Missing)
	}
}

func TestWithFigures(t *testing.T) {
	tree, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	figs := []Figure{
		{Code: "330102", Value: 1_400_000, Year: 2023, Note: "杭州市统计年鉴2024"},
		{Code: "110101", Value: 700_000, Year: 2023, Note: "北京区域统计年鉴"},
	}
	with, err := tree.WithFigures(figs)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		tree   *Tree
		code   string
		source PopulationSource
		value  int64
	}{
		{with, "330102", Reported, 1_400_000},
		{with, "110101", Reported, 700_000},
		{with, "110102", Census, 1_106_214},
		{tree, "330102", Missing, 0}, // the original tree is unchanged
		{tree, "110101", Census, 708_829},
	}
	for _, c := range cases {
		p := c.tree.Population(c.code)
		if p.Source != c.source || p.Value != c.value {
			t.Errorf("%s: %v %d, want %v %d", c.code, p.Source, p.Value, c.source, c.value)
		}
	}
	if _, err := tree.WithFigures([]Figure{{Code: "999999", Value: 1}}); err == nil {
		t.Error("figure for an unknown unit accepted")
	}
}

func TestCountryNoteWithReportedProvince(t *testing.T) {
	tree, _ := Load()
	with, err := tree.WithFigures([]Figure{{Code: "110000", Value: 21_858_000, Year: 2023}})
	if err != nil {
		t.Fatal(err)
	}
	p := with.Population(CountryCode)
	if p.Value != 1_409_778_724-21_893_095+21_858_000 || !strings.Contains(p.Note, "reported") {
		t.Errorf("country with a reported province: %d %q", p.Value, p.Note)
	}
}
