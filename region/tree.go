package region

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Tree is the loaded hierarchy. It is immutable after Load, so one Tree can
// be shared by all goroutines of a program; every method returns fresh
// slices the caller may keep or change.
type Tree struct {
	// divs holds the country at index 0 and then every unit sorted by
	// code. Indexes into divs are int32 to keep the tree small.
	divs  []Division
	index map[string]int32
	// The children of divs[i] are childList[childStart[i]:childStart[i+1]],
	// in code order: one flat array instead of 3,211 small slices.
	childStart []int32
	childList  []int32
	parent     []int32 // -1 for the country
	pop        []censusFigure
	// pinyin is NameEn lower-cased without apostrophes, so "xian" finds
	// "Xi'an" as well as "Xianyang".
	pinyin []string
}

// censusFigure is one row of population.csv.
type censusFigure struct {
	given    bool
	reported bool // supplied by a user (WithFigures), not the census
	value    int64
	year     int
	note     string
}

// countryNote explains why the country's figure is not the official national
// total: the census counts the armed forces nationally but in no province,
// and a sum of provinces cannot include them.
const countryNote = "sum of the 31 province-level figures of the 7th census 2020; " +
	"the official national total 1,411,778,724 also includes 2,000,000 active-duty military " +
	"not assigned to any province"

// countryNoteReported replaces countryNote once a province-level unit has a
// reported figure, which the sum then includes.
const countryNoteReported = "sum of the 31 province-level figures, including figures reported by users " +
	"in place of the 7th census 2020; the census total 1,411,778,724 also includes 2,000,000 active-duty military " +
	"not assigned to any province"

// Load parses the embedded data and checks it: codes unique and well formed,
// every parent present, levels and codes nested consistently, every
// population row naming a known unit. It takes a few milliseconds; call it once
// at start-up and share the Tree.
func Load() (*Tree, error) {
	return load(divisionsCSV, populationCSV)
}

// load builds a Tree from the text of divisions.csv and population.csv; it is
// apart from Load so tests can feed it broken files.
func load(divisionsData, populationData string) (*Tree, error) {
	divs, err := parseDivisions(divisionsData)
	if err != nil {
		return nil, err
	}
	t := &Tree{
		divs:  divs,
		index: make(map[string]int32, len(divs)),
	}
	for i, d := range divs {
		if _, dup := t.index[d.Code]; dup {
			return nil, fmt.Errorf("region: %s: code %q appears twice", divisionsFile, d.Code)
		}
		t.index[d.Code] = int32(i)
	}
	if err := t.link(); err != nil {
		return nil, err
	}
	t.classify()
	if err := t.loadPopulation(populationData); err != nil {
		return nil, err
	}
	t.pinyin = make([]string, len(divs))
	for i, d := range divs {
		t.pinyin[i] = foldPinyin(d.NameEn)
	}
	return t, nil
}

// parseDivisions reads divisions.csv and returns the country followed by
// every row sorted by code.
func parseDivisions(data string) ([]Division, error) {
	f := &csvFile{name: divisionsFile, rest: data}
	header, err := f.next(5)
	if err != nil {
		return nil, err
	}
	if want := []string{"code", "name", "level", "parent_code", "name_en"}; !slices.Equal(header, want) {
		return nil, fmt.Errorf("region: %s: header %q, want %q", divisionsFile, header, want)
	}
	divs := make([]Division, 1, 3300)
	divs[0] = Division{Code: CountryCode, Name: "全国", NameEn: "China", Level: Country, Kind: KindCountry}
	for {
		rec, err := f.next(5)
		if err != nil {
			return nil, err
		}
		if rec == nil {
			break
		}
		row := f.row
		d := Division{Code: rec[0], Name: rec[1], Parent: rec[3], NameEn: rec[4]}
		if !validCode(d.Code) || d.Code == CountryCode {
			return nil, fmt.Errorf("region: %s: row %d: code %q: not a six-digit division code", divisionsFile, row, d.Code)
		}
		if d.Name == "" {
			return nil, fmt.Errorf("region: %s: row %d: name: empty", divisionsFile, row)
		}
		if d.Level, err = ParseLevel(rec[2]); err != nil || d.Level == Country {
			return nil, fmt.Errorf("region: %s: row %d: level %q: want province, prefecture or county", divisionsFile, row, rec[2])
		}
		if d.Level == Province {
			if d.Parent != "" {
				return nil, fmt.Errorf("region: %s: row %d: parent_code %q: a province has no parent", divisionsFile, row, d.Parent)
			}
			// The file leaves a province's parent empty; in the tree
			// the country is the parent of every province.
			d.Parent = CountryCode
		}
		divs = append(divs, d)
	}
	slices.SortFunc(divs[1:], func(a, b Division) int { return strings.Compare(a.Code, b.Code) })
	return divs, nil
}

// link checks every parent and builds the child lists. Codes are checked to
// nest (a prefecture shares its province's first two digits, a county its
// prefecture's first four) because Under and PrefectureEquivalents rely on
// a depth-first walk coming out in code order.
func (t *Tree) link() error {
	n := len(t.divs)
	t.parent = make([]int32, n)
	t.parent[0] = -1
	counts := make([]int32, n+1)
	for i := 1; i < n; i++ {
		d := t.divs[i]
		p, ok := t.index[d.Parent]
		if !ok {
			return fmt.Errorf("region: %s: %s %s: parent_code %q: no such division", divisionsFile, d.Code, d.Name, d.Parent)
		}
		pd := t.divs[p]
		switch {
		case d.Level == Province && pd.Level == Country:
		case d.Level == Prefecture && pd.Level == Province && d.Code[:2] == pd.Code[:2]:
		case d.Level == County && pd.Level == Province && d.Code[:2] == pd.Code[:2]:
		case d.Level == County && pd.Level == Prefecture && d.Code[:4] == pd.Code[:4]:
		default:
			return fmt.Errorf("region: %s: %s %s (%s): parent %s %s (%s) does not fit", divisionsFile, d.Code, d.Name, d.Level, pd.Code, pd.Name, pd.Level)
		}
		t.parent[i] = p
		counts[p+1]++
	}
	for i := 1; i <= n; i++ {
		counts[i] += counts[i-1]
	}
	t.childStart = counts
	t.childList = make([]int32, n-1)
	next := slices.Clone(counts[:n])
	// divs is sorted, so filling in index order leaves each child list
	// sorted by code.
	for i := 1; i < n; i++ {
		p := t.parent[i]
		t.childList[next[p]] = int32(i)
		next[p]++
	}
	return nil
}

// classify sets each unit's Kind from its level, its parent and its name.
// The data has no column for it because MCA's code list has none either.
func (t *Tree) classify() {
	for i := 1; i < len(t.divs); i++ {
		d := &t.divs[i]
		parent := t.divs[t.parent[i]]
		switch d.Level {
		case Province:
			d.Kind = KindProvince
			if isMunicipality(*d) {
				d.Kind = KindMunicipality
			}
		case Prefecture:
			d.Kind = KindPrefecture
			if len(t.children(int32(i))) == 0 {
				d.Kind = KindPrefectureWithoutCounties
			}
		case County:
			switch {
			case parent.Level == Province && isMunicipality(parent):
				d.Kind = KindMunicipalDistrict
			case parent.Level == Province:
				d.Kind = KindProvinceAdministeredCounty
			// 六枝特区 is a special district that is run like a county, not
			// a 市辖区. There is no "林区" suffix test: 金林区, 北林区 and
			// 碑林区 are ordinary 市辖区, and the only 林区 (神农架) sits
			// under its province.
			case strings.HasSuffix(d.Name, "特区"):
				d.Kind = KindCounty
			case strings.HasSuffix(d.Name, "区"):
				d.Kind = KindUrbanDistrict
			default:
				d.Kind = KindCounty
			}
		}
	}
}

// isMunicipality reports whether d is one of the four municipalities
// (直辖市). They are the only province-level units whose name is a 市, which
// keeps the rule right if the list ever changes.
func isMunicipality(d Division) bool {
	return d.Level == Province && strings.HasSuffix(d.Name, "市")
}

// loadPopulation reads population.csv. Rows must name a known unit with
// the same name, because a figure attached to the wrong unit is worse than
// none.
func (t *Tree) loadPopulation(data string) error {
	t.pop = make([]censusFigure, len(t.divs))
	f := &csvFile{name: populationFile, rest: data}
	header, err := f.next(5)
	if err != nil {
		return err
	}
	if want := []string{"code", "name", "population", "year", "source_note"}; !slices.Equal(header, want) {
		return fmt.Errorf("region: %s: header %q, want %q", populationFile, header, want)
	}
	for {
		rec, err := f.next(5)
		if err != nil {
			return err
		}
		if rec == nil {
			return nil
		}
		row := f.row
		i, ok := t.index[rec[0]]
		if !ok || i == 0 {
			return fmt.Errorf("region: %s: row %d: code %q: no such division", populationFile, row, rec[0])
		}
		if name := t.divs[i].Name; rec[1] != name {
			return fmt.Errorf("region: %s: row %d: name %q: division %s is %q", populationFile, row, rec[1], rec[0], name)
		}
		if t.pop[i].given {
			return fmt.Errorf("region: %s: row %d: code %q appears twice", populationFile, row, rec[0])
		}
		v, err := strconv.ParseInt(rec[2], 10, 64)
		if err != nil || v <= 0 {
			return fmt.Errorf("region: %s: row %d: population %q: not a positive whole number", populationFile, row, rec[2])
		}
		y, err := strconv.Atoi(rec[3])
		if err != nil || y < 1949 || y > 2100 {
			return fmt.Errorf("region: %s: row %d: year %q: not a census year", populationFile, row, rec[3])
		}
		t.pop[i] = censusFigure{given: true, value: v, year: y, note: rec[4]}
	}
}

// validCode reports whether s is six ASCII digits.
func validCode(s string) bool {
	return len(s) == 6 && isDigits(s)
}

func (t *Tree) children(i int32) []int32 {
	return t.childList[t.childStart[i]:t.childStart[i+1]]
}

// divisions copies the units at the given indexes.
func (t *Tree) divisions(idx []int32) []Division {
	if len(idx) == 0 {
		return nil
	}
	out := make([]Division, len(idx))
	for k, i := range idx {
		out[k] = t.divs[i]
	}
	return out
}

// Get returns the unit with the given code; CountryCode gives the country.
func (t *Tree) Get(code string) (Division, bool) {
	i, ok := t.index[code]
	if !ok {
		return Division{}, false
	}
	return t.divs[i], true
}

// Country returns the synthetic root 000000 全国 (China), the parent of the
// 31 province-level units.
func (t *Tree) Country() Division {
	return t.divs[0]
}

// Children returns the units directly under code, sorted by code: the 31
// province-level units for CountryCode, nil for an unknown code or a unit
// with none.
func (t *Tree) Children(code string) []Division {
	i, ok := t.index[code]
	if !ok {
		return nil
	}
	return t.divisions(t.children(i))
}

// Ancestors returns the chain of units above code, from the country down to
// its parent, not including code itself. It is empty for the country and
// nil for an unknown code.
func (t *Tree) Ancestors(code string) []Division {
	i, ok := t.index[code]
	if !ok {
		return nil
	}
	var chain []Division
	for p := t.parent[i]; p >= 0; p = t.parent[p] {
		chain = append(chain, t.divs[p])
	}
	slices.Reverse(chain)
	return chain
}

// Under returns, sorted by code, every unit of the given level within code,
// including code itself when its level matches; Under(CountryCode, County)
// is every county-level unit.
func (t *Tree) Under(code string, level Level) []Division {
	return t.collect(code, func(d *Division) bool { return d.Level == level })
}

// PrefectureEquivalents returns, sorted by code, the units a target set
// "per prefecture" is judged on: every prefecture-level unit within code,
// plus every district and county of a municipality (直辖市的区县), because
// municipalities have no prefectures and their districts take that role.
// Nationally that is 333 + 86 = 419 units.
func (t *Tree) PrefectureEquivalents(code string) []Division {
	return t.collect(code, func(d *Division) bool {
		return d.Level == Prefecture || d.Kind == KindMunicipalDistrict
	})
}

// collect walks the subtree of code depth first. Because codes nest (checked
// in link) and children are sorted, the walk visits units in code order.
func (t *Tree) collect(code string, keep func(*Division) bool) []Division {
	root, ok := t.index[code]
	if !ok {
		return nil
	}
	var out []Division
	stack := []int32{root}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if keep(&t.divs[i]) {
			out = append(out, t.divs[i])
		}
		kids := t.children(i)
		for k := len(kids) - 1; k >= 0; k-- {
			stack = append(stack, kids[k])
		}
	}
	return out
}

// Contains reports whether code is ancestor itself or lies within it. It is
// false when either code is unknown.
func (t *Tree) Contains(ancestor, code string) bool {
	a, ok := t.index[ancestor]
	if !ok {
		return false
	}
	i, ok := t.index[code]
	if !ok {
		return false
	}
	for ; i >= 0; i = t.parent[i] {
		if i == a {
			return true
		}
	}
	return false
}

// All returns every unit except the country, sorted by code.
func (t *Tree) All() []Division {
	return slices.Clone(t.divs[1:])
}

// CountyLevelOrStandalone reports whether facilities can be registered
// directly in code: county-level units, and prefecture-level cities without
// counties (不设区的地级市), where no county sits between city and town.
func (t *Tree) CountyLevelOrStandalone(code string) bool {
	d, ok := t.Get(code)
	return ok && (d.Level == County || d.Kind == KindPrefectureWithoutCounties)
}
