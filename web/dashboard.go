package web

// The commitments dashboard (the home page of supervisors) and the JSON API
// its map, table and trend chart read: the commitments of a set as cards
// with the region's status, a choropleth of the region's children for one
// target (ECharts, static/dashboard.js), the same figures as a table, and
// the target's trend over the set's period. Without JavaScript the page is
// the cards and the table, and its forms still choose the set, the target
// and the date.

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strings"

	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/commitment"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
)

// commitmentRoutes are the routes of the commitments pages and their API,
// each with its rule, for the route table.
func (s *Server) commitmentRoutes() []route {
	agg := rule{auth.ReadAggregates, targetRegionQuery}
	return []route{
		{pattern: "GET /api/commitments", rule: agg, api: true, summary: "The commitment sets with their commitments and targets", h: s.apiCommitmentSets},
		{pattern: "GET /api/commitments/{set}/evaluation", rule: agg, api: true, summary: "A set evaluated on a date (?as_of=) for a region and each unit under it: value, goal, status, gap and projected date per target (?target= for one)", h: s.apiCommitmentEvaluation},
		{pattern: "GET /api/commitments/{set}/trend", rule: agg, api: true, summary: "A target's value (?target=) in a region at month ends over the set's period", h: s.apiCommitmentTrend},
		{pattern: "GET /commitments/{set}/report", rule: agg, h: s.reportCard},
		{pattern: "GET /commitments/{set}/dispatch", rule: agg, h: s.dispatchReport},
		{pattern: "GET /commitments/{set}/{target}", rule: agg, h: s.targetPage},
		{pattern: "GET /commitments/{set}/{target}/gaps.xlsx", rule: rule{auth.Export, targetRegionQuery}, h: s.gapDownload},
		// Boundaries need a login (geoFile says why), but no right: they
		// are the same for everyone.
		{pattern: "GET /geo/{file}", rule: rule{auth.Public, targetUser}, h: s.geoFile},
		{pattern: "GET /public", rule: rule{auth.Public, targetPublic}, h: s.publicHome},
		{pattern: "GET /public/{set}/{code}", rule: rule{auth.Public, targetPublic}, h: s.publicPage},
	}
}

// dashboardHome is the home page: the dashboard for callers who may read
// the aggregates of their unit, the region browser or the institution's
// own page (home) for the others.
func (s *Server) dashboardHome(w http.ResponseWriter, r *http.Request) error {
	p := principalOf(r)
	if p.Role.Binding() == auth.BoundToInstitution ||
		!auth.Allow(s.tree(), p, auth.ReadAggregates, auth.Target{Region: scopeRegion(p)}).Allowed {
		return s.home(w, r)
	}
	return s.dashboard(w, r)
}

type setOption struct {
	ID, Label string
	Selected  bool
}

type targetOption struct {
	ID, Label string
	Selected  bool
}

// commitCard is one commitment of the set with its targets in the region.
type commitCard struct {
	No      int
	Title   string
	Targets []targetRow
}

type targetRow struct {
	ID, Title string
	R         resultView
	// URL is the target's page (with the gap list); MapURL shows it on
	// the dashboard's map.
	URL, MapURL string
	Selected    bool
}

type dashboardPage struct {
	Page
	Sets        []setOption
	Set         *commitment.Set
	SetLabel    string
	Div         region.Division
	RegionName  string
	Crumbs      []crumb
	Dates       []string
	DateIndex   int
	LastDate    string
	Before      string
	Cards       []commitCard
	Targets     []targetOption
	Target      *commitment.Target
	TargetLabel string
	Own         resultView
	Children    []childResult
	MapURL      string
	OwnMap      bool
	TargetURL   string
	ReportURL   string
	// Config is what dashboard.js reads (JSON in a data attribute: the
	// policy allows no inline script).
	Config string
}

// dashboardConfig is the JSON the page hands its script.
type dashboardConfig struct {
	Set        string            `json:"set"`
	Region     string            `json:"region"`
	Target     string            `json:"target"`
	AsOf       string            `json:"as_of"`
	Dates      []string          `json:"dates"`
	Lang       string            `json:"lang"`
	Evaluation string            `json:"evaluation"`
	Trend      string            `json:"trend"`
	Labels     map[string]string `json:"labels"`
}

// dashboard is the page of a set in a region: ?set=&region=&target=&as_of=.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	set := s.commit.defaultSet()
	if id := q.Get("set"); id != "" {
		var ok bool
		if set, ok = s.commit.findSet(id); !ok {
			return notFound("commit.err_unknown_set", id)
		}
	}
	tree := s.tree()
	pr := principalOf(r)
	code := queryRegion(r)
	d, ok := tree.Get(code)
	if !ok {
		return badRequest("err.unknown_region", code)
	}
	// The home route's rule asks for a login only; the region is checked
	// here, like the guard checks ?region= elsewhere.
	if err := s.allow(r, auth.ReadAggregates, regionTarget(pr, code), notFound("err.unknown_region", code)); err != nil {
		return err
	}
	asOf, err := s.commitDate(r, set)
	if err != nil {
		return err
	}
	t, err := targetOf(set, q.Get("target"))
	if err != nil {
		return err
	}
	ev, err := s.evaluation(r.Context(), set, asOf)
	if err != nil {
		return err
	}
	lang := langOf(r)
	cat := s.tmpl.cat[lang]
	asOfQ := s.commitAsOfParam(set, asOf)
	p := dashboardPage{
		Page: s.newPage(r, cat.T("commit.dashboard"), "commitments"), Set: set, SetLabel: set.Label(lang),
		Div: d, RegionName: regionName(d, lang), Target: t, TargetLabel: t.Label(lang),
		Own: newResultView(ev.Result(t, code), lang), Before: ev.Before,
		LastDate: latestDate(set, s.today()), OwnMap: s.commit.ownMap, MapURL: s.mapURL(d),
		TargetURL: s.targetURL(set, t, code, asOf),
		ReportURL: link("/commitments/"+set.ID+"/report", "region", code, "as_of", asOfQ),
	}
	p.AsOf = asOf
	dash := func(region, target string) string {
		return link("/", "set", set.ID, "region", region, "target", target, "as_of", asOfQ)
	}
	for _, o := range s.commit.sets {
		p.Sets = append(p.Sets, setOption{ID: o.ID, Label: o.Label(lang), Selected: o == set})
	}
	p.Crumbs = crumbsTo(tree, pr, code, lang, func(c string) string { return dash(c, t.ID) })
	p.Dates = periodDates(set, s.today())
	p.DateIndex = len(p.Dates) - 1
	for i, day := range p.Dates {
		if day >= asOf {
			p.DateIndex = i
			break
		}
	}
	for _, c := range set.Commitments {
		card := commitCard{No: c.No, Title: c.Label(lang)}
		for _, x := range c.Targets {
			card.Targets = append(card.Targets, targetRow{ID: x.ID, Title: x.Label(lang), R: newResultView(ev.Result(x, code), lang),
				URL: s.targetURL(set, x, code, asOf), MapURL: dash(code, x.ID) + "#map", Selected: x == t})
			p.Targets = append(p.Targets, targetOption{ID: x.ID, Label: x.Label(lang), Selected: x == t})
		}
		p.Cards = append(p.Cards, card)
	}
	for _, c := range tree.Children(code) {
		row := childResult{Div: c, Name: regionName(c, lang), R: newResultView(ev.Result(t, c.Code), lang),
			GapURL: s.targetURL(set, t, c.Code, asOf)}
		row.URL = row.GapURL
		if len(tree.Children(c.Code)) > 0 {
			row.URL = dash(c.Code, t.ID) + "#map"
		}
		p.Children = append(p.Children, row)
	}
	cfg := dashboardConfig{Set: set.ID, Region: code, Target: t.ID, AsOf: asOf, Dates: p.Dates, Lang: lang,
		Evaluation: "/api/commitments/" + set.ID + "/evaluation", Trend: "/api/commitments/" + set.ID + "/trend",
		Labels: map[string]string{}}
	for _, k := range []string{"commit.js_value", "commit.js_goal", "commit.js_status", "commit.js_gap", "commit.js_deadline",
		"commit.js_projected", "commit.js_loading", "commit.js_failed", "commit.js_trend", "commit.js_as_of",
		"commit.js_region", "commit.js_no_children", "commit.js_gap_list", "commit.js_drill"} {
		cfg.Labels[strings.TrimPrefix(k, "commit.js_")] = cat.T(k)
	}
	// Formats with a %s the script fills in.
	cfg.Labels["as_of_text"], cfg.Labels["trend_note"] = cat.T("commit.as_of"), cat.T("commit.trend_note")
	b, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	p.Config = string(b)
	return s.render(w, r, http.StatusOK, "dashboard", p)
}

// JSON shapes of the commitments API.

type commitTargetJSON struct {
	ID         string `json:"id"`
	Commitment int    `json:"commitment"`
	Title      string `json:"title"`
	Kind       string `json:"kind"`
	// Goal is the target as the file sets it ("≥ 100%"); "" for a
	// monitored figure or a target each region sets itself.
	Goal     string `json:"goal,omitempty"`
	Deadline string `json:"deadline,omitempty"`
	JudgedAt string `json:"judged_at"`
	// GapTitle titles the gap list (梳理名单); ListsFacilities tells a
	// list of facilities from one of units.
	GapTitle        string `json:"gap_title,omitempty"`
	ListsFacilities bool   `json:"lists_facilities"`
}

func newCommitTargetJSON(t *commitment.Target, lang string) commitTargetJSON {
	out := commitTargetJSON{ID: t.ID, Commitment: t.Commitment().No, Title: t.Label(lang), Kind: t.Kind.String(),
		JudgedAt: t.JudgedAt.String(), GapTitle: t.GapLabel(lang), ListsFacilities: t.ListsFacilities()}
	if t.HasThreshold && t.Kind != commitment.RegionTarget {
		out.Goal = (&commitment.Result{Target: t, Goal: t.Threshold.Value, HasGoal: true}).FormatGoal()
		out.Deadline = t.Deadline
	}
	return out
}

type commitmentJSON struct {
	No         int                `json:"no"`
	ID         string             `json:"id"`
	Title      string             `json:"title"`
	Department string             `json:"department,omitempty"`
	Targets    []commitTargetJSON `json:"targets"`
}

type setJSON struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Source string `json:"source,omitempty"`
	From   string `json:"from"`
	To     string `json:"to"`
	// DefaultAsOf is the date pages show the set on without ?as_of=, and
	// Dates the month ends its trend is drawn at.
	DefaultAsOf string           `json:"default_as_of"`
	Dates       []string         `json:"dates"`
	Commitments []commitmentJSON `json:"commitments"`
}

// apiCommitmentSets is GET /api/commitments: the shipped sets.
func (s *Server) apiCommitmentSets(w http.ResponseWriter, r *http.Request) error {
	lang := langOf(r)
	today := s.today()
	out := struct {
		Sets []setJSON `json:"sets"`
	}{Sets: []setJSON{}}
	for _, set := range s.commit.sets {
		sj := setJSON{ID: set.ID, Title: set.Label(lang), Source: set.Source, From: set.From, To: set.To,
			DefaultAsOf: latestDate(set, today), Dates: periodDates(set, today), Commitments: []commitmentJSON{}}
		for _, c := range set.Commitments {
			cj := commitmentJSON{No: c.No, ID: c.ID, Title: c.Label(lang), Department: c.Department, Targets: []commitTargetJSON{}}
			for _, t := range c.Targets {
				cj.Targets = append(cj.Targets, newCommitTargetJSON(t, lang))
			}
			sj.Commitments = append(sj.Commitments, cj)
		}
		out.Sets = append(out.Sets, sj)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type commitResultJSON struct {
	Status      string   `json:"status"`
	StatusLabel string   `json:"status_label"`
	Value       *float64 `json:"value"` // null without a value
	Display     string   `json:"display"`
	Numerator   float64  `json:"numerator"`
	Denominator float64  `json:"denominator"`
	Goal        *float64 `json:"goal"` // null without a goal
	GoalDisplay string   `json:"goal_display,omitempty"`
	Deadline    string   `json:"deadline,omitempty"`
	Gap         int64    `json:"gap"`
	Projected   string   `json:"projected,omitempty"`
}

func newCommitResultJSON(r *commitment.Result, lang string) commitResultJSON {
	out := commitResultJSON{Status: r.Status.String(), StatusLabel: r.Status.Label(lang), Display: r.FormatValue(),
		Numerator: r.Num, Denominator: r.Den, GoalDisplay: r.FormatGoal(), Gap: r.Gap, Projected: r.Projected}
	if r.HasValue {
		v := r.Value
		out.Value = &v
	}
	if r.HasGoal {
		g := r.Goal
		out.Goal, out.Deadline = &g, r.Target.Deadline
	}
	return out
}

type commitRegionJSON struct {
	divisionJSON
	HasChildren bool                        `json:"has_children"`
	Results     map[string]commitResultJSON `json:"results"`
}

type ancestorJSON struct {
	divisionJSON
	// InScope tells whether the caller may look at the ancestor.
	InScope bool `json:"in_scope"`
}

type evaluationJSON struct {
	Set  string `json:"set"`
	AsOf string `json:"as_of"`
	// TrendFrom is the earlier date the trend that tells on-track from
	// at-risk was drawn from; absent when there was none.
	TrendFrom string `json:"trend_from,omitempty"`
	// Map is the URL of the boundaries of the children (GeoJSON, joined
	// on adcode); absent when there are none and a table is all.
	Map       string             `json:"map,omitempty"`
	Targets   []commitTargetJSON `json:"targets"`
	Region    commitRegionJSON   `json:"region"`
	Ancestors []ancestorJSON     `json:"ancestors"`
	Children  []commitRegionJSON `json:"children"`
}

// apiCommitmentEvaluation is GET /api/commitments/{set}/evaluation?region=
// &as_of=&target=: the region and each of its children.
func (s *Server) apiCommitmentEvaluation(w http.ResponseWriter, r *http.Request) error {
	set, err := s.setOf(r)
	if err != nil {
		return err
	}
	targets := set.Targets()
	if id := r.URL.Query().Get("target"); id != "" {
		t, err := targetOf(set, id)
		if err != nil {
			return err
		}
		targets = []*commitment.Target{t}
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
	regionJSON := func(d region.Division) commitRegionJSON {
		out := commitRegionJSON{divisionJSON: newDivisionJSON(d), HasChildren: len(tree.Children(d.Code)) > 0,
			Results: map[string]commitResultJSON{}}
		for _, t := range targets {
			if res := ev.Result(t, d.Code); res != nil {
				out.Results[t.ID] = newCommitResultJSON(res, lang)
			}
		}
		return out
	}
	out := evaluationJSON{Set: set.ID, AsOf: asOf, TrendFrom: ev.Before, Map: s.mapURL(d), Targets: []commitTargetJSON{},
		Region: regionJSON(d), Ancestors: []ancestorJSON{}, Children: []commitRegionJSON{}}
	for _, t := range targets {
		out.Targets = append(out.Targets, newCommitTargetJSON(t, lang))
	}
	pr := principalOf(r)
	for _, a := range tree.Ancestors(code) {
		out.Ancestors = append(out.Ancestors, ancestorJSON{divisionJSON: newDivisionJSON(a), InScope: inScope(tree, pr, a.Code)})
	}
	for _, c := range tree.Children(code) {
		out.Children = append(out.Children, regionJSON(c))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type trendPointJSON struct {
	Date    string   `json:"date"`
	Value   *float64 `json:"value"` // null without a value
	Display string   `json:"display"`
}

type trendJSON struct {
	Set    string           `json:"set"`
	Target commitTargetJSON `json:"target"`
	Region divisionJSON     `json:"region"`
	// Goal is the line the values are held to, where one applies to the
	// region's value itself (not above the level a total is judged at).
	Goal   *float64         `json:"goal"`
	Points []trendPointJSON `json:"points"`
}

// apiCommitmentTrend is GET /api/commitments/{set}/trend?region=&target=:
// the target's value in the region at each date of periodDates.
func (s *Server) apiCommitmentTrend(w http.ResponseWriter, r *http.Request) error {
	set, err := s.setOf(r)
	if err != nil {
		return err
	}
	t, err := targetOf(set, r.URL.Query().Get("target"))
	if err != nil {
		return err
	}
	tree := s.tree()
	code := queryRegion(r)
	d, ok := tree.Get(code)
	if !ok {
		return badRequest("err.unknown_region", code)
	}
	dates := periodDates(set, s.today())
	values := make([]float64, len(dates))
	idx := s.commit.index[code]
	// The points are computed at the same time: computing slots
	// (evalWorkers) bound the work, and each is cached for the next
	// target of the same registry.
	err = parallel(len(dates), func(i int) error {
		snap, err := s.snapshot(r.Context(), set, t, dates[i])
		if err != nil {
			return err
		}
		values[i] = snap[t.ID][idx]
		return nil
	})
	if err != nil {
		return err
	}
	out := trendJSON{Set: set.ID, Target: newCommitTargetJSON(t, langOf(r)), Region: newDivisionJSON(d), Points: []trendPointJSON{}}
	if t.HasThreshold && t.Kind != commitment.RegionTarget &&
		(t.Kind == commitment.Share || t.Kind == commitment.Coverage || t.Kind == commitment.PerCapita || d.Level == t.JudgedAt) {
		g := t.Threshold.Value
		out.Goal = &g
	}
	for i, day := range dates {
		p := trendPointJSON{Date: day, Display: "—"}
		if v := values[i]; !math.IsNaN(v) {
			p.Value = &v
			p.Display = (&commitment.Result{Target: t, Value: v, HasValue: true}).FormatValue()
		}
		out.Points = append(out.Points, p)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// snapshot holds the values of some targets in every region on one date,
// by target id, indexed like commitmentPages.index; NaN where a region has
// no value. It is what a trend keeps of an evaluation: a few hundred
// kilobytes instead of the evaluation's megabytes.
type snapshot map[string][]float64

// snapshotOf keeps the values of targets from ev.
func (c *commitmentPages) snapshotOf(ev *commitment.Evaluation, targets []*commitment.Target) snapshot {
	out := snapshot{}
	for _, t := range targets {
		vals := make([]float64, len(c.index))
		for code, i := range c.index {
			vals[i] = math.NaN()
			if r := ev.Result(t, code); r != nil && r.HasValue {
				vals[i] = r.Value
			}
		}
		out[t.ID] = vals
	}
	return out
}

// snapshot returns the values of t's registry (or of the set's figures)
// on date. It reads that registry alone, grouped as the set's needs say,
// and evaluates the set over it without a trend: a third of a full
// evaluation's cost, which is what makes a trend of a dozen dates
// affordable. A full evaluation of the date in the cache serves as it is.
func (s *Server) snapshot(ctx context.Context, set *commitment.Set, t *commitment.Target, date string) (snapshot, error) {
	writes, err := s.st.WriteCount(ctx)
	if err != nil {
		return nil, err
	}
	if v, ok := s.commit.evals.peek(cacheKey{set: set.ID, date: date, part: "all"}, writes); ok {
		return s.commit.snapshotOf(v.(*commitment.Evaluation), []*commitment.Target{t}), nil
	}
	part := "figures"
	if t.Registry != nil {
		part = t.Registry.Name
	}
	v, err := s.commit.snaps.get(ctx, cacheKey{set: set.ID, date: date, part: part}, writes, func(ctx context.Context) (any, error) {
		release, err := s.commit.acquire(ctx)
		if err != nil {
			return nil, err
		}
		defer release()
		facts := commitment.Facts{AsOf: date, Groups: map[string][]facility.Group{}, Figures: map[string]map[string]float64{}}
		if t.Registry == nil {
			// Figures come with every registry: the store loads them
			// together.
			if facts, err = s.st.CommitmentFacts(ctx, set, date); err != nil {
				return nil, err
			}
		} else {
			needs, _ := set.Needs()
			for _, n := range needs {
				if n.Registry != t.Registry {
					continue
				}
				gs, err := s.st.GroupFacilities(ctx, n.Registry, n.Keys, n.Sums, date)
				if err != nil {
					return nil, err
				}
				facts.Groups[n.Registry.Name] = gs
			}
		}
		ev := commitment.Evaluate(set, s.tree(), facts, nil)
		var same []*commitment.Target
		for _, x := range set.Targets() {
			if x.Registry == t.Registry {
				same = append(same, x)
			}
		}
		return s.commit.snapshotOf(ev, same), nil
	})
	if err != nil {
		return nil, err
	}
	return v.(snapshot), nil
}
