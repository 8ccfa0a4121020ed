package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// pageNames are the pages, one template file each besides layout.html.
var pageNames = []string{"region", "facilities", "facility", "search", "import", "import_report", "error", "login", "account", "audit", "responsibles", "hotlines",
	"conferences", "public_conferences", "lectures", "lecture_quota"}

// templates holds every page parsed once per language, with the language's
// functions (t, label, …) bound at parse time, so that templates need not
// pass the language around.
type templates struct {
	cat   map[string]catalog
	pages map[string]map[string]*template.Template // lang → page → template
}

func loadTemplates(funcs func(lang string, c catalog) template.FuncMap) (*templates, error) {
	cats, err := loadCatalogs()
	if err != nil {
		return nil, err
	}
	t := &templates{cat: cats, pages: map[string]map[string]*template.Template{}}
	for _, l := range langs {
		t.pages[l] = map[string]*template.Template{}
		for _, p := range pageNames {
			tp, err := template.New("layout.html").Funcs(funcs(l, cats[l])).ParseFS(templateFiles, "templates/layout.html", "templates/"+p+".html")
			if err != nil {
				return nil, err
			}
			t.pages[l][p] = tp
		}
	}
	return t, nil
}

// funcs returns the template functions of one language.
func (s *Server) funcs(lang string, c catalog) template.FuncMap {
	return template.FuncMap{
		"t":     c.T,
		"num":   formatNumber,
		"rname": func(d region.Division) string { return regionName(d, lang) },
		"label": func(v any) string { return labelOf(v, lang) },
		"add":   func(a, b int) int { return a + b },
	}
}

// labelOf returns the name of a domain value in lang.
func labelOf(v any, lang string) string {
	switch v := v.(type) {
	case *facility.Schema:
		return v.Label(lang)
	case facility.Field:
		return v.Label(lang)
	case facility.Change:
		return v.Label(lang)
	case region.Level:
		return v.Label(lang)
	case region.Kind:
		return v.Label(lang)
	case region.PopulationSource:
		return v.Label(lang)
	}
	return fmt.Sprint(v)
}

// regionName is a unit's name in lang: the official Chinese name, or its
// pinyin in English.
func regionName(d region.Division, lang string) string {
	if lang == "en" && d.NameEn != "" {
		return d.NameEn
	}
	return d.Name
}

// formatNumber writes an integer with thousands separators: 1,411,778,724.
func formatNumber(v any) string {
	var n int64
	switch v := v.(type) {
	case int:
		n = int64(v)
	case int64:
		n = v
	case float64:
		// A number that went through JSON, as in a kept import report.
		if v != float64(int64(v)) {
			return fmt.Sprint(v)
		}
		n = int64(v)
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Page is what the layout needs of every page.
type Page struct {
	Lang     string
	HTMLLang string
	Title    string
	Nav      string // the active item of the navigation
	Today    string
	AsOf     string
	// Other is the other language and SwitchURL the current page in it.
	Other         string
	SwitchURL     string
	NavRegistries []navItem
	Version       string
	StaticV       string
	Query         string // the header search box
	// User and Role name the logged-in caller in the header; empty for
	// anonymous visitors. CSRF is the session's value every form carries.
	User string
	Role string
	Home string
	CSRF string
	// CanImport shows the import link to callers the import routes allow.
	CanImport bool
	// CanAudit shows the audit trail link to auditors.
	CanAudit bool
	// CanDashboard shows the commitments dashboard (实事进展) to callers
	// who read aggregates; CanFigures the reported figures (上报审核) to
	// those who submit or approve them.
	CanDashboard bool
	CanFigures   bool
}

type navItem struct {
	Key, Label, URL string
}

// newPage fills the layout's data for a request.
func (s *Server) newPage(r *http.Request, title, nav string) Page {
	lang := langOf(r)
	other := "en"
	if lang == "en" {
		other = "zh"
	}
	q := r.URL.Query()
	q.Set("lang", other)
	switchURL := r.URL.Path + "?" + q.Encode()
	if r.Method != http.MethodGet {
		// A page that answers a form (the import steps) cannot be
		// fetched again; switch on the form instead.
		switchURL = "/import?lang=" + other
	}
	p := Page{
		Lang: lang, HTMLLang: htmlLang(lang), Title: title, Nav: nav,
		Today: s.today(), AsOf: s.today(),
		Other: other, SwitchURL: switchURL,
		Version: s.version, StaticV: s.staticVersion,
	}
	if c := callerOf(r); c.p.Role != 0 {
		p.User = c.user.DisplayName
		if p.User == "" {
			p.User = c.user.Username
		}
		p.Role = c.p.Role.Label(lang)
		p.Home = "/regions/" + scopeRegion(c.p)
		if c.p.Role.Binding() == auth.BoundToInstitution {
			p.Home = "/facilities/" + c.p.Role.Registry() + "/" + c.p.Institution
		}
		if c.session != nil {
			p.CSRF = c.session.CSRF
		}
		p.CanAudit = c.p.Role.Has(auth.ReadAudit)
		p.CanDashboard = c.p.Role.Has(auth.ReadAggregates) && c.p.Role.Binding() != auth.BoundToInstitution
		p.CanFigures = p.CanDashboard && (c.p.Role.Has(auth.SubmitFigures) || c.p.Role.Has(auth.ApproveFigures))
		p.CanImport = auth.Allow(s.tree(), c.p, auth.Import, auth.Target{Region: region.CountryCode}).Allowed
	}
	for _, sc := range facility.Registries() {
		p.NavRegistries = append(p.NavRegistries, navItem{Key: sc.Name, Label: sc.Label(lang), URL: "/facilities/" + sc.Name})
	}
	return p
}

// render writes a page. The page is rendered into a buffer first, so that
// a template error becomes a clean 500 and not half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) error {
	t := s.tmpl.pages[langOf(r)][name]
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

type errorPage struct {
	Page
	Status  int
	Message string
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, e *webError) {
	lang := langOf(r)
	p := errorPage{Page: s.newPage(r, s.tmpl.cat[lang].T("error.title"), ""), Status: e.kind.status(), Message: s.message(e, lang)}
	if err := s.render(w, r, p.Status, "error", p); err != nil {
		http.Error(w, p.Message, p.Status)
	}
}

// staticHandler serves the embedded CSS and JS. URLs carry a hash of the
// files, so a long cache lifetime is safe.
func (s *Server) staticHandler() http.Handler {
	fsrv := http.FileServerFS(s.static)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") || r.URL.Path == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		fsrv.ServeHTTP(w, r)
	})
}

// hashFS returns a short hash of every file in fsys.
func hashFS(fsys fs.FS) string {
	h := sha256.New()
	fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		h.Write([]byte(p))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:10]
}

// link builds path?query from pairs of names and values, leaving out empty
// values, so that links carry only the filters in use.
func link(path string, pairs ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			v.Add(pairs[i], pairs[i+1])
		}
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// asOfParam returns the as-of date for a link: empty when it is today, so
// that links stay short and follow the calendar.
func (s *Server) asOfParam(asOf string) string {
	if asOf == s.today() {
		return ""
	}
	return asOf
}

// parseAsOf reads the as_of parameter; empty means today.
func (s *Server) parseAsOf(r *http.Request, name string) (string, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if v == "" {
		return s.today(), nil
	}
	d, err := facility.ParseDate(v)
	if err != nil {
		return "", badRequest("err.bad_date", name, v)
	}
	return d, nil
}
