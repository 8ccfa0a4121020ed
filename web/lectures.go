package web

import (
	"cmp"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/importer"
	"github.com/shishi-health/shishi/lecture"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/table"
)

// The mental-health lecture log (心理健康知识讲座台账, commitment 2 of
// 国卫办函〔2025〕25号, 第6条) and its quotas: the log of a region with its
// totals, a form to add and correct entries, the Excel upload and
// download, and the list of expert teams and hospitals short of their
// quota (未达标名单) as a page and a workbook; the same as JSON under
// /api/lectures.
//
// Entering lectures is reporting: it takes SubmitFigures, which region
// reporters hold for their unit and a hospital's staff for their
// hospital. The routes that write are open in the caller's scope; each
// handler then asks auth.Allow about the lecture itself (lectureTarget):
// a team's region, or the hospital with the county it stands in, so that
// a prefecture's reporter cannot log for another province and a
// hospital's staff log for their own hospital alone.

const (
	// lecturePageSize is how many lectures the log page lists at once.
	lecturePageSize = 50
	// maxLectureForm bounds the form's body: a few short fields.
	maxLectureForm = 16 << 10
	// maxLectureUpload bounds an uploaded lecture file: a row is a few
	// hundred bytes, so 32 MB is years of the whole country's log.
	maxLectureUpload = 32 << 20
	// lectureNationalTarget is the notice's national figure: more than
	// 5,000 lectures (全国举办超过5000场次).
	lectureNationalTarget = 5000
)

// lectureRoutes are the pages and API of the mental-health lecture log and
// its quotas.
func (s *Server) lectureRoutes() []route {
	read := rule{auth.ReadAggregates, targetRegionQuery}
	// Writes are open in the caller's scope; the handlers check each
	// lecture's lecturer (lectureAllow).
	write := rule{auth.SubmitFigures, targetScope}
	return []route{
		{pattern: "GET /lectures", rule: read, h: s.lecturesPage},
		{pattern: "POST /lectures", rule: write, h: s.addLectureForm},
		{pattern: "POST /lectures/{id}", rule: write, h: s.editLectureForm},
		{pattern: "POST /lectures/{id}/delete", rule: write, h: s.deleteLectureForm},
		{pattern: "POST /lectures/import", rule: write, h: s.importLectures},
		{pattern: "GET /lectures/export", rule: rule{auth.Export, targetRegionQuery}, h: s.exportLectures},
		{pattern: "GET /lectures/quota", rule: read, h: s.lectureQuotaPage},

		{pattern: "GET /api/lectures", rule: read, api: true,
			summary: "The mental-health lectures of a region, latest first (?from=&to=, default the commitments' year; ?kind=team|hospital&limit=&offset=)", h: s.apiLectures},
		{pattern: "POST /api/lectures", rule: write, api: true,
			summary: "Log a mental-health lecture of a team (region) or a hospital (hospital code): {held_on, kind, region, hospital, level, venue, place, topic, audience}", h: s.apiAddLecture},
		{pattern: "GET /api/lectures/quota", rule: read, api: true,
			summary: "The expert teams and qualifying hospitals within a region with their lectures in a year against the quota (?year=&all=1 for those not short too)", h: s.apiLectureQuota},
	}
}

// ----- shared -----

// lectureYear is the year the lecture pages open with: the year of the
// date the commitments are shown on by default (the 2025 set's, 2025).
func (s *Server) lectureYear() int {
	d := latestDate(s.commit.defaultSet(), s.today())
	y, err := strconv.Atoi(d[:4])
	if err != nil {
		return 2025
	}
	return y
}

// lectureTarget is what a lecture touches for auth.Allow: a team's region,
// or a hospital with the county it stands in.
func lectureTarget(l lecture.Lecture) auth.Target {
	return auth.Target{Region: l.Region, Institution: l.Facility}
}

// lectureAllow is the scope check of a lecture to log, by region and
// hospital code ("" for a team).
func (s *Server) lectureAllow(r *http.Request) func(reg, hospital string) bool {
	t, p := s.tree(), principalOf(r)
	return func(reg, hospital string) bool {
		return auth.Allow(t, p, auth.SubmitFigures, auth.Target{Region: reg, Institution: hospital}).Allowed
	}
}

// lectureActor is the audit entry of the caller's changes to the log.
func (s *Server) lectureActor(r *http.Request) audit.Entry {
	p := principalOf(r)
	return audit.Entry{Actor: p.UserID, ActorRole: p.Role.String(), RequestID: requestID(r), At: s.now()}
}

// lectureFilter is what a list of lectures is filtered by.
type lectureFilter struct {
	Div            region.Division
	From, To, Kind string
	// Facility keeps one hospital's lectures: an institution role's own.
	Facility string
}

// query is the filter as a store query.
func (f lectureFilter) query() store.LectureQuery {
	return store.LectureQuery{Region: f.Div.Code, From: f.From, To: f.To, Kind: f.Kind, Facility: f.Facility}
}

// params are the filter's URL parameters, for links.
func (f lectureFilter) params(pairs ...string) []string {
	return append([]string{"region", f.Div.Code, "from", f.From, "to", f.To, "kind", f.Kind}, pairs...)
}

// link returns path with the filter's parameters. An open end is written
// as an empty parameter, so that the link keeps it open rather than
// falling back to the default year.
func (f lectureFilter) link(path string, pairs ...string) string {
	v := url.Values{}
	all := f.params(pairs...)
	for i := 0; i+1 < len(all); i += 2 {
		if all[i+1] != "" || all[i] == "from" || all[i] == "to" {
			v.Set(all[i], all[i+1])
		}
	}
	return path + "?" + v.Encode()
}

// lectureFilterOf reads ?region=&from=&to=&kind=. The region is the
// guard's (targetRegionQuery); from and to default to the lecture year,
// and an empty one given leaves that end open. An institution role sees
// its own hospital's lectures only.
func (s *Server) lectureFilterOf(r *http.Request) (lectureFilter, error) {
	q := r.URL.Query()
	code := queryRegion(r)
	d, ok := s.tree().Get(code)
	if !ok {
		return lectureFilter{}, badRequest("err.unknown_region", code)
	}
	f := lectureFilter{Div: d}
	y := strconv.Itoa(s.lectureYear())
	for _, p := range []struct {
		name string
		v    *string
		def  string
	}{{"from", &f.From, y + "-01-01"}, {"to", &f.To, y + "-12-31"}} {
		if !q.Has(p.name) {
			*p.v = p.def
			continue
		}
		if v := strings.TrimSpace(q.Get(p.name)); v != "" {
			d, err := facility.ParseDate(v)
			if err != nil {
				return f, badRequest("err.bad_date", p.name, v)
			}
			*p.v = d
		}
	}
	if v := strings.TrimSpace(q.Get("kind")); v != "" {
		k, ok := lecture.KindByName(v)
		if !ok {
			return f, badRequest("lec.err_kind", v)
		}
		f.Kind = k.Code
	}
	if p := principalOf(r); p.Role.Binding() == auth.BoundToInstitution {
		f.Facility = p.Institution
	}
	return f, nil
}

// lectureInput is an entry as a form or a JSON body gives it.
type lectureInput struct {
	Kind, Region, Hospital, HeldOn, Level, Venue, Place, Topic, Audience string
}

func lectureInputOf(f url.Values) lectureInput {
	return lectureInput{Kind: f.Get("kind"), Region: f.Get("region"), Hospital: f.Get("hospital"), HeldOn: f.Get("held_on"),
		Level: f.Get("level"), Venue: f.Get("venue"), Place: f.Get("place"), Topic: f.Get("topic"), Audience: f.Get("audience")}
}

// lectureInputField maps lecture.Validate's fields to the input's.
func lectureInputField(field string) string {
	if field == "facility" {
		return "hospital"
	}
	return field
}

// lectureOf builds, completes and validates an entry from input, as the
// entry id (0 for a new one). Field problems come back as fieldErrors, a
// lecture already in the log among them; a lecturer outside the caller's
// scope is answered like a missing thing, as the guard answers.
func (s *Server) lectureOf(r *http.Request, id int64, in lectureInput) (lecture.Lecture, []fieldError, error) {
	p := principalOf(r)
	t := s.tree()
	l := lecture.Lecture{HeldOn: in.HeldOn, Kind: in.Kind, Region: in.Region, Facility: in.Hospital, Level: in.Level,
		Venue: in.Venue, Place: in.Place, Topic: in.Topic}
	if p.Role.Binding() == auth.BoundToInstitution {
		// A hospital's staff log their own hospital's lectures.
		if strings.TrimSpace(l.Kind) == "" {
			l.Kind = lecture.Hospital
		}
		if k, ok := lecture.KindByName(l.Kind); ok && k.Code == lecture.Hospital && strings.TrimSpace(l.Facility) == "" {
			l.Facility = p.Institution
		}
	}
	if d, err := facility.ParseDate(l.HeldOn); err == nil {
		l.HeldOn = d
	}
	var fields []fieldError
	audienceBad := false
	if a := strings.TrimSpace(in.Audience); a != "" {
		n, err := strconv.ParseInt(strings.ReplaceAll(a, ",", ""), 10, 64)
		if err != nil {
			fields = append(fields, fieldError{Field: "audience", Value: a, Msg: s.msg("lec.err_audience")})
			audienceBad = true
		}
		l.Audience = n
	}
	l.Normalize()
	if err := importer.CompleteLecture(r.Context(), s.st, t, &l); err != nil {
		return l, nil, err
	}
	var verr facility.FieldErrors
	if err := l.Validate(t, s.today()); errors.As(err, &verr) {
		for _, fe := range verr {
			if fe.Field == "audience" && audienceBad {
				continue
			}
			fields = append(fields, fieldError{Field: lectureInputField(fe.Field), Msg: fe.Msg})
		}
	}
	if len(fields) > 0 {
		return l, fields, nil
	}
	if err := s.allow(r, auth.SubmitFigures, lectureTarget(l), notFound("lec.err_outside")); err != nil {
		return l, nil, err
	}
	// A form sent twice, or a lecture entered by a colleague already.
	same, _, err := s.st.Lectures(r.Context(), store.LectureQuery{Region: l.Region, From: l.HeldOn, To: l.HeldOn, Kind: l.Kind})
	if err != nil {
		return l, nil, err
	}
	for _, o := range same {
		if o.ID != id && importer.LectureKey(o) == importer.LectureKey(l) {
			return l, []fieldError{{Field: "topic", Value: l.Topic, Msg: s.msg("lec.err_duplicate", o.ID)}}, nil
		}
	}
	return l, nil, nil
}

// lectureByID reads the {id} path value and the lecture it names, which
// the caller must be allowed to change: else it is answered as missing.
func (s *Server) lectureByID(r *http.Request) (lecture.Lecture, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return lecture.Lecture{}, notFound("lec.err_not_found")
	}
	l, err := s.st.Lecture(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return l, notFound("lec.err_not_found")
	}
	if err != nil {
		return l, err
	}
	if err := s.allow(r, auth.SubmitFigures, lectureTarget(l), notFound("lec.err_not_found")); err != nil {
		return l, err
	}
	return l, nil
}

// lectureNames are a lecturer's place in the hierarchy: the province, the
// prefecture and the county of a region (those it has).
func lectureNames(t *region.Tree, code, lang string) (province, prefecture, county string) {
	d, ok := t.Get(code)
	if !ok {
		return "", "", ""
	}
	for _, a := range append(t.Ancestors(code), d) {
		switch a.Level {
		case region.Province:
			province = regionName(a, lang)
		case region.Prefecture:
			prefecture = regionName(a, lang)
		case region.County:
			county = regionName(a, lang)
		}
	}
	return province, prefecture, county
}

// ----- the log page -----

type lectureView struct {
	lecture.Lecture
	KindLabel, LevelLabel, VenueLabel string
	RegionName                        string
	CanEdit                           bool
	EditURL                           string
}

type lectureTally struct {
	Label    string
	N        int
	Audience int64
}

type lectureFormView struct {
	Action string
	ID     int64
	lectureInput
	// FixedHospital: a hospital's staff log for their own hospital.
	FixedHospital bool
	Teams         []navItem
	Kinds         []navItem
	Levels        []navItem
	Venues        []navItem
	Errors        map[string]string
	General       []string
}

type lecturesPage struct {
	Page
	Div            region.Division
	From, To, Kind string
	Rows           []lectureView
	Total          int
	Audience       int64
	ByKind         []lectureTally
	ByLevel        []lectureTally
	ByVenue        []lectureTally
	PageNo, Pages  int
	PrevURL        string
	NextURL        string
	Kinds          []navItem
	Saved          string
	CanAdd         bool
	Form           lectureFormView
	QuotaURL       string
	CSVURL         string
	XLSXURL        string
	TemplateCSV    string
	TemplateXLSX   string
	// The upload and its result.
	Token       string
	BigFile     int
	Partial     bool
	UploadError string
	Rep         *importer.Report
	Rejected    int
	Errors      []rowErrorView
	More        int
	RejectsURL  string
}

// lecturePageOf fills the log page for the filter, with an empty form.
func (s *Server) lecturePageOf(r *http.Request, f lectureFilter) (lecturesPage, error) {
	lang := langOf(r)
	cat := s.tmpl.cat[lang]
	t := s.tree()
	p := principalOf(r)
	pg := lecturesPage{Page: s.newPage(r, cat.T("lec.title"), "lectures"), Div: f.Div, From: f.From, To: f.To, Kind: f.Kind,
		Token: newToken(), BigFile: bigFile}
	for _, k := range lecture.Kinds {
		pg.Kinds = append(pg.Kinds, navItem{Key: k.Code, Label: k.Name(lang)})
	}
	// Totals and one page come from the store: the national log runs to
	// tens of thousands of lectures a year.
	totals, err := s.st.LectureTotals(r.Context(), f.query())
	if err != nil {
		return pg, err
	}
	pg.Total, pg.Audience = totals[[2]string{}].Lectures, totals[[2]string{}].Audience
	tally := func(field string, ls []lecture.Label) []lectureTally {
		out := make([]lectureTally, len(ls))
		for i, l := range ls {
			t := totals[[2]string{field, l.Code}]
			out[i] = lectureTally{Label: l.Name(lang), N: t.Lectures, Audience: t.Audience}
		}
		return out
	}
	pg.ByKind, pg.ByLevel, pg.ByVenue = tally("kind", lecture.Kinds), tally("level", lecture.Levels), tally("venue", lecture.Venues)
	pg.Pages = max(1, (pg.Total+lecturePageSize-1)/lecturePageSize)
	pg.PageNo, err = intParam(r.URL.Query(), "page", 1, 1, 1_000_000)
	if err != nil {
		return pg, err
	}
	pg.PageNo = min(pg.PageNo, pg.Pages)
	if pg.PageNo > 1 {
		pg.PrevURL = f.link("/lectures", "page", strconv.Itoa(pg.PageNo-1))
	}
	if pg.PageNo < pg.Pages {
		pg.NextURL = f.link("/lectures", "page", strconv.Itoa(pg.PageNo+1))
	}
	q := f.query()
	q.Limit, q.Offset = lecturePageSize, (pg.PageNo-1)*lecturePageSize
	page, _, err := s.st.Lectures(r.Context(), q)
	if err != nil {
		return pg, err
	}
	for _, l := range page {
		v := lectureView{Lecture: l, KindLabel: lectureLabel(lecture.Kinds, l.Kind, lang), LevelLabel: lectureLabel(lecture.Levels, l.Level, lang),
			VenueLabel: lectureLabel(lecture.Venues, l.Venue, lang), RegionName: l.Region}
		if d, ok := t.Get(l.Region); ok {
			v.RegionName = regionName(d, lang)
		}
		v.CanEdit = auth.Allow(t, p, auth.SubmitFigures, lectureTarget(l)).Allowed
		if v.CanEdit {
			v.EditURL = f.link("/lectures", "edit", strconv.FormatInt(l.ID, 10)) + "#lecture-form"
		}
		pg.Rows = append(pg.Rows, v)
	}
	pg.QuotaURL = link("/lectures/quota", "region", f.Div.Code)
	if auth.Allow(t, p, auth.Export, regionTarget(p, f.Div.Code)).Allowed {
		pg.CSVURL = f.link("/lectures/export", "format", "csv")
		pg.XLSXURL = f.link("/lectures/export", "format", "xlsx")
	}
	pg.CanAdd = p.Role.Has(auth.SubmitFigures)
	if pg.CanAdd {
		pg.TemplateCSV = link("/lectures/export", "region", f.Div.Code, "template", "1", "format", "csv")
		pg.TemplateXLSX = link("/lectures/export", "region", f.Div.Code, "template", "1", "format", "xlsx")
		pg.Form = s.lectureForm(r, f, lectureInput{})
	}
	switch r.URL.Query().Get("done") {
	case "add":
		pg.Saved = cat.T("lec.added")
	case "edit":
		pg.Saved = cat.T("lec.changed")
	case "delete":
		pg.Saved = cat.T("lec.deleted")
	}
	return pg, nil
}

// lectureLabel returns the name of a label's code in lang, or the code.
func lectureLabel(ls []lecture.Label, code, lang string) string {
	for _, l := range ls {
		if l.Code == code {
			return l.Name(lang)
		}
	}
	return code
}

// lectureTeams are the expert teams the caller may log for: those of its
// unit and of the provinces and prefectures under it.
func (s *Server) lectureTeams(r *http.Request, lang string) []navItem {
	p := principalOf(r)
	if p.Role.Binding() == auth.BoundToInstitution {
		return nil
	}
	t := s.tree()
	var out []navItem
	var walk func(code string)
	walk = func(code string) {
		d, ok := t.Get(code)
		if !ok {
			return
		}
		if _, ok := lecture.LevelOf(d); ok {
			name := importer.TeamName(d)
			if lang == "en" {
				name = regionName(d, lang) + " expert team"
				if d.Code == region.CountryCode {
					name = "National expert team"
				}
			}
			out = append(out, navItem{Key: d.Code, Label: name})
		}
		if d.Level == region.Country || d.Level == region.Province {
			for _, c := range t.Children(code) {
				walk(c.Code)
			}
		}
	}
	walk(scopeRegion(p))
	return out
}

// lectureForm is the add form (or, with in, the form as sent), with the
// caller's defaults: its own unit's team, or its own hospital.
func (s *Server) lectureForm(r *http.Request, f lectureFilter, in lectureInput) lectureFormView {
	lang := langOf(r)
	p := principalOf(r)
	fv := lectureFormView{Action: link("/lectures", "region", f.Div.Code), lectureInput: in, Teams: s.lectureTeams(r, lang), Errors: map[string]string{}}
	fv.FixedHospital = p.Role.Binding() == auth.BoundToInstitution
	for _, k := range lecture.Kinds {
		if k.Code == lecture.Team && len(fv.Teams) == 0 {
			continue
		}
		if k.Code == lecture.Hospital || !fv.FixedHospital {
			fv.Kinds = append(fv.Kinds, navItem{Key: k.Code, Label: k.Name(lang)})
		}
	}
	for _, l := range lecture.Levels {
		fv.Levels = append(fv.Levels, navItem{Key: l.Code, Label: l.Name(lang)})
	}
	for _, v := range lecture.Venues {
		fv.Venues = append(fv.Venues, navItem{Key: v.Code, Label: v.Name(lang)})
	}
	if fv.Kind == "" {
		fv.Kind = lecture.Hospital
		if len(fv.Teams) > 0 {
			fv.Kind = lecture.Team
		}
	}
	if fv.Region == "" && len(fv.Teams) > 0 {
		fv.Region = fv.Teams[0].Key
	}
	if fv.FixedHospital {
		fv.Hospital = p.Institution
	}
	if fv.HeldOn == "" {
		fv.HeldOn = s.today()
	}
	return fv
}

// lectureEditForm is the form of an existing lecture.
func (s *Server) lectureEditForm(r *http.Request, f lectureFilter, l lecture.Lecture) lectureFormView {
	in := lectureInput{Kind: l.Kind, Region: l.Region, Hospital: l.Facility, HeldOn: l.HeldOn, Level: l.Level, Venue: l.Venue,
		Place: l.Place, Topic: l.Topic, Audience: strconv.FormatInt(l.Audience, 10)}
	if l.Kind == lecture.Hospital {
		in.Region = ""
	}
	fv := s.lectureForm(r, f, in)
	fv.ID = l.ID
	fv.Action = link("/lectures/"+strconv.FormatInt(l.ID, 10), "region", f.Div.Code)
	return fv
}

// lecturesPage is GET /lectures?region=&from=&to=&kind=&page=&edit=: the
// log within the region, latest first, with its totals by kind, level
// and venue, the form (filled with lecture ?edit= to correct it), the
// upload and the downloads.
func (s *Server) lecturesPage(w http.ResponseWriter, r *http.Request) error {
	f, err := s.lectureFilterOf(r)
	if err != nil {
		return err
	}
	pg, err := s.lecturePageOf(r, f)
	if err != nil {
		return err
	}
	if v := r.URL.Query().Get("edit"); v != "" && pg.CanAdd {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return notFound("lec.err_not_found")
		}
		l, err := s.st.Lecture(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			return notFound("lec.err_not_found")
		}
		if err != nil {
			return err
		}
		if err := s.allow(r, auth.SubmitFigures, lectureTarget(l), notFound("lec.err_not_found")); err != nil {
			return err
		}
		pg.Form = s.lectureEditForm(r, f, l)
	}
	return s.render(w, r, http.StatusOK, "lectures", pg)
}

// lectureFormFilter is the filter of the page a form was sent from: its
// ?region= when the caller reads it, else the caller's own unit.
func (s *Server) lectureFormFilter(r *http.Request) lectureFilter {
	p := principalOf(r)
	code := strings.TrimSpace(r.URL.Query().Get("region"))
	if code == "" || !auth.Allow(s.tree(), p, auth.ReadAggregates, regionTarget(p, code)).Allowed {
		code = scopeRegion(p)
	}
	d, _ := s.tree().Get(code)
	y := strconv.Itoa(s.lectureYear())
	f := lectureFilter{Div: d, From: y + "-01-01", To: y + "-12-31"}
	if p.Role.Binding() == auth.BoundToInstitution {
		f.Facility = p.Institution
	}
	return f
}

// showLectureForm renders the page again with the form as sent and its
// errors.
func (s *Server) showLectureForm(w http.ResponseWriter, r *http.Request, f lectureFilter, fv lectureFormView, fields []fieldError) error {
	lang := langOf(r)
	pg, err := s.lecturePageOf(r, f)
	if err != nil {
		return err
	}
	for _, fe := range fields {
		msg := fe.Msg.In(lang)
		if _, ok := fv.Errors[fe.Field]; ok {
			fv.Errors[fe.Field] += "；" + msg
		} else {
			fv.Errors[fe.Field] = msg
		}
		fv.General = append(fv.General, msg)
	}
	pg.Form = fv
	return s.render(w, r, http.StatusUnprocessableEntity, "lectures", pg)
}

func (s *Server) parseLectureForm(w http.ResponseWriter, r *http.Request) (lectureInput, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxLectureForm)
	if err := r.ParseForm(); err != nil {
		return lectureInput{}, badRequest("err.bad_form")
	}
	return lectureInputOf(r.PostForm), nil
}

// addLectureForm is POST /lectures?region=: the form's lecture, logged on
// today.
func (s *Server) addLectureForm(w http.ResponseWriter, r *http.Request) error {
	in, err := s.parseLectureForm(w, r)
	if err != nil {
		return err
	}
	f := s.lectureFormFilter(r)
	l, fields, err := s.lectureOf(r, 0, in)
	if err != nil {
		return err
	}
	if len(fields) > 0 {
		return s.showLectureForm(w, r, f, s.lectureForm(r, f, in), fields)
	}
	l.RecordedOn = s.today()
	if _, err := s.st.AddLectures(r.Context(), []lecture.Lecture{l}, s.lectureActor(r)); err != nil {
		return err
	}
	http.Redirect(w, r, link("/lectures", "region", f.Div.Code, "done", "add"), http.StatusSeeOther)
	return nil
}

// editLectureForm is POST /lectures/{id}?region=: the lecture corrected;
// it keeps the day it was first recorded on.
func (s *Server) editLectureForm(w http.ResponseWriter, r *http.Request) error {
	old, err := s.lectureByID(r)
	if err != nil {
		return err
	}
	in, err := s.parseLectureForm(w, r)
	if err != nil {
		return err
	}
	f := s.lectureFormFilter(r)
	l, fields, err := s.lectureOf(r, old.ID, in)
	if err != nil {
		return err
	}
	if len(fields) > 0 {
		fv := s.lectureForm(r, f, in)
		fv.ID, fv.Action = old.ID, link("/lectures/"+strconv.FormatInt(old.ID, 10), "region", f.Div.Code)
		return s.showLectureForm(w, r, f, fv, fields)
	}
	l.ID = old.ID
	if _, err := s.st.UpdateLecture(r.Context(), l, s.lectureActor(r)); err != nil {
		return err
	}
	http.Redirect(w, r, link("/lectures", "region", f.Div.Code, "done", "edit"), http.StatusSeeOther)
	return nil
}

// deleteLectureForm is POST /lectures/{id}/delete?region=: an entry made
// by mistake, removed; the audit trail keeps what it was.
func (s *Server) deleteLectureForm(w http.ResponseWriter, r *http.Request) error {
	l, err := s.lectureByID(r)
	if err != nil {
		return err
	}
	if err := s.st.DeleteLecture(r.Context(), l.ID, s.lectureActor(r)); err != nil {
		return err
	}
	http.Redirect(w, r, link("/lectures", "region", s.lectureFormFilter(r).Div.Code, "done", "delete"), http.StatusSeeOther)
	return nil
}

// ----- upload and downloads -----

// importLectures is POST /lectures/import?region=: the uploaded file
// (multipart: token, partial, file) imported at once, the result shown on
// the log page with every row error, the rejected rows to download.
func (s *Server) importLectures(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxLectureUpload)
	mr, err := r.MultipartReader()
	if err != nil {
		return badRequest("err.not_multipart")
	}
	f := s.lectureFormFilter(r)
	pg, err := s.lecturePageOf(r, f)
	if err != nil {
		return err
	}
	var token, name string
	var size int64
	saved := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return uploadError(err)
		}
		switch part.FormName() {
		case "token":
			if !saved {
				token = smallValue(part)
			}
		case "partial":
			pg.Partial = smallValue(part) != ""
		case "file":
			name = cleanFileName(part.FileName())
			if name == "" || saved {
				break
			}
			if token, err = s.uploads.create(token); err != nil {
				return err
			}
			if size, err = s.uploads.save(token, part); err != nil {
				return uploadError(err)
			}
			saved = true
		}
		part.Close()
	}
	lang := langOf(r)
	if !saved {
		pg.UploadError = s.tmpl.cat[lang].T("import.no_file")
		return s.render(w, r, http.StatusBadRequest, "lectures", pg)
	}
	m := uploadMeta{Registry: importer.LecturesImport, Name: name, Size: size, Partial: pg.Partial, Created: s.now(),
		Imported: true, User: principalOf(r).UserID}
	if err := s.uploads.saveMeta(token, m); err != nil {
		return err
	}
	file, err := s.uploads.open(token)
	if err != nil {
		return err
	}
	defer file.Close()
	prog := s.uploads.start(token)
	rep, ierr := importer.ImportLectures(r.Context(), s.st, s.tree(), name, file, importer.LectureOptions{
		Partial: pg.Partial, Today: s.today(), Allow: s.lectureAllow(r), Actor: s.lectureActor(r),
		Progress: func(rows int) { prog.rows.Store(int64(rows)) }})
	prog.done.Store(true)
	status := http.StatusOK
	switch {
	case ierr == nil:
	case errors.Is(ierr, importer.ErrRejected):
		status = http.StatusUnprocessableEntity
	case fileError(ierr, name):
		pg.UploadError = ierr.Error()
		s.uploads.discard(token)
		return s.render(w, r, http.StatusBadRequest, "lectures", pg)
	default:
		return ierr
	}
	if rep.Committed && rep.New > 0 {
		s.audit(r, audit.Entry{Action: audit.Import, Object: importer.LecturesImport + "/" + rep.File,
			After: mustJSON(map[string]any{"file": rep.File, "rows": rep.Rows, "new": rep.New, "rejected": len(rep.Rejected), "partial": rep.Partial})})
		// The totals and the list include what was just added.
		up, err := s.lecturePageOf(r, f)
		if err != nil {
			return err
		}
		up.Partial = pg.Partial
		pg = up
	}
	pg.Rep, pg.Rejected = rep, len(rep.Rejected)
	if pg.Errors, pg.More, pg.RejectsURL, err = s.reportView(token, rep, lang); err != nil {
		return err
	}
	return s.render(w, r, status, "lectures", pg)
}

// lectureFormat reads ?format=csv|xlsx (default def).
func lectureFormat(r *http.Request, def table.Format) (table.Format, error) {
	v := r.URL.Query().Get("format")
	if v == "" {
		return def, nil
	}
	f, err := table.ParseFormat(v)
	if err != nil {
		return 0, badRequest("commit.err_format", v)
	}
	return f, nil
}

// lectureTemplate is GET /lectures/export?template=1&format=csv|xlsx: an
// empty lecture file in the user's language. It shares the export's
// route: the route table is long enough.
func (s *Server) lectureTemplate(w http.ResponseWriter, r *http.Request, format table.Format) error {
	lang := langOf(r)
	name := s.tmpl.cat[lang].T("lec.template_file") + "." + format.String()
	return s.download(w, r, name, "lectures-template."+format.String(), format, func(dw io.Writer) error {
		return importer.LectureTemplate(dw, format, lang)
	})
}

// exportLectures is GET /lectures/export?region=&from=&to=&kind=&format=:
// the log within the region as a file in the import's columns; with
// template=1, the empty file to fill in.
func (s *Server) exportLectures(w http.ResponseWriter, r *http.Request) error {
	format, err := lectureFormat(r, table.XLSX)
	if err != nil {
		return err
	}
	if boolParam(r.URL.Query(), "template") {
		return s.lectureTemplate(w, r, format)
	}
	f, err := s.lectureFilterOf(r)
	if err != nil {
		return err
	}
	ls, _, err := s.st.Lectures(r.Context(), f.query())
	if err != nil {
		return err
	}
	lang := langOf(r)
	span := f.From + "~" + f.To
	name := s.tmpl.cat[lang].T("lec.title") + "-" + regionName(f.Div, lang) + "-" + span + "." + format.String()
	return s.download(w, r, name, "lectures-"+f.Div.Code+"."+format.String(), format, func(dw io.Writer) error {
		return importer.ExportLectures(dw, ls, format, lang)
	})
}

// ----- quotas -----

// lectureQuotaRow is one team or hospital held to a quota.
type lectureQuotaRow struct {
	lecture.Subject
	KindLabel                    string
	Province, Prefecture, County string
	ShortBy                      int
	LogURL                       string
}

// lectureQuota is the quota list of a region and year.
type lectureQuota struct {
	Div   region.Division
	Year  int
	Rules lecture.Rules
	// RegistryAsOf is the day the registry is read on: the year's end,
	// or today if earlier.
	RegistryAsOf string
	// Rows are the subjects listed: those short of their quota, or all.
	Rows                                         []lectureQuotaRow
	Teams, TeamsShort, Hospitals, HospitalsShort int
	// Held is every lecture of the year within the region, whoever gave
	// it; Target and TargetShort are the national figure's (country only).
	Held, Target, TargetShort int
}

// lectureQuotaOf reads ?year= (default the lecture year) and computes the
// quota list of the region: the teams (lecture.Quota) and the hospitals of
// the registry within it that Qualifies picks, each with its lectures of
// the year.
func (s *Server) lectureQuotaOf(r *http.Request, all bool) (lectureQuota, error) {
	code := queryRegion(r)
	t := s.tree()
	d, ok := t.Get(code)
	if !ok {
		return lectureQuota{}, badRequest("err.unknown_region", code)
	}
	year, err := intParam(r.URL.Query(), "year", s.lectureYear(), 2000, 2100)
	if err != nil {
		return lectureQuota{}, err
	}
	y := strconv.Itoa(year)
	from, to := y+"-01-01", y+"-12-31"
	q := lectureQuota{Div: d, Year: year, Rules: lecture.NoticeRules(year), RegistryAsOf: min(to, s.today())}
	p := principalOf(r)
	// Two small queries rather than every hospital of the region: the
	// psychiatric hospitals, and the level-3 hospitals with psychiatry
	// (of which Qualifies keeps the general and TCM ones).
	var hospitals []facility.Record
	for _, eq := range []map[string]string{{"type": "psychiatric"}, {"grade": "3", "psychiatry": "1"}} {
		recs, _, err := s.facilities(r.Context(), p, facility.Hospitals, store.Query{Region: code, AsOf: q.RegistryAsOf, Equal: eq})
		if err != nil {
			return q, err
		}
		hospitals = append(hospitals, recs...)
	}
	sc := facility.Hospitals
	slices.SortFunc(hospitals, func(a, b facility.Record) int {
		return cmp.Or(cmp.Compare(a.Region(sc), b.Region(sc)), cmp.Compare(a.Code, b.Code))
	})
	hospitals = slices.CompactFunc(hospitals, func(a, b facility.Record) bool { return a.Code == b.Code })
	counts, err := s.st.LectureCounts(r.Context(), code, from, to)
	if err != nil {
		return q, err
	}
	for _, n := range counts {
		q.Held += n
	}
	if code == region.CountryCode {
		q.Target = lectureNationalTarget
		q.TargetShort = max(0, lectureNationalTarget+1-q.Held)
	}
	subjects := lecture.Quota(t, code, hospitals, counts, q.Rules)
	if p.Role.Binding() == auth.BoundToInstitution {
		// A hospital's staff see their hospital's quota only.
		subjects = slices.DeleteFunc(subjects, func(sj lecture.Subject) bool { return sj.Facility != p.Institution })
	}
	lang := langOf(r)
	for _, sj := range subjects {
		short := sj.Short() > 0
		switch sj.Kind {
		case lecture.Team:
			q.Teams++
			if short {
				q.TeamsShort++
			}
		case lecture.Hospital:
			q.Hospitals++
			if short {
				q.HospitalsShort++
			}
		}
		if !short && !all {
			continue
		}
		row := lectureQuotaRow{Subject: sj, KindLabel: lectureLabel(lecture.Kinds, sj.Kind, lang), ShortBy: sj.Short()}
		row.Province, row.Prefecture, row.County = lectureNames(t, sj.Region, lang)
		if sj.Kind == lecture.Team {
			if lang == "en" {
				row.Name = regionName(lectureDivision(t, sj.Region), lang) + " expert team"
			}
			row.LogURL = link("/lectures", "region", sj.Region, "from", from, "to", to, "kind", lecture.Team)
		} else {
			row.LogURL = link("/facilities/hospitals/"+sj.Facility, "as_of", q.RegistryAsOf)
		}
		q.Rows = append(q.Rows, row)
	}
	return q, nil
}

func lectureDivision(t *region.Tree, code string) region.Division {
	d, _ := t.Get(code)
	return d
}

type lectureQuotaPage struct {
	Page
	lectureQuota
	All      bool
	AllURL   string
	ShortURL string
	XLSXURL  string
	LogURL   string
}

// lectureQuotaPage is GET /lectures/quota?region=&year=&all=&format=: the
// teams and qualifying hospitals within the region short of their quota
// for the year (all=1: every one), with the counts and the national
// total; format=xlsx downloads the list (Export).
func (s *Server) lectureQuotaPage(w http.ResponseWriter, r *http.Request) error {
	qp := r.URL.Query()
	all := boolParam(qp, "all")
	format := qp.Get("format")
	p := principalOf(r)
	code := queryRegion(r)
	switch format {
	case "", "html":
	case "xlsx":
		if err := s.allow(r, auth.Export, regionTarget(p, code), notFound("err.unknown_region", code)); err != nil {
			return err
		}
	default:
		return badRequest("commit.err_format", format)
	}
	q, err := s.lectureQuotaOf(r, all)
	if err != nil {
		return err
	}
	lang := langOf(r)
	cat := s.tmpl.cat[lang]
	if format == "xlsx" {
		rows := [][]string{{cat.T("lec.kind"), cat.T("lec.province"), cat.T("lec.prefecture"), cat.T("lec.county"),
			cat.T("lec.lecturer"), cat.T("lec.hospital_code"), cat.T("lec.held"), cat.T("lec.quota"), cat.T("lec.short_by")}}
		for _, row := range q.Rows {
			rows = append(rows, []string{row.KindLabel, row.Province, row.Prefecture, row.County, row.Name, row.Facility,
				strconv.Itoa(row.Held), strconv.Itoa(row.Quota), strconv.Itoa(row.ShortBy)})
		}
		name := cat.T("lec.quota_title") + "-" + regionName(q.Div, lang) + "-" + strconv.Itoa(q.Year) + ".xlsx"
		return s.download(w, r, name, "lecture-quota-"+q.Div.Code+"-"+strconv.Itoa(q.Year)+".xlsx", table.XLSX, func(dw io.Writer) error {
			return table.WriteRows(dw, table.XLSX, cat.T("lec.quota_sheet"), rows)
		})
	}
	y := strconv.Itoa(q.Year)
	pg := lectureQuotaPage{Page: s.newPage(r, cat.T("lec.quota_title"), "lectures"), lectureQuota: q, All: all,
		AllURL:   link("/lectures/quota", "region", code, "year", y, "all", "1"),
		ShortURL: link("/lectures/quota", "region", code, "year", y),
		LogURL:   link("/lectures", "region", code, "from", y+"-01-01", "to", y+"-12-31")}
	if auth.Allow(s.tree(), p, auth.Export, regionTarget(p, code)).Allowed {
		all := ""
		if pg.All {
			all = "1"
		}
		pg.XLSXURL = link("/lectures/quota", "region", code, "year", y, "all", all, "format", "xlsx")
	}
	return s.render(w, r, http.StatusOK, "lecture_quota", pg)
}

// ----- JSON API -----

type lectureJSON struct {
	ID         int64  `json:"id"`
	HeldOn     string `json:"held_on"`
	Kind       string `json:"kind"`
	Region     string `json:"region"`
	Hospital   string `json:"hospital,omitempty"`
	Lecturer   string `json:"lecturer"`
	Level      string `json:"level"`
	Venue      string `json:"venue"`
	Place      string `json:"place"`
	Topic      string `json:"topic"`
	Audience   int64  `json:"audience"`
	RecordedOn string `json:"recorded_on"`
	UpdatedAt  string `json:"updated_at"`
}

func newLectureJSON(l lecture.Lecture) lectureJSON {
	return lectureJSON{ID: l.ID, HeldOn: l.HeldOn, Kind: l.Kind, Region: l.Region, Hospital: l.Facility, Lecturer: l.Lecturer,
		Level: l.Level, Venue: l.Venue, Place: l.Place, Topic: l.Topic, Audience: l.Audience, RecordedOn: l.RecordedOn, UpdatedAt: l.UpdatedAt}
}

// apiLectures is GET /api/lectures?region=&from=&to=&kind=&limit=&offset=.
func (s *Server) apiLectures(w http.ResponseWriter, r *http.Request) error {
	f, err := s.lectureFilterOf(r)
	if err != nil {
		return err
	}
	q := f.query()
	if q.Limit, err = intParam(r.URL.Query(), "limit", 1000, 1, 10000); err != nil {
		return err
	}
	if q.Offset, err = intParam(r.URL.Query(), "offset", 0, 0, 1<<30); err != nil {
		return err
	}
	ls, total, err := s.st.Lectures(r.Context(), q)
	if err != nil {
		return err
	}
	items := []lectureJSON{}
	for _, l := range ls {
		items = append(items, newLectureJSON(l))
	}
	writeJSON(w, http.StatusOK, map[string]any{"region": f.Div.Code, "from": f.From, "to": f.To, "kind": f.Kind, "total": total, "items": items})
	return nil
}

// apiAddLecture is POST /api/lectures with {"held_on", "kind", "region"
// (a team's), "hospital" (a hospital's code), "level", "venue", "place",
// "topic", "audience"}: the lecture logged on today, answered with it;
// 422 with every field's problem, 404 for a lecturer outside the
// caller's scope.
func (s *Server) apiAddLecture(w http.ResponseWriter, r *http.Request) error {
	body, err := decodeObject(w, r)
	if err != nil {
		return err
	}
	var in lectureInput
	var fields []fieldError
	for _, f := range []struct {
		key string
		v   *string
	}{{"held_on", &in.HeldOn}, {"kind", &in.Kind}, {"region", &in.Region}, {"hospital", &in.Hospital}, {"level", &in.Level},
		{"venue", &in.Venue}, {"place", &in.Place}, {"topic", &in.Topic}, {"audience", &in.Audience}} {
		text, ok := jsonText(body[f.key])
		if !ok {
			fields = append(fields, fieldError{Field: f.key, Msg: s.msg("lec.err_json_value")})
			continue
		}
		*f.v = text
	}
	if len(fields) > 0 {
		return invalid(fields)
	}
	l, fields, err := s.lectureOf(r, 0, in)
	if err != nil {
		return err
	}
	if len(fields) > 0 {
		return invalid(fields)
	}
	l.RecordedOn = s.today()
	out, err := s.st.AddLectures(r.Context(), []lecture.Lecture{l}, s.lectureActor(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"lecture": newLectureJSON(out[0])})
	return nil
}

type lectureQuotaJSON struct {
	Kind       string `json:"kind"`
	Region     string `json:"region"`
	Hospital   string `json:"hospital,omitempty"`
	Name       string `json:"name"`
	Province   string `json:"province"`
	Prefecture string `json:"prefecture"`
	County     string `json:"county"`
	Held       int    `json:"held"`
	Quota      int    `json:"quota"`
	Short      int    `json:"short"`
}

// apiLectureQuota is GET /api/lectures/quota?region=&year=&all=.
func (s *Server) apiLectureQuota(w http.ResponseWriter, r *http.Request) error {
	q, err := s.lectureQuotaOf(r, boolParam(r.URL.Query(), "all"))
	if err != nil {
		return err
	}
	items := []lectureQuotaJSON{}
	for _, row := range q.Rows {
		items = append(items, lectureQuotaJSON{Kind: row.Kind, Region: row.Region, Hospital: row.Facility, Name: row.Name,
			Province: row.Province, Prefecture: row.Prefecture, County: row.County, Held: row.Held, Quota: row.Quota, Short: row.ShortBy})
	}
	out := map[string]any{"region": q.Div.Code, "year": q.Year, "as_of": q.RegistryAsOf,
		"rules": map[string]int{"team": q.Rules.Team, "hospital": q.Rules.Hospital},
		"teams": q.Teams, "teams_short": q.TeamsShort, "hospitals": q.Hospitals, "hospitals_short": q.HospitalsShort,
		"held": q.Held, "items": items}
	if q.Target > 0 {
		out["national_target"] = q.Target
		out["national_short"] = q.TargetShort
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
