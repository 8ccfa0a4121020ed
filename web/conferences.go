package web

// The seasonal health press conferences (“时令节气与健康”健康知识发布会,
// commitment 8 of 国卫办函〔2025〕25号: at least 20 in 2025): the year's plan
// and record on the 24 solar terms, the form that plans or records one, the
// Excel/CSV import and export, the JSON API, the public page with the
// current term's health advice, and the iCalendar feed. The plan is the
// whole country's: the commission's reporters write it (SubmitFigures for
// the country), everyone who reads aggregates reads it, and the public
// page and the feed publish it to anyone.

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/conference"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/importer"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/season"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/table"
)

// conferenceTargets are the numbers of conferences the notices ask for, by
// year: 2025's “不少于20场”.
var conferenceTargets = map[int]int{2025: 20}

const (
	// maxConferenceUpload bounds an uploaded plan: 24 rows a year.
	maxConferenceUpload = 4 << 20
	// maxConferenceForm bounds the form: a theme, the advice, a panel.
	maxConferenceForm = 64 << 10
	// conferenceExpertRows is how many empty expert rows the form offers
	// beyond the panel it shows.
	conferenceExpertRows = 3
)

// conferenceRoutes are the pages and API of the seasonal health press
// conferences (时令节气与健康): the plan and record, the public page and the
// iCalendar feed.
func (s *Server) conferenceRoutes() []route {
	read := rule{auth.ReadAggregates, targetScope}
	// Writes are the commission's: SubmitFigures for the whole country.
	write := rule{auth.SubmitFigures, targetCountry}
	pub := rule{auth.Public, targetPublic}
	return []route{
		{pattern: "GET /conferences", rule: read, h: s.conferencesPage},
		{pattern: "GET /conferences/export", rule: rule{auth.Export, targetScope}, h: s.conferencesExport},
		{pattern: "GET /conferences/template", rule: write, h: s.conferencesTemplate},
		{pattern: "POST /conferences/import", rule: write, h: s.conferencesImport},
		{pattern: "GET /conferences/{year}/{term}", rule: write, h: s.conferenceForm},
		{pattern: "POST /conferences/{year}/{term}", rule: write, h: s.conferenceSave},
		{pattern: "POST /conferences/{year}/{term}/delete", rule: write, h: s.conferenceDelete},

		{pattern: "GET /api/conferences", rule: read, api: true,
			summary: "A year's seasonal health press conferences (?year=, default this year) with the count held and the year's target", h: s.apiConferences},
		{pattern: "PUT /api/conferences/{year}/{term}", rule: write, api: true,
			summary: "Plan or record the press conference of a year's solar term ({term} 1–24, 小寒 = 1): the whole conference, validated", h: s.apiPutConference},

		{pattern: "GET /public/conferences", rule: pub, h: s.publicConferences},
		{pattern: "GET /public/conferences/{year}", rule: pub, h: s.publicConferencesYear},
		{pattern: "GET /public/conferences.ics", rule: pub, h: s.conferencesICS},
	}
}

// thisYear is the current year in China.
func (s *Server) thisYear() int { return s.now().In(chinaTime).Year() }

// conferenceYear reads a year: the path value or ?year=, this year when
// empty. A year outside the solar terms' range is an error.
func (s *Server) conferenceYear(v string) (int, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return s.thisYear(), nil
	}
	y, err := strconv.Atoi(v)
	if err != nil || y < season.MinYear || y > season.MaxYear {
		return 0, badRequest("conf.bad_year", v, season.MinYear, season.MaxYear)
	}
	return y, nil
}

// yearTerm reads the {year} and {term} of a conference route; a bad one
// is a missing page. {term} is the number, the Chinese name or the pinyin.
func (s *Server) yearTerm(r *http.Request) (int, season.Term, error) {
	y, err := strconv.Atoi(r.PathValue("year"))
	if err != nil || y < season.MinYear || y > season.MaxYear {
		return 0, season.Term{}, notFound("conf.no_conference", r.PathValue("year"), r.PathValue("term"))
	}
	t, ok := importer.ParseTerm(r.PathValue("term"))
	if !ok {
		return 0, season.Term{}, notFound("conf.no_conference", r.PathValue("year"), r.PathValue("term"))
	}
	return y, t, nil
}

// termName is a term's name in lang: Chinese, or its pinyin.
func termName(t season.Term, lang string) string {
	if lang == "en" {
		return t.Pinyin
	}
	return t.Name
}

func labelName(ls []conference.Label, code, lang string) string {
	for _, l := range ls {
		if l.Code == code {
			return l.Name(lang)
		}
	}
	return code
}

// confExpertView is an expert as the pages show them.
type confExpertView struct {
	Field, FieldName, Name, Affiliation string
}

func expertViews(es []conference.Expert, lang string) []confExpertView {
	out := make([]confExpertView, len(es))
	for i, e := range es {
		out[i] = confExpertView{Field: e.Field, FieldName: labelName(conference.Fields, e.Field, lang), Name: e.Name, Affiliation: e.Affiliation}
	}
	return out
}

// confView is a conference as the pages show it.
type confView struct {
	conference.Conference
	ThemeText, AdviceText string
	// ThemeLang is "zh-CN" when the English page shows the Chinese
	// theme for want of an English one.
	ThemeLang   string
	Experts     []confExpertView
	StatusLabel string
	ReachText   string
}

func newConfView(c conference.Conference, lang string) confView {
	v := confView{Conference: c, ThemeText: c.Theme, AdviceText: c.Advice, Experts: expertViews(c.Experts, lang),
		StatusLabel: labelName(conference.Statuses, string(c.Status), lang)}
	if lang == "en" {
		if c.ThemeEN != "" {
			v.ThemeText = c.ThemeEN
		} else {
			v.ThemeLang = "zh-CN"
		}
		if c.AdviceEN != "" {
			v.AdviceText = c.AdviceEN
		}
	}
	if c.Reach != 0 {
		v.ReachText = formatNumber(c.Reach)
	}
	return v
}

// confTermRow is one solar term of the year on the register page.
type confTermRow struct {
	Term     season.Term
	Name     string
	Moment   string
	Official bool
	Current  bool
	C        *confView
	EditURL  string
}

type conferencesPage struct {
	Page
	Year                     int
	Years                    []int
	Rows                     []confTermRow
	Held, Planned, Cancelled int
	Target                   int
	TargetMet                bool
	CanEdit, CanExport       bool
	ExportXLSX, ExportCSV    string
	TemplateXLSX, Template   string
	PublicURL, ICSURL        string
	Saved, Deleted           string
	// The result of an upload.
	Error    string
	Rep      *importer.Report
	Rejected int
	Errors   []rowErrorView
	More     int
	Rejects  string
	Partial  bool
	// Form is set on the form page.
	Form *confForm
}

// conferencesPage is GET /conferences?year=: the year's 24 terms with
// their moments and conferences, the count held against the year's
// target, the downloads and, for the commission's reporters, the links to
// edit and the upload form.
func (s *Server) conferencesPage(w http.ResponseWriter, r *http.Request) error {
	year, err := s.conferenceYear(r.URL.Query().Get("year"))
	if err != nil {
		return err
	}
	p, err := s.newConferencesPage(r, year)
	if err != nil {
		return err
	}
	lang := langOf(r)
	for _, key := range []string{"saved", "deleted"} {
		if t, ok := importer.ParseTerm(r.URL.Query().Get(key)); ok {
			if key == "saved" {
				p.Saved = termName(t, lang)
			} else {
				p.Deleted = termName(t, lang)
			}
		}
	}
	return s.render(w, r, http.StatusOK, "conferences", p)
}

func (s *Server) newConferencesPage(r *http.Request, year int) (conferencesPage, error) {
	lang := langOf(r)
	cat := s.tmpl.cat[lang]
	p := conferencesPage{Page: s.newPage(r, cat.T("conf.title"), "conferences"), Year: year, Target: conferenceTargets[year]}
	p.SwitchURL = link("/conferences", "year", strconv.Itoa(year), "lang", p.Other)
	moments, err := season.Terms(year)
	if err != nil {
		return p, badRequest("conf.bad_year", strconv.Itoa(year), season.MinYear, season.MaxYear)
	}
	cs, err := s.st.Conferences(r.Context(), year)
	if err != nil {
		return p, err
	}
	byTerm := map[int]conference.Conference{}
	for _, c := range cs {
		byTerm[c.Term] = c
	}
	cur, _ := season.Current(s.now())
	tree, pr := s.tree(), principalOf(r)
	p.CanEdit = auth.Allow(tree, pr, auth.SubmitFigures, auth.Target{Region: region.CountryCode}).Allowed
	p.CanExport = auth.Allow(tree, pr, auth.Export, pr.Scope()).Allowed
	for _, m := range moments {
		row := confTermRow{Term: m.Term, Name: termName(m.Term, lang), Moment: m.At.Format("2006-01-02 15:04"),
			Official: m.Source == season.Official, Current: cur.At.Equal(m.At)}
		if c, ok := byTerm[m.Term.Index]; ok {
			v := newConfView(c, lang)
			row.C = &v
			switch c.Status {
			case conference.Held:
				p.Held++
			case conference.Planned:
				p.Planned++
			case conference.Cancelled:
				p.Cancelled++
			}
		}
		if p.CanEdit {
			row.EditURL = "/conferences/" + strconv.Itoa(year) + "/" + strconv.Itoa(m.Term.Index)
		}
		p.Rows = append(p.Rows, row)
	}
	p.TargetMet = p.Target > 0 && p.Held >= p.Target
	this := s.thisYear()
	p.Years = []int{this - 1, this, this + 1}
	if !slices.Contains(p.Years, year) {
		p.Years = append(p.Years, year)
		slices.Sort(p.Years)
	}
	y := strconv.Itoa(year)
	if p.CanExport {
		p.ExportXLSX = link("/conferences/export", "year", y, "format", "xlsx")
		p.ExportCSV = link("/conferences/export", "year", y, "format", "csv")
	}
	if p.CanEdit {
		p.TemplateXLSX = link("/conferences/template", "year", y, "format", "xlsx")
		p.Template = link("/conferences/template", "year", y, "format", "csv")
	}
	p.PublicURL = "/public/conferences/" + y
	p.ICSURL = link("/public/conferences.ics", "year", y)
	return p, nil
}

// ----- the form -----

// confExpertRow is one row of the form's panel, as typed.
type confExpertRow struct {
	Field, Name, Affiliation string
}

// confFormValues are the form's values as typed, so that a rejected form
// comes back with the user's input.
type confFormValues struct {
	Date, Time, Theme, ThemeEN, Advice, AdviceEN, Status, HeldOn, RecordingURL, Reach string
	Experts                                                                           []confExpertRow
	ExpertsText                                                                       string
}

type confOption struct {
	Code, Name string
}

type confForm struct {
	Year         int
	Term         season.Term
	TermName     string
	Moment       string
	Official     bool
	From, To     string
	Exists       bool
	V            confFormValues
	Errors       map[string][]string
	Fields       []confOption
	Statuses     []confOption
	Action       string
	DeleteAction string
	BackURL      string
}

// conferenceForm is GET /conferences/{year}/{term}: the conference of the
// term, or an empty one to plan.
func (s *Server) conferenceForm(w http.ResponseWriter, r *http.Request) error {
	year, term, err := s.yearTerm(r)
	if err != nil {
		return err
	}
	c, err := s.st.Conference(r.Context(), year, term.Index)
	exists := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if !exists {
		c = conference.Conference{Year: year, Term: term.Index, Time: "15:00", Status: conference.Planned}
	}
	return s.showConferenceForm(w, r, http.StatusOK, year, term, exists, formValues(c), nil)
}

// formValues are a stored conference's values as the form shows them.
func formValues(c conference.Conference) confFormValues {
	v := confFormValues{Date: c.Date, Time: c.Time, Theme: c.Theme, ThemeEN: c.ThemeEN, Advice: c.Advice, AdviceEN: c.AdviceEN,
		Status: string(c.Status), HeldOn: c.HeldOn, RecordingURL: c.RecordingURL}
	if c.Reach != 0 {
		v.Reach = strconv.FormatInt(c.Reach, 10)
	}
	for _, e := range c.Experts {
		v.Experts = append(v.Experts, confExpertRow{Field: e.Field, Name: e.Name, Affiliation: e.Affiliation})
	}
	return v
}

func (s *Server) showConferenceForm(w http.ResponseWriter, r *http.Request, status, year int, term season.Term, exists bool, v confFormValues, errs map[string][]string) error {
	lang := langOf(r)
	p, err := s.newConferencesPage(r, year)
	if err != nil {
		return err
	}
	p.Title = s.tmpl.cat[lang].T("conf.form_title", year, termName(term, lang))
	y, n := strconv.Itoa(year), strconv.Itoa(term.Index)
	p.SwitchURL = link("/conferences/"+y+"/"+n, "lang", p.Other)
	f := &confForm{Year: year, Term: term, TermName: termName(term, lang), Exists: exists, V: v, Errors: errs,
		Action: "/conferences/" + y + "/" + n, DeleteAction: "/conferences/" + y + "/" + n + "/delete",
		BackURL: link("/conferences", "year", y)}
	row := p.Rows[term.Index-1]
	f.Moment, f.Official = row.Moment, row.Official
	f.From, f.To, _ = conference.Window(year, term.Index)
	for _, l := range conference.Fields {
		f.Fields = append(f.Fields, confOption{l.Code, l.Name(lang)})
	}
	for _, l := range conference.Statuses {
		f.Statuses = append(f.Statuses, confOption{l.Code, l.Name(lang)})
	}
	for range conferenceExpertRows {
		f.V.Experts = append(f.V.Experts, confExpertRow{})
	}
	p.Form = f
	return s.render(w, r, status, "conferences", p)
}

// conferenceSave is POST /conferences/{year}/{term}: plan or record the
// conference. The panel comes as rows of field, name and affiliation, or
// in the one-cell form of the Excel plan (which then replaces the rows).
// A rejected form comes back with the input and the errors beside the
// fields.
func (s *Server) conferenceSave(w http.ResponseWriter, r *http.Request) error {
	year, term, err := s.yearTerm(r)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxConferenceForm)
	if err := r.ParseForm(); err != nil {
		return badRequest("err.bad_form")
	}
	f := r.PostForm
	v := confFormValues{Date: f.Get("date"), Time: f.Get("time"), Theme: f.Get("theme"), ThemeEN: f.Get("theme_en"),
		Advice: f.Get("advice"), AdviceEN: f.Get("advice_en"), Status: f.Get("status"), HeldOn: f.Get("held_on"),
		RecordingURL: f.Get("recording_url"), Reach: strings.TrimSpace(f.Get("reach")), ExpertsText: strings.TrimSpace(f.Get("experts_text"))}
	fields, names, affs := f["expert_field"], f["expert_name"], f["expert_affiliation"]
	for i := range names {
		row := confExpertRow{Name: names[i]}
		if i < len(fields) {
			row.Field = fields[i]
		}
		if i < len(affs) {
			row.Affiliation = affs[i]
		}
		if strings.TrimSpace(row.Name) == "" && strings.TrimSpace(row.Affiliation) == "" {
			continue
		}
		v.Experts = append(v.Experts, row)
	}
	before, err := s.st.Conference(r.Context(), year, term.Index)
	exists := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	c, fes := conferenceFromForm(before, year, term.Index, v, s.today())
	if len(fes) > 0 {
		errs := map[string][]string{}
		lang := langOf(r)
		for _, fe := range fes {
			errs[fe.Field] = append(errs[fe.Field], fe.Msg.In(lang))
		}
		if v.ExpertsText != "" && errs["experts"] == nil {
			// The rows show what the text box said.
			v.Experts = nil
			for _, e := range c.Experts {
				v.Experts = append(v.Experts, confExpertRow{Field: e.Field, Name: e.Name, Affiliation: e.Affiliation})
			}
			v.ExpertsText = ""
		}
		return s.showConferenceForm(w, r, http.StatusUnprocessableEntity, year, term, exists, v, errs)
	}
	if !exists || len(importer.ConferenceDiff(before, c)) > 0 {
		if _, err := s.st.PutConferences(r.Context(), []conference.Conference{c}, s.today(), s.conferenceActor(r)); err != nil {
			return err
		}
	}
	http.Redirect(w, r, link("/conferences", "year", strconv.Itoa(year), "saved", strconv.Itoa(term.Index))+"#term-"+strconv.Itoa(term.Index), http.StatusSeeOther)
	return nil
}

// conferenceActor is the audit entry's caller; the store fills in the
// action, the object and the record.
func (s *Server) conferenceActor(r *http.Request) audit.Entry {
	p := principalOf(r)
	return audit.Entry{Actor: p.UserID, ActorRole: p.Role.String(), RequestID: requestID(r), At: s.now()}
}

// conferenceFromForm builds the conference the form describes on the
// stored one (whose record date it keeps), normalized, and returns it with
// every problem: values that do not parse and conference.Validate's.
func conferenceFromForm(before conference.Conference, year, term int, v confFormValues, today string) (conference.Conference, []fieldError) {
	c := before
	c.Year, c.Term = year, term
	c.Date, c.Time, c.Theme, c.ThemeEN = v.Date, v.Time, v.Theme, v.ThemeEN
	c.Advice, c.AdviceEN, c.Status, c.HeldOn, c.RecordingURL = v.Advice, v.AdviceEN, conference.Status(v.Status), v.HeldOn, v.RecordingURL
	c.Experts = nil
	var fes []fieldError
	bad := func(field, value, zh, en string) {
		fe := fieldError{Field: field, Value: value}
		fe.Msg.ZH, fe.Msg.EN = zh, en
		fes = append(fes, fe)
	}
	c.Reach = 0
	if v.Reach != "" {
		n, err := strconv.ParseInt(strings.NewReplacer(",", "", "，", "", " ", "").Replace(v.Reach), 10, 64)
		if err != nil {
			bad("reach", v.Reach, "传播量应为整数", "the reach must be a whole number")
		}
		c.Reach = n
	}
	if v.ExpertsText != "" {
		es, err := conference.ParseExperts(v.ExpertsText)
		if err != nil {
			bad("experts", v.ExpertsText, "专家应写作“领域：姓名（单位）”，多位以；分隔（"+err.Error()+"）",
				"write the experts as field: name (affiliation), separated by ; ("+err.Error()+")")
		}
		c.Experts = es
	} else {
		for _, e := range v.Experts {
			c.Experts = append(c.Experts, conference.Expert{Field: e.Field, Name: e.Name, Affiliation: e.Affiliation})
		}
	}
	if len(fes) > 0 {
		return c, fes
	}
	c.Normalize()
	if err := c.Validate(today); err != nil {
		var es facility.FieldErrors
		if !errors.As(err, &es) {
			bad("term", strconv.Itoa(term), err.Error(), err.Error())
		}
		for _, e := range es {
			bad(e.Field, "", e.Msg.ZH, e.Msg.EN)
		}
	}
	return c, fes
}

// conferenceDelete is POST /conferences/{year}/{term}/delete: a
// conference entered by mistake leaves the plan (one called off stays, as
// cancelled).
func (s *Server) conferenceDelete(w http.ResponseWriter, r *http.Request) error {
	year, term, err := s.yearTerm(r)
	if err != nil {
		return err
	}
	err = s.st.DeleteConference(r.Context(), year, term.Index, s.conferenceActor(r))
	if errors.Is(err, store.ErrNotFound) {
		return notFound("conf.no_conference", strconv.Itoa(year), termName(term, langOf(r)))
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, link("/conferences", "year", strconv.Itoa(year), "deleted", strconv.Itoa(term.Index)), http.StatusSeeOther)
	return nil
}

// ----- files -----

// conferencesExport is GET /conferences/export?year=&format=xlsx|csv: the
// year's plan in the import's columns, headers in the page's language.
func (s *Server) conferencesExport(w http.ResponseWriter, r *http.Request) error {
	year, f, err := s.conferenceFile(r)
	if err != nil {
		return err
	}
	cs, err := s.st.Conferences(r.Context(), year)
	if err != nil {
		return err
	}
	lang := langOf(r)
	name := s.tmpl.cat[lang].T("conf.file", year) + "." + f.String()
	return s.download(w, r, name, "conferences-"+strconv.Itoa(year)+"."+f.String(), f, func(dw io.Writer) error {
		return importer.ExportConferences(dw, cs, f, lang)
	})
}

// conferencesTemplate is GET /conferences/template?year=&format=: the
// year's 24 terms to fill in.
func (s *Server) conferencesTemplate(w http.ResponseWriter, r *http.Request) error {
	year, f, err := s.conferenceFile(r)
	if err != nil {
		return err
	}
	lang := langOf(r)
	name := s.tmpl.cat[lang].T("conf.template_file", year) + "." + f.String()
	return s.download(w, r, name, "conferences-template-"+strconv.Itoa(year)+"."+f.String(), f, func(dw io.Writer) error {
		return importer.ConferenceTemplate(dw, year, f, lang)
	})
}

// conferenceFile reads ?year= and ?format= (xlsx by default).
func (s *Server) conferenceFile(r *http.Request) (int, table.Format, error) {
	year, err := s.conferenceYear(r.URL.Query().Get("year"))
	if err != nil {
		return 0, 0, err
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "xlsx"
	}
	f, err := table.ParseFormat(format)
	if err != nil {
		return 0, 0, badRequest("err.bad_format", format)
	}
	return year, f, nil
}

// conferencesImport is POST /conferences/import: an uploaded plan, all or
// nothing or (partial) the valid rows, the rejected ones to download as a
// file with the reasons; the result is shown on the year's page. Rows
// without a year take the page's.
func (s *Server) conferencesImport(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxConferenceUpload)
	mr, err := r.MultipartReader()
	if err != nil {
		return badRequest("err.not_multipart")
	}
	yearText := r.URL.Query().Get("year")
	partial := false
	var token, name string
	var size int64
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return uploadError(err)
		}
		switch part.FormName() {
		case "year":
			yearText = smallValue(part)
		case "partial":
			partial = smallValue(part) != ""
		case "file":
			name = cleanFileName(part.FileName())
			if name == "" || token != "" {
				break
			}
			if token, err = s.uploads.create(""); err != nil {
				return err
			}
			if size, err = s.uploads.save(token, part); err != nil {
				return uploadError(err)
			}
		}
		part.Close()
	}
	year, err := s.conferenceYear(yearText)
	if err != nil {
		return err
	}
	p, err := s.newConferencesPage(r, year)
	if err != nil {
		return err
	}
	p.Partial = partial
	lang := langOf(r)
	if token == "" {
		p.Error = s.tmpl.cat[lang].T("import.no_file")
		return s.render(w, r, http.StatusBadRequest, "conferences", p)
	}
	m := uploadMeta{Registry: importer.ConferencesImport, Name: name, Size: size, Partial: partial, Created: s.now(), User: principalOf(r).UserID}
	if err := s.uploads.saveMeta(token, m); err != nil {
		return err
	}
	file, err := s.uploads.open(token)
	if err != nil {
		return err
	}
	defer file.Close()
	rep, ierr := importer.ImportConferences(r.Context(), s.st, name, file, importer.ConferenceOptions{
		Partial: partial, Today: s.today(), Year: year, Actor: s.conferenceActor(r)})
	status := http.StatusOK
	switch {
	case ierr == nil:
		s.audit(r, audit.Entry{Action: audit.Import, Object: importer.ConferencesImport + "/" + rep.File, Region: region.CountryCode,
			After: mustJSON(map[string]any{"file": rep.File, "rows": rep.Rows, "new": rep.New, "changed": rep.Changed,
				"unchanged": rep.Unchanged, "rejected": len(rep.Rejected), "partial": rep.Partial})})
	case errors.Is(ierr, importer.ErrRejected):
		status = http.StatusUnprocessableEntity
	case fileError(ierr, name):
		p.Error = ierr.Error()
		s.uploads.discard(token)
		return s.render(w, r, http.StatusBadRequest, "conferences", p)
	default:
		return ierr
	}
	// The page again, with what the import stored.
	if p, err = s.newConferencesPage(r, year); err != nil {
		return err
	}
	p.Partial = partial
	p.Rep, p.Rejected = rep, len(rep.Rejected)
	if p.Errors, p.More, p.Rejects, err = s.reportView(token, rep, lang); err != nil {
		return err
	}
	return s.render(w, r, status, "conferences", p)
}

// ----- JSON API -----

type conferenceJSON struct {
	Year         int                 `json:"year"`
	Term         int                 `json:"term"`
	TermName     string              `json:"term_name"`
	TermPinyin   string              `json:"term_pinyin"`
	Date         string              `json:"date"`
	Time         string              `json:"time"`
	Theme        string              `json:"theme"`
	ThemeEN      string              `json:"theme_en"`
	Experts      []conference.Expert `json:"experts"`
	Advice       string              `json:"advice"`
	AdviceEN     string              `json:"advice_en"`
	Status       string              `json:"status"`
	HeldOn       string              `json:"held_on"`
	RecordingURL string              `json:"recording_url"`
	Reach        int64               `json:"reach"`
	RecordedOn   string              `json:"recorded_on"`
	Revision     int                 `json:"revision"`
	UpdatedAt    string              `json:"updated_at"`
}

func newConferenceJSON(c conference.Conference) conferenceJSON {
	t := c.TermOf()
	j := conferenceJSON{Year: c.Year, Term: c.Term, TermName: t.Name, TermPinyin: t.Pinyin, Date: c.Date, Time: c.Time,
		Theme: c.Theme, ThemeEN: c.ThemeEN, Experts: c.Experts, Advice: c.Advice, AdviceEN: c.AdviceEN, Status: string(c.Status),
		HeldOn: c.HeldOn, RecordingURL: c.RecordingURL, Reach: c.Reach, RecordedOn: c.RecordedOn, Revision: c.Revision, UpdatedAt: c.UpdatedAt}
	if j.Experts == nil {
		j.Experts = []conference.Expert{}
	}
	return j
}

// apiConferences is GET /api/conferences?year=: the year's conferences in
// term order, with the count held and the year's target (0: none).
func (s *Server) apiConferences(w http.ResponseWriter, r *http.Request) error {
	year, err := s.conferenceYear(r.URL.Query().Get("year"))
	if err != nil {
		return err
	}
	cs, err := s.st.Conferences(r.Context(), year)
	if err != nil {
		return err
	}
	out := struct {
		Year        int              `json:"year"`
		Target      int              `json:"target"`
		Held        int              `json:"held"`
		Conferences []conferenceJSON `json:"conferences"`
	}{Year: year, Target: conferenceTargets[year], Conferences: []conferenceJSON{}}
	for _, c := range cs {
		if c.Status == conference.Held {
			out.Held++
		}
		out.Conferences = append(out.Conferences, newConferenceJSON(c))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// conferenceInput is the body of PUT /api/conferences/{year}/{term}; the
// panel is a list of {field, name, affiliation} or one string in the
// Excel plan's form.
type conferenceInput struct {
	Date         string          `json:"date"`
	Time         string          `json:"time"`
	Theme        string          `json:"theme"`
	ThemeEN      string          `json:"theme_en"`
	Experts      json.RawMessage `json:"experts"`
	Advice       string          `json:"advice"`
	AdviceEN     string          `json:"advice_en"`
	Status       string          `json:"status"`
	HeldOn       string          `json:"held_on"`
	RecordingURL string          `json:"recording_url"`
	Reach        json.Number     `json:"reach"`
}

// apiPutConference is PUT /api/conferences/{year}/{term}: the whole
// conference (fields left out are empty). 200 with the change ("new",
// "changed" or "unchanged") and the stored conference; 422 with the
// fields in error.
func (s *Server) apiPutConference(w http.ResponseWriter, r *http.Request) error {
	year, term, err := s.yearTerm(r)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	var in conferenceInput
	if err := dec.Decode(&in); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		return &webError{kind: kindBadRequest, key: "err.bad_json", args: []any{err.Error()}, err: err}
	}
	v := confFormValues{Date: in.Date, Time: in.Time, Theme: in.Theme, ThemeEN: in.ThemeEN, Advice: in.Advice, AdviceEN: in.AdviceEN,
		Status: in.Status, HeldOn: in.HeldOn, RecordingURL: in.RecordingURL, Reach: in.Reach.String()}
	if raw := bytes.TrimSpace(in.Experts); len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		var text string
		var list []conference.Expert
		switch {
		case json.Unmarshal(raw, &text) == nil:
			v.ExpertsText = strings.TrimSpace(text)
		case json.Unmarshal(raw, &list) == nil:
			for _, e := range list {
				v.Experts = append(v.Experts, confExpertRow{Field: e.Field, Name: e.Name, Affiliation: e.Affiliation})
			}
		default:
			return invalid([]fieldError{{Field: "experts", Msg: s.msg("conf.experts_json")}})
		}
	}
	before, err := s.st.Conference(r.Context(), year, term.Index)
	exists := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	c, fes := conferenceFromForm(before, year, term.Index, v, s.today())
	if len(fes) > 0 {
		return invalid(fes)
	}
	change := "new"
	if exists {
		change = "changed"
		if len(importer.ConferenceDiff(before, c)) == 0 {
			change = "unchanged"
		}
	}
	if change != "unchanged" {
		out, err := s.st.PutConferences(r.Context(), []conference.Conference{c}, s.today(), s.conferenceActor(r))
		if err != nil {
			return err
		}
		c = out[0]
	}
	writeJSON(w, http.StatusOK, map[string]any{"change": change, "conference": newConferenceJSON(c)})
	return nil
}

// ----- the public page and the feed -----

// publicTermView is the current solar term on the public page, with the
// health advice to show while it lasts.
type publicTermView struct {
	Name, Pinyin, Moment string
	Official             bool
	NextName, NextMoment string
	Days                 int
	// Advice is the current term's conference's, else the latest held
	// conference's (FromTerm names its term), else empty.
	Advice, AdviceLang string
	FromTerm           string
	FromYear           int
	Theme              string
	ConferenceURL      string
}

type publicConferencesPage struct {
	Page
	Year               int
	YearText           string
	PrevURL, NextURL   string
	PrevYear, NextYear int
	Current            publicTermView
	Conferences        []confView
	Held, Planned      int
	Target             int
	ICSURL, YearICS    string
}

// publicConferences is GET /public/conferences: this year's (in China).
func (s *Server) publicConferences(w http.ResponseWriter, r *http.Request) error {
	return s.renderPublicConferences(w, r, s.thisYear())
}

// publicConferencesYear is GET /public/conferences/{year}.
func (s *Server) publicConferencesYear(w http.ResponseWriter, r *http.Request) error {
	v := r.PathValue("year")
	y, err := strconv.Atoi(v)
	if err != nil || y < season.MinYear || y > season.MaxYear {
		return notFound("conf.no_year", v)
	}
	return s.renderPublicConferences(w, r, y)
}

// renderPublicConferences draws the public page of a year: the current
// solar term with its moment, the days to the next and its health advice
// first, then the year's conferences. The page names the experts as the
// commission publishes them and nobody else.
func (s *Server) renderPublicConferences(w http.ResponseWriter, r *http.Request, year int) error {
	lang := langOf(r)
	cat := s.tmpl.cat[lang]
	now := s.now().In(season.Beijing())
	p := publicConferencesPage{Page: s.newPage(r, cat.T("conf.public_title", year), ""), Year: year, Target: conferenceTargets[year]}
	p.PrevURL = "/public/conferences/" + strconv.Itoa(year-1)
	p.NextURL = "/public/conferences/" + strconv.Itoa(year+1)
	p.PrevYear, p.NextYear = year-1, year+1
	p.ICSURL = "/public/conferences.ics"
	p.YearICS = link("/public/conferences.ics", "year", strconv.Itoa(year))
	cs, err := s.st.Conferences(r.Context(), year)
	if err != nil {
		return err
	}
	for _, c := range cs {
		p.Conferences = append(p.Conferences, newConfView(c, lang))
		switch c.Status {
		case conference.Held:
			p.Held++
		case conference.Planned:
			p.Planned++
		}
	}
	cur, err := season.Current(now)
	if err != nil {
		return err
	}
	next, err := season.Next(cur)
	if err != nil {
		return err
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, season.Beijing())
	nextDay := time.Date(next.At.Year(), next.At.Month(), next.At.Day(), 0, 0, 0, 0, season.Beijing())
	p.Current = publicTermView{Name: cur.Term.Name, Pinyin: cur.Term.Pinyin, Moment: cur.At.Format("2006-01-02 15:04"),
		Official: cur.Source == season.Official, NextName: termName(next.Term, lang), NextMoment: next.At.Format("2006-01-02 15:04"),
		Days: int(nextDay.Sub(today) / (24 * time.Hour))}
	if err := s.currentAdvice(r, &p.Current, cur, now.Format("2006-01-02"), lang); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "public_conferences", p)
}

// currentAdvice finds the advice the public page shows in the current
// term: the advice of the term's conference (unless called off), else
// that of the most recent conference held by today, this year or last,
// labelled with its term.
func (s *Server) currentAdvice(r *http.Request, v *publicTermView, cur season.Moment, today, lang string) error {
	year := cur.At.Year()
	pick := func(c conference.Conference) {
		cv := newConfView(c, lang)
		v.Advice, v.Theme = cv.AdviceText, cv.ThemeText
		if lang == "en" && c.AdviceEN == "" {
			v.AdviceLang = "zh-CN"
		}
		v.ConferenceURL = "/public/conferences/" + strconv.Itoa(c.Year) + "#term-" + strconv.Itoa(c.Term)
	}
	c, err := s.st.Conference(r.Context(), year, cur.Term.Index)
	if err == nil && c.Advice != "" && c.Status != conference.Cancelled {
		pick(c)
		return nil
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	var latest *conference.Conference
	for _, y := range []int{year, year - 1} {
		cs, err := s.st.Conferences(r.Context(), y)
		if err != nil {
			return err
		}
		for i, c := range cs {
			if c.Status == conference.Held && c.Advice != "" && c.HeldOn <= today && (latest == nil || c.HeldOn > latest.HeldOn) {
				latest = &cs[i]
			}
		}
		if latest != nil {
			break
		}
	}
	if latest != nil {
		pick(*latest)
		v.FromTerm, v.FromYear = termName(latest.TermOf(), lang), latest.Year
	}
	return nil
}

// conferencesICS is GET /public/conferences.ics?year=: the plan as an
// iCalendar feed, of the year or (by default) of last year, this year
// and next year, in the request's language.
func (s *Server) conferencesICS(w http.ResponseWriter, r *http.Request) error {
	this := s.thisYear()
	years := []int{this - 1, this, this + 1}
	if v := r.URL.Query().Get("year"); v != "" {
		y, err := s.conferenceYear(v)
		if err != nil {
			return err
		}
		years = []int{y}
	}
	var cs []conference.Conference
	for _, y := range years {
		got, err := s.st.Conferences(r.Context(), y)
		if err != nil {
			return err
		}
		cs = append(cs, got...)
	}
	lang := langOf(r)
	hostport := feedHost(r.Host)
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = strings.Trim(h, "[]")
	}
	scheme := "http"
	if r.TLS != nil || s.secureCookies {
		scheme = "https"
	}
	feed := conference.Feed{Name: s.tmpl.cat[lang].T("conf.feed_name"), Host: host, Lang: lang, Stamp: s.now(),
		BaseURL: scheme + "://" + hostport + "/public/conferences"}
	var b bytes.Buffer
	if err := conference.WriteICS(&b, feed, cs); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Content-Disposition", `inline; filename="conferences.ics"`)
	h.Set("Cache-Control", "public, max-age=3600")
	_, err := w.Write(b.Bytes())
	return err
}

// feedHost is the request's host (and port) for the feed's links and
// UIDs, "localhost" for anything that is not a plain host: the Host header
// is the client's to choose.
func feedHost(hostport string) string {
	if hostport == "" || len(hostport) > 260 {
		return "localhost"
	}
	for _, c := range hostport {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".-:[]", c)) {
			return "localhost"
		}
	}
	return strings.ToLower(hostport)
}
