package commitment

import (
	"slices"

	"github.com/shishi-health/shishi/facility"
)

// Need is what Evaluate reads from one registry: its facilities grouped by
// Keys (the fields the set's predicates read) with Sums added up.
type Need struct {
	Registry *facility.Schema
	Keys     []string
	Sums     []string
}

// Needs lists, per registry in facility.Registries order, what the set's
// targets read, and the figures they sum.
func (s *Set) Needs() (needs []Need, figures []string) {
	return s.needs, s.figures
}

func (s *Set) computeNeeds() (needs []Need, figures []string) {
	for _, sc := range facility.Registries() {
		n := Need{Registry: sc}
		used := false
		for _, t := range s.Targets() {
			if t.Registry != sc {
				continue
			}
			used = true
			for _, p := range []*predicate{t.prog.where, t.prog.match} {
				if p == nil {
					continue
				}
				for _, v := range p.vars {
					if !slices.Contains(n.Keys, v) {
						n.Keys = append(n.Keys, v)
					}
				}
			}
			if t.Sum != "" && !slices.Contains(n.Sums, t.Sum) {
				n.Sums = append(n.Sums, t.Sum)
			}
		}
		if used {
			slices.Sort(n.Keys)
			slices.Sort(n.Sums)
			needs = append(needs, n)
		}
	}
	for _, t := range s.Targets() {
		for _, f := range []string{t.Figure, t.DenominatorFigure, t.TargetFigure} {
			if f != "" && !slices.Contains(figures, f) {
				figures = append(figures, f)
			}
		}
	}
	slices.Sort(figures)
	return needs, figures
}

// Facts are what the store holds on one date, in the shape Evaluate reads.
type Facts struct {
	// AsOf is the date (YYYY-MM-DD).
	AsOf string
	// Groups holds, per registry name, the facilities in effect on AsOf
	// grouped as the set's Needs ask (keys and sums in Need order).
	Groups map[string][]facility.Group
	// Figures holds, per figure code and region code, the approved figures
	// that region reported itself for the periods from the set's start up
	// to AsOf (not including those of the units under it: Evaluate adds
	// them up the hierarchy).
	Figures map[string]map[string]float64
}
