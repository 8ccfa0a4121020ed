package region

import "fmt"

// Population returns the resident population (常住人口) of code.
//
// A figure given by the census always wins over a sum: development zones were
// counted in prefecture and province totals but in no county, so adding up
// counties falls short of the real prefecture by about 2%. Only a unit with
// no figure of its own gets Source Sum, the sum of its children's figures
// (recursively), with Missing listing the descendants that could not be
// included. A unit with no figure and nothing to add is Source Missing: a
// figure is never invented. The country is always a Sum of the 31
// province-level units; see its Note for why that is 2,000,000 short of the
// official national total. An unknown code is Missing as well.
func (t *Tree) Population(code string) Population {
	i, ok := t.index[code]
	if !ok {
		return Population{Source: Missing, Note: fmt.Sprintf("no division with code %q", code)}
	}
	if i == 0 {
		p := t.sumPopulation(0)
		p.Note = countryNote
		for _, c := range t.children(0) {
			if t.pop[c].reported {
				p.Note = countryNoteReported
				break
			}
		}
		return p
	}
	return t.population(i)
}

func (t *Tree) population(i int32) Population {
	if f := t.pop[i]; f.given {
		src := Census
		if f.reported {
			src = Reported
		}
		return Population{Value: f.value, Source: src, Year: f.year, Note: f.note}
	}
	return t.sumPopulation(i)
}

// sumPopulation adds up the children of i. Children are visited in code
// order, so Missing comes out sorted.
func (t *Tree) sumPopulation(i int32) Population {
	var p Population
	counted := 0
	for _, c := range t.children(i) {
		cp := t.population(c)
		if cp.Source == Missing {
			if len(cp.Missing) == 0 {
				// A unit with no figure and no children is itself
				// the gap; otherwise its own gaps say more.
				p.Missing = append(p.Missing, t.divs[c].Code)
			} else {
				p.Missing = append(p.Missing, cp.Missing...)
			}
			continue
		}
		p.Value += cp.Value
		p.Missing = append(p.Missing, cp.Missing...)
		switch {
		case counted == 0:
			p.Year = cp.Year
		case p.Year != cp.Year:
			p.Year = 0 // figures of different years: no single year applies
		}
		counted++
	}
	if counted == 0 {
		p.Value, p.Year = 0, 0
		p.Source = Missing
		p.Note = "no census figure for this unit"
		if len(t.children(i)) > 0 {
			p.Note += " or any unit within it"
		}
		return p
	}
	p.Source = Sum
	p.Note = fmt.Sprintf("no census figure for this unit; sum of %d sub-unit figures", counted)
	if len(p.Missing) > 0 {
		p.Note += fmt.Sprintf(", excluding %d units without a figure", len(p.Missing))
	}
	return p
}

// Figure is a population figure that a user supplies for one unit: a newer
// statistical yearbook, or an estimate for a unit the census does not cover
// (a district created since). It is shown as Reported, never as census.
type Figure struct {
	Code  string
	Value int64
	Year  int
	Note  string
}

// WithFigures returns a copy of the tree in which the figures replace the
// census figure of their unit or fill its gap; sums above them follow. The
// receiver is not changed, so a tree in use by other goroutines stays valid.
func (t *Tree) WithFigures(figs []Figure) (*Tree, error) {
	c := *t
	c.pop = append([]censusFigure(nil), t.pop...)
	for _, f := range figs {
		i, ok := t.index[f.Code]
		if !ok || i == 0 {
			return nil, fmt.Errorf("population figure for unknown unit %q", f.Code)
		}
		if f.Value < 0 {
			return nil, fmt.Errorf("population figure for %s is negative", f.Code)
		}
		c.pop[i] = censusFigure{given: true, reported: true, value: f.Value, year: f.Year, note: f.Note}
	}
	return &c, nil
}
