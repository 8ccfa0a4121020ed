package web

// The commitments pages (实事项目): what they share — the shipped sets, the
// boundary files of the map, the cache of evaluations — and the pages of
// one target (its gap list, 梳理名单) and of the report card (成绩单). The
// dashboard and its JSON API are in dashboard.go, the public progress page
// in public.go.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/commitment"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/table"
)

// commitTrendDays is how far back the trend that projects completion dates
// looks, as in `shishi eval`: a quarter smooths out single updates without
// hiding a change of pace.
const commitTrendDays = 90

// defaultSet is the set the dashboard opens with: the year's commitments.
const defaultSet = "2025"

// evalTTL bounds how old a cached evaluation may get. Cached evaluations
// are stamped with the store's write count (store.Store.WriteCount, as the
// region pages' count cache is) and serve only while it is current, so a
// facility change, an import or a final approval of reported figures
// shows at once. The limit frees the memory of evaluations nobody asks for
// again.
const evalTTL = 5 * time.Minute

// maxEvaluations bounds the full evaluations kept. One of the 2025 set over
// the whole country holds about 15 MB (27 targets × 3,212 regions), so
// three stay inside the server's memory budget (150 MB resident); the
// dashboard's other dates cost one evaluation each.
const maxEvaluations = 3

// maxSnapshots bounds the trend snapshots kept: each holds one registry's
// targets in every region on one date (at most 0.3 MB).
const maxSnapshots = 48

// evalWorkers bounds the evaluations computed at once, whoever asks: each
// is a national aggregation in the database and a pass over 3,212 regions,
// and the server has few cores to share with the pages.
const evalWorkers = 2

// maxGapRows bounds the gap list shown on a page; the download has all.
const maxGapRows = 500

// geoFiles are the demo boundaries (DataV.GeoAtlas, no open licence, no
// 审图号: see geo/SOURCE.md), shipped so that the map works out of the box.
// A deployment replaces them with --geo-dir.
//
//go:embed geo/china_provinces.geojson geo/provinces/*.geojson
var geoFiles embed.FS

// commitmentPages is what the commitments pages share.
type commitmentPages struct {
	sets []*commitment.Set
	// geo holds the boundary files: china_provinces.geojson,
	// provinces/<code>.geojson and, optionally, prefectures/<code>.geojson.
	geo fs.FS
	// ownMap is set when geo is the deployment's own (--geo-dir), whose
	// map needs no "demo base map" notice.
	ownMap bool
	evals  *evalCache
	snaps  *evalCache
	// index numbers the regions (the country first, then tree order), the
	// positions of a snapshot's values.
	index map[string]int
	// work holds a slot per evaluation being computed (evalWorkers).
	work chan struct{}
}

// newCommitmentPages loads the shipped sets and the pages' templates; the
// boundary files come from geoDir when it is given. It panics, as New does,
// on broken embedded files, which the package's tests rule out.
func (s *Server) newCommitmentPages(geoDir string) *commitmentPages {
	sets, err := commitment.Builtin()
	if err != nil {
		panic(err)
	}
	c := &commitmentPages{sets: sets, index: map[string]int{},
		evals: newEvalCache(maxEvaluations), snaps: newEvalCache(maxSnapshots),
		work: make(chan struct{}, evalWorkers)}
	if geoDir != "" {
		c.geo, c.ownMap = os.DirFS(geoDir), true
	} else if c.geo, err = fs.Sub(geoFiles, "geo"); err != nil {
		panic(err)
	}
	c.index[region.CountryCode] = 0
	for i, d := range s.base.All() {
		c.index[d.Code] = i + 1
	}
	if err := s.loadCommitmentTemplates(); err != nil {
		panic(err)
	}
	return c
}

// commitPageNames are the commitments pages drawn inside the layout;
// public.html is a page of its own, for visitors without an account.
var commitPageNames = []string{"dashboard", "commitments_target", "commitments_report", "commitments_dispatch"}

// loadCommitmentTemplates parses the commitments pages with the layout and
// the language's functions and adds them to the server's pages, so that
// render draws them like any other.
func (s *Server) loadCommitmentTemplates() error {
	for _, l := range langs {
		funcs := s.funcs(l, s.tmpl.cat[l])
		lang := l
		funcs["slabel"] = func(st commitment.Status) string { return st.Label(lang) }
		for _, p := range commitPageNames {
			tp, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles,
				"templates/layout.html", "templates/commitments_parts.html", "templates/"+p+".html")
			if err != nil {
				return err
			}
			s.tmpl.pages[l][p] = tp
		}
		tp, err := template.New("public.html").Funcs(funcs).ParseFS(templateFiles,
			"templates/commitments_parts.html", "templates/public.html")
		if err != nil {
			return err
		}
		s.tmpl.pages[l]["public"] = tp
	}
	return nil
}

// findSet returns the shipped set with the given id.
func (c *commitmentPages) findSet(id string) (*commitment.Set, bool) {
	for _, set := range c.sets {
		if set.ID == id {
			return set, true
		}
	}
	return nil, false
}

// defaultSet returns the set pages open with.
func (c *commitmentPages) defaultSet() *commitment.Set {
	if set, ok := c.findSet(defaultSet); ok {
		return set
	}
	return c.sets[0]
}

// setOf returns the set of the {set} path value.
func (s *Server) setOf(r *http.Request) (*commitment.Set, error) {
	id := r.PathValue("set")
	set, ok := s.commit.findSet(id)
	if !ok {
		return nil, notFound("commit.err_unknown_set", id)
	}
	return set, nil
}

// targetOf returns the target id names in set; the first target for "".
func targetOf(set *commitment.Set, id string) (*commitment.Target, error) {
	if id == "" {
		return set.Targets()[0], nil
	}
	t, ok := set.Target(id)
	if !ok {
		return nil, notFound("commit.err_unknown_target", id, set.ID)
	}
	return t, nil
}

// latestDate is the date a set is shown on by default: today, but not after
// the set's last day (a finished year is shown as it ended: the 2025 set on
// 2025-12-31, when today is in 2026) and not before its first.
func latestDate(set *commitment.Set, today string) string {
	switch {
	case today > set.To:
		return set.To
	case today < set.From:
		return set.From
	}
	return today
}

// commitDate reads the as_of parameter for set: latestDate when absent, and
// any date clamped into the set's period up to latestDate, since a date
// outside it has nothing to evaluate (before the start no total has begun;
// after today the registries hold only what is planned). The response says
// which date it used.
func (s *Server) commitDate(r *http.Request, set *commitment.Set) (string, error) {
	last := latestDate(set, s.today())
	v := strings.TrimSpace(r.URL.Query().Get("as_of"))
	if v == "" {
		return last, nil
	}
	d, err := facility.ParseDate(v)
	if err != nil {
		return "", badRequest("err.bad_date", "as_of", v)
	}
	return min(max(d, set.From), last), nil
}

// periodDates are the dates a set's trend is drawn at, and the slider's
// stops: month ends from the set's start, every k months so that there
// are at most 12 of them, and the latest date last.
func periodDates(set *commitment.Set, today string) []string {
	last := latestDate(set, today)
	start, err := time.Parse(facility.DateLayout, set.From)
	if err != nil {
		return []string{last}
	}
	var ends []string
	for m := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC); ; m = m.AddDate(0, 1, 0) {
		end := m.AddDate(0, 1, -1).Format(facility.DateLayout)
		if end >= last {
			break
		}
		ends = append(ends, end)
	}
	step := max(1, (len(ends)+11)/12)
	var out []string
	// Count back from the latest date, so that the stops nearest to it are
	// kept whatever the step.
	for i := len(ends) - step; i >= 0; i -= step {
		out = append(out, ends[i])
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return append(out, last)
}

// queryRegion is the region of the ?region= parameter, by default the
// caller's own unit, as the guard reads it for targetRegionQuery.
func queryRegion(r *http.Request) string {
	if code := strings.TrimSpace(r.URL.Query().Get("region")); code != "" {
		return code
	}
	return scopeRegion(principalOf(r))
}

// regionTarget is the auth.Target of a region for the caller, as the guard
// builds it for targetRegionQuery, for the checks a handler makes itself.
func regionTarget(p auth.Principal, code string) auth.Target {
	tg := auth.Target{Region: code}
	if p.Role.Binding() == auth.BoundToInstitution {
		tg.Institution = p.Institution
	}
	return tg
}

// acquire takes a computing slot, waiting for one.
func (c *commitmentPages) acquire(ctx context.Context) (release func(), err error) {
	select {
	case c.work <- struct{}{}:
		return func() { <-c.work }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// evaluation returns the evaluation of set on asOf over the whole country,
// from the cache when one at most evalTTL old is there.
func (s *Server) evaluation(ctx context.Context, set *commitment.Set, asOf string) (*commitment.Evaluation, error) {
	// The count is read before the data, so that the evaluation holds at
	// least what the count stands for.
	writes, err := s.st.WriteCount(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.commit.evals.get(ctx, cacheKey{set: set.ID, date: asOf, part: "all"}, writes, func(ctx context.Context) (any, error) {
		release, err := s.commit.acquire(ctx)
		if err != nil {
			return nil, err
		}
		defer release()
		start := time.Now()
		ev, err := s.st.Evaluate(ctx, set, s.tree(), asOf, commitTrendDays)
		if err != nil {
			return nil, err
		}
		s.log.Debug("commitments evaluated", slog.String("set", set.ID), slog.String("as_of", asOf),
			slog.Duration("took", time.Since(start)))
		if len(ev.Problems) > 0 {
			// Problems are the set's or the data's, not the request's:
			// logged once per evaluation, with the first as a sample.
			s.log.Warn("commitments evaluation problems", slog.String("set", set.ID), slog.String("as_of", asOf),
				slog.Int("count", len(ev.Problems)), slog.String("first", ev.Problems[0]))
		}
		return ev, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*commitment.Evaluation), nil
}

// cacheKey names a cached computation: a set on a date, and the part of it
// ("all" for a full evaluation, a registry's name or "figures" for a trend
// snapshot).
type cacheKey struct {
	set, date, part string
}

// evalCache keeps the results of expensive computations while the store's
// write count they were computed under is current (and for evalTTL at
// most), at most max of them (the least recently used go first), and
// computes each once however many requests ask for it at the same time.
type evalCache struct {
	max   int
	ttl   time.Duration
	clock func() time.Time
	mu    sync.Mutex
	items map[cacheKey]*cacheItem
}

type cacheItem struct {
	ready chan struct{} // closed when val and err are set
	// writes is the store's write count read before the computation.
	writes int64
	// made is when the computation started: the data it read is at most
	// that old.
	made time.Time
	used time.Time
	val  any
	err  error
}

func newEvalCache(max int) *evalCache {
	return &evalCache{max: max, ttl: evalTTL, clock: time.Now, items: map[cacheKey]*cacheItem{}}
}

// done reports whether the item is computed; callers hold the lock.
func (it *cacheItem) done() bool {
	select {
	case <-it.ready:
		return true
	default:
		return false
	}
}

// fresh reports whether an item computed under writes still serves now.
func (c *evalCache) fresh(it *cacheItem, writes int64, now time.Time) bool {
	return it.writes == writes && now.Sub(it.made) <= c.ttl
}

// peek returns a fresh computed value without computing anything.
func (c *evalCache) peek(key cacheKey, writes int64) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	it, ok := c.items[key]
	if !ok || !it.done() || it.err != nil || !c.fresh(it, writes, c.clock()) {
		return nil, false
	}
	it.used = c.clock()
	return it.val, true
}

// get returns the value of key under the store's write count writes,
// computing it with compute when the cache has no fresh one (and none is
// being computed under the same count). The computation runs on a context
// detached from the request (with a time limit): others may be waiting
// for it, and a result a client gave up on still serves the next one.
// Failures are not kept.
func (c *evalCache) get(ctx context.Context, key cacheKey, writes int64, compute func(context.Context) (any, error)) (any, error) {
	c.mu.Lock()
	now := c.clock()
	it, ok := c.items[key]
	if ok && (it.done() && it.err != nil || !c.fresh(it, writes, now)) {
		// Stale, failed, or computed under an older count: a new
		// computation replaces it (one under way finishes for its own
		// waiters).
		delete(c.items, key)
		ok = false
	}
	if ok {
		it.used = now
		c.mu.Unlock()
		select {
		case <-it.ready:
			return it.val, it.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	it = &cacheItem{ready: make(chan struct{}), writes: writes, made: now, used: now}
	c.items[key] = it
	c.evict()
	c.mu.Unlock()

	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	val, err := func() (val any, err error) {
		defer func() {
			// The waiters must hear of a panic too; the request's
			// recovery turns it into a 500.
			if v := recover(); v != nil {
				err = fmt.Errorf("panic: %v", v)
			}
		}()
		return compute(cctx)
	}()
	c.mu.Lock()
	it.val, it.err = val, err
	close(it.ready)
	if err != nil && c.items[key] == it {
		delete(c.items, key)
	}
	c.mu.Unlock()
	return val, err
}

// evict drops computed items, least recently used first, until at most max
// remain; items being computed stay (their number is bounded by the
// requests in flight). Callers hold the lock.
func (c *evalCache) evict() {
	for len(c.items) > c.max {
		var oldest cacheKey
		found := false
		for k, it := range c.items {
			if it.done() && (!found || it.used.Before(c.items[oldest].used)) {
				oldest, found = k, true
			}
		}
		if !found {
			return
		}
		delete(c.items, oldest)
	}
}

// resultView is a target's result in a region as the pages show it.
type resultView struct {
	// Status is the machine name, the CSS class st-<status>.
	Status      string
	StatusLabel string
	HasValue    bool
	Value       string // "—" when there is none
	Goal        string // "" without a goal
	Deadline    string // "" without a goal
	Gap         int64
	Projected   string
}

func newResultView(r *commitment.Result, lang string) resultView {
	if r == nil {
		return resultView{Status: commitment.NotApplicable.String(), StatusLabel: commitment.NotApplicable.Label(lang), Value: "—"}
	}
	v := resultView{Status: r.Status.String(), StatusLabel: r.Status.Label(lang), HasValue: r.HasValue,
		Value: r.FormatValue(), Goal: r.FormatGoal(), Gap: r.Gap, Projected: r.Projected}
	if r.HasGoal {
		v.Deadline = r.Target.Deadline
	}
	return v
}

// childResult is one child region's result in a table.
type childResult struct {
	Div  region.Division
	Name string
	R    resultView
	// URL drills down (the dashboard or the target page of the child).
	URL string
	// GapURL is the child's gap list.
	GapURL string
}

// crumbsTo returns the breadcrumb above code, ancestors outside the
// caller's scope named but not linked; url makes an ancestor's link.
func crumbsTo(t *region.Tree, p auth.Principal, code, lang string, url func(code string) string) []crumb {
	var out []crumb
	for _, a := range t.Ancestors(code) {
		c := crumb{Name: regionName(a, lang)}
		if inScope(t, p, a.Code) {
			c.URL = url(a.Code)
		}
		out = append(out, c)
	}
	return out
}

// targetURL is the page of a target in a region on a date.
func (s *Server) targetURL(set *commitment.Set, t *commitment.Target, code, asOf string) string {
	return link("/commitments/"+set.ID+"/"+t.ID, "region", code, "as_of", s.commitAsOfParam(set, asOf))
}

// commitAsOfParam leaves the as-of date out of links when it is the set's
// default, so that links stay short and follow the calendar.
func (s *Server) commitAsOfParam(set *commitment.Set, asOf string) string {
	if asOf == latestDate(set, s.today()) {
		return ""
	}
	return asOf
}

type targetPage struct {
	Page
	Set             *commitment.Set
	SetLabel        string
	Target          *commitment.Target
	TargetLabel     string
	CommitmentLabel string
	Div             region.Division
	RegionName      string
	Crumbs          []crumb
	Own             resultView
	Before          string
	Children        []childResult
	GapTitle        string
	GapHeader       []string
	GapRows         [][]string
	GapTotal        int
	GapMore         int
	GapXLSX         string
	DashboardURL    string
	ReportURL       string
	// RegisterURL leads to the register a figure target counts
	// (the lecture quotas, the conference plan); RegisterKey labels it.
	RegisterURL, RegisterKey string
}

// targetPage is GET /commitments/{set}/{target}?region=&as_of=: a target in
// a region and in each unit under it, with the gap list (梳理名单).
func (s *Server) targetPage(w http.ResponseWriter, r *http.Request) error {
	set, err := s.setOf(r)
	if err != nil {
		return err
	}
	t, err := targetOf(set, r.PathValue("target"))
	if err != nil {
		return err
	}
	tree := s.tree()
	code := queryRegion(r)
	d, ok := tree.Get(code)
	if !ok {
		return badRequest("err.unknown_region", code)
	}
	asOf, err := s.commitDate(r, set)
	if err != nil {
		return err
	}
	ev, err := s.evaluation(r.Context(), set, asOf)
	if err != nil {
		return err
	}
	lang := langOf(r)
	cat := s.tmpl.cat[lang]
	p := targetPage{
		Page: s.newPage(r, t.Label(lang), ""), Set: set, SetLabel: set.Label(lang), Target: t,
		TargetLabel: t.Label(lang), CommitmentLabel: t.Commitment().Label(lang), Div: d, RegionName: regionName(d, lang),
		Own: newResultView(ev.Result(t, code), lang), Before: ev.Before, GapTitle: t.GapLabel(lang),
	}
	p.AsOf = asOf
	asOfQ := s.commitAsOfParam(set, asOf)
	pr := principalOf(r)
	p.Crumbs = crumbsTo(tree, pr, code, lang, func(c string) string { return s.targetURL(set, t, c, asOf) })
	for _, c := range tree.Children(code) {
		p.Children = append(p.Children, childResult{Div: c, Name: regionName(c, lang), R: newResultView(ev.Result(t, c.Code), lang),
			URL: s.targetURL(set, t, c.Code, asOf)})
	}
	gaps, err := s.gapList(r.Context(), ev, t, code)
	if err != nil {
		return err
	}
	resp, err := s.responsibles(r.Context(), ev, code)
	if err != nil {
		return err
	}
	p.GapHeader, p.GapRows = commitment.GapTable(ev, t, gaps, lang, resp)
	p.GapTotal = len(p.GapRows)
	if len(p.GapRows) > maxGapRows {
		p.GapMore = len(p.GapRows) - maxGapRows
		p.GapRows = p.GapRows[:maxGapRows]
	}
	if p.GapTitle == "" {
		p.GapTitle = cat.T("commit.gap_list")
	}
	if auth.Allow(tree, pr, auth.Export, regionTarget(pr, code)).Allowed {
		p.GapXLSX = link("/commitments/"+set.ID+"/"+t.ID+"/gaps.xlsx", "region", code, "as_of", asOfQ)
	}
	p.DashboardURL = link("/", "set", set.ID, "region", code, "target", t.ID, "as_of", asOfQ)
	p.ReportURL = link("/commitments/"+set.ID+"/report", "region", code, "as_of", asOfQ)
	if f, ok := set.Figure(t.Figure); ok {
		switch f.Register {
		case commitment.RegisterLectures:
			p.RegisterURL, p.RegisterKey = link("/lectures/quota", "region", code, "year", asOf[:4]), "commit.register_lectures"
		case commitment.RegisterConferences:
			p.RegisterURL, p.RegisterKey = link("/conferences", "year", asOf[:4]), "commit.register_conferences"
		}
	}
	return s.render(w, r, http.StatusOK, "commitments_target", p)
}

// gapList returns a target's gap list within code: the facilities behind,
// read from the registry on the evaluation date, or the units behind (as
// `shishi gaps` does).
func (s *Server) gapList(ctx context.Context, ev *commitment.Evaluation, t *commitment.Target, code string) ([]commitment.Gap, error) {
	if !t.ListsFacilities() {
		return commitment.UnitGaps(ev, t, code), nil
	}
	recs, _, err := s.st.Facilities(ctx, t.Registry, store.Query{Region: code, AsOf: ev.AsOf})
	if err != nil {
		return nil, err
	}
	return commitment.FacilityGaps(ev, t, recs)
}

// responsibles returns the responsible entries a gap list within code may
// name (phones masked): those of the units within code and of the units
// above it, since an entry falls back to the nearest unit above that has
// one.
func (s *Server) responsibles(ctx context.Context, ev *commitment.Evaluation, code string) (map[[2]string]commitment.Responsible, error) {
	t := ev.Tree()
	codes := []string{}
	for _, a := range t.Ancestors(code) {
		codes = append(codes, a.Code)
	}
	for c := range s.commit.index {
		if t.Contains(code, c) {
			codes = append(codes, c)
		}
	}
	return s.st.Responsibles(ctx, ev.Set.ID, codes, nil)
}

// gapDownload is GET /commitments/{set}/{target}/gaps.xlsx?region=&as_of=:
// the whole gap list as a workbook, for the offices that work through it.
func (s *Server) gapDownload(w http.ResponseWriter, r *http.Request) error {
	set, err := s.setOf(r)
	if err != nil {
		return err
	}
	t, err := targetOf(set, r.PathValue("target"))
	if err != nil {
		return err
	}
	code := queryRegion(r)
	d, ok := s.tree().Get(code)
	if !ok {
		return badRequest("err.unknown_region", code)
	}
	asOf, err := s.commitDate(r, set)
	if err != nil {
		return err
	}
	ev, err := s.evaluation(r.Context(), set, asOf)
	if err != nil {
		return err
	}
	gaps, err := s.gapList(r.Context(), ev, t, code)
	if err != nil {
		return err
	}
	lang := langOf(r)
	resp, err := s.responsibles(r.Context(), ev, code)
	if err != nil {
		return err
	}
	header, rows := commitment.GapTable(ev, t, gaps, lang, resp)
	cat := s.tmpl.cat[lang]
	name := cat.T("commit.gap_file", t.Label(lang), regionName(d, lang), asOf) + ".xlsx"
	return s.download(w, r, name, "gaps-"+t.ID+"-"+code+"-"+asOf+".xlsx", table.XLSX, func(dw io.Writer) error {
		return table.WriteRows(dw, table.XLSX, cat.T("commit.gap_sheet"), append([][]string{header}, rows...))
	})
}

type reportCardPage struct {
	Page
	Set          *commitment.Set
	Card         *commitment.ReportCard
	Div          region.Division
	Crumbs       []crumb
	Sections     []reportSection
	MarkdownURL  string
	XLSXURL      string
	DashboardURL string
}

type reportSection struct {
	Numeral, Title, Text string
	Rows                 []reportRow
}

type reportRow struct {
	Title string
	URL   string
	R     resultView
}

// reportCard is GET /commitments/{set}/report?region=&as_of=&format=: the
// report card (成绩单) of a region, as a page (html, the default) or as a
// Markdown or Excel download (format=md|xlsx, which need the Export right).
func (s *Server) reportCard(w http.ResponseWriter, r *http.Request) error {
	set, err := s.setOf(r)
	if err != nil {
		return err
	}
	code := queryRegion(r)
	tree := s.tree()
	d, ok := tree.Get(code)
	if !ok {
		return badRequest("err.unknown_region", code)
	}
	format, err := s.reportFormat(r, code)
	if err != nil {
		return err
	}
	pr := principalOf(r)
	asOf, err := s.commitDate(r, set)
	if err != nil {
		return err
	}
	ev, err := s.evaluation(r.Context(), set, asOf)
	if err != nil {
		return err
	}
	rc, err := commitment.NewReportCard(ev, code)
	if err != nil {
		return err
	}
	fallback := "report-" + set.ID + "-" + code + "-" + asOf
	name := rc.Title() + "-" + d.Name + "-" + asOf
	switch format {
	case "md":
		return writeMarkdown(w, name+".md", fallback+".md", rc.Markdown)
	case "xlsx":
		return s.download(w, r, name+".xlsx", fallback+".xlsx", table.XLSX, func(dw io.Writer) error {
			return table.WriteRows(dw, table.XLSX, "成绩单", rc.Rows())
		})
	}
	lang := langOf(r)
	asOfQ := s.commitAsOfParam(set, asOf)
	p := reportCardPage{Page: s.newPage(r, rc.Title(), ""), Set: set, Card: rc, Div: d}
	p.AsOf = asOf
	p.Crumbs = crumbsTo(tree, pr, code, lang, func(c string) string {
		return link("/commitments/"+set.ID+"/report", "region", c, "as_of", asOfQ)
	})
	for _, sec := range rc.Sections {
		rs := reportSection{Numeral: sec.Numeral, Title: sec.Commitment.Title, Text: sec.Text}
		for _, res := range sec.Results {
			rs.Rows = append(rs.Rows, reportRow{Title: res.Target.Title, URL: s.targetURL(set, res.Target, code, asOf),
				R: newResultView(res, "zh")})
		}
		p.Sections = append(p.Sections, rs)
	}
	if auth.Allow(tree, pr, auth.Export, regionTarget(pr, code)).Allowed {
		p.MarkdownURL = link("/commitments/"+set.ID+"/report", "region", code, "as_of", asOfQ, "format", "md")
		p.XLSXURL = link("/commitments/"+set.ID+"/report", "region", code, "as_of", asOfQ, "format", "xlsx")
	}
	p.DashboardURL = link("/", "set", set.ID, "region", code, "as_of", asOfQ)
	return s.render(w, r, http.StatusOK, "commitments_report", p)
}

// geoPath is the boundary file that divides a region into its children:
// the country by province, a province by prefecture (a municipality by
// district), and — only where the deployment's own files have one — a
// prefecture by county.
func geoPath(d region.Division) string {
	switch d.Level {
	case region.Country:
		return "china_provinces.geojson"
	case region.Province:
		return "provinces/" + d.Code + ".geojson"
	case region.Prefecture:
		return "prefectures/" + d.Code + ".geojson"
	}
	return ""
}

// mapURL is the URL of the boundary file of a region's children; "" when
// there is none, and the pages show a table alone.
func (s *Server) mapURL(d region.Division) string {
	p := geoPath(d)
	if p == "" {
		return ""
	}
	if _, err := fs.Stat(s.commit.geo, p); err != nil {
		return ""
	}
	return "/geo/" + d.Code + ".geojson?v=" + s.staticVersion
}

// geoFile is GET /geo/{code}.geojson: the boundaries that divide a region
// into its children. They are served to logged-in users only: shown to
// the public, a map is a published map, which in China needs an approved
// base map (审图号) that the demo boundaries are not.
func (s *Server) geoFile(w http.ResponseWriter, r *http.Request) error {
	file := r.PathValue("file")
	code, ok := strings.CutSuffix(file, ".geojson")
	d, known := s.tree().Get(code)
	if !ok || !known || geoPath(d) == "" {
		return notFound("err.no_page")
	}
	b, err := fs.ReadFile(s.commit.geo, geoPath(d))
	if errors.Is(err, fs.ErrNotExist) {
		return notFound("err.no_page")
	}
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	h := w.Header()
	h.Set("Content-Type", "application/geo+json")
	h.Set("ETag", `"`+hex.EncodeToString(sum[:8])+`"`)
	// Private: the boundaries are behind the login (see above).
	h.Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(w, r, file, time.Time{}, bytes.NewReader(b))
	return nil
}

// writeMarkdown answers with a Markdown download written by write, as a
// whole: an error while writing becomes an error page, not half a file.
func writeMarkdown(w http.ResponseWriter, name, fallback string, write func(io.Writer) error) error {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/markdown; charset=utf-8")
	h.Set("Content-Disposition", contentDisposition(name, fallback))
	h.Set("Cache-Control", "no-store")
	_, err := w.Write(b.Bytes())
	return err
}

// reportFormat reads ?format= of a report page: html (the default) or a
// Markdown or Excel download, which needs the Export right in the region.
func (s *Server) reportFormat(r *http.Request, code string) (string, error) {
	format := r.URL.Query().Get("format")
	switch format {
	case "", "html", "md", "xlsx":
	default:
		return "", badRequest("commit.err_format", format)
	}
	if format == "md" || format == "xlsx" {
		if err := s.allow(r, auth.Export, regionTarget(principalOf(r), code), notFound("err.unknown_region", code)); err != nil {
			return "", err
		}
	}
	return format, nil
}
