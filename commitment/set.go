// Package commitment holds the commitments (为民服务实事项目) a health
// commission makes and how they are judged: a Set, read from a YAML file,
// declares commitments → targets, each target an indicator over the
// facility registries, the population or the periodic figures regions
// report, with a deadline and the level it is judged at. Evaluate turns a
// Set and the Facts the store loads into a value, a status and a gap count
// for every target in every region; GapList names the units behind
// (梳理名单); Dispatch compares two dates (调度); ReportCard writes the
// year-end report card (成绩单).
//
// The package is pure: it imports neither net/http nor database/sql. The
// predicates of the file are CEL expressions (github.com/google/cel-go),
// compiled once when the file is read.
package commitment

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
)

// Set is one commitments file: a year's commitments (实事项目) or an action
// plan, with the period its targets run over.
type Set struct {
	// ID names the set on the command line and in URLs ("2025").
	ID      string
	Title   string
	TitleEN string
	// Source is the document the set transcribes (国卫办函〔2025〕25号).
	Source string
	// From and To bound the period (YYYY-MM-DD): totals count what happened
	// from From up to the evaluation date.
	From, To    string
	Commitments []*Commitment
	// Figures are the periodic figures regions report for this set
	// (上报数据), which indicators read with `figure:`, and Checks the
	// cross-field rules a report of them must pass.
	Figures []FigureKind
	Checks  []FigureCheck
	// File is the name the set was read from, for messages.
	File string

	needs   []Need
	figures []string
}

// Commitment is one of a set's commitments (一件实事).
type Commitment struct {
	No      int
	ID      string
	Title   string
	TitleEN string
	// Department is the national department responsible (责任部门); the
	// responsible leader, department and contact per region are kept in
	// the store and edited in the UI.
	Department string
	Targets    []*Target
	// Report is the report card's closing sentence for the commitment, a
	// text/template over the commitment's results (see ReportCard).
	Report string

	set *Set
}

// Kind is how a target's indicator is computed.
type Kind int

// The indicator kinds.
const (
	// Share: facilities matching Match among those matching Where
	// (numerator/denominator), or one figure over another.
	Share Kind = iota + 1
	// Coverage: units of a set (every prefecture, every county over
	// 100,000 residents) having at least Min facilities matching Where, or
	// reporting a figure that passes Each, over all units.
	Coverage
	// PerCapita: a field summed over facilities, per Per residents.
	PerCapita
	// Total: a field summed over facilities, or a figure summed over the
	// regions and the period, against a number.
	Total
	// RegionTarget: like Total, against a target each region set itself and
	// reported as the figure TargetFigure (each province's own target).
	RegionTarget
)

var kindNames = [...]string{Share: "share", Coverage: "coverage", PerCapita: "per_capita", Total: "total", RegionTarget: "region_target"}

// String returns the kind as the file spells it.
func (k Kind) String() string {
	if k <= 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// ParseKind reads a kind as the file spells it.
func ParseKind(s string) (Kind, error) {
	for k, n := range kindNames {
		if n != "" && n == s {
			return Kind(k), nil
		}
	}
	return 0, fmt.Errorf("unknown kind %q (want share, coverage, per_capita, total or region_target)", s)
}

// Op compares an indicator's value with its target.
type Op int

// The comparisons.
const (
	AtLeast Op = iota + 1 // ≥
	Above                 // >
	AtMost                // ≤
	Below                 // <
	Equal                 // =
)

var opNames = [...]string{AtLeast: ">=", Above: ">", AtMost: "<=", Below: "<", Equal: "=="}

// String returns the operator as the file spells it.
func (o Op) String() string {
	if o <= 0 || int(o) >= len(opNames) {
		return "?"
	}
	return opNames[o]
}

// Symbol returns the operator as people write it (≥, >, ≤, <, =).
func (o Op) Symbol() string {
	return [...]string{"?", "≥", ">", "≤", "<", "="}[max(0, min(int(o), 5))]
}

// Holds reports whether v op target holds. Values are compared after
// rounding to 9 decimal places, so that a share of 4845/4845 is exactly 1.
func (o Op) Holds(v, target float64) bool {
	v, target = round9(v), round9(target)
	switch o {
	case AtLeast:
		return v >= target
	case Above:
		return v > target
	case AtMost:
		return v <= target
	case Below:
		return v < target
	case Equal:
		return v == target
	}
	return false
}

// Increasing reports whether a larger value moves towards the target.
func (o Op) Increasing() bool { return o == AtLeast || o == Above || o == Equal }

func round9(v float64) float64 { return math.Round(v*1e9) / 1e9 }

// Threshold is a comparison with a number, as the file writes it:
// ">= 100%", "> 5000", ">= 4.5".
type Threshold struct {
	Op    Op
	Value float64
	// Percent records that the file wrote the value as a percentage, so
	// that it is shown the same way.
	Percent bool
}

// ParseThreshold reads ">= 100%", "> 5000", "<= 0" (an operator, a number,
// an optional percent sign; a bare number means ≥).
func ParseThreshold(s string) (Threshold, error) {
	s = strings.TrimSpace(s)
	var t Threshold
	for _, op := range []Op{AtLeast, AtMost, Equal, Above, Below} {
		if rest, ok := strings.CutPrefix(s, op.String()); ok {
			t.Op, s = op, strings.TrimSpace(rest)
			break
		}
	}
	if t.Op == 0 {
		t.Op = AtLeast
	}
	if rest, ok := strings.CutSuffix(s, "%"); ok {
		t.Percent, s = true, strings.TrimSpace(rest)
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return Threshold{}, fmt.Errorf("%q is not a comparison with a number (like \">= 100%%\" or \"> 5000\")", s)
	}
	if t.Percent {
		v /= 100
	}
	t.Value = v
	return t, nil
}

// String writes the threshold back as the file would.
func (t Threshold) String() string {
	if t.Percent {
		return fmt.Sprintf("%s %s%%", t.Op, strconv.FormatFloat(t.Value*100, 'f', -1, 64))
	}
	return fmt.Sprintf("%s %s", t.Op, strconv.FormatFloat(t.Value, 'f', -1, 64))
}

// Units says which units a Coverage target judges: one of the named sets,
// narrowed by a CEL predicate over the unit (code, name, level, kind,
// population, population_known, parent).
type Units struct {
	// Of is "provinces", "prefectures", "prefecture_equivalents" (333
	// prefectures + 86 municipal districts), "cities" (prefectures and the
	// four municipalities: 设区的市), "counties" (county-level units) or
	// "all" (every unit below the country, for Where to choose from).
	Of    string
	Where string
	// Extra lists codes judged besides the set (a unit a province submits,
	// like the 87th district the report card counts).
	Extra []string
}

// Target is one indicator of a commitment with what it must reach and when.
type Target struct {
	ID      string
	Title   string
	TitleEN string
	Kind    Kind
	// Threshold is what the value must satisfy; for RegionTarget only its
	// Op is used (the number is each region's own).
	Threshold Threshold
	// HasThreshold is false for a monitored figure without a target.
	HasThreshold bool
	// Deadline is the last day (YYYY-MM-DD, inclusive) by which the target
	// must be met.
	Deadline string
	// JudgedAt is the level at which each unit is judged (each province's
	// share, each prefecture's coverage): gap lists of Share and PerCapita
	// targets name the units of this level that fall short.
	JudgedAt region.Level

	// Facility indicators: the registry, the facilities counted (Where),
	// those meeting the target (Match, for Share and Coverage) and the
	// field summed (Sum, for PerCapita, Total, RegionTarget).
	Registry *facility.Schema
	Where    string
	Match    string
	Sum      string
	// Per is the population base of PerCapita (1,000 for 每千人口).
	Per float64

	// Coverage: the units judged and how many matching facilities each
	// needs (Min, default 1), or the figure each must report (Figure with
	// Each).
	Units Units
	Min   int
	Each  *Threshold

	// Figure indicators: Figure is summed (Total, RegionTarget, Coverage
	// with Each); a figure Share divides Figure by DenominatorFigure.
	Figure            string
	DenominatorFigure string
	// TargetFigure is the figure holding each region's own target
	// (RegionTarget).
	TargetFigure string

	// Gap and GapEN title the gap list (梳理名单): "尚未提供儿科服务的医院".
	Gap, GapEN string
	// Report is the report card's sentence for this target, a text/template
	// over the target's national Result (see ReportCard).
	Report string
	// Line is where the target starts in its file.
	Line int

	commitment *Commitment
	prog       *programs
}

// Commitment returns the commitment the target belongs to.
func (t *Target) Commitment() *Commitment { return t.commitment }

// Label returns the target's title in lang (zh or en).
func (t *Target) Label(lang string) string { return pick(lang, t.Title, t.TitleEN) }

// GapLabel returns the gap list's title in lang.
func (t *Target) GapLabel(lang string) string { return pick(lang, t.Gap, t.GapEN) }

// Label returns the commitment's title in lang.
func (c *Commitment) Label(lang string) string { return pick(lang, c.Title, c.TitleEN) }

// Label returns the set's title in lang.
func (s *Set) Label(lang string) string { return pick(lang, s.Title, s.TitleEN) }

// UsesFacilities reports whether the target reads a registry (rather than
// figures).
func (t *Target) UsesFacilities() bool { return t.Registry != nil }

// Targets returns every target of the set in file order.
func (s *Set) Targets() []*Target {
	var out []*Target
	for _, c := range s.Commitments {
		out = append(out, c.Targets...)
	}
	return out
}

// Target returns the target with the given id.
func (s *Set) Target(id string) (*Target, bool) {
	for _, t := range s.Targets() {
		if t.ID == id {
			return t, true
		}
	}
	return nil, false
}

// Commitment returns the commitment with the given id or number.
func (s *Set) Commitment(id string) (*Commitment, bool) {
	for _, c := range s.Commitments {
		if c.ID == id || strconv.Itoa(c.No) == id {
			return c, true
		}
	}
	return nil, false
}

// FigureKind is a periodic figure regions report for the set (上报指标):
// lectures held, hotline calls answered, deposits refunded.
type FigureKind struct {
	Code    string
	Title   string
	TitleEN string
	Unit    string
	// Period is how often it is reported: month, quarter or year.
	Period string
	// Level is the lowest level that reports it.
	Level region.Level
	// Integer figures are counts.
	Integer bool
	// DueWorkdays is how many working days after the period ends the
	// figure is due.
	DueWorkdays int
	// UnitEN is the unit in English; Max bounds the value (0: none);
	// DueOn ("04-10") is a fixed day of the period's year by which the
	// figure is due instead of DueWorkdays.
	UnitEN string
	Max    float64
	DueOn  string
	// Latest marks a level (存量) rather than a flow: the number of items
	// recognised, hospitals complying. Its value on a date is the latest
	// approved period's, not the sum of the periods (aggregate: latest).
	Latest bool
	// Register, when set, names the register the figure is counted from
	// instead of being reported: RegisterLectures (the lecture log) or
	// RegisterConferences (the press conferences held). Such a figure is
	// not in the reporting catalog.
	Register string
	Line     int
}

// The registers a figure may be counted from.
const (
	RegisterLectures    = "lectures"
	RegisterConferences = "conferences"
)

// FigureCheck is a cross-field rule of reported figures (校验规则), a CEL
// expression over the figures' codes: "hotline_answered <= hotline_received".
type FigureCheck struct {
	Expr                 string
	MessageZH, MessageEN string
	Line                 int
}

// Figure returns the declared figure with the given code.
func (s *Set) Figure(code string) (FigureKind, bool) {
	for _, f := range s.Figures {
		if f.Code == code {
			return f, true
		}
	}
	return FigureKind{}, false
}

func pick(lang, zh, en string) string {
	if en == "" || strings.HasPrefix(strings.ToLower(lang), "zh") {
		return zh
	}
	return en
}
