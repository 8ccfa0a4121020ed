package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/shishi-health/shishi/region"
)

// day counts days from 2024-01-01, the first date of the demo data.
type day int32

// Dates of the demo period and of the events the figures are judged on.
const (
	firstDay = "2024-01-01"
	lastDay  = "2025-12-31"
	// never is a day after every date: "the event does not happen".
	never day = 1 << 30
)

// dayOf returns the day of a YYYY-MM-DD date; it panics on a malformed
// date, which is a programming error here.
func dayOf(s string) day {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic("demo: " + err.Error())
	}
	base, _ := time.Parse(time.DateOnly, firstDay)
	return day(t.Sub(base).Hours() / 24)
}

var (
	dayEnd       = dayOf(lastDay)      // 2025-12-31
	day2025      = dayOf("2025-01-01") // the commitments' year begins
	dayBriefing  = dayOf("2025-09-11") // the State Council press conference of seed 000
	dayDeadline  = dayOf("2025-11-30") // "11月底"
	dayDeposit   = dayOf("2025-03-31") // outpatient deposits end
	dayHotline   = dayOf("2025-04-30") // 12356 open everywhere before 05-01
	dayChildcare = dayOf("2025-09-30") // the report card's childcare figures
)

// unit is a place where facilities are registered: a county-level unit or
// a prefecture-level city without counties (region.Tree.CountyLevelOrStandalone).
type unit struct {
	div      region.Division
	place    string  // name used in facility names: "平山县", "石家庄市长安区"
	pop      int64   // census figure, 0 when the census has none
	weight   float64 // pop, or a small share for units without a figure
	province int     // index into generator.provinces
	city     int     // index into generator.cities, -1 for a province-administered county
	// prefEq is the unit the psych and sleep clinics are judged on
	// (region.Tree.PrefectureEquivalents); -1 for a province-administered
	// county, which lies in none.
	prefEq int
}

// city is a prefecture-level unit or a municipality: the level that has
// "{市名}第一人民医院", a central blood station and a 12356 hotline.
type city struct {
	div      region.Division
	pop      int64
	province int
	units    []int // units within, by code
	// hosts are the units where city-wide facilities sit: the urban
	// districts, most populous first, or the seat when there is none.
	hosts []int
}

// province is a province-level unit.
type province struct {
	div     region.Division
	pop     int64
	capital int   // city index
	units   []int // units within, by code
	cities  []int
}

// prefEquivalent is a unit the psych and sleep clinic target is judged on.
type prefEquivalent struct {
	div   region.Division
	units []int
}

// generator holds the regions prepared for generation; each registry draws
// from its own random stream, so that changing one registry's rules does
// not change the others' data.
type generator struct {
	seed      uint64
	scale     int
	tree      *region.Tree
	units     []unit
	unitIndex map[string]int
	cities    []city
	provinces []province
	prefEqs   []prefEquivalent
	dates     []string  // day → "YYYY-MM-DD"
	start     time.Time // day 0
}

// notAdministered lists units in the code list that the mainland does not
// administer (金门县, Fujian): no facility is registered there.
var notAdministered = []string{"350527"}

func newGenerator(t *region.Tree, o Options) *generator {
	g := &generator{seed: o.Seed, scale: o.Scale, tree: t, unitIndex: map[string]int{}}
	g.start, _ = time.Parse(time.DateOnly, firstDay)
	for d := day(0); d <= dayEnd; d++ {
		g.dates = append(g.dates, g.start.AddDate(0, 0, int(d)).Format(time.DateOnly))
	}
	provIndex := map[string]int{}
	cityIndex := map[string]int{}
	for _, p := range t.Children(region.CountryCode) {
		provIndex[p.Code[:2]] = len(g.provinces)
		g.provinces = append(g.provinces, province{div: p, pop: t.Population(p.Code).Value, capital: -1})
	}
	for _, d := range t.All() {
		isCity := d.Kind == region.KindMunicipality || d.Level == region.Prefecture
		if !isCity {
			continue
		}
		pi := provIndex[d.Code[:2]]
		cityIndex[d.Code] = len(g.cities)
		g.provinces[pi].cities = append(g.provinces[pi].cities, len(g.cities))
		g.cities = append(g.cities, city{div: d, pop: t.Population(d.Code).Value, province: pi})
	}
	prefEqIndex := map[string]int{}
	for _, d := range t.PrefectureEquivalents(region.CountryCode) {
		prefEqIndex[d.Code] = len(g.prefEqs)
		g.prefEqs = append(g.prefEqs, prefEquivalent{div: d})
	}
	for _, d := range t.All() {
		if !t.CountyLevelOrStandalone(d.Code) || slices.Contains(notAdministered, d.Code) {
			continue
		}
		u := unit{div: d, province: provIndex[d.Code[:2]], city: -1, prefEq: -1}
		switch d.Kind {
		case region.KindMunicipalDistrict:
			u.city = cityIndex[d.Parent]
			u.prefEq = prefEqIndex[d.Code]
			u.place = g.cities[u.city].div.Name + d.Name
		case region.KindPrefectureWithoutCounties:
			u.city = cityIndex[d.Code]
			u.prefEq = prefEqIndex[d.Code]
			u.place = d.Name
		case region.KindProvinceAdministeredCounty:
			u.place = d.Name
		case region.KindUrbanDistrict:
			u.city = cityIndex[d.Parent]
			u.prefEq = prefEqIndex[d.Parent]
			u.place = g.cities[u.city].div.Name + d.Name
		default:
			u.city = cityIndex[d.Parent]
			u.prefEq = prefEqIndex[d.Parent]
			u.place = d.Name
		}
		if p := t.Population(d.Code); p.Source != region.Missing {
			u.pop = p.Value
		}
		ui := len(g.units)
		g.unitIndex[d.Code] = ui
		g.units = append(g.units, u)
		g.provinces[u.province].units = append(g.provinces[u.province].units, ui)
		if u.city >= 0 {
			g.cities[u.city].units = append(g.cities[u.city].units, ui)
		}
		if u.prefEq >= 0 {
			g.prefEqs[u.prefEq].units = append(g.prefEqs[u.prefEq].units, ui)
		}
	}
	for i := range g.units {
		g.units[i].weight = g.unitWeight(i)
	}
	for ci := range g.cities {
		c := &g.cities[ci]
		for _, ui := range c.units {
			k := g.units[ui].div.Kind
			if k == region.KindUrbanDistrict || k == region.KindPrefectureWithoutCounties ||
				(k == region.KindMunicipalDistrict && strings.HasSuffix(g.units[ui].div.Name, "区")) {
				c.hosts = append(c.hosts, ui)
			}
		}
		if len(c.hosts) == 0 && len(c.units) > 0 {
			c.hosts = []int{c.units[0]}
		}
		slices.SortStableFunc(c.hosts, func(a, b int) int { return cmpFloatDesc(g.units[a].weight, g.units[b].weight) })
	}
	for pi := range g.provinces {
		p := &g.provinces[pi]
		for _, ci := range p.cities {
			// GB/T 2260 numbers the capital first (130100 石家庄, 440100 广州).
			if c := g.cities[ci].div; c.Kind == region.KindMunicipality || strings.HasSuffix(c.Code, "0100") {
				p.capital = ci
			}
		}
		if p.capital < 0 && len(p.cities) > 0 {
			p.capital = p.cities[0]
		}
	}
	return g
}

// unitWeight returns the population used to spread facilities over units.
// A unit with a census figure weighs its figure. A unit without one (杭州's
// districts redrawn in 2021, counties created after the census) gets an
// equal part of what its parent's figure leaves after its siblings'
// figures, but no more than its siblings' median and no less than a tenth
// of it: a small share, which is never shown as a population.
func (g *generator) unitWeight(i int) float64 {
	u := g.units[i]
	if u.pop > 0 {
		return float64(u.pop)
	}
	var known []float64
	missing := 0
	var sum float64
	for _, s := range g.tree.Children(u.div.Parent) {
		if slices.Contains(notAdministered, s.Code) {
			continue
		}
		p := g.tree.Population(s.Code)
		if p.Source == region.Missing {
			missing++
			continue
		}
		sum += float64(p.Value)
		if s.Level == region.County {
			known = append(known, float64(p.Value))
		}
	}
	parent := g.tree.Population(u.div.Parent)
	share := 0.0
	if parent.Source == region.Census && missing > 0 {
		share = max(0, float64(parent.Value)-sum) / float64(missing)
	}
	if len(known) == 0 {
		return max(share, 1000)
	}
	slices.Sort(known)
	median := known[len(known)/2]
	return min(max(share, median/10), median)
}

func (g *generator) rng(stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(g.seed, stream))
}

// date returns the date of a day within the demo period.
func (g *generator) date(d day) string {
	return g.dates[d]
}

// Random streams, one per registry.
const (
	streamHospitals uint64 = iota + 1
	streamPrimaryCare
	streamChildcare
	streamBlood
	streamHotlines
)

func cmpFloatDesc(a, b float64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// between returns a day uniformly drawn from [from, to].
func between(r *rand.Rand, from, to day) day {
	if to <= from {
		return from
	}
	return from + day(r.IntN(int(to-from)+1))
}

// intIn returns an int uniformly drawn from [lo, hi].
func intIn(r *rand.Rand, lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.IntN(hi-lo+1)
}

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool {
	return r.Float64() < p
}

// apportion splits total into integer parts proportional to weights by the
// largest-remainder method, so that the parts add up to total exactly.
func apportion(weights []float64, total int) []int {
	out := make([]int, len(weights))
	var sum float64
	for _, w := range weights {
		sum += w
	}
	if sum <= 0 || total <= 0 {
		return out
	}
	type rem struct {
		i int
		r float64
	}
	rems := make([]rem, len(weights))
	given := 0
	for i, w := range weights {
		exact := float64(total) * w / sum
		out[i] = int(exact)
		given += out[i]
		rems[i] = rem{i, exact - float64(out[i])}
	}
	slices.SortStableFunc(rems, func(a, b rem) int { return cmpFloatDesc(a.r, b.r) })
	for k := 0; given < total; k++ {
		out[rems[k%len(rems)].i]++
		given++
	}
	return out
}

// pick chooses k distinct indexes of weights, each with probability
// proportional to its weight (Efraimidis-Spirakis), in the order chosen.
func pick(r *rand.Rand, weights []float64, k int) []int {
	type key struct {
		i int
		k float64
	}
	keys := make([]key, 0, len(weights))
	for i, w := range weights {
		if w <= 0 {
			continue
		}
		keys = append(keys, key{i, math.Log(1-r.Float64()) / w})
	}
	slices.SortStableFunc(keys, func(a, b key) int { return cmpFloatDesc(a.k, b.k) })
	out := make([]int, 0, min(k, len(keys)))
	for _, kk := range keys[:min(k, len(keys))] {
		out = append(out, kk.i)
	}
	return out
}

// codeWidth is how many digits a per-unit sequence number needs so that
// codes of one registry have the same length and sort in creation order.
func codeWidth(minWidth, largest int) int {
	w := len(fmt.Sprint(largest))
	return max(w, minWidth)
}

// copyName names the n-th copy (n ≥ 1) of a facility at scales above 1.
func copyName(name string, n int) string {
	if n == 0 {
		return name
	}
	return fmt.Sprintf("%s（%d）", name, n+1)
}

// roundedPermille returns round(1000·part/whole) with halves rounded up, in
// integers: the percentage to one decimal (995 is 99.5%) exactly as a
// report rounds it.
func roundedPermille(part, whole int) int {
	return (2000*part + whole) / (2 * whole)
}

// roundedPercent returns round(100·part/whole), halves up.
func roundedPercent(part, whole int) int {
	return (200*part + whole) / (2 * whole)
}

// coveredFor returns a count whose rounded share of whole is want (in the
// unit that round gives): the middle of the counts that round so, so that
// the reported figure does not hang on a rounding edge. When no count
// rounds to want exactly (98.4% of 537), the counts rounding nearest.
func coveredFor(whole, want int, round func(part, whole int) int) int {
	best, lo, hi := -1, 0, 0
	for part := 0; part <= whole; part++ {
		d := round(part, whole) - want
		d = max(d, -d)
		switch {
		case best < 0 || d < best:
			best, lo, hi = d, part, part
		case d == best:
			hi = part
		}
	}
	return (lo + hi) / 2
}
