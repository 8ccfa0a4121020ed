package commitment

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
)

// Result is one target in one region on one date.
type Result struct {
	Target *Target
	// Region points into the evaluation's list of units: results are
	// many (targets × 3,212 regions), so they share the units.
	Region *region.Division
	Status Status
	// Value is the indicator: a share (0..1), a coverage (0..1), slots per
	// 1,000, or a total. HasValue is false when there is nothing to compute
	// it from.
	Value    float64
	HasValue bool
	// Num and Den are what Value is made of: facilities matching and
	// counted (Share), units covered and judged (Coverage, and Total or
	// RegionTarget above the level they are judged at), the sum and the
	// population (PerCapita).
	Num, Den float64
	// Goal is the number Value is held to: the file's threshold, or the
	// region's own target (RegionTarget). HasGoal is false for monitored
	// figures and missing own targets.
	Goal    float64
	HasGoal bool
	// Gap counts what is behind within the region: facilities not
	// matching (Share over a registry), units not covered (Coverage), or
	// units of the judged level falling short (the other kinds).
	Gap int64
	// Facilities is how many facilities a registry total counted.
	Facilities int64
	// Projected is the date the trend reaches the goal (OnTrack, AtRisk
	// when it is after the deadline); "" when met, or when the trend does
	// not move towards the goal.
	Projected string

	// measure is what the status compares with goal under op: Value, or
	// Num/Den against 1 where units are counted.
	measure, goal float64
	op            Op
	judged        bool
}

// Met reports whether the target is met in the region.
func (r *Result) Met() bool { return r.Status == Met }

// Evaluation holds every target of a set in every region on one date.
type Evaluation struct {
	Set  *Set
	AsOf string
	// Before is the date of the earlier evaluation the trend was drawn
	// from; "" when there was none.
	Before string
	// Problems lists what could not be evaluated (an expression failing
	// on a value, a facility in an unknown region), once each.
	Problems []string

	tree    *region.Tree
	regions []region.Division // [0] is the country
	index   map[string]int
	parent  []int
	results map[*Target][]Result
	// units holds the indexes of the units each Coverage target judges.
	units map[*Target][]int
}

// Tree returns the hierarchy the evaluation was made over.
func (e *Evaluation) Tree() *region.Tree { return e.tree }

// Result returns a target's result in a region; nil for an unknown region.
func (e *Evaluation) Result(t *Target, code string) *Result {
	i, ok := e.index[code]
	if !ok || e.results[t] == nil {
		return nil
	}
	return &e.results[t][i]
}

// Results returns a target's results for the given regions, in order.
func (e *Evaluation) Results(t *Target, codes []string) []*Result {
	out := make([]*Result, 0, len(codes))
	for _, c := range codes {
		if r := e.Result(t, c); r != nil {
			out = append(out, r)
		}
	}
	return out
}

// Evaluate computes every target of set in every region of tree from the
// facts on one date. When before (facts on an earlier date) is given, the
// trend between the two dates projects when each unmet target will be met
// and tells on-track from at-risk; without it an unmet target before its
// deadline is at risk.
func Evaluate(set *Set, tree *region.Tree, now Facts, before *Facts) *Evaluation {
	e := newEvaluation(set, tree, now)
	var prev *Evaluation
	if before != nil {
		prev = newEvaluation(set, tree, *before)
		e.Before = before.AsOf
	}
	for _, t := range set.Targets() {
		var p []Result
		if prev != nil {
			p = prev.results[t]
		}
		e.judge(t, p)
	}
	return e
}

func newEvaluation(set *Set, tree *region.Tree, f Facts) *Evaluation {
	e := &Evaluation{Set: set, AsOf: f.AsOf, tree: tree, index: map[string]int{}, results: map[*Target][]Result{},
		units: map[*Target][]int{}}
	e.regions = append([]region.Division{tree.Country()}, tree.All()...)
	e.parent = make([]int, len(e.regions))
	for i, d := range e.regions {
		e.index[d.Code] = i
	}
	for i, d := range e.regions {
		e.parent[i] = -1
		if p, ok := e.index[d.Parent]; ok && i > 0 {
			e.parent[i] = p
		}
	}
	problems := map[string]bool{}
	for _, t := range set.Targets() {
		ev := targetEval{e: e, t: t, f: f, problems: problems}
		e.results[t] = ev.run()
	}
	for p := range problems {
		e.Problems = append(e.Problems, p)
	}
	slices.Sort(e.Problems)
	return e
}

// targetEval computes one target's values in every region.
type targetEval struct {
	e        *Evaluation
	t        *Target
	f        Facts
	problems map[string]bool
}

func (v *targetEval) problem(format string, args ...any) {
	v.problems[fmt.Sprintf("%s: ", v.t.ID)+fmt.Sprintf(format, args...)] = true
}

// add adds x to region i and every region above it.
func (v *targetEval) add(acc []float64, i int, x float64) {
	for ; i >= 0; i = v.e.parent[i] {
		acc[i] += x
	}
}

// eachGroup calls fn for every facility group of the target's registry
// that passes where (and match when withMatch), with the group's region
// index.
func (v *targetEval) eachGroup(fn func(i int, g facility.Group, matched bool)) {
	t := v.t
	keys := groupKeys(t)
	dates := &dateActivation{asOf: v.f.AsOf, start: v.e.Set.From, end: v.e.Set.To}
	for _, g := range v.f.Groups[t.Registry.Name] {
		i, ok := v.e.index[g.Region]
		if !ok {
			v.problem("facilities in unknown region %s", g.Region)
			continue
		}
		act := &groupActivation{keys: keys, values: g.Values, dates: dates}
		w, err := t.prog.where.eval(act)
		if err != nil {
			v.problem("%v", err)
		}
		if !w {
			continue
		}
		m, err := t.prog.match.eval(act)
		if err != nil {
			v.problem("%v", err)
		}
		fn(i, g, m)
	}
}

// groupKeys returns the keys the store grouped the target's registry by:
// those of the set's Need for it, which Facts.Groups follow.
func groupKeys(t *Target) []string {
	for _, n := range t.commitment.set.needs {
		if n.Registry == t.Registry {
			return n.Keys
		}
	}
	return nil
}

// sumIndex returns the position of the target's summed field in the
// groups' Sums.
func sumIndex(t *Target) int {
	for _, n := range t.commitment.set.needs {
		if n.Registry == t.Registry {
			return slices.Index(n.Sums, t.Sum)
		}
	}
	return -1
}

// figure rolls a figure up the hierarchy: each region's total with the
// regions under it, and whether anything was reported there.
func (v *targetEval) figure(code string) (total []float64, reported []float64) {
	n := len(v.e.regions)
	total, reported = make([]float64, n), make([]float64, n)
	for rc, x := range v.f.Figures[code] {
		i, ok := v.e.index[rc]
		if !ok {
			v.problem("figure %s reported for unknown region %s", code, rc)
			continue
		}
		v.add(total, i, x)
		v.add(reported, i, 1)
	}
	return total, reported
}

// summed returns the target's quantity per region: the registry's summed
// field over the facilities passing where, or the figure; has[i] > 0 when
// anything was counted or reported in region i.
func (v *targetEval) summed() (sum, has []float64) {
	n := len(v.e.regions)
	if v.t.Registry == nil {
		return v.figure(v.t.Figure)
	}
	sum, has = make([]float64, n), make([]float64, n)
	si := sumIndex(v.t)
	v.eachGroup(func(i int, g facility.Group, matched bool) {
		if !matched {
			return
		}
		v.add(sum, i, float64(g.Sums[si]))
		v.add(has, i, float64(g.Count))
	})
	return sum, has
}

func (v *targetEval) run() []Result {
	e, t := v.e, v.t
	n := len(e.regions)
	res := make([]Result, n)
	for i := range res {
		res[i] = Result{Target: t, Region: &e.regions[i], op: t.Threshold.Op, goal: t.Threshold.Value,
			Goal: t.Threshold.Value, HasGoal: t.HasThreshold}
	}
	switch t.Kind {
	case Share:
		num, den := make([]float64, n), make([]float64, n)
		if t.Registry != nil {
			v.eachGroup(func(i int, g facility.Group, matched bool) {
				v.add(den, i, float64(g.Count))
				if matched {
					v.add(num, i, float64(g.Count))
				}
			})
		} else {
			num, _ = v.figure(t.Figure)
			den, _ = v.figure(t.DenominatorFigure)
		}
		for i := range res {
			r := &res[i]
			r.Num, r.Den = num[i], den[i]
			if den[i] == 0 {
				r.Status = NotApplicable
				if t.Registry == nil {
					r.Status = NoData
				}
				continue
			}
			r.Value, r.HasValue, r.judged = num[i]/den[i], true, true
			r.measure = r.Value
			if t.Registry != nil {
				r.Gap = int64(den[i] - num[i])
			}
		}
		if t.Registry == nil {
			v.gapUnits(res)
		}
	case Coverage:
		v.coverage(res)
	case PerCapita:
		sum, _ := v.summed()
		for i := range res {
			r := &res[i]
			pop := e.tree.Population(r.Region.Code)
			r.Num = sum[i]
			if pop.Source == region.Missing || pop.Value == 0 {
				r.Status = NoData
				continue
			}
			r.Den = float64(pop.Value)
			r.Value, r.HasValue, r.judged = sum[i]/float64(pop.Value)*t.Per, true, true
			r.measure = r.Value
		}
		v.gapUnits(res)
	case Total, RegionTarget:
		sum, has := v.summed()
		var own []float64
		var ownHas []float64
		if t.Kind == RegionTarget {
			own, ownHas = v.figure(t.TargetFigure)
		}
		for i := range res {
			r := &res[i]
			r.Num = sum[i]
			r.Value, r.HasValue = sum[i], has[i] > 0 || t.Registry != nil
			if t.Registry != nil {
				r.Facilities = int64(has[i])
			}
			if !r.HasValue {
				r.Status = NoData
			}
			if t.Kind == RegionTarget {
				r.Goal, r.HasGoal, r.goal = own[i], ownHas[i] > 0, own[i]
			}
			r.measure = r.Value
			lv := r.Region.Level
			switch {
			case lv == t.JudgedAt:
				r.judged = r.HasValue
				if t.Kind == RegionTarget && !r.HasGoal {
					r.judged = false
					r.Status = NoData
				}
			case lv > t.JudgedAt:
				// A part of the unit judged: shown, not judged, and a
				// national number is no goal for a province.
				r.judged = false
				if t.Kind == Total {
					r.HasGoal = false
				}
			}
		}
		v.unitsAbove(res, ownHas)
	}
	return res
}

// coverage computes a Coverage target: which units are covered, then per
// region how many of the units within it are.
func (v *targetEval) coverage(res []Result) {
	e, t := v.e, v.t
	n := len(e.regions)
	var inside []float64 // matching facilities, or the figure's total, within each region
	var reported []float64
	if t.Registry != nil {
		inside = make([]float64, n)
		v.eachGroup(func(i int, g facility.Group, matched bool) {
			if matched {
				v.add(inside, i, float64(g.Count))
			}
		})
	} else {
		inside, reported = v.figure(t.Figure)
	}
	units, covered := make([]float64, n), make([]float64, n)
	e.units[t] = v.units()
	for _, u := range e.units[t] {
		ok := false
		if t.Registry != nil {
			ok = inside[u] >= float64(t.Min)
		} else {
			ok = reported[u] > 0 && t.Each.Op.Holds(inside[u], t.Each.Value)
		}
		v.add(units, u, 1)
		if ok {
			v.add(covered, u, 1)
		}
	}
	for i := range res {
		r := &res[i]
		r.Num, r.Den = covered[i], units[i]
		if units[i] == 0 {
			r.Status = NotApplicable
			continue
		}
		if t.Registry == nil && reported[i] == 0 {
			// Nobody here has reported the figure yet: no value, but
			// the gap list still names every unit.
			r.Status, r.Gap = NoData, int64(units[i])
			continue
		}
		r.Value, r.HasValue, r.judged = covered[i]/units[i], true, true
		r.measure = r.Value
		r.Gap = int64(units[i] - covered[i])
	}
}

// units returns the indexes of the units a Coverage target judges.
func (v *targetEval) units() []int {
	e, t := v.e, v.t
	var out []int
	for i, d := range e.regions {
		if !inUnitSet(t.Units.Of, d) && !slices.Contains(t.Units.Extra, d.Code) {
			continue
		}
		if t.prog.units != nil {
			ok, err := t.prog.units.eval(&unitActivation{d: d, pop: e.tree.Population(d.Code)})
			if err != nil {
				v.problem("%v", err)
			}
			if !ok {
				continue
			}
		}
		out = append(out, i)
	}
	return out
}

func inUnitSet(of string, d region.Division) bool {
	switch of {
	case "provinces":
		return d.Level == region.Province
	case "prefectures":
		return d.Level == region.Prefecture
	case "prefecture_equivalents":
		return d.Level == region.Prefecture || d.Kind == region.KindMunicipalDistrict
	case "cities":
		return d.Level == region.Prefecture || d.Kind == region.KindMunicipality
	case "counties":
		return d.Level == region.County
	case "all":
		return d.Level != region.Country
	}
	return false
}

// gapUnits sets Gap to the number of units of the judged level within
// each region whose own value falls short.
func (v *targetEval) gapUnits(res []Result) {
	gap := make([]float64, len(res))
	for i := range res {
		r := &res[i]
		if r.Region.Level == v.t.JudgedAt && r.HasValue && v.t.HasThreshold && !r.op.Holds(r.measure, r.goal) {
			v.add(gap, i, 1)
		}
	}
	for i := range res {
		res[i].Gap = int64(gap[i])
	}
}

// unitsAbove judges Total and RegionTarget above the level they are judged
// at: a province holds when every unit of the judged level within it holds.
func (v *targetEval) unitsAbove(res []Result, ownHas []float64) {
	t := v.t
	if t.JudgedAt == region.Country {
		for i := range res {
			r := &res[i]
			if r.Region.Level == region.Country && r.HasValue && r.HasGoal && !r.op.Holds(r.measure, r.goal) {
				r.Gap = 1
			}
		}
		return
	}
	units, met := make([]float64, len(res)), make([]float64, len(res))
	for i := range res {
		r := &res[i]
		if r.Region.Level != t.JudgedAt {
			continue
		}
		v.add(units, i, 1)
		if r.judged && r.op.Holds(r.measure, r.goal) {
			v.add(met, i, 1)
		}
	}
	for i := range res {
		r := &res[i]
		if r.Region.Level >= t.JudgedAt {
			if r.Region.Level == t.JudgedAt && !(r.judged && r.op.Holds(r.measure, r.goal)) {
				r.Gap = 1
			}
			continue
		}
		if units[i] == 0 {
			r.Status = NotApplicable
			continue
		}
		if t.Kind == RegionTarget && ownHas[i] == 0 {
			// No unit here has set its own target yet.
			r.Status, r.Gap = NoData, int64(units[i])
			continue
		}
		r.Den, r.Num = units[i], met[i]
		r.measure, r.goal, r.op, r.judged = met[i]/units[i], 1, AtLeast, true
		r.HasGoal = t.HasThreshold
		if t.Kind == RegionTarget {
			r.Goal, r.HasGoal = 0, false
		}
		r.Gap = int64(units[i] - met[i])
		if r.Status == NoData {
			r.Status = 0
		}
		r.HasValue = true
	}
}

// judge sets every region's status and projection from its value, the
// deadline and the trend since the earlier evaluation.
func (e *Evaluation) judge(t *Target, prev []Result) {
	days := 0.0
	if e.Before != "" {
		days = daysBetween(e.Before, e.AsOf)
	}
	for i := range e.results[t] {
		r := &e.results[t][i]
		// Without a value the status is what run set: NoData, or the
		// zero NotApplicable.
		if r.Status == NoData || !r.HasValue {
			continue
		}
		if !t.HasThreshold || !r.judged {
			r.Status = Monitored
			continue
		}
		if r.op.Holds(r.measure, r.goal) {
			r.Status = Met
			continue
		}
		if e.AsOf > t.Deadline {
			r.Status = Overdue
			continue
		}
		r.Status = AtRisk
		if prev == nil || days <= 0 || !prev[i].judged {
			continue
		}
		moved := r.measure - prev[i].measure
		left := r.goal - r.measure
		if !r.op.Increasing() {
			moved, left = -moved, -left
		}
		if moved <= 0 {
			continue
		}
		need := math.Ceil(left / (moved / days))
		if need > 3650 {
			continue
		}
		r.Projected = addDays(e.AsOf, int(need))
		if r.Projected <= t.Deadline {
			r.Status = OnTrack
		}
	}
}

func parseDay(s string) time.Time {
	d, _ := time.Parse(facility.DateLayout, s)
	return d
}

func daysBetween(a, b string) float64 {
	return parseDay(b).Sub(parseDay(a)).Hours() / 24
}

func addDays(d string, n int) string {
	return parseDay(d).AddDate(0, 0, n).Format(facility.DateLayout)
}
