package region

import (
	"encoding/csv"
	"errors"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sharedData is the team's copy of the source data. Tests compare the
// embedded copy against it when it is there; production code never reads it.
const sharedData = "../../shared/data"

func loadTree(t testing.TB) *Tree {
	t.Helper()
	tree, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return tree
}

func codes(ds []Division) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Code
	}
	return out
}

func readShared(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sharedData, name))
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("%s absent; nothing to compare with", filepath.Join(sharedData, name))
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCounts(t *testing.T) {
	tree := loadTree(t)
	want := map[Level]int{Country: 1, Province: 31, Prefecture: 333, County: 2846}
	for level, n := range want {
		if got := len(tree.Under(CountryCode, level)); got != n {
			t.Errorf("Under(CountryCode, %s) = %d units, want %d", level, got, n)
		}
	}
	if got := len(tree.All()); got != 3210 {
		t.Errorf("All() = %d units, want 3210", got)
	}
	if got := len(tree.Children(CountryCode)); got != 31 {
		t.Errorf("Children(CountryCode) = %d units, want 31", got)
	}

	t.Run("source file", func(t *testing.T) {
		rows, err := csv.NewReader(strings.NewReader(string(readShared(t, "divisions/divisions.csv")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		fromFile := map[Level]int{Country: 1}
		for _, r := range rows[1:] {
			l, err := ParseLevel(r[2])
			if err != nil {
				t.Fatal(err)
			}
			fromFile[l]++
		}
		for level, n := range fromFile {
			if got := len(tree.Under(CountryCode, level)); got != n {
				t.Errorf("Under(CountryCode, %s) = %d units, source file has %d", level, got, n)
			}
		}
		if got := len(tree.All()); got != len(rows)-1 {
			t.Errorf("All() = %d units, source file has %d rows", got, len(rows)-1)
		}
	})
}

// TestEmbeddedCopies catches an embedded file that has drifted from the
// team's shared data.
func TestEmbeddedCopies(t *testing.T) {
	for _, tc := range []struct{ name, embedded string }{
		{"divisions/divisions.csv", divisionsCSV},
		{"divisions/SOURCE.md", divisionsSource},
		{"population/population.csv", populationCSV},
		{"population/SOURCE.md", populationSource},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if string(readShared(t, tc.name)) != tc.embedded {
				t.Errorf("region/data/%s differs from %s/%s; copy it again", tc.name, sharedData, tc.name)
			}
		})
	}
}

func TestInvariants(t *testing.T) {
	tree := loadTree(t)
	all := tree.All()
	if !slices.IsSortedFunc(all, func(a, b Division) int { return strings.Compare(a.Code, b.Code) }) {
		t.Error("All() is not sorted by code")
	}
	for _, d := range all {
		p, ok := tree.Get(d.Parent)
		if !ok || p.Level != d.Level-1 && !(d.Level == County && p.Level == Province) {
			t.Errorf("%s %s (%s): parent %q = %+v, %v", d.Code, d.Name, d.Level, d.Parent, p, ok)
		}
		if !tree.Contains(CountryCode, d.Code) || !tree.Contains(d.Parent, d.Code) {
			t.Errorf("%s not contained in its parent or the country", d.Code)
		}
	}
	c := tree.Country()
	if c != (Division{Code: CountryCode, Name: "全国", NameEn: "China", Level: Country, Kind: KindCountry}) {
		t.Errorf("Country() = %+v", c)
	}
	if got, ok := tree.Get(CountryCode); !ok || got != c {
		t.Errorf("Get(CountryCode) = %+v, %v", got, ok)
	}
	// Every unit of each kind, worked out by hand from the source file.
	kinds := map[Kind]int{}
	for _, d := range all {
		kinds[d.Kind]++
	}
	wantKinds := map[Kind]int{
		KindProvince:                   27,
		KindMunicipality:               4,
		KindPrefecture:                 329,
		KindPrefectureWithoutCounties:  4,
		KindMunicipalDistrict:          86,
		KindProvinceAdministeredCounty: 32,
		KindUrbanDistrict:              903,
		KindCounty:                     1825,
	}
	if !maps.Equal(kinds, wantKinds) {
		t.Errorf("units per kind = %v, want %v", kinds, wantKinds)
	}
	// Returned slices are the caller's.
	kids := tree.Children("110000")
	kids[0].Name = "changed"
	if d, _ := tree.Get(kids[0].Code); d.Name == "changed" {
		t.Error("changing a result of Children changed the tree")
	}
}

func TestSpecialUnits(t *testing.T) {
	tree := loadTree(t)
	tests := []struct {
		code       string
		name       string
		parent     string
		level      Level
		kind       Kind
		children   int
		standalone bool
	}{
		{"110000", "北京市", CountryCode, Province, KindMunicipality, 16, false},
		{"500000", "重庆市", CountryCode, Province, KindMunicipality, 38, false},
		{"130000", "河北省", CountryCode, Province, KindProvince, 11, false},
		{"110101", "东城区", "110000", County, KindMunicipalDistrict, 0, true},
		{"500229", "城口县", "500000", County, KindMunicipalDistrict, 0, true},
		{"419001", "济源市", "410000", County, KindProvinceAdministeredCounty, 0, true},
		{"429004", "仙桃市", "420000", County, KindProvinceAdministeredCounty, 0, true},
		{"429021", "神农架林区", "420000", County, KindProvinceAdministeredCounty, 0, true},
		{"469001", "五指山市", "460000", County, KindProvinceAdministeredCounty, 0, true},
		{"659001", "石河子市", "650000", County, KindProvinceAdministeredCounty, 0, true},
		{"441900", "东莞市", "440000", Prefecture, KindPrefectureWithoutCounties, 0, true},
		{"442000", "中山市", "440000", Prefecture, KindPrefectureWithoutCounties, 0, true},
		{"460400", "儋州市", "460000", Prefecture, KindPrefectureWithoutCounties, 0, true},
		{"620200", "嘉峪关市", "620000", Prefecture, KindPrefectureWithoutCounties, 0, true},
		{"460300", "三沙市", "460000", Prefecture, KindPrefecture, 2, false},
		{"130100", "石家庄市", "130000", Prefecture, KindPrefecture, 22, false},
		{"652900", "阿克苏地区", "650000", Prefecture, KindPrefecture, 9, false},
		{"130102", "长安区", "130100", County, KindUrbanDistrict, 0, true},
		{"130107", "井陉矿区", "130100", County, KindUrbanDistrict, 0, true},
		{"610103", "碑林区", "610100", County, KindUrbanDistrict, 0, true},
		{"520203", "六枝特区", "520200", County, KindCounty, 0, true},
		{"130181", "辛集市", "130100", County, KindCounty, 0, true},
		{"150521", "科尔沁左翼中旗", "150500", County, KindCounty, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.code+" "+tc.name, func(t *testing.T) {
			d, ok := tree.Get(tc.code)
			if !ok {
				t.Fatalf("Get(%s): not found", tc.code)
			}
			if d.Name != tc.name || d.Parent != tc.parent || d.Level != tc.level || d.Kind != tc.kind {
				t.Errorf("Get = %+v, want name %s parent %s level %s kind %s", d, tc.name, tc.parent, tc.level, tc.kind)
			}
			kids := tree.Children(tc.code)
			if len(kids) != tc.children {
				t.Errorf("Children = %d units, want %d", len(kids), tc.children)
			}
			if got := tree.CountyLevelOrStandalone(tc.code); got != tc.standalone {
				t.Errorf("CountyLevelOrStandalone = %v, want %v", got, tc.standalone)
			}
		})
	}

	t.Run("municipal districts", func(t *testing.T) {
		for _, code := range []string{"110000", "120000", "310000", "500000"} {
			for _, d := range tree.Children(code) {
				if d.Kind != KindMunicipalDistrict || d.Level != County {
					t.Errorf("%s %s under %s: %s %s, want a county-level municipal district", d.Code, d.Name, code, d.Level, d.Kind)
				}
			}
		}
		for _, code := range []string{"500100", "500200", "110100", "419000", "469000", "659000"} {
			if _, ok := tree.Get(code); ok {
				t.Errorf("Get(%s) found a statistical placeholder", code)
			}
		}
	})

	t.Run("province-administered units", func(t *testing.T) {
		want := map[string]int{"410000": 1, "420000": 4, "460000": 15, "650000": 12}
		got := map[string]int{}
		for _, d := range tree.All() {
			if d.Kind == KindProvinceAdministeredCounty {
				got[d.Parent]++
			}
		}
		if len(got) != len(want) {
			t.Errorf("provinces with province-administered units = %v, want %v", got, want)
		}
		for p, n := range want {
			if got[p] != n {
				t.Errorf("%s has %d province-administered units, want %d", p, got[p], n)
			}
		}
	})

	t.Run("not standalone", func(t *testing.T) {
		for _, code := range []string{CountryCode, "110000", "440000", "440100", "999999", ""} {
			if tree.CountyLevelOrStandalone(code) {
				t.Errorf("CountyLevelOrStandalone(%q) = true", code)
			}
		}
	})
}

func TestPrefectureEquivalents(t *testing.T) {
	tree := loadTree(t)
	tests := []struct {
		code  string
		count int
		first []string
	}{
		{CountryCode, 419, []string{"110101", "110102"}},
		{"110000", 16, []string{"110101"}},
		{"500000", 38, []string{"500101"}},
		{"440000", 21, []string{"440100"}},
		{"410000", 17, []string{"410100"}}, // 济源 is county-level: not counted
		{"460000", 4, []string{"460100", "460200", "460300", "460400"}},
		{"130100", 1, []string{"130100"}},
		{"110105", 1, []string{"110105"}},
		{"130102", 0, nil},
		{"999999", 0, nil},
	}
	for _, tc := range tests {
		got := tree.PrefectureEquivalents(tc.code)
		if len(got) != tc.count {
			t.Errorf("PrefectureEquivalents(%s) = %d units, want %d", tc.code, len(got), tc.count)
			continue
		}
		if len(tc.first) > 0 && !slices.Equal(codes(got[:len(tc.first)]), tc.first) {
			t.Errorf("PrefectureEquivalents(%s) starts %v, want %v", tc.code, codes(got[:len(tc.first)]), tc.first)
		}
		if !slices.IsSorted(codes(got)) {
			t.Errorf("PrefectureEquivalents(%s) not sorted", tc.code)
		}
	}
	var prefectures, districts int
	for _, d := range tree.PrefectureEquivalents(CountryCode) {
		switch {
		case d.Level == Prefecture:
			prefectures++
		case d.Kind == KindMunicipalDistrict:
			districts++
		default:
			t.Errorf("PrefectureEquivalents includes %s %s (%s)", d.Code, d.Name, d.Kind)
		}
	}
	if prefectures != 333 || districts != 86 {
		t.Errorf("PrefectureEquivalents(CountryCode) = %d prefectures + %d municipal districts, want 333 + 86", prefectures, districts)
	}
}

func TestAncestors(t *testing.T) {
	tree := loadTree(t)
	tests := []struct {
		code string
		want []string
	}{
		{"130102", []string{CountryCode, "130000", "130100"}},
		{"419001", []string{CountryCode, "410000"}},
		{"110101", []string{CountryCode, "110000"}},
		{"441900", []string{CountryCode, "440000"}},
		{"440000", []string{CountryCode}},
		{CountryCode, []string{}},
		{"999999", nil},
	}
	for _, tc := range tests {
		got := tree.Ancestors(tc.code)
		if tc.want == nil {
			if got != nil {
				t.Errorf("Ancestors(%s) = %v, want nil", tc.code, codes(got))
			}
			continue
		}
		if !slices.Equal(codes(got), tc.want) {
			t.Errorf("Ancestors(%s) = %v, want %v", tc.code, codes(got), tc.want)
		}
	}
}

func TestUnder(t *testing.T) {
	tree := loadTree(t)
	tests := []struct {
		code  string
		level Level
		count int
		some  []string
	}{
		// 海口 4 + 三亚 4 + 三沙 2 + 儋州 0 + 15 under the province.
		{"460000", County, 25, []string{"460105", "460302", "469001", "469030"}},
		{"420000", County, 103, []string{"420102", "429004", "429021"}},
		{"130000", County, 167, []string{"130102", "130181"}},
		{"130000", Prefecture, 11, []string{"130100", "131100"}},
		{"110000", Prefecture, 0, nil},
		{"110000", County, 16, []string{"110101", "110119"}},
		{"110000", Province, 1, []string{"110000"}},
		{"130100", County, 22, []string{"130102"}},
		{"441900", County, 0, nil},
		{"441900", Prefecture, 1, []string{"441900"}},
		{CountryCode, Country, 1, []string{CountryCode}},
		{"130102", Prefecture, 0, nil},
		{"999999", County, 0, nil},
	}
	for _, tc := range tests {
		got := tree.Under(tc.code, tc.level)
		if len(got) != tc.count {
			t.Errorf("Under(%s, %s) = %d units, want %d", tc.code, tc.level, len(got), tc.count)
		}
		gotCodes := codes(got)
		if !slices.IsSorted(gotCodes) {
			t.Errorf("Under(%s, %s) not sorted", tc.code, tc.level)
		}
		for _, c := range tc.some {
			if !slices.Contains(gotCodes, c) {
				t.Errorf("Under(%s, %s) lacks %s", tc.code, tc.level, c)
			}
		}
		for _, d := range got {
			if d.Level != tc.level || !tree.Contains(tc.code, d.Code) {
				t.Errorf("Under(%s, %s) includes %s (%s)", tc.code, tc.level, d.Code, d.Level)
			}
		}
	}
}

func TestContains(t *testing.T) {
	tree := loadTree(t)
	tests := []struct {
		ancestor, code string
		want           bool
	}{
		{CountryCode, "130102", true},
		{"130000", "130102", true},
		{"130100", "130102", true},
		{"130102", "130102", true},
		{"410000", "419001", true},
		{"130102", "130100", false},
		{"130200", "130102", false},
		{"440000", "110101", false},
		{"999999", "130102", false},
		{"130000", "999999", false},
	}
	for _, tc := range tests {
		if got := tree.Contains(tc.ancestor, tc.code); got != tc.want {
			t.Errorf("Contains(%s, %s) = %v, want %v", tc.ancestor, tc.code, got, tc.want)
		}
	}
}

func TestSearch(t *testing.T) {
	tree := loadTree(t)
	tests := []struct {
		q     string
		limit int
		want  []string // the first results, in order
		count int      // -1: do not check
	}{
		{"北京", 0, []string{"110000"}, 1},
		{"西安", 1, []string{"610100"}, 1},
		{"xian", 1, []string{"610100"}, 1},
		{"Xi'an", 1, []string{"610100"}, 1},
		{"  XI AN ", 1, []string{"610100"}, 1},
		{"beijing", 0, []string{"110000"}, 1},
		{"朝阳", 0, []string{"211300", "110105", "211321", "220104"}, 4},
		{"1101", 0, []string{"110101", "110102"}, 16},
		{"110000", 0, []string{"110000"}, 1},
		{"4419", 0, []string{"441900"}, 1},
		{"济源", 0, []string{"419001"}, 1},
		{"县", 5, nil, 5},
		{"全国", 0, []string{CountryCode}, 1},
		{"china", 0, []string{CountryCode}, 1},
		{"", 10, nil, 0},
		{"   ", 10, nil, 0},
		{"zzzz", 10, nil, 0},
		{"不存在", 10, nil, 0},
	}
	for _, tc := range tests {
		got := tree.Search(tc.q, tc.limit)
		if tc.count >= 0 && len(got) != tc.count {
			t.Errorf("Search(%q, %d) = %d results %v, want %d", tc.q, tc.limit, len(got), codes(got), tc.count)
		}
		if len(got) < len(tc.want) || !slices.Equal(codes(got[:len(tc.want)]), tc.want) {
			t.Errorf("Search(%q, %d) = %v, want it to start %v", tc.q, tc.limit, codes(got), tc.want)
		}
	}
}

func TestLoadRejectsBrokenData(t *testing.T) {
	const header = "code,name,level,parent_code,name_en\n"
	const good = header +
		"110000,北京市,province,,Beijing\n" +
		"110101,东城区,county,110000,Dongcheng\n"
	const popHeader = "code,name,population,year,source_note\n"
	tests := []struct {
		name, divisions, population, want string
	}{
		{"good", good, popHeader + "110101,东城区,708829,2020,x\n", ""},
		{"header", "code,name,level,parent,name_en\n", popHeader, "header"},
		{"short code", header + "11000,北京市,province,,Beijing\n", popHeader, `row 2: code "11000"`},
		{"country code", header + "000000,全国,province,,China\n", popHeader, `row 2: code "000000"`},
		{"bad level", header + "110000,北京市,city,,Beijing\n", popHeader, `row 2: level "city"`},
		{"duplicate", good + "110101,东城区,county,110000,Dongcheng\n", popHeader, "appears twice"},
		{"no parent", good + "130102,长安区,county,130100,Chang'an\n", popHeader, `parent_code "130100": no such division`},
		{"province with parent", header + "110000,北京市,province,100000,Beijing\n", popHeader, "a province has no parent"},
		{"level skip", good + "130000,河北省,province,,Hebei\n130100,石家庄市,prefecture,110000,Shijiazhuang\n", popHeader, "does not fit"},
		{"population unknown code", good, popHeader + "130102,长安区,1,2020,x\n", `row 2: code "130102": no such division`},
		{"population wrong name", good, popHeader + "110101,西城区,1,2020,x\n", `row 2: name "西城区"`},
		{"population not a number", good, popHeader + "110101,东城区,十二,2020,x\n", `row 2: population "十二"`},
		{"population twice", good, popHeader + "110101,东城区,1,2020,x\n110101,东城区,1,2020,x\n", "row 3: code \"110101\" appears twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(tc.divisions, tc.population)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("load: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("load: error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestPureGo keeps the package free of I/O dependencies: it is imported by
// domain packages, which must not pull in a database or HTTP stack.
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
		if strings.HasPrefix(dep, "github.com/shishi-health/shishi/") {
			continue
		}
		// A dot in the first path element marks a module outside the
		// standard library.
		first, _, _ := strings.Cut(dep, "/")
		if dep == "net/http" || dep == "database/sql" || strings.Contains(first, ".") {
			t.Errorf("region depends on %s", dep)
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSearch(b *testing.B) {
	tree := loadTree(b)
	for b.Loop() {
		tree.Search("xian", 10)
	}
}
