package figure

import (
	"slices"
	"strings"

	"github.com/shishi-health/shishi/region"
)

// Totals holds figures by unit code and kind code: what the store returns
// per reporting unit, and what RollUp returns per unit with everything
// below it added.
type Totals map[string]map[string]float64

// RollUp adds each unit's own figures to every unit above it, up to the
// country: a prefecture's lectures are its own team's plus its counties'.
// The store returns approved figures per reporting unit
// (store.ApprovedFigureTotals) rather than rolled up, so that a unit's own
// figure stays distinguishable from its total; the engine asks for the
// roll-up here. Codes the tree does not know are kept as they are and
// added to nothing.
func RollUp(t *region.Tree, own Totals) Totals {
	out := Totals{}
	add := func(code, kind string, v float64) {
		m := out[code]
		if m == nil {
			m = map[string]float64{}
			out[code] = m
		}
		m[kind] += v
	}
	for code, vals := range own {
		chain := []string{code}
		for _, a := range t.Ancestors(code) {
			chain = append(chain, a.Code)
		}
		for kind, v := range vals {
			for _, c := range chain {
				add(c, kind, v)
			}
		}
	}
	return out
}

// Reporters returns, sorted by code, the units within under that are
// expected to report kinds of the given level: the units of that level,
// and for County also the prefecture-level cities without counties. Units
// above the level may report their own figures but are not expected to,
// so a list of who has not reported leaves them out.
func Reporters(t *region.Tree, under string, level region.Level) []region.Division {
	out := t.Under(under, level)
	if level == region.County {
		var merged []region.Division
		for _, d := range t.Under(under, region.Prefecture) {
			if d.Kind == region.KindPrefectureWithoutCounties {
				merged = append(merged, d)
			}
		}
		if len(merged) > 0 {
			out = append(out, merged...)
			slices.SortFunc(out, func(a, b region.Division) int { return strings.Compare(a.Code, b.Code) })
		}
	}
	return out
}
