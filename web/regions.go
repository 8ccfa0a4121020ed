package web

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
)

// regionCounts holds the facility counts of one unit as of a date, per
// registry (indexed like facility.Registries()).
type regionCounts struct {
	total []int
	// child holds the counts per child unit. direct holds facilities
	// registered in the unit itself, such as a provincial blood centre.
	child  map[string][]int
	direct []int
}

// countFacilities returns the facility counts of code as of asOf from the
// count cache (cache.go), counting them when the cache has none computed
// since the store's last write. The counts are shared: read them only.
func (s *Server) countFacilities(ctx context.Context, t *region.Tree, code, asOf string) (*regionCounts, error) {
	// The write count is read before the counting starts, so counts cached
	// under it include at least every write it stands for.
	writes, err := s.st.WriteCount(ctx)
	if err != nil {
		return nil, err
	}
	return s.counts.get(ctx, countKey{region: code, asOf: asOf}, writes, func() (*regionCounts, error) {
		return s.countFacilitiesNow(ctx, t, code, asOf)
	})
}

// countFacilitiesNow counts every registry's facilities within code as of
// asOf: one grouped query per registry (CountByRegion), rolled up the tree
// in memory, so a page with 31 provinces or 2,846 counties costs five
// queries and never one per unit.
func (s *Server) countFacilitiesNow(ctx context.Context, t *region.Tree, code, asOf string) (*regionCounts, error) {
	regs := facility.Registries()
	byRegion := make([]map[string]int, len(regs))
	err := parallel(len(regs), func(i int) error {
		var err error
		byRegion[i], err = s.st.CountByRegion(ctx, regs[i], code, asOf)
		return err
	})
	if err != nil {
		return nil, err
	}
	rc := &regionCounts{total: make([]int, len(regs)), direct: make([]int, len(regs)), child: map[string][]int{}}
	// Memoise the child each region code rolls up to: thousands of
	// codes share a few dozen children.
	childOf := map[string]string{}
	for i, m := range byRegion {
		for rcode, n := range m {
			rc.total[i] += n
			c, ok := childOf[rcode]
			if !ok {
				c = childWithin(t, code, rcode)
				childOf[rcode] = c
			}
			switch c {
			case "":
				continue // not in the tree: counted in the total only
			case code:
				rc.direct[i] += n
				continue
			}
			if rc.child[c] == nil {
				rc.child[c] = make([]int, len(regs))
			}
			rc.child[c][i] += n
		}
	}
	return rc, nil
}

// parallel runs fn(0) … fn(n-1) at the same time and returns the first
// error. A panic in one of them becomes an error, since the request's panic
// recovery cannot catch it in another goroutine and it would end the
// process.
func parallel(n int, fn func(i int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			defer func() {
				if v := recover(); v != nil {
					errs[i] = fmt.Errorf("panic: %v\n%s", v, debug.Stack())
				}
			}()
			errs[i] = fn(i)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// childWithin returns the child of parent that contains code, parent
// itself when code is parent, or "" when code is not within parent.
func childWithin(t *region.Tree, parent, code string) string {
	if code == parent {
		return parent
	}
	d, ok := t.Get(code)
	for ok && d.Parent != parent {
		if d.Parent == "" {
			return ""
		}
		d, ok = t.Get(d.Parent)
	}
	if !ok {
		return ""
	}
	return d.Code
}

// popView is a population figure as pages show it.
type popView struct {
	Value   int64
	Source  region.PopulationSource
	Code    string // census, sum, missing, reported: the CSS class and marker
	Year    int
	Note    string
	Missing int
}

// popView returns the population of code with a note in lang. The notes of
// census and reported figures are their provenance and shown as recorded;
// the notes of sums and gaps are the program's own and come from the
// catalog.
func (s *Server) popView(t *region.Tree, code, lang string) popView {
	p := t.Population(code)
	v := popView{Value: p.Value, Source: p.Source, Code: p.Source.String(), Year: p.Year, Missing: len(p.Missing)}
	cat := s.tmpl.cat[lang]
	switch {
	case code == region.CountryCode:
		v.Note = cat.T("pop.country_note")
	case p.Source == region.Sum:
		counted := 0
		for _, c := range t.Children(code) {
			if t.Population(c.Code).Source != region.Missing {
				counted++
			}
		}
		v.Note = cat.T("pop.sum_note", counted)
	case p.Source == region.Missing:
		v.Note = cat.T("pop.missing_note")
	case p.Source == region.Reported && p.Note == "":
		v.Note = cat.T("pop.reported_no_note")
	case p.Source == region.Reported:
		v.Note = cat.T("pop.reported_note", p.Note)
	default:
		v.Note = cat.T("pop.census_note", p.Note)
	}
	return v
}

type countCell struct {
	N   int
	URL string
}

type registryCount struct {
	Name, Label, Short string
	N                  int
	URL                string
}

type childRow struct {
	Div    region.Division
	URL    string
	Pop    popView
	Counts []countCell
}

type crumb struct {
	Name, URL string
}

type regionPage struct {
	Page
	Div        region.Division
	ShowKind   bool
	Crumbs     []crumb
	Pop        popView
	Registries []registryCount
	Children   []childRow
	Direct     []countCell
	HasDirect  bool
	Sums       []int
	ExportCSV  string
	ExportXLSX string
	AsOfQ      string
}

// regionRequest reads what the region page and the children API share:
// the unit of the {code} path value, the as-of date and the facility counts
// of the unit and its children, all from one tree.
func (s *Server) regionRequest(r *http.Request) (*region.Tree, region.Division, string, *regionCounts, error) {
	code := r.PathValue("code")
	t := s.tree()
	d, ok := t.Get(code)
	if !ok {
		return nil, d, "", nil, notFound("err.unknown_region", code)
	}
	asOf, err := s.parseAsOf(r, "as_of")
	if err != nil {
		return nil, d, "", nil, err
	}
	counts, err := s.countFacilities(r.Context(), t, code, asOf)
	return t, d, asOf, counts, err
}

// regionPage shows one unit: its population, its facility counts and its
// children with theirs, each a link to drill down.
func (s *Server) regionPage(w http.ResponseWriter, r *http.Request) error {
	t, d, asOf, counts, err := s.regionRequest(r)
	if err != nil {
		return err
	}
	code := d.Code
	lang := langOf(r)
	p := regionPage{
		Page:  s.newPage(r, regionName(d, lang), "regions"),
		Div:   d,
		Pop:   s.popView(t, code, lang),
		AsOfQ: s.asOfParam(asOf),
	}
	// The kind says more than the level only below the country and when it
	// is not the same word (省级 · 省/自治区, but not 全国 · 全国).
	p.ShowKind = d.Kind.Label(lang) != d.Level.Label(lang)
	pr := principalOf(r)
	for _, a := range t.Ancestors(code) {
		c := crumb{Name: regionName(a, lang)}
		// Units above the caller's scope are named, not linked.
		if inScope(t, pr, a.Code) {
			c.URL = link("/regions/"+a.Code, "as_of", p.AsOfQ)
		}
		p.Crumbs = append(p.Crumbs, c)
	}
	p.AsOf = asOf
	listRegion := code
	if code == region.CountryCode {
		listRegion = ""
	}
	for i, sc := range facility.Registries() {
		p.Registries = append(p.Registries, registryCount{
			Name: sc.Name, Label: sc.Label(lang), Short: s.tmpl.cat[lang].T("short." + sc.Name), N: counts.total[i],
			URL: link("/facilities/"+sc.Name, "region", listRegion, "as_of", p.AsOfQ),
		})
		if counts.direct[i] > 0 {
			p.HasDirect = true
		}
		p.Direct = append(p.Direct, countCell{N: counts.direct[i], URL: link("/facilities/"+sc.Name, "region", listRegion, "as_of", p.AsOfQ)})
	}
	p.Sums = counts.total
	for _, c := range t.Children(code) {
		row := childRow{
			Div: c,
			URL: link("/regions/"+c.Code, "as_of", p.AsOfQ),
			Pop: s.popView(t, c.Code, lang),
		}
		n := counts.child[c.Code]
		for i, sc := range facility.Registries() {
			cell := countCell{URL: link("/facilities/"+sc.Name, "region", c.Code, "as_of", p.AsOfQ)}
			if n != nil {
				cell.N = n[i]
			}
			row.Counts = append(row.Counts, cell)
		}
		p.Children = append(p.Children, row)
	}
	p.ExportCSV = link("/export/regions.csv", "region", code)
	p.ExportXLSX = link("/export/regions.xlsx", "region", code)
	return s.render(w, r, http.StatusOK, "region", p)
}

// JSON shapes of the regions API.

type divisionJSON struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEn string `json:"name_en"`
	Level  string `json:"level"`
	Kind   string `json:"kind"`
	Parent string `json:"parent,omitempty"`
}

func newDivisionJSON(d region.Division) divisionJSON {
	return divisionJSON{Code: d.Code, Name: d.Name, NameEn: d.NameEn, Level: d.Level.String(), Kind: d.Kind.String(), Parent: d.Parent}
}

type populationJSON struct {
	Value   *int64   `json:"value"` // null when missing
	Source  string   `json:"source"`
	Year    int      `json:"year,omitempty"`
	Note    string   `json:"note,omitempty"`
	Missing []string `json:"missing,omitempty"`
}

func newPopulationJSON(p region.Population) populationJSON {
	out := populationJSON{Source: p.Source.String(), Year: p.Year, Note: p.Note, Missing: p.Missing}
	if p.Source != region.Missing {
		v := p.Value
		out.Value = &v
	}
	return out
}

type regionJSON struct {
	divisionJSON
	Population populationJSON `json:"population"`
	Ancestors  []divisionJSON `json:"ancestors"`
}

func (s *Server) apiRegion(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("code")
	t := s.tree()
	d, ok := t.Get(code)
	if !ok {
		return notFound("err.unknown_region", code)
	}
	out := regionJSON{divisionJSON: newDivisionJSON(d), Population: newPopulationJSON(t.Population(code)), Ancestors: []divisionJSON{}}
	for _, a := range t.Ancestors(code) {
		out.Ancestors = append(out.Ancestors, newDivisionJSON(a))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type childJSON struct {
	divisionJSON
	Population populationJSON `json:"population"`
	Facilities map[string]int `json:"facilities"`
}

type childrenJSON struct {
	Region     divisionJSON   `json:"region"`
	AsOf       string         `json:"as_of"`
	Facilities map[string]int `json:"facilities"`
	// Direct counts the facilities registered in the unit itself rather
	// than in one of its children.
	Direct   map[string]int `json:"direct"`
	Children []childJSON    `json:"children"`
}

func (s *Server) apiRegionChildren(w http.ResponseWriter, r *http.Request) error {
	t, d, asOf, counts, err := s.regionRequest(r)
	if err != nil {
		return err
	}
	code := d.Code
	perRegistry := func(n []int) map[string]int {
		m := map[string]int{}
		for i, sc := range facility.Registries() {
			m[sc.Name] = 0
			if n != nil {
				m[sc.Name] = n[i]
			}
		}
		return m
	}
	out := childrenJSON{Region: newDivisionJSON(d), AsOf: asOf, Facilities: perRegistry(counts.total), Direct: perRegistry(counts.direct), Children: []childJSON{}}
	for _, c := range t.Children(code) {
		out.Children = append(out.Children, childJSON{
			divisionJSON: newDivisionJSON(c),
			Population:   newPopulationJSON(t.Population(c.Code)),
			Facilities:   perRegistry(counts.child[c.Code]),
		})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
