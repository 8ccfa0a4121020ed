package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/figure"
	"github.com/shishi-health/shishi/importer"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
)

// Periodic figures (上报数据) and their approval (审核): the form a unit's
// reporter fills in per period, the approver's queue, a submission's
// history, the units that have not reported by the deadline, the Excel
// upload, and the same as JSON under /api/figures. The rules are package
// figure's; every step goes through the store in one transaction with its
// event and its audit entry (store/figures.go), so the handlers here do
// not call s.audit for steps, only for an uploaded file as a whole.
//
// A submission is addressed by its unit and period,
// /figures/regions/{code}/{period}, rather than by an id: the route's
// target is then the unit, which the one authorisation point checks like
// any region route, and the path says what it shows.

// figurePageNames are the figure pages, one template file each.
var figurePageNames = []string{"figures", "figures_submission", "figures_queue", "figures_missing", "figures_upload"}

// maxFigureUpload bounds an uploaded figures file: a row per unit and
// period is a few hundred bytes, so 32 MB is every unit of the country for
// years.
const maxFigureUpload = 32 << 20

// figurePages holds what the figure routes need besides the Server: the
// catalog, compiled, and the pages' templates, made once on first use (the
// route table is built again for every OpenAPI request, which must not
// compile anything).
type figurePages struct {
	s   *Server
	cat *figure.Catalog
	// addWorkdays counts the working days to a deadline on the official
	// calendar (Server.addWorkdays).
	addWorkdays figure.AddWorkdays

	once  sync.Once
	err   error
	rules *figure.Rules
	pages map[string]map[string]*template.Template // lang → page
}

// figureRoutes is the figure part of the route table. The catalog is the
// figures the shipped commitments files declare (Server.figureCatalog).
func (s *Server) figureRoutes() []route {
	f := &figurePages{s: s, cat: s.figureCatalog(), addWorkdays: s.addWorkdays}
	read := rule{auth.ReadAggregates, targetRegionQuery}
	unitRead := rule{auth.ReadAggregates, targetRegionPath}
	unitSubmit := rule{auth.SubmitFigures, targetRegionPath}
	unitApprove := rule{auth.ApproveFigures, targetRegionPath}
	// The queue is the approver's own unit's: the handlers list and
	// approve what awaits that unit, which lies within its scope.
	queue := rule{auth.ApproveFigures, targetScope}
	// Uploads are open in the caller's scope; each row's unit is checked
	// again (figureAllow).
	upload := rule{auth.SubmitFigures, targetScope}
	h := f.handler
	return []route{
		{pattern: "GET /figures", rule: read, h: h(f.overview)},
		{pattern: "GET /figures/regions/{code}/{period}", rule: unitRead, h: h(f.figSubmissionPage)},
		{pattern: "POST /figures/regions/{code}/{period}", rule: unitSubmit, h: h(f.save)},
		{pattern: "POST /figures/regions/{code}/{period}/approve", rule: unitApprove, h: h(f.approve)},
		{pattern: "POST /figures/regions/{code}/{period}/return", rule: unitApprove, h: h(f.sendBack)},
		{pattern: "GET /figures/queue", rule: queue, h: h(f.queue)},
		{pattern: "POST /figures/queue/approve", rule: queue, h: h(f.approveAll)},
		{pattern: "GET /figures/missing", rule: read, h: h(f.missing)},
		{pattern: "GET /figures/upload", rule: upload, h: h(f.uploadForm)},
		{pattern: "POST /figures/upload", rule: upload, h: h(f.upload)},
		{pattern: "GET /figures/templates/{file}", rule: upload, h: h(f.template)},

		{pattern: "GET /api/figures/kinds", rule: rule{auth.ReadAggregates, targetScope}, api: true,
			summary: "The kinds of figures reported, with their bounds, deadlines and checks", h: h(f.apiKinds)},
		{pattern: "GET /api/figures", rule: read, api: true,
			summary: "The latest version of each unit's figures within a region (?region=&period=&status=)", h: h(f.apiList)},
		{pattern: "GET /api/figures/regions/{code}/{period}", rule: unitRead, api: true,
			summary: "A unit's figures for a period: every version with its values and history", h: h(f.apiHistory)},
		{pattern: "PUT /api/figures/regions/{code}/{period}", rule: unitSubmit, api: true,
			summary: "Save (submit: false) or submit a unit's figures for a period; an approved version is corrected by a new version", h: h(f.apiPut)},
		{pattern: "POST /api/figures/regions/{code}/{period}/approve", rule: unitApprove, api: true,
			summary: "Approve a unit's figures for a period at the caller's unit's step", h: h(f.apiApprove)},
		{pattern: "POST /api/figures/regions/{code}/{period}/return", rule: unitApprove, api: true,
			summary: "Return a unit's figures for a period to the submitter, with a reason", h: h(f.apiReturn)},
		{pattern: "GET /api/figures/pending", rule: queue, api: true,
			summary: "The figures awaiting the caller's unit's approval (?period=)", h: h(f.apiPending)},
		{pattern: "POST /api/figures/pending/approve", rule: queue, api: true,
			summary: "Approve every version awaiting the caller's unit, of one period (?period=) or all, up to ?before=", h: h(f.apiApproveAll)},
		{pattern: "GET /api/figures/missing", rule: read, api: true,
			summary: "The units within a region that have not reported a kind for a period, and those that reported late (?kind=&period=)", h: h(f.apiMissing)},
		{pattern: "GET /api/figures/totals", rule: read, api: true,
			summary: "Approved figures in effect, rolled up: the region's total and its children's (?kinds=&from=&to=&as_of=)", h: h(f.apiTotals)},
		{pattern: "POST /api/figures/import", rule: upload, api: true,
			summary: "Import figures from a CSV or XLSX file (?filename=&partial=&submit=&confirm=&dry_run=)", h: h(f.apiImport)},
	}
}

// handler makes sure the catalog is compiled and the templates parsed
// before fn runs.
func (f *figurePages) handler(fn handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := f.init(); err != nil {
			return err
		}
		return fn(w, r)
	}
}

func (f *figurePages) init() error {
	f.once.Do(func() {
		if f.rules, f.err = f.cat.Compile(); f.err != nil {
			return
		}
		f.pages = map[string]map[string]*template.Template{}
		for _, l := range langs {
			f.pages[l] = map[string]*template.Template{}
			for _, name := range figurePageNames {
				tp, err := template.New("layout.html").Funcs(f.s.funcs(l, f.s.tmpl.cat[l])).
					ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html")
				if err != nil {
					f.err = err
					return
				}
				f.pages[l][name] = tp
			}
		}
	})
	return f.err
}

// render writes a figure page, rendered into a buffer first like
// Server.render.
func (f *figurePages) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) error {
	var buf bytes.Buffer
	if err := f.pages[langOf(r)][name].ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

func (f *figurePages) t(r *http.Request, key string, args ...any) string {
	return f.s.tmpl.cat[langOf(r)].T(key, args...)
}

// actor is the caller as the store records a step: the unit it acts for
// is the role's own (an approval must be that unit's turn), the time is
// the server's clock.
func (f *figurePages) actor(r *http.Request) store.FigureActor {
	p := principalOf(r)
	unit := p.Region
	if p.Role.Binding() == auth.BoundToInstitution {
		unit = p.InstitutionRegion
	}
	return store.FigureActor{UserID: p.UserID, Role: p.Role.String(), Region: unit, RequestID: requestID(r), At: f.s.now()}
}

// unitPeriod reads the {code} and {period} of a submission route.
func (f *figurePages) unitPeriod(r *http.Request) (region.Division, figure.Period, error) {
	code := r.PathValue("code")
	d, ok := f.s.tree().Get(code)
	if !ok {
		return d, figure.Period{}, notFound("err.unknown_region", code)
	}
	p, err := figure.ParsePeriod(r.PathValue("period"))
	if err != nil {
		return d, p, badRequest("figures.bad_period", r.PathValue("period"))
	}
	return d, p, nil
}

// figPeriodParam reads ?name=, def when absent.
func figPeriodParam(q url.Values, name string, def figure.Period) (figure.Period, error) {
	v := strings.TrimSpace(q.Get(name))
	if v == "" {
		return def, nil
	}
	p, err := figure.ParsePeriod(v)
	if err != nil {
		return p, badRequest("figures.bad_period", v)
	}
	return p, nil
}

// lastPeriod is the period of the span before today's: what is being
// reported now (March's figures are reported in early April).
func (f *figurePages) lastPeriod(span figure.Span) figure.Period {
	p, err := figure.PeriodOf(span, f.s.today())
	if err != nil {
		return figure.Period{}
	}
	return p.Prev()
}

// figureErr maps the refusals of the approval flow to statuses and
// messages; anything else goes through unchanged.
func figureErr(err error) error {
	for _, m := range []struct {
		target error
		kind   errKind
		key    string
	}{
		{figure.ErrLocked, kindConflict, "figures.err_locked"},
		{figure.ErrUnderReview, kindConflict, "figures.err_under_review"},
		{figure.ErrNotPending, kindConflict, "figures.err_not_pending"},
		{figure.ErrNotYourStep, kindConflict, "figures.err_not_your_step"},
		{store.ErrFigureStale, kindConflict, "figures.err_stale"},
		{figure.ErrNoReason, kindInvalid, "figures.err_no_reason"},
	} {
		if errors.Is(err, m.target) {
			return &webError{kind: m.kind, key: m.key, err: err}
		}
	}
	return err
}

// due returns the earliest deadline of the kinds for p, "" if none.
func (f *figurePages) due(kinds []figure.Kind, p figure.Period) string {
	first := ""
	for _, k := range kinds {
		d, err := k.Due(p, f.addWorkdays)
		if err == nil && (first == "" || d < first) {
			first = d
		}
	}
	return first
}

// figureURL is the page of a unit's figures for a period.
func figureURL(code string, p figure.Period) string {
	return "/figures/regions/" + code + "/" + p.String()
}

// figStatusView is a status as a page shows it.
type figStatusView struct {
	Key, Label string
}

func newFigStatusView(st figure.Status, lang string) figStatusView {
	code := "none"
	if st != 0 {
		code = st.String()
	}
	return figStatusView{Key: code, Label: st.Label(lang)}
}

// ----- overview -----

type figOverviewRow struct {
	Code, Name, Level string
	Status            figStatusView
	Version           int
	URL               string
	Due               string
	Overdue           bool
	Own               bool
}

type figOverviewPage struct {
	Page
	Unit        region.Division
	UnitName    string
	Period      figure.Period
	PeriodLabel string
	PrevURL     string
	NextURL     string
	Spans       []navItem
	Span        string
	Rows        []figOverviewRow
	CanApprove  bool
	CanSubmit   bool
	Pending     int
	MissingURL  string
}

// overview is GET /figures?region=&period=&span=: the unit's own figures
// and its children's for a period, each with its status and deadline.
func (f *figurePages) overview(w http.ResponseWriter, r *http.Request) error {
	lang := langOf(r)
	q := r.URL.Query()
	t := f.s.tree()
	p := principalOf(r)
	code := strings.TrimSpace(q.Get("region"))
	if code == "" {
		code = scopeRegion(p)
	}
	unit, _ := t.Get(code)
	span := figure.Month
	if v := q.Get("span"); v != "" {
		sp, err := figure.ParseSpan(v)
		if err != nil {
			return badRequest("figures.bad_span", v)
		}
		span = sp
	}
	period, err := figPeriodParam(q, "period", f.lastPeriod(span))
	if err != nil {
		return err
	}
	span = period.Span
	pg := figOverviewPage{Page: f.s.newPage(r, f.t(r, "figures.title"), "figures"), Unit: unit, UnitName: regionName(unit, lang),
		Period: period, PeriodLabel: period.Label(lang), Span: span.String()}
	for _, sp := range f.cat.Spans() {
		pg.Spans = append(pg.Spans, navItem{Key: sp.String(), Label: sp.Label(lang),
			URL: link("/figures", "region", code, "span", sp.String())})
	}
	nav := func(to figure.Period) string { return link("/figures", "region", code, "period", to.String()) }
	pg.PrevURL, pg.NextURL = nav(period.Prev()), nav(figNextPeriod(period))
	units := append([]region.Division{unit}, t.Children(code)...)
	var codes []string
	for _, d := range units {
		if len(f.cat.KindsFor(d, span)) > 0 {
			codes = append(codes, d.Code)
		}
	}
	latest, err := f.s.st.LatestFigures(r.Context(), store.FigureQuery{Regions: codes, Period: period})
	if err != nil {
		return err
	}
	byUnit := map[string]figure.Submission{}
	for _, sub := range latest {
		byUnit[sub.Region] = sub
	}
	today := f.s.today()
	for _, d := range units {
		kinds := f.cat.KindsFor(d, span)
		if len(kinds) == 0 {
			continue
		}
		sub := byUnit[d.Code]
		row := figOverviewRow{Code: d.Code, Name: regionName(d, lang), Level: d.Level.Label(lang), Status: newFigStatusView(sub.Status, lang),
			Version: sub.Version, URL: figureURL(d.Code, period), Due: f.due(kinds, period), Own: d.Code == code}
		row.Overdue = !sub.Status.Reported() && row.Due != "" && today > row.Due
		pg.Rows = append(pg.Rows, row)
	}
	pg.CanSubmit = auth.Allow(t, p, auth.SubmitFigures, auth.Target{Region: code}).Allowed
	pg.CanApprove = auth.Allow(t, p, auth.ApproveFigures, auth.Target{Region: p.Region}).Allowed
	if pg.CanApprove {
		if _, pg.Pending, err = f.s.st.PendingFigures(r.Context(), p.Region, figure.Period{}, 1); err != nil {
			return err
		}
	}
	if len(f.cat.Kinds) > 0 {
		pg.MissingURL = link("/figures/missing", "region", code)
	}
	return f.render(w, r, http.StatusOK, "figures", pg)
}

// figNextPeriod is the period after p.
func figNextPeriod(p figure.Period) figure.Period {
	switch p.Span {
	case figure.Month:
		if p.N == 12 {
			return figure.Period{Span: figure.Month, Year: p.Year + 1, N: 1}
		}
		return figure.Period{Span: figure.Month, Year: p.Year, N: p.N + 1}
	case figure.Quarter:
		if p.N == 4 {
			return figure.Period{Span: figure.Quarter, Year: p.Year + 1, N: 1}
		}
		return figure.Period{Span: figure.Quarter, Year: p.Year, N: p.N + 1}
	}
	return figure.Period{Span: figure.Year, Year: p.Year + 1}
}

// ----- one unit's figures for a period -----

type figFieldView struct {
	Code, Label, Unit, Value string
	Integer                  bool
	Error, Warning           string
}

type figValueView struct {
	Label, Value, Unit string
}

type figEventView struct {
	Seq                     int
	At, Actor, Role, Region string
	Step, From, To          string
	Reason                  string
	Values                  []figValueView
}

type figVersionView struct {
	Version  int
	Status   figStatusView
	InEffect bool
	Values   []figValueView
	Events   []figEventView
}

type figSubmissionPage struct {
	Page
	Unit        region.Division
	UnitName    string
	Crumbs      []crumb
	Period      figure.Period
	PeriodLabel string
	Span        string
	PrevURL     string
	NextURL     string
	Due         string
	Overdue     bool
	Status      figStatusView
	Awaiting    string
	Reason      string
	Version     int
	Seq         int
	Nothing     bool // the unit reports nothing for this span
	// CanEdit shows the form; Correction says it makes a new version.
	CanEdit    bool
	Correction bool
	Fields     []figFieldView
	Errors     []string
	Warnings   bool
	Confirm    bool
	Saved      string
	CanDecide  bool
	ReturnText string
	Versions   []figVersionView
	Action     string
	QueueURL   string
}

// values formats figures in catalog order.
func (f *figurePages) values(vals map[string]float64, lang string) []figValueView {
	var out []figValueView
	for _, k := range f.cat.Kinds {
		if v, ok := vals[k.Code]; ok {
			out = append(out, figValueView{Label: k.Label(lang), Value: formatFigure(v), Unit: k.UnitLabel(lang)})
		}
	}
	for _, code := range figSortedKeys(vals) {
		if _, ok := f.cat.Kind(code); !ok {
			out = append(out, figValueView{Label: code, Value: formatFigure(vals[code])})
		}
	}
	return out
}

func figSortedKeys(m map[string]float64) []string { return slices.Sorted(maps.Keys(m)) }

// formatFigure writes a value with thousands separators, keeping fen.
func formatFigure(v float64) string {
	s := figure.FormatValue(v)
	whole, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return s
	}
	out := formatNumber(n)
	if whole == "-0" {
		out = "-0"
	}
	if frac != "" {
		out += "." + frac
	}
	return out
}

// userNames returns the usernames of the given user IDs, for a history:
// a handful of people act on one unit's figures.
func (f *figurePages) userNames(ctx context.Context, ids []string) map[string]string {
	out := map[string]string{}
	for _, id := range ids {
		if _, done := out[id]; done {
			continue
		}
		out[id] = id
		if u, err := f.s.st.UserByID(ctx, id); err == nil {
			out[id] = u.Username
		}
	}
	return out
}

// submissionView fills the page of a unit's figures for a period from
// the store; the form's fields hold the latest version's values.
func (f *figurePages) submissionView(r *http.Request, unit region.Division, period figure.Period) (figSubmissionPage, []store.FigureVersion, error) {
	lang := langOf(r)
	t := f.s.tree()
	p := principalOf(r)
	pg := figSubmissionPage{Page: f.s.newPage(r, f.t(r, "figures.submission_title"), "figures"), Unit: unit, UnitName: regionName(unit, lang),
		Period: period, PeriodLabel: period.Label(lang), Span: period.Span.String(), Action: figureURL(unit.Code, period),
		PrevURL: figureURL(unit.Code, period.Prev()), NextURL: figureURL(unit.Code, figNextPeriod(period))}
	for _, a := range append(t.Ancestors(unit.Code), unit) {
		c := crumb{Name: regionName(a, lang)}
		if inScope(t, p, a.Code) {
			c.URL = link("/figures", "region", a.Code, "period", period.String())
		}
		pg.Crumbs = append(pg.Crumbs, c)
	}
	h, err := f.s.st.FigureHistory(r.Context(), unit.Code, period)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return pg, nil, err
	}
	kinds := f.cat.KindsFor(unit, period.Span)
	pg.Nothing = len(kinds) == 0
	pg.Due = f.due(kinds, period)
	var latest figure.Submission
	if len(h) > 0 {
		latest = h[len(h)-1].Submission
	}
	pg.Status, pg.Version, pg.Seq, pg.Reason = newFigStatusView(latest.Status, lang), latest.Version, latest.Seq, latest.Reason
	pg.Overdue = !latest.Status.Reported() && pg.Due != "" && f.s.today() > pg.Due
	if a := latest.Awaiting(); a != "" {
		if d, ok := t.Get(a); ok {
			pg.Awaiting = regionName(d, lang)
		}
	}
	editable := figure.CheckEditable(latest) == nil || latest.Status == figure.Approved
	pg.CanEdit = !pg.Nothing && editable && auth.Allow(t, p, auth.SubmitFigures, auth.Target{Region: unit.Code}).Allowed
	pg.Correction = latest.Status == figure.Approved
	pg.CanDecide = latest.Awaiting() != "" && latest.Awaiting() == p.Region &&
		auth.Allow(t, p, auth.ApproveFigures, auth.Target{Region: unit.Code}).Allowed
	if pg.CanDecide {
		pg.QueueURL = "/figures/queue"
	}
	for _, k := range kinds {
		fv := figFieldView{Code: k.Code, Label: k.Label(lang), Unit: k.UnitLabel(lang), Integer: k.Integer}
		if v, ok := latest.Values[k.Code]; ok {
			fv.Value = figure.FormatValue(v)
		}
		pg.Fields = append(pg.Fields, fv)
	}
	var actors []string
	for _, v := range h {
		for _, ev := range v.Events {
			actors = append(actors, ev.Actor)
		}
	}
	names := f.userNames(r.Context(), actors)
	effect, hasEffect := store.InEffect(h)
	for i := len(h) - 1; i >= 0; i-- {
		v := h[i]
		vv := figVersionView{Version: v.Version, Status: newFigStatusView(v.Status, lang), Values: f.values(v.Values, lang),
			InEffect: hasEffect && effect.Version == v.Version}
		for _, ev := range v.Events {
			e := figEventView{Seq: ev.Seq, At: ev.At.In(chinaTime).Format("2006-01-02 15:04:05"), Actor: names[ev.Actor],
				Region: ev.ActorRegion, Step: ev.Step.Label(lang), From: ev.From.Label(lang), To: ev.To.Label(lang), Reason: ev.Reason}
			if role, err := auth.ParseRole(ev.ActorRole); err == nil {
				e.Role = role.Label(lang)
			}
			if d, ok := t.Get(ev.ActorRegion); ok {
				e.Region = regionName(d, lang)
			}
			if ev.Values != nil {
				e.Values = f.values(ev.Values, lang)
			}
			vv.Events = append(vv.Events, e)
		}
		pg.Versions = append(pg.Versions, vv)
	}
	return pg, h, nil
}

// figSubmissionPage is GET /figures/regions/{code}/{period}: the form (for a
// reporter of the unit, while the figures may change), the approval
// buttons (for the approver whose turn it is) and the history of every
// version.
func (f *figurePages) figSubmissionPage(w http.ResponseWriter, r *http.Request) error {
	unit, period, err := f.unitPeriod(r)
	if err != nil {
		return err
	}
	pg, _, err := f.submissionView(r, unit, period)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("done") {
	case "save":
		pg.Saved = f.t(r, "figures.saved")
	case "submit":
		pg.Saved = f.t(r, "figures.submitted")
	case "approve":
		pg.Saved = f.t(r, "figures.approved")
	case "return":
		pg.Saved = f.t(r, "figures.returned")
	}
	return f.render(w, r, http.StatusOK, "figures_submission", pg)
}

// previous returns the unit's reported figures of the period before p, for
// the jump check.
func (f *figurePages) previous(ctx context.Context, unit string, p figure.Period) (map[string]float64, error) {
	prev, err := f.s.st.ReportedFigures(ctx, p.Prev(), []string{unit})
	if err != nil {
		return nil, err
	}
	return prev[unit], nil
}

// save is POST /figures/regions/{code}/{period}: the form's values, saved
// as a draft (action=save) or submitted (action=submit). Errors come back
// on the form, each at its field; a big jump comes back as a warning with
// a box to confirm it.
func (f *figurePages) save(w http.ResponseWriter, r *http.Request) error {
	unit, period, err := f.unitPeriod(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return badRequest("err.bad_form")
	}
	lang := langOf(r)
	kinds := f.cat.KindsFor(unit, period.Span)
	if len(kinds) == 0 {
		return badRequest("figures.nothing_to_report", regionName(unit, lang), period.Label(lang))
	}
	submit := r.PostForm.Get("action") == "submit"
	confirm := r.PostForm.Get("confirm") != ""
	values := map[string]float64{}
	typed := map[string]string{}
	fieldErr := map[string]string{}
	for _, k := range kinds {
		text := strings.TrimSpace(r.PostForm.Get("v_" + k.Code))
		typed[k.Code] = text
		if text == "" {
			continue
		}
		v, p := figure.ParseValue(text)
		if p != nil {
			fieldErr[k.Code] = p.In(lang)
			continue
		}
		values[k.Code] = v
	}
	prev, err := f.previous(r.Context(), unit.Code, period)
	if err != nil {
		return err
	}
	var general []string
	fieldWarn := map[string]string{}
	if len(fieldErr) == 0 {
		for _, p := range f.rules.Validate(figure.Input{Unit: unit, Period: period, Values: values, Previous: prev}) {
			switch {
			case p.Warning && (!submit || confirm):
			case p.Warning:
				fieldWarn[p.Field] = p.In(lang)
			case p.Field == "":
				general = append(general, p.In(lang))
			default:
				fieldErr[p.Field] = p.In(lang)
			}
		}
	}
	if len(fieldErr) > 0 || len(fieldWarn) > 0 || len(general) > 0 {
		pg, _, err := f.submissionView(r, unit, period)
		if err != nil {
			return err
		}
		for i := range pg.Fields {
			fv := &pg.Fields[i]
			fv.Value, fv.Error, fv.Warning = typed[fv.Code], fieldErr[fv.Code], fieldWarn[fv.Code]
		}
		pg.Errors = general
		if len(fieldErr) > 0 || len(general) > 0 {
			pg.Errors = append([]string{f.t(r, "figures.fix_errors")}, general...)
		}
		pg.Warnings = len(fieldWarn) > 0 && len(fieldErr) == 0 && len(general) == 0
		return f.render(w, r, http.StatusUnprocessableEntity, "figures_submission", pg)
	}
	_, _, err = f.s.st.SaveFigures(r.Context(), f.s.tree(), store.FigureEntry{Region: unit.Code, Period: period, Values: values,
		Submit: submit, Confirmed: submit && confirm}, f.actor(r))
	if err != nil {
		return figureErr(err)
	}
	done := "save"
	if submit {
		done = "submit"
	}
	http.Redirect(w, r, figureURL(unit.Code, period)+"?done="+done, http.StatusSeeOther)
	return nil
}

// figDecisionKey reads the version and step count a decision form or body
// carries, so that a page shown before the figures changed cannot
// approve them.
func figDecisionKey(unit string, period figure.Period, version, seq string) (store.FigureKey, error) {
	k := store.FigureKey{Region: unit, Period: period}
	var err error
	if version != "" {
		if k.Version, err = strconv.Atoi(version); err != nil || k.Version < 1 {
			return k, badRequest("err.bad_number", "version", version, 1, 1<<30)
		}
	}
	if seq != "" {
		if k.Seq, err = strconv.Atoi(seq); err != nil || k.Seq < 1 {
			return k, badRequest("err.bad_number", "seq", seq, 1, 1<<30)
		}
	}
	return k, nil
}

// approve is POST /figures/regions/{code}/{period}/approve.
func (f *figurePages) approve(w http.ResponseWriter, r *http.Request) error {
	return f.decideForm(w, r, figure.Approve)
}

// sendBack is POST /figures/regions/{code}/{period}/return (退回).
func (f *figurePages) sendBack(w http.ResponseWriter, r *http.Request) error {
	return f.decideForm(w, r, figure.Return)
}

func (f *figurePages) decideForm(w http.ResponseWriter, r *http.Request, step figure.Step) error {
	unit, period, err := f.unitPeriod(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return badRequest("err.bad_form")
	}
	k, err := figDecisionKey(unit.Code, period, r.PostForm.Get("version"), r.PostForm.Get("seq"))
	if err != nil {
		return err
	}
	if step == figure.Return {
		reason := strings.TrimSpace(r.PostForm.Get("reason"))
		if reason == "" {
			pg, _, err := f.submissionView(r, unit, period)
			if err != nil {
				return err
			}
			pg.Errors = []string{f.t(r, "figures.err_no_reason")}
			return f.render(w, r, http.StatusUnprocessableEntity, "figures_submission", pg)
		}
		_, err = f.s.st.ReturnFigures(r.Context(), k, reason, f.actor(r))
	} else {
		_, err = f.s.st.ApproveFigures(r.Context(), k, f.actor(r))
	}
	if err != nil {
		return figureErr(err)
	}
	to := figureURL(unit.Code, period) + "?done=" + step.String()
	if next := r.PostForm.Get("next"); next == "/figures/queue" || strings.HasPrefix(next, "/figures/queue?") {
		to = next
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// ----- the approver's queue -----

type figQueueRow struct {
	Code, Name  string
	Period      string
	PeriodLabel string
	Version     int
	Seq         int
	Status      figStatusView
	Updated     string
	Values      []figValueView
	Confirmed   bool
	URL         string
}

type figQueueGroup struct {
	Period, Label string
	Count         int
	URL           string
	Current       bool
}

type figQueuePage struct {
	Page
	Unit     region.Division
	UnitName string
	Period   string
	Groups   []figQueueGroup
	Total    int
	Rows     []figQueueRow
	More     int
	Before   string
	Approved string
	Next     string
}

// maxFigQueueShown bounds the rows the queue page lists; "approve all" and
// the counts cover every one.
const maxFigQueueShown = 300

// queue is GET /figures/queue?period=: what awaits the caller's unit.
func (f *figurePages) queue(w http.ResponseWriter, r *http.Request) error {
	lang := langOf(r)
	p := principalOf(r)
	t := f.s.tree()
	unit, _ := t.Get(p.Region)
	period, err := figPeriodParam(r.URL.Query(), "period", figure.Period{})
	if err != nil {
		return err
	}
	pg := figQueuePage{Page: f.s.newPage(r, f.t(r, "figures.queue_title"), "figures"), Unit: unit, UnitName: regionName(unit, lang),
		Period: period.String(), Before: f.s.now().UTC().Format(time.RFC3339Nano), Next: r.URL.RequestURI()}
	if n := r.URL.Query().Get("approved"); n != "" {
		if c, err := strconv.Atoi(n); err == nil {
			pg.Approved = f.t(r, "figures.approved_n", c)
		}
	}
	counts, err := f.s.st.PendingFigurePeriods(r.Context(), p.Region)
	if err != nil {
		return err
	}
	for _, c := range counts {
		pg.Groups = append(pg.Groups, figQueueGroup{Period: c.Period.String(), Label: c.Period.Label(lang), Count: c.Count,
			URL: link("/figures/queue", "period", c.Period.String()), Current: c.Period == period})
	}
	subs, total, err := f.s.st.PendingFigures(r.Context(), p.Region, period, maxFigQueueShown)
	if err != nil {
		return err
	}
	pg.Total, pg.More = total, total-len(subs)
	for _, sub := range subs {
		d, _ := t.Get(sub.Region)
		pg.Rows = append(pg.Rows, figQueueRow{Code: sub.Region, Name: regionName(d, lang), Period: sub.Period.String(), PeriodLabel: sub.Period.Label(lang),
			Version: sub.Version, Seq: sub.Seq, Status: newFigStatusView(sub.Status, lang), Updated: sub.Updated.In(chinaTime).Format("2006-01-02 15:04"),
			Values: f.values(sub.Values, lang), Confirmed: sub.Confirmed, URL: figureURL(sub.Region, sub.Period)})
	}
	return f.render(w, r, http.StatusOK, "figures_queue", pg)
}

// figBulkScope refuses a bulk approval through an API token narrowed to a
// part of the approver's unit: the queue holds the whole unit's figures.
func figBulkScope(p auth.Principal) error {
	if p.Limit != nil && p.Limit.Region != "" && p.Limit.Region != p.Region {
		return notFound("err.no_page")
	}
	return nil
}

// approveAll is POST /figures/queue/approve: every version awaiting the
// caller's unit of the form's period ("" for all), up to the time the
// queue was shown.
func (f *figurePages) approveAll(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return badRequest("err.bad_form")
	}
	n, err := f.bulk(r, r.PostForm.Get("period"), r.PostForm.Get("before"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, link("/figures/queue", "approved", strconv.Itoa(n)), http.StatusSeeOther)
	return nil
}

// bulk runs a bulk approval for the caller. The approval goes on if the
// client goes away: it is the approver's decision, and stopping part-way
// would leave it half done until approved again.
func (f *figurePages) bulk(r *http.Request, period, before string) (int, error) {
	p := principalOf(r)
	if err := figBulkScope(p); err != nil {
		return 0, err
	}
	q := store.FigureBulk{}
	if period != "" {
		pp, err := figure.ParsePeriod(period)
		if err != nil {
			return 0, badRequest("figures.bad_period", period)
		}
		q.Period = pp
	}
	if before != "" {
		b, err := time.Parse(time.RFC3339Nano, before)
		if err != nil {
			return 0, badRequest("figures.bad_time", before)
		}
		q.Before = b
	}
	return f.s.st.ApproveAllFigures(context.WithoutCancel(r.Context()), q, f.actor(r))
}

// ----- who has not reported -----

type figMissingRow struct {
	Code, Name, Parent, URL string
}

type figMissingPage struct {
	Page
	Unit        region.Division
	UnitName    string
	Kinds       []navItem
	Kind        string
	KindLabel   string
	Period      string
	PeriodLabel string
	Due         string
	Passed      bool
	Expected    int
	Rows        []figMissingRow
	Late        []figMissingRow
}

// missingFor resolves the parameters of the missing-reports page and API:
// the unit (?region=), the kind (?kind=, default the catalog's first), the
// period (default the last of the kind's span) and its deadline.
func (f *figurePages) missingFor(r *http.Request) (region.Division, figure.Kind, figure.Period, string, error) {
	q := r.URL.Query()
	code := strings.TrimSpace(q.Get("region"))
	if code == "" {
		code = scopeRegion(principalOf(r))
	}
	unit, _ := f.s.tree().Get(code)
	kind := f.cat.Kinds[0]
	if v := q.Get("kind"); v != "" {
		k, ok := f.cat.Kind(v)
		if !ok {
			return unit, kind, figure.Period{}, "", badRequest("figures.unknown_kind", v)
		}
		kind = k
	}
	period, err := figPeriodParam(q, "period", f.lastPeriod(kind.Period))
	if err != nil {
		return unit, kind, period, "", err
	}
	if period.Span != kind.Period {
		return unit, kind, period, "", badRequest("figures.wrong_span", kind.Label(langOf(r)), kind.Period.Label(langOf(r)))
	}
	due, err := kind.Due(period, f.addWorkdays)
	return unit, kind, period, due, err
}

// figDeadlineEnd is the end of a deadline day in China: a report counts as on
// time until midnight.
func figDeadlineEnd(due string) time.Time {
	d, err := time.ParseInLocation("2006-01-02", due, chinaTime)
	if err != nil {
		return time.Time{}
	}
	return d.AddDate(0, 0, 1)
}

// missingUnits returns the units that have not reported, and, once the
// deadline has passed, those that reported after it (逾期补报): late is
// the units missing at the end of the deadline day that are not missing
// now.
func (f *figurePages) missingUnits(ctx context.Context, unit region.Division, kind figure.Kind, period figure.Period, due string) (missing, late []string, passed bool, err error) {
	if missing, err = f.s.st.MissingReports(ctx, kind.Code, period, kind.Level, unit.Code, time.Time{}); err != nil {
		return nil, nil, false, err
	}
	if passed = f.s.today() > due; !passed {
		return missing, nil, false, nil
	}
	byDeadline, err := f.s.st.MissingReports(ctx, kind.Code, period, kind.Level, unit.Code, figDeadlineEnd(due))
	if err != nil {
		return nil, nil, false, err
	}
	for _, c := range byDeadline {
		if !slices.Contains(missing, c) {
			late = append(late, c)
		}
	}
	return missing, late, true, nil
}

// missing is GET /figures/missing?region=&kind=&period=: the units that
// have not reported (逾期未报 once the deadline has passed), and those
// that reported late.
func (f *figurePages) missing(w http.ResponseWriter, r *http.Request) error {
	lang := langOf(r)
	unit, kind, period, due, err := f.missingFor(r)
	if err != nil {
		return err
	}
	missing, late, passed, err := f.missingUnits(r.Context(), unit, kind, period, due)
	if err != nil {
		return err
	}
	t := f.s.tree()
	pg := figMissingPage{Page: f.s.newPage(r, f.t(r, "figures.missing_title"), "figures"), Unit: unit, UnitName: regionName(unit, lang),
		Kind: kind.Code, KindLabel: kind.Label(lang), Period: period.String(), PeriodLabel: period.Label(lang), Due: due, Passed: passed,
		Expected: len(figure.Reporters(t, unit.Code, kind.Level))}
	for _, k := range f.cat.Kinds {
		pg.Kinds = append(pg.Kinds, navItem{Key: k.Code, Label: k.Label(lang)})
	}
	rows := func(codes []string) []figMissingRow {
		var out []figMissingRow
		for _, c := range codes {
			d, _ := t.Get(c)
			row := figMissingRow{Code: c, Name: regionName(d, lang), URL: figureURL(c, period)}
			if pd, ok := t.Get(d.Parent); ok {
				row.Parent = regionName(pd, lang)
			}
			out = append(out, row)
		}
		return out
	}
	pg.Rows, pg.Late = rows(missing), rows(late)
	return f.render(w, r, http.StatusOK, "figures_missing", pg)
}

// ----- upload -----

type figUploadPage struct {
	Page
	Periods   []navItem
	Templates []templateLink
	Error     string
	Rep       *importer.Report
	Rejected  int
	Errors    []rowErrorView
	More      int
	Rejects   string
	Submit    bool
	Partial   bool
	Confirm   bool
}

func (f *figurePages) newFigUploadPage(r *http.Request) figUploadPage {
	lang := langOf(r)
	pg := figUploadPage{Page: f.s.newPage(r, f.t(r, "figures.upload_title"), "figures"), Submit: true}
	for _, sp := range f.cat.Spans() {
		p := f.lastPeriod(sp)
		pg.Templates = append(pg.Templates, templateLink{Label: p.Label(lang),
			CSV:  link("/figures/templates/figures.csv", "period", p.String()),
			XLSX: link("/figures/templates/figures.xlsx", "period", p.String())})
	}
	return pg
}

// uploadForm is GET /figures/upload.
func (f *figurePages) uploadForm(w http.ResponseWriter, r *http.Request) error {
	return f.render(w, r, http.StatusOK, "figures_upload", f.newFigUploadPage(r))
}

// figureAllow is the check of each uploaded row's unit: the caller may
// submit figures for it.
func (f *figurePages) figureAllow(r *http.Request) func(string) bool {
	t, p := f.s.tree(), principalOf(r)
	return func(code string) bool {
		return auth.Allow(t, p, auth.SubmitFigures, auth.Target{Region: code}).Allowed
	}
}

// importFile runs an import of figures for the caller and audits it when
// it stored anything.
func (f *figurePages) importFile(r *http.Request, name string, body io.Reader, opts importer.FigureOptions) (*importer.Report, error) {
	opts.Allow = f.figureAllow(r)
	opts.Actor = f.actor(r)
	rep, err := importer.ImportFigures(r.Context(), f.s.st, f.s.tree(), f.rules, name, body, opts)
	if err == nil && rep != nil && rep.Committed && !rep.DryRun {
		f.s.audit(r, audit.Entry{Action: audit.Import, Object: importer.FiguresImport + "/" + rep.File,
			After: mustJSON(map[string]any{"file": rep.File, "rows": rep.Rows, "new": rep.New, "changed": rep.Changed,
				"unchanged": rep.Unchanged, "rejected": len(rep.Rejected), "partial": rep.Partial, "submit": opts.Submit})})
	}
	return rep, err
}

// upload is POST /figures/upload: the file is kept (like a registry
// import's) so that its rejected rows can be downloaded, imported at once,
// and the result shown with every row error.
func (f *figurePages) upload(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFigureUpload)
	mr, err := r.MultipartReader()
	if err != nil {
		return badRequest("err.not_multipart")
	}
	pg := f.newFigUploadPage(r)
	pg.Submit = false
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
		case "submit":
			pg.Submit = smallValue(part) != ""
		case "partial":
			pg.Partial = smallValue(part) != ""
		case "confirm":
			pg.Confirm = smallValue(part) != ""
		case "file":
			name = cleanFileName(part.FileName())
			if name == "" || token != "" {
				break
			}
			if token, err = f.s.uploads.create(""); err != nil {
				return err
			}
			if size, err = f.s.uploads.save(token, part); err != nil {
				return uploadError(err)
			}
		}
		part.Close()
	}
	if token == "" {
		pg.Error = f.t(r, "import.no_file")
		return f.render(w, r, http.StatusBadRequest, "figures_upload", pg)
	}
	m := uploadMeta{Registry: importer.FiguresImport, Name: name, Size: size, Partial: pg.Partial, Created: f.s.now(), User: principalOf(r).UserID}
	if err := f.s.uploads.saveMeta(token, m); err != nil {
		return err
	}
	file, err := f.s.uploads.open(token)
	if err != nil {
		return err
	}
	defer file.Close()
	rep, ierr := f.importFile(r, name, file, importer.FigureOptions{Partial: pg.Partial, Submit: pg.Submit, Confirm: pg.Confirm})
	status := http.StatusOK
	switch {
	case ierr == nil:
	case errors.Is(ierr, importer.ErrRejected):
		status = http.StatusUnprocessableEntity
	case fileError(ierr, name):
		pg.Error = ierr.Error()
		f.s.uploads.discard(token)
		return f.render(w, r, http.StatusBadRequest, "figures_upload", pg)
	default:
		return ierr
	}
	lang := langOf(r)
	pg.Rep, pg.Rejected = rep, len(rep.Rejected)
	if pg.Errors, pg.More, pg.Rejects, err = f.s.reportView(token, rep, lang); err != nil {
		return err
	}
	return f.render(w, r, status, "figures_upload", pg)
}

// template is GET /figures/templates/figures.csv|xlsx?period=&region=: a
// file to fill in, with a row per unit within the region (default the
// caller's) that reports the period's kinds, or the header alone without a
// period.
func (f *figurePages) template(w http.ResponseWriter, r *http.Request) error {
	base, format, err := splitFile(r.PathValue("file"))
	if err != nil {
		return err
	}
	if base != importer.FiguresImport {
		return notFound("err.unknown_registry", base)
	}
	q := r.URL.Query()
	period, err := figPeriodParam(q, "period", figure.Period{})
	if err != nil {
		return err
	}
	t := f.s.tree()
	code := strings.TrimSpace(q.Get("region"))
	if code == "" {
		code = scopeRegion(principalOf(r))
	}
	if err := f.s.allow(r, auth.SubmitFigures, auth.Target{Region: code}, notFound("err.unknown_region", code)); err != nil {
		return err
	}
	var units []region.Division
	if !period.IsZero() {
		levels := map[region.Level]bool{}
		for _, k := range f.cat.Kinds {
			if k.Period == period.Span {
				levels[k.Level] = true
			}
		}
		for _, l := range []region.Level{region.Country, region.Province, region.Prefecture, region.County} {
			if levels[l] {
				units = append(units, figure.Reporters(t, code, l)...)
			}
		}
		slices.SortFunc(units, func(a, b region.Division) int { return strings.Compare(a.Code, b.Code) })
		units = slices.CompactFunc(units, func(a, b region.Division) bool { return a.Code == b.Code })
	}
	lang := langOf(r)
	label := f.t(r, "figures.template_file")
	if !period.IsZero() {
		label += "-" + period.String()
	}
	return f.s.download(w, r, label+"."+format.String(), "figures-template."+format.String(), format, func(dw io.Writer) error {
		return importer.FigureTemplate(dw, f.cat, format, lang, period, units)
	})
}

// ----- JSON API -----

type figKindJSON struct {
	Code        string   `json:"code"`
	ZH          string   `json:"zh"`
	EN          string   `json:"en"`
	Unit        string   `json:"unit"`
	UnitEN      string   `json:"unit_en"`
	Period      string   `json:"period"`
	Level       string   `json:"level"`
	Min         *float64 `json:"min,omitempty"`
	Max         *float64 `json:"max,omitempty"`
	Integer     bool     `json:"integer"`
	DueWorkdays int      `json:"due_workdays,omitempty"`
	DueOn       string   `json:"due_on,omitempty"`
}

type figCheckJSON struct {
	Expr      string `json:"expr"`
	Field     string `json:"field,omitempty"`
	MessageZH string `json:"message_zh"`
	MessageEN string `json:"message_en"`
}

// apiKinds is GET /api/figures/kinds: the catalog.
func (f *figurePages) apiKinds(w http.ResponseWriter, r *http.Request) error {
	out := struct {
		Kinds      []figKindJSON  `json:"kinds"`
		Checks     []figCheckJSON `json:"checks"`
		JumpFactor float64        `json:"jump_factor"`
	}{Kinds: []figKindJSON{}, Checks: []figCheckJSON{}, JumpFactor: f.cat.JumpFactor}
	for _, k := range f.cat.Kinds {
		out.Kinds = append(out.Kinds, figKindJSON{Code: k.Code, ZH: k.ZH, EN: k.EN, Unit: k.Unit, UnitEN: k.UnitEN, Period: k.Period.String(),
			Level: k.Level.String(), Min: k.Min, Max: k.Max, Integer: k.Integer, DueWorkdays: k.DueWorkdays, DueOn: k.DueOn})
	}
	for _, c := range f.cat.Checks {
		out.Checks = append(out.Checks, figCheckJSON{Expr: c.Expr, Field: c.Field, MessageZH: c.MessageZH, MessageEN: c.MessageEN})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type figSubmissionJSON struct {
	Region    string             `json:"region"`
	Period    string             `json:"period"`
	Version   int                `json:"version"`
	Status    string             `json:"status"`
	Label     string             `json:"status_label"`
	Awaiting  string             `json:"awaiting,omitempty"`
	Chain     []string           `json:"chain"`
	Values    map[string]float64 `json:"values"`
	Confirmed bool               `json:"confirmed"`
	Reason    string             `json:"reason,omitempty"`
	Seq       int                `json:"seq"`
	Created   string             `json:"created"`
	Updated   string             `json:"updated"`
	Approved  string             `json:"approved,omitempty"`
}

func newFigSubmissionJSON(sub figure.Submission, lang string) figSubmissionJSON {
	out := figSubmissionJSON{Region: sub.Region, Period: sub.Period.String(), Version: sub.Version, Status: sub.Status.String(),
		Label: sub.Status.Label(lang), Awaiting: sub.Awaiting(), Chain: sub.Chain, Values: sub.Values, Confirmed: sub.Confirmed,
		Reason: sub.Reason, Seq: sub.Seq, Created: sub.Created.UTC().Format(time.RFC3339), Updated: sub.Updated.UTC().Format(time.RFC3339)}
	if !sub.Approved.IsZero() {
		out.Approved = sub.Approved.UTC().Format(time.RFC3339)
	}
	if out.Chain == nil {
		out.Chain = []string{}
	}
	if out.Values == nil {
		out.Values = map[string]float64{}
	}
	return out
}

type figEventJSON struct {
	Seq         int                `json:"seq"`
	At          string             `json:"at"`
	Actor       string             `json:"actor"`
	ActorRole   string             `json:"actor_role"`
	ActorRegion string             `json:"actor_region"`
	Step        string             `json:"step"`
	From        string             `json:"from"`
	To          string             `json:"to"`
	Reason      string             `json:"reason,omitempty"`
	Values      map[string]float64 `json:"values,omitempty"`
}

type figVersionJSON struct {
	figSubmissionJSON
	InEffect bool           `json:"in_effect"`
	Events   []figEventJSON `json:"events"`
}

// apiList is GET /api/figures?region=&period=&status=.
func (f *figurePages) apiList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	code := strings.TrimSpace(q.Get("region"))
	if code == "" {
		code = scopeRegion(principalOf(r))
	}
	fq := store.FigureQuery{Under: code}
	var err error
	if fq.Period, err = figPeriodParam(q, "period", figure.Period{}); err != nil {
		return err
	}
	if v := q.Get("status"); v != "" {
		if fq.Status, err = figure.ParseStatus(v); err != nil {
			return badRequest("figures.bad_status", v)
		}
	}
	if fq.Limit, err = intParam(q, "limit", 1000, 1, 10000); err != nil {
		return err
	}
	subs, err := f.s.st.LatestFigures(r.Context(), fq)
	if err != nil {
		return err
	}
	lang := langOf(r)
	items := []figSubmissionJSON{}
	for _, sub := range subs {
		items = append(items, newFigSubmissionJSON(sub, lang))
	}
	writeJSON(w, http.StatusOK, map[string]any{"region": code, "period": fq.Period.String(), "items": items})
	return nil
}

// apiHistory is GET /api/figures/regions/{code}/{period}.
func (f *figurePages) apiHistory(w http.ResponseWriter, r *http.Request) error {
	unit, period, err := f.unitPeriod(r)
	if err != nil {
		return err
	}
	h, err := f.s.st.FigureHistory(r.Context(), unit.Code, period)
	if err != nil {
		return err
	}
	f.writeHistory(w, r, h)
	return nil
}

func (f *figurePages) writeHistory(w http.ResponseWriter, r *http.Request, h []store.FigureVersion) {
	lang := langOf(r)
	effect, ok := store.InEffect(h)
	out := struct {
		Region   string           `json:"region"`
		Period   string           `json:"period"`
		InEffect int              `json:"in_effect"`
		Versions []figVersionJSON `json:"versions"`
	}{Region: h[0].Region, Period: h[0].Period.String()}
	if ok {
		out.InEffect = effect.Version
	}
	for _, v := range h {
		vj := figVersionJSON{figSubmissionJSON: newFigSubmissionJSON(v.Submission, lang), InEffect: ok && v.Version == effect.Version, Events: []figEventJSON{}}
		for _, ev := range v.Events {
			from := ""
			if ev.From != 0 {
				from = ev.From.String()
			}
			vj.Events = append(vj.Events, figEventJSON{Seq: ev.Seq, At: ev.At.UTC().Format(time.RFC3339Nano), Actor: ev.Actor, ActorRole: ev.ActorRole,
				ActorRegion: ev.ActorRegion, Step: ev.Step.String(), From: from, To: ev.To.String(), Reason: ev.Reason, Values: ev.Values})
		}
		out.Versions = append(out.Versions, vj)
	}
	writeJSON(w, http.StatusOK, out)
}

// apiPut is PUT /api/figures/regions/{code}/{period} with
// {"values": {"referrals": 120, …}, "submit": true, "confirm": false}.
// Values are numbers or the text a cell would hold ("1,200"). Field
// errors answer 422; so do unconfirmed warnings on a submission, with
// their fields, to be sent again with "confirm": true.
func (f *figurePages) apiPut(w http.ResponseWriter, r *http.Request) error {
	unit, period, err := f.unitPeriod(r)
	if err != nil {
		return err
	}
	body, err := decodeObject(w, r)
	if err != nil {
		return err
	}
	lang := langOf(r)
	raw, _ := body["values"].(map[string]any)
	if raw == nil {
		return invalid([]fieldError{{Field: "values", Msg: f.s.msg("figures.values_object")}})
	}
	submit, _ := body["submit"].(bool)
	confirm, _ := body["confirm"].(bool)
	values := map[string]float64{}
	var fields []fieldError
	for _, code := range slices.Sorted(maps.Keys(raw)) {
		text, ok := jsonText(raw[code])
		if !ok {
			fields = append(fields, fieldError{Field: code, Msg: f.s.msg("figures.not_a_number")})
			continue
		}
		if text == "" {
			continue
		}
		v, p := figure.ParseValue(text)
		if p != nil {
			fields = append(fields, fieldError{Field: code, Value: text, Msg: f.s.msg("figures.not_a_number")})
			continue
		}
		values[code] = v
	}
	if len(fields) > 0 {
		return invalid(fields)
	}
	prev, err := f.previous(r.Context(), unit.Code, period)
	if err != nil {
		return err
	}
	var warnings []fieldError
	for _, p := range f.rules.Validate(figure.Input{Unit: unit, Period: period, Values: values, Previous: prev}) {
		fe := fieldError{Field: p.Field, Value: p.Value}
		fe.Msg.ZH, fe.Msg.EN = p.ZH, p.EN
		if p.Warning {
			if submit && !confirm {
				warnings = append(warnings, fe)
			}
			continue
		}
		fields = append(fields, fe)
	}
	if len(fields) > 0 {
		return invalid(fields)
	}
	if len(warnings) > 0 {
		return &webError{kind: kindInvalid, key: "figures.confirm_needed", fields: warnings}
	}
	sub, change, err := f.s.st.SaveFigures(r.Context(), f.s.tree(), store.FigureEntry{Region: unit.Code, Period: period, Values: values,
		Submit: submit, Confirmed: submit && confirm}, f.actor(r))
	if err != nil {
		return figureErr(err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"change": figChangeName(change), "submission": newFigSubmissionJSON(sub, lang)})
	return nil
}

func figChangeName(c store.FigureChange) string {
	switch c {
	case store.FigureNew:
		return "new"
	case store.FigureChanged:
		return "changed"
	}
	return "unchanged"
}

// apiApprove is POST /api/figures/regions/{code}/{period}/approve with an
// optional {"version": 2, "seq": 3}: the version and step count the
// caller saw, refused with 409 if the figures moved on.
func (f *figurePages) apiApprove(w http.ResponseWriter, r *http.Request) error {
	return f.apiDecide(w, r, figure.Approve)
}

// apiReturn is POST /api/figures/regions/{code}/{period}/return with
// {"reason": "…", "version": 2, "seq": 3}.
func (f *figurePages) apiReturn(w http.ResponseWriter, r *http.Request) error {
	return f.apiDecide(w, r, figure.Return)
}

func (f *figurePages) apiDecide(w http.ResponseWriter, r *http.Request, step figure.Step) error {
	unit, period, err := f.unitPeriod(r)
	if err != nil {
		return err
	}
	body := map[string]any{}
	if r.ContentLength != 0 {
		if body, err = decodeObject(w, r); err != nil {
			return err
		}
	}
	version, _ := jsonText(body["version"])
	seq, _ := jsonText(body["seq"])
	k, err := figDecisionKey(unit.Code, period, version, seq)
	if err != nil {
		return err
	}
	var sub figure.Submission
	if step == figure.Return {
		reason, _ := body["reason"].(string)
		if strings.TrimSpace(reason) == "" {
			return invalid([]fieldError{{Field: "reason", Msg: f.s.msg("figures.err_no_reason")}})
		}
		sub, err = f.s.st.ReturnFigures(r.Context(), k, reason, f.actor(r))
	} else {
		sub, err = f.s.st.ApproveFigures(r.Context(), k, f.actor(r))
	}
	if err != nil {
		return figureErr(err)
	}
	writeJSON(w, http.StatusOK, newFigSubmissionJSON(sub, langOf(r)))
	return nil
}

// apiPending is GET /api/figures/pending?period=&limit=.
func (f *figurePages) apiPending(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	period, err := figPeriodParam(q, "period", figure.Period{})
	if err != nil {
		return err
	}
	limit, err := intParam(q, "limit", 1000, 1, 10000)
	if err != nil {
		return err
	}
	p := principalOf(r)
	subs, total, err := f.s.st.PendingFigures(r.Context(), p.Region, period, limit)
	if err != nil {
		return err
	}
	lang := langOf(r)
	items := []figSubmissionJSON{}
	for _, sub := range subs {
		items = append(items, newFigSubmissionJSON(sub, lang))
	}
	writeJSON(w, http.StatusOK, map[string]any{"approver": p.Region, "total": total, "items": items,
		"before": f.s.now().UTC().Format(time.RFC3339Nano)})
	return nil
}

// apiApproveAll is POST /api/figures/pending/approve?period=&before=:
// before (RFC 3339, as GET /api/figures/pending gave it) keeps what
// arrived later out. It answers {"approved": n}; run again after a failure
// it approves what is left.
func (f *figurePages) apiApproveAll(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	n, err := f.bulk(r, q.Get("period"), q.Get("before"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"approved": n})
	return nil
}

// apiMissing is GET /api/figures/missing?region=&kind=&period=: the units
// that have not reported ("missing") and, once the deadline has passed,
// those that reported after it ("late").
func (f *figurePages) apiMissing(w http.ResponseWriter, r *http.Request) error {
	unit, kind, period, due, err := f.missingFor(r)
	if err != nil {
		return err
	}
	missing, late, passed, err := f.missingUnits(r.Context(), unit, kind, period, due)
	if err != nil {
		return err
	}
	if missing == nil {
		missing = []string{}
	}
	if late == nil {
		late = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"region": unit.Code, "kind": kind.Code, "period": period.String(), "due": due,
		"deadline_passed": passed, "expected": len(figure.Reporters(f.s.tree(), unit.Code, kind.Level)), "missing": missing, "late": late})
	return nil
}

// apiTotals is GET /api/figures/totals?region=&kinds=&from=&to=&as_of=:
// the approved figures in effect, rolled up (figure.RollUp), for the
// region and each unit directly under it.
func (f *figurePages) apiTotals(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	code := strings.TrimSpace(q.Get("region"))
	if code == "" {
		code = scopeRegion(principalOf(r))
	}
	var kinds []string
	for _, k := range strings.Split(q.Get("kinds"), ",") {
		if k = strings.TrimSpace(k); k != "" {
			kinds = append(kinds, k)
		}
	}
	asOf := ""
	if q.Get("as_of") != "" {
		var err error
		if asOf, err = f.s.parseAsOf(r, "as_of"); err != nil {
			return err
		}
	}
	if _, _, err := figure.Bounds(q.Get("from"), q.Get("to")); err != nil {
		return badRequest("figures.bad_range", err.Error())
	}
	own, err := f.s.st.ApprovedFigureTotals(r.Context(), kinds, q.Get("from"), q.Get("to"), asOf)
	if err != nil {
		return err
	}
	t := f.s.tree()
	rolled := figure.RollUp(t, own)
	children := map[string]map[string]float64{}
	for _, c := range t.Children(code) {
		if v, ok := rolled[c.Code]; ok {
			children[c.Code] = v
		}
	}
	total := rolled[code]
	if total == nil {
		total = map[string]float64{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"region": code, "from": q.Get("from"), "to": q.Get("to"), "as_of": asOf,
		"total": total, "children": children})
	return nil
}

// apiImport is POST /api/figures/import?filename=&partial=&submit=&confirm=&dry_run=,
// with the file as the multipart field "file" or as the raw body: the
// report, 200 when stored (or planned), 422 with the report when rows
// were rejected and nothing was stored, 400 when the file as a whole is
// unusable.
func (f *figurePages) apiImport(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	r.Body = http.MaxBytesReader(w, r.Body, maxFigureUpload)
	name, body, err := uploadedFile(r)
	if err != nil {
		return err
	}
	lang := langOf(r)
	rep, err := f.importFile(r, name, body, importer.FigureOptions{Partial: boolParam(q, "partial"), DryRun: boolParam(q, "dry_run"),
		Submit: boolParam(q, "submit"), Confirm: boolParam(q, "confirm")})
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, newReportJSON(rep, lang))
		return nil
	case errors.Is(err, importer.ErrRejected):
		e := &webError{kind: kindInvalid, key: "err.rows_rejected", args: []any{len(rep.Rejected)}}
		writeJSON(w, e.kind.status(), errorBody(f.s, e, lang, newReportJSON(rep, lang)))
		return nil
	case fileError(err, name):
		return &webError{kind: kindBadRequest, text: err.Error(), err: err}
	}
	return err
}
