package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/shishi-health/shishi/facility"
)

// Childcare figures of the report card (end of September 2025): 126,000
// institutions with 6.66 million slots, 4.73 per 1,000 residents, of which
// 3.32 million affordable (普惠); 892,000 affordable slots certified in 2025
// against the target of 660,000. On 2024-01-01 there are about 4.0 slots
// per 1,000 residents. Nothing changes after 2025-09-30.
const (
	childcareInstitutions = 126000
	childcareSlots        = 6663600 // 4.727 per 1,000 of 1,409,778,724
	childcareNewSlots     = 1024000 // opened 2024-01-02..2025-09-30: 4.0 per 1,000 at the start
	affordableSlots       = 3320000
	affordable2025        = 892000
	affordable2024        = 560000
	childcareLaggards     = 4 // provinces clearly below 4.5 per 1,000
)

// nursery is the plan of one childcare institution (托育机构).
type nursery struct {
	unit        int32
	slots, aff  int32
	open        day // 0: in the registry from the start
	cert        day // affordable from that day; negative: certified before 2024; never: not affordable
	fee0, fee1  int32
	nameStride  int32
	nameOffset  int32
	perUnitName int32 // index of the name within its unit
}

func (g *generator) childcare() plan {
	r := g.rng(streamChildcare)
	// Slots per province: density varies, a few provinces lag.
	factor := make([]float64, len(g.provinces))
	var w []float64
	for pi, p := range g.provinces {
		factor[pi] = 0.88 + 0.3*r.Float64()
		w = append(w, either(west[p.div.Code[:2]], 2.0, 1.0))
	}
	for _, pi := range pick(r, w, childcareLaggards) {
		factor[pi] = 0.82 + 0.1*r.Float64()
	}
	pw := make([]float64, len(g.provinces))
	for pi, p := range g.provinces {
		pw[pi] = float64(p.pop) * factor[pi]
	}
	provSlots := apportion(pw, childcareSlots)
	unitSlots := make([]int, len(g.units))
	for pi, p := range g.provinces {
		uw := make([]float64, len(p.units))
		for k, ui := range p.units {
			uw[k] = g.units[ui].weight
		}
		for k, s := range apportion(uw, provSlots[pi]) {
			unitSlots[p.units[k]] = s
		}
	}
	uw := make([]float64, len(g.units))
	for ui, s := range unitSlots {
		uw[ui] = float64(s)
	}
	counts := apportion(uw, childcareInstitutions)
	var ns []nursery
	byUnit := make([][]int32, len(g.units))
	nameSpace := len(childcareNames) * len(childcareSuffixes)
	for ui, total := range unitSlots {
		n := counts[ui]
		if total > 0 {
			n = min(max(n, 1), max(total/8, 1))
		}
		if n == 0 {
			continue
		}
		sizes := splitSlots(r, total, n)
		stride := coprimeStride(r, nameSpace)
		offset := int32(r.IntN(nameSpace))
		for k, s := range sizes {
			byUnit[ui] = append(byUnit[ui], int32(len(ns)))
			ns = append(ns, nursery{unit: int32(ui), slots: int32(s), cert: never,
				nameStride: stride, nameOffset: offset, perUnitName: int32(k)})
		}
	}
	// Openings: a share of each province's slots is new, then the national
	// total is brought to the target.
	growth := make([]float64, len(g.provinces))
	for pi := range growth {
		growth[pi] = 0.1 + 0.12*r.Float64()
	}
	newSlots := 0
	for i := range ns {
		if chance(r, growth[g.units[ns[i].unit].province]) {
			ns[i].open = 1
			newSlots += int(ns[i].slots)
		}
	}
	for _, i := range r.Perm(len(ns)) {
		n := &ns[i]
		s := int(n.slots)
		switch {
		case newSlots < childcareNewSlots-s/2 && n.open == 0:
			n.open = 1
			newSlots += s
		case newSlots > childcareNewSlots+s/2 && n.open != 0:
			n.open = 0
			newSlots -= s
		}
	}
	for i := range ns {
		if ns[i].open != 0 {
			ns[i].open = between(r, 1, dayChildcare)
		}
	}
	g.certify(r, ns)
	// Fees: dearer in the rich east, cheaper once affordable.
	for i := range ns {
		n := &ns[i]
		code := g.units[n.unit].div.Code[:2]
		lo, hi := 1200.0, 2400.0
		switch {
		case rich[code]:
			lo, hi = 1800, 3000
		case west[code]:
			lo, hi = 800, 1800
		}
		n.fee0 = round50(lo + (hi-lo)*r.Float64())
		n.fee1 = max(800, round50(float64(n.fee0)*(0.55+0.2*r.Float64())))
	}
	largest, versions := 0, 0
	for ui := range g.units {
		largest = max(largest, len(byUnit[ui]))
		for _, i := range byUnit[ui] {
			versions += len(ns[i].days())
		}
	}
	width := codeWidth(5, largest*g.scale)
	return plan{
		schema:     facility.Childcare,
		facilities: len(ns) * g.scale,
		versions:   versions * g.scale,
		records: func(yield func(facility.Record) bool) {
			for ui, u := range g.units {
				list := byUnit[ui]
				for c := range g.scale {
					for k, i := range list {
						n := &ns[i]
						code := fmt.Sprintf("C%s%0*d", u.div.Code, width, c*len(list)+k+1)
						name := copyName(childcareName(u.place, n.nameIndex(nameSpace)), c)
						for _, d := range n.days() {
							v := []any{name, u.div.Code, int64(n.slots), int64(0), "", int64(n.fee0)}
							if d >= n.cert {
								v[3], v[4], v[5] = int64(n.aff), certDate(g, n.cert), int64(n.fee1)
							}
							if !yield(facility.Record{Code: code, ValidFrom: g.date(d), Values: v}) {
								return
							}
						}
					}
				}
			}
		},
	}
}

// rich marks the provinces with the dearest childcare.
var rich = map[string]bool{"11": true, "12": true, "31": true, "32": true, "33": true, "44": true}

func round50(x float64) int32 {
	return int32(math.Round(x/50) * 50)
}

// days returns the days on which the institution gets a version.
func (n *nursery) days() []day {
	if n.cert > n.open && n.cert <= dayChildcare {
		return []day{n.open, n.cert}
	}
	return []day{n.open}
}

func (n *nursery) nameIndex(space int) int {
	k := int(n.perUnitName)
	if k >= space {
		return k
	}
	return (k*int(n.nameStride) + int(n.nameOffset)) % space
}

// certDate returns the certification date of day d, which may lie before
// 2024 (institutions certified affordable since the programme began in
// 2019).
func certDate(g *generator, d day) string {
	if d >= 0 {
		return g.date(d)
	}
	return g.start.AddDate(0, 0, int(d)).Format(time.DateOnly)
}

// coprimeStride returns a step that walks all of 0..space-1 when taken
// modulo space, so that each unit lists the names in its own order.
func coprimeStride(r *rand.Rand, space int) int32 {
	for {
		s := 1 + r.IntN(space-1)
		if gcd(s, space) == 1 {
			return int32(s)
		}
	}
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// splitSlots splits total slots into n institutions of varied size, each
// with at least five slots when total allows.
func splitSlots(r *rand.Rand, total, n int) []int {
	ws := make([]float64, n)
	var sum float64
	for i := range ws {
		ws[i] = math.Exp(0.5 * r.NormFloat64())
		sum += ws[i]
	}
	sizes := make([]int, n)
	given := 0
	floor := min(5, total/n)
	for i := range sizes {
		sizes[i] = max(floor, int(float64(total)*ws[i]/sum))
		given += sizes[i]
	}
	for given != total {
		i := r.IntN(n)
		switch {
		case given < total:
			sizes[i]++
			given++
		case sizes[i] > floor:
			sizes[i]--
			given--
		}
	}
	return sizes
}

// certify makes institutions affordable so that the affordable slots
// certified before 2024, in 2024 and in 2025 (by 2025-09-30) are the
// targets exactly: institutions in random order are certified with about
// even odds into a period they were open in, taking all or most of their
// slots; a second pass fills what is left.
func (g *generator) certify(r *rand.Rand, ns []nursery) {
	type period struct {
		left     int
		eligible func(n *nursery) bool
		date     func(n *nursery) day
	}
	// Before 2024: since the programme began in October 2019.
	before := int(-dayOf("2019-10-01"))
	periods := []period{
		{affordableSlots - affordable2024 - affordable2025,
			func(n *nursery) bool { return n.open == 0 },
			func(n *nursery) day { return -day(1 + r.IntN(before)) }},
		{affordable2024,
			func(n *nursery) bool { return n.open < day2025 },
			func(n *nursery) day { return between(r, max(n.open, 1), day2025-1) }},
		{affordable2025,
			func(n *nursery) bool { return true },
			func(n *nursery) day { return between(r, max(n.open, day2025), dayChildcare) }},
	}
	order := r.Perm(len(ns))
	for pass := range 2 {
		for _, i := range order {
			n := &ns[i]
			if n.cert != never || (pass == 0 && !chance(r, 0.5)) {
				continue
			}
			// Into an open period, with odds by what it still lacks.
			var lacking [3]float64
			var sum float64
			for k := range periods {
				if periods[k].left > 0 && periods[k].eligible(n) {
					lacking[k] = float64(periods[k].left)
					sum += lacking[k]
				}
			}
			if sum == 0 {
				continue
			}
			k, x := 0, r.Float64()*sum
			for k < len(periods)-1 && (lacking[k] == 0 || x >= lacking[k]) {
				x -= lacking[k]
				k++
			}
			p := &periods[k]
			a := int(n.slots)
			if chance(r, 0.4) {
				a = max(1, int(float64(a)*(0.5+0.45*r.Float64())))
			}
			a = min(a, p.left)
			n.aff, n.cert = int32(a), p.date(n)
			p.left -= a
		}
	}
	for _, p := range periods {
		if p.left > 0 {
			// The targets are constants far below the slots: a change of
			// them that cannot be met is a programming error.
			panic("demo: not enough childcare slots to certify")
		}
	}
}
