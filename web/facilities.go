package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
)

// pageSize is how many facilities a list page shows.
const pageSize = 50

// schemaOf returns the registry named in the path.
func schemaOf(r *http.Request) (*facility.Schema, error) {
	name := r.PathValue("registry")
	sc, ok := facility.Lookup(name)
	if !ok {
		return nil, notFound("err.unknown_registry", name)
	}
	return sc, nil
}

// filterable reports whether a field can be filtered on by value: choices,
// yes/no and numbers. Names are searched with q, regions with region.
func filterable(f facility.Field) bool {
	return f.Kind == facility.Enum || f.Kind == facility.Bool || f.Kind == facility.Int
}

// filter is a facility query as read from a URL; the same parameters serve
// the list page, the exports and the API.
type filter struct {
	Region string
	AsOf   string
	Text   string
	// Equal holds the stored value per field key; Raw the value as given
	// (an enum's code or label), for the form.
	Equal map[string]string
}

// parseFilter reads region, as_of, q and one parameter per filterable
// field (by key; enum values by code or by label).
func (s *Server) parseFilter(r *http.Request, sc *facility.Schema) (filter, error) {
	q := r.URL.Query()
	f := filter{Text: strings.TrimSpace(q.Get("q")), Equal: map[string]string{}}
	var err error
	if f.AsOf, err = s.parseAsOf(r, "as_of"); err != nil {
		return f, err
	}
	if code := strings.TrimSpace(q.Get("region")); code != "" && code != region.CountryCode {
		if _, ok := s.tree().Get(code); !ok {
			return f, badRequest("err.unknown_region", code)
		}
		f.Region = code
	}
	// Lists default to the caller's own unit; the guard has refused a
	// region outside it.
	if p := principalOf(r); f.Region == "" && p.Role.Binding() == auth.BoundToRegion {
		if code := scopeRegion(p); code != region.CountryCode {
			f.Region = code
		}
	}
	for _, fl := range sc.Fields {
		v := strings.TrimSpace(q.Get(fl.Key))
		if v == "" || !filterable(fl) {
			continue
		}
		switch fl.Kind {
		case facility.Enum:
			o, ok := fl.Option(v)
			if !ok {
				return f, badRequest("err.bad_filter", fl.Key, v)
			}
			v = o.Code
		case facility.Bool:
			b, m := facility.ParseValue(fl, v, nil)
			if m != nil {
				return f, badRequest("err.bad_filter", fl.Key, v)
			}
			v = "0"
			if b.(bool) {
				v = "1"
			}
		case facility.Int:
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				return f, badRequest("err.bad_filter", fl.Key, v)
			}
		}
		f.Equal[fl.Key] = v
	}
	return f, nil
}

func (f filter) query() store.Query {
	return store.Query{Region: f.Region, AsOf: f.AsOf, Text: f.Text, Equal: f.Equal}
}

// values returns the filter as URL parameters, leaving out today's date.
func (s *Server) values(f filter) url.Values {
	v := url.Values{}
	if f.Region != "" {
		v.Set("region", f.Region)
	}
	if a := s.asOfParam(f.AsOf); a != "" {
		v.Set("as_of", a)
	}
	if f.Text != "" {
		v.Set("q", f.Text)
	}
	for k, x := range f.Equal {
		v.Set(k, x)
	}
	return v
}

func withQuery(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

type optionView struct {
	Value, Label string
	Selected     bool
}

type selectView struct {
	Key, Label string
	Options    []optionView
	Active     bool
}

type listRow struct {
	Code, URL, Name string
	Region          region.Division
	RegionOK        bool
	RegionURL       string
	Parent          string
	Cells           []string
}

type pageLink struct {
	N       int
	URL     string
	Current bool
	Gap     bool
}

type listPage struct {
	Page
	Schema      *facility.Schema
	Label       string
	Filter      filter
	RegionDiv   region.Division
	RegionOK    bool
	Selects     []selectView
	MoreSelects []selectView
	MoreOpen    bool
	Columns     []string
	Rows        []listRow
	Total       int
	From, To    int
	PageN       int
	Pages       int
	PageLinks   []pageLink
	Prev, Next  string
	ExportCSV   string
	ExportXLSX  string
	Error       string
	ResetURL    string
}

// listColumns are the fields a list shows besides name and region: the
// registry's first six others, which are its choices and main figures.
func listColumns(sc *facility.Schema) []int {
	var idx []int
	for i, f := range sc.Fields {
		if f.Key == "name" || f.Kind == facility.Region {
			continue
		}
		if len(idx) == 6 {
			break
		}
		idx = append(idx, i)
	}
	return idx
}

// facilityList lists a registry's facilities in effect on a date, filtered
// and paginated.
func (s *Server) facilityList(w http.ResponseWriter, r *http.Request) error {
	sc, err := schemaOf(r)
	if err != nil {
		return err
	}
	lang := langOf(r)
	cat := s.tmpl.cat[lang]
	p := listPage{Page: s.newPage(r, sc.Label(lang), sc.Name), Schema: sc, Label: sc.Label(lang)}
	p.ResetURL = "/facilities/" + sc.Name
	status := http.StatusOK
	f, ferr := s.parseFilter(r, sc)
	if ferr != nil {
		e := errorOf(ferr)
		if e.kind != kindBadRequest {
			return ferr
		}
		// A bad filter is shown above the form, which keeps what was typed.
		status = e.kind.status()
		p.Error = s.message(e, lang)
		// Show what was typed, so that it can be corrected.
		f.Text = strings.TrimSpace(r.URL.Query().Get("q"))
		f.Region = strings.TrimSpace(r.URL.Query().Get("region"))
		if f.AsOf == "" {
			f.AsOf = s.today()
		}
	}
	p.Filter = f
	p.AsOf = f.AsOf
	if f.Region != "" {
		p.RegionDiv, p.RegionOK = s.tree().Get(f.Region)
	}
	for _, fl := range sc.Fields {
		if !(fl.Kind == facility.Enum || fl.Kind == facility.Bool) {
			continue
		}
		sv := selectView{Key: fl.Key, Label: fl.Label(lang)}
		sv.Options = append(sv.Options, optionView{Value: "", Label: cat.T("filter.any")})
		opts := fl.Options
		if fl.Kind == facility.Bool {
			opts = []facility.Option{{Code: "1", ZH: "是", EN: "yes"}, {Code: "0", ZH: "否", EN: "no"}}
		}
		for _, o := range opts {
			label := o.ZH
			if lang == "en" {
				label = o.EN
			}
			sel := f.Equal[fl.Key] == o.Code
			sv.Active = sv.Active || sel
			sv.Options = append(sv.Options, optionView{Value: o.Code, Label: label, Selected: sel})
		}
		// Choices go in the form; the many yes/no services of a hospital
		// under "more filters", opened when one is in use.
		if fl.Kind == facility.Enum {
			p.Selects = append(p.Selects, sv)
		} else {
			p.MoreSelects = append(p.MoreSelects, sv)
			p.MoreOpen = p.MoreOpen || sv.Active
		}
	}
	cols := listColumns(sc)
	for _, i := range cols {
		p.Columns = append(p.Columns, sc.Fields[i].Label(lang))
	}
	if p.Error != "" {
		return s.render(w, r, status, "facilities", p)
	}
	p.PageN = 1
	if n, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && n > 1 {
		p.PageN = n
	}
	q := f.query()
	q.Limit, q.Offset = pageSize, (p.PageN-1)*pageSize
	recs, total, err := s.facilities(r.Context(), principalOf(r), sc, q)
	if err != nil {
		return err
	}
	p.Total = total
	p.Pages = max(1, (total+pageSize-1)/pageSize)
	if len(recs) > 0 {
		p.From, p.To = q.Offset+1, q.Offset+len(recs)
	}
	vals := s.values(f)
	asOfQ := s.asOfParam(f.AsOf)
	ri := sc.RegionField()
	for _, rec := range recs {
		row := listRow{
			Code: rec.Code,
			URL:  link("/facilities/"+sc.Name+"/"+url.PathEscape(rec.Code), "as_of", asOfQ),
			Name: rec.String(sc, "name"),
		}
		rcode, _ := rec.Values[ri].(string)
		row.Region, row.RegionOK = s.tree().Get(rcode)
		if !row.RegionOK {
			row.Region = region.Division{Code: rcode, Name: rcode, NameEn: rcode}
		}
		row.RegionURL = link("/regions/"+rcode, "as_of", asOfQ)
		if pd, ok := s.tree().Get(row.Region.Parent); ok && pd.Level > region.Country {
			row.Parent = regionName(pd, lang)
		}
		for _, i := range cols {
			row.Cells = append(row.Cells, facility.FormatValue(sc.Fields[i], rec.Values[i], lang))
		}
		p.Rows = append(p.Rows, row)
	}
	pageURL := func(n int) string {
		v := url.Values{}
		for k, x := range vals {
			v[k] = x
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		return withQuery("/facilities/"+sc.Name, v)
	}
	if p.PageN > 1 {
		p.Prev = pageURL(p.PageN - 1)
	}
	if p.PageN < p.Pages {
		p.Next = pageURL(p.PageN + 1)
	}
	last := 0
	for n := 1; n <= p.Pages; n++ {
		if n == 1 || n == p.Pages || (n >= p.PageN-2 && n <= p.PageN+2) {
			if last != 0 && n > last+1 {
				p.PageLinks = append(p.PageLinks, pageLink{Gap: true})
			}
			p.PageLinks = append(p.PageLinks, pageLink{N: n, URL: pageURL(n), Current: n == p.PageN})
			last = n
		}
	}
	p.ExportCSV = withQuery("/export/"+sc.Name+".csv", vals)
	p.ExportXLSX = withQuery("/export/"+sc.Name+".xlsx", vals)
	return s.render(w, r, status, "facilities", p)
}

type fieldRow struct {
	Label, Value, Since string
}

type changeView struct {
	Field, From, To string
}

type versionRow struct {
	ValidFrom string
	Closed    bool
	First     bool
	Current   bool
	Changes   []changeView
}

type facilityPage struct {
	Page
	Schema     *facility.Schema
	Label      string
	ListURL    string
	Code       string
	Name       string
	InEffect   bool
	Notice     string
	Breadcrumb []crumb
	Fields     []fieldRow
	Versions   []versionRow
}

// facilityPage shows one facility as of a date, each field with the date
// since which it holds, and its full history.
func (s *Server) facilityPage(w http.ResponseWriter, r *http.Request) error {
	sc, err := schemaOf(r)
	if err != nil {
		return err
	}
	code := r.PathValue("code")
	asOf, err := s.parseAsOf(r, "as_of")
	if err != nil {
		return err
	}
	h, err := s.st.History(r.Context(), sc, code)
	if err != nil {
		return err
	}
	lang := langOf(r)
	cat := s.tmpl.cat[lang]
	cur, ok := h.AsOf(asOf)
	shown := cur
	switch {
	case ok:
	case asOf < h[0].ValidFrom:
		shown = h[0]
	default:
		shown = cur // the closed version, with the attributes it had
	}
	name := shown.String(sc, "name")
	p := facilityPage{
		Page: s.newPage(r, name, sc.Name), Schema: sc, Label: sc.Label(lang),
		ListURL: link("/facilities/"+sc.Name, "as_of", s.asOfParam(asOf)),
		Code:    code, Name: name, InEffect: ok,
	}
	p.AsOf = asOf
	switch {
	case ok:
	case asOf < h[0].ValidFrom:
		p.Notice = cat.T("facility.not_yet", asOf, h[0].ValidFrom)
	default:
		p.Notice = cat.T("facility.closed_on", cur.ValidFrom)
	}
	if d, found := s.tree().Get(shown.Region(sc)); found {
		for _, a := range append(s.tree().Ancestors(d.Code), d) {
			c := crumb{Name: regionName(a, lang)}
			if inScope(s.tree(), principalOf(r), a.Code) {
				c.URL = link("/regions/"+a.Code, "as_of", s.asOfParam(asOf))
			}
			p.Breadcrumb = append(p.Breadcrumb, c)
		}
	}
	var since []string
	if ok {
		since = h.Since(asOf)
	}
	for i, f := range sc.Fields {
		row := fieldRow{Label: f.Label(lang), Value: facility.FormatValue(f, shown.Values[i], lang)}
		if f.Kind == facility.Region {
			if d, found := s.tree().Get(row.Value); found {
				row.Value = row.Value + " " + regionName(d, lang)
			}
		}
		if since != nil {
			row.Since = since[i]
		}
		p.Fields = append(p.Fields, row)
	}
	for i := len(h) - 1; i >= 0; i-- {
		v := versionRow{ValidFrom: h[i].ValidFrom, Closed: h[i].Closed, First: i == 0,
			Current: ok && h[i].ValidFrom == cur.ValidFrom}
		if i > 0 {
			for _, d := range sc.Diff(h[i-1], h[i]) {
				v.Changes = append(v.Changes, s.changeView(sc, d, lang))
			}
		}
		p.Versions = append(p.Versions, v)
	}
	return s.render(w, r, http.StatusOK, "facility", p)
}

// changeView formats one changed attribute for people.
func (s *Server) changeView(sc *facility.Schema, d facility.FieldChange, lang string) changeView {
	cat := s.tmpl.cat[lang]
	if d.Field == "closed" {
		from, to := cat.T("facility.open"), cat.T("facility.closed")
		if b, _ := d.From.(bool); b {
			from, to = to, from
		}
		return changeView{Field: cat.T("facility.status"), From: from, To: to}
	}
	i := sc.Index(d.Field)
	if i < 0 {
		return changeView{Field: d.Field, From: formatAny(d.From), To: formatAny(d.To)}
	}
	f := sc.Fields[i]
	return changeView{Field: f.Label(lang), From: formatField(f, d.From, lang), To: formatField(f, d.To, lang)}
}

// formatField formats a value that may have come back from JSON (a
// float64 for an integer).
func formatField(f facility.Field, v any, lang string) string {
	if x, ok := v.(float64); ok && f.Kind == facility.Int {
		v = int64(x)
	}
	if v == nil {
		return ""
	}
	return facility.FormatValue(f, v, lang)
}

func formatAny(v any) string {
	if v == nil {
		return ""
	}
	switch v := v.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}
