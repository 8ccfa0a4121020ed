package demo

import (
	"cmp"
	"hash/fnv"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
)

var (
	treeOnce = sync.OnceValues(region.Load)
	// nationalOnce generates the default data set once for all tests.
	nationalOnce = sync.OnceValue(func() []Set {
		tr, err := treeOnce()
		if err != nil {
			panic(err)
		}
		return Generate(tr, Options{})
	})
)

func tree(t testing.TB) *region.Tree {
	t.Helper()
	tr, err := treeOnce()
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func national(t testing.TB) []Set {
	t.Helper()
	tree(t)
	return nationalOnce()
}

func setOf(t testing.TB, sets []Set, sc *facility.Schema) Set {
	t.Helper()
	for _, s := range sets {
		if s.Schema == sc {
			return s
		}
	}
	t.Fatalf("no set for %s", sc.Name)
	return Set{}
}

// fingerprint hashes every record of the sets, so that two data sets can
// be compared without reflect.DeepEqual's cost.
func fingerprint(sets []Set) uint64 {
	h := fnv.New64a()
	var buf []byte
	for _, s := range sets {
		buf = append(buf[:0], s.Schema.Name...)
		for _, r := range s.Records {
			buf = append(buf, r.Code...)
			buf = append(buf, r.ValidFrom...)
			buf = strconv.AppendBool(buf, r.Closed)
			for _, v := range r.Values {
				switch v := v.(type) {
				case string:
					buf = append(buf, v...)
				case int64:
					buf = strconv.AppendInt(buf, v, 10)
				case bool:
					buf = strconv.AppendBool(buf, v)
				}
				buf = append(buf, 0)
			}
			h.Write(buf)
			buf = buf[:0]
		}
	}
	return h.Sum64()
}

func TestGenerateDeterministic(t *testing.T) {
	tr := tree(t)
	a := fingerprint(national(t))
	if b := fingerprint(Generate(tr, Options{Seed: DefaultSeed, Scale: 1})); a != b {
		t.Fatal("two runs with the same seed differ")
	}
	other := Generate(tr, Options{Seed: 7})
	for i, s := range national(t) {
		if fingerprint(other[i:i+1]) == fingerprint([]Set{s}) {
			t.Errorf("%s: seeds %d and 7 give the same records", s.Schema.Name, DefaultSeed)
		}
	}
}

// TestRecordsValid checks every record against its schema, the order
// Load relies on and where each facility is registered.
func TestRecordsValid(t *testing.T) {
	tr := tree(t)
	for _, s := range national(t) {
		t.Run(s.Schema.Name, func(t *testing.T) {
			if len(s.Records) == 0 {
				t.Fatal("no records")
			}
			bad := 0
			for i, r := range s.Records {
				if errs := s.Schema.Validate(r); len(errs) > 0 {
					if bad++; bad <= 5 {
						t.Errorf("%s %s: %v", r.Code, r.ValidFrom, errs)
					}
				}
				if r.ValidFrom < firstDay || r.ValidFrom > lastDay {
					t.Errorf("%s: valid from %s, outside the demo period", r.Code, r.ValidFrom)
				}
				if i > 0 {
					p := s.Records[i-1]
					if c := cmp.Or(cmp.Compare(p.Code, r.Code), cmp.Compare(p.ValidFrom, r.ValidFrom)); c >= 0 {
						t.Fatalf("records %d and %d out of order: %s %s, %s %s", i-1, i, p.Code, p.ValidFrom, r.Code, r.ValidFrom)
					}
					if p.Code == r.Code && p.Region(s.Schema) != r.Region(s.Schema) {
						t.Errorf("%s moves from %s to %s", r.Code, p.Region(s.Schema), r.Region(s.Schema))
					}
				}
				code := r.Region(s.Schema)
				d, ok := tr.Get(code)
				switch {
				case !ok:
					t.Fatalf("%s: unknown region %s", r.Code, code)
				case s.Schema == facility.Hotlines:
					if d.Level != region.Prefecture && d.Kind != region.KindMunicipality {
						t.Fatalf("%s: hotline in %s %s, not a prefecture or municipality", r.Code, code, d.Name)
					}
				case s.Schema == facility.BloodStations:
				default:
					if !tr.CountyLevelOrStandalone(code) {
						t.Fatalf("%s: registered in %s %s, not a county-level unit", r.Code, code, d.Name)
					}
				}
			}
			// Names are unique where facilities are registered.
			seen := map[string]string{}
			for _, r := range asOf(s, lastDay) {
				k := r.Region(s.Schema) + "|" + r.String(s.Schema, "name")
				if other, dup := seen[k]; dup {
					t.Errorf("%s and %s share the name %s", other, r.Code, k)
				}
				seen[k] = r.Code
			}
		})
	}
}

// asOf returns the version of every facility in effect on d, as the store
// answers "the state on date d": the last version from on or before d,
// unless it closes the facility.
func asOf(s Set, d string) []facility.Record {
	var out []facility.Record
	recs := s.Records
	for i := 0; i < len(recs); {
		j := i
		for j < len(recs) && recs[j].Code == recs[i].Code {
			j++
		}
		if r, ok := facility.History(recs[i:j]).AsOf(d); ok {
			out = append(out, r)
		}
		i = j
	}
	return out
}

func TestScale(t *testing.T) {
	tr := tree(t)
	const scale = 4 // enough to show copies; 10 takes seconds to walk
	ten := newGenerator(tr, Options{Seed: DefaultSeed, Scale: scale}).plans()
	one := newGenerator(tr, Options{Seed: DefaultSeed, Scale: 1}).plans()
	for i := range ten {
		t.Run(ten[i].schema.Name, func(t *testing.T) {
			factor := scale
			if ten[i].schema == facility.Hotlines {
				factor = 1 // one per prefecture, whatever the scale
			}
			if ten[i].facilities != factor*one[i].facilities || ten[i].versions != factor*one[i].versions {
				t.Errorf("scale %d: %d facilities, %d versions; scale 1: %d, %d", scale,
					ten[i].facilities, ten[i].versions, one[i].facilities, one[i].versions)
			}
			// Codes stay unique and sorted: records come out in order.
			n := 0
			var prev facility.Record
			for r := range ten[i].records {
				if n > 0 && cmp.Or(cmp.Compare(prev.Code, r.Code), cmp.Compare(prev.ValidFrom, r.ValidFrom)) >= 0 {
					t.Fatalf("out of order or duplicate: %s %s after %s %s", r.Code, r.ValidFrom, prev.Code, prev.ValidFrom)
				}
				prev = r
				n++
			}
			if n != ten[i].versions {
				t.Errorf("yielded %d records, planned %d", n, ten[i].versions)
			}
		})
	}
}

func TestOptionsNormalized(t *testing.T) {
	for _, tc := range []struct {
		in, want Options
	}{
		{Options{}, Options{Seed: DefaultSeed, Scale: 1}},
		{Options{Seed: 3, Scale: -2}, Options{Seed: 3, Scale: 1}},
		{Options{Seed: 3, Scale: 1000}, Options{Seed: 3, Scale: MaxScale}},
	} {
		if got := tc.in.normalized(); got != tc.want {
			t.Errorf("%+v normalized: %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestApportion(t *testing.T) {
	for _, tc := range []struct {
		weights []float64
		total   int
		want    []int
	}{
		{[]float64{1, 1, 1}, 10, []int{4, 3, 3}},
		{[]float64{0.5, 0.25, 0.25}, 7, []int{3, 2, 2}},
		{[]float64{0.6, 0.3, 0.1}, 7, []int{4, 2, 1}},
		{[]float64{0, 0}, 5, []int{0, 0}},
		{[]float64{3, 1}, 0, []int{0, 0}},
	} {
		if got := apportion(tc.weights, tc.total); !slices.Equal(got, tc.want) {
			t.Errorf("apportion(%v, %d) = %v, want %v", tc.weights, tc.total, got, tc.want)
		}
	}
}

func TestRounding(t *testing.T) {
	for _, tc := range []struct {
		part, whole, permille, percent int
	}{
		{1741, 1750, 995, 99},
		{9945, 10000, 995, 99},
		{9944, 10000, 994, 99},
		{330, 333, 991, 99},
		{323, 333, 970, 97},
	} {
		if got := roundedPermille(tc.part, tc.whole); got != tc.permille {
			t.Errorf("roundedPermille(%d, %d) = %d, want %d", tc.part, tc.whole, got, tc.permille)
		}
		if got := roundedPercent(tc.part, tc.whole); got != tc.percent {
			t.Errorf("roundedPercent(%d, %d) = %d, want %d", tc.part, tc.whole, got, tc.percent)
		}
	}
	for whole := 500; whole < 5000; whole += 37 {
		exact := false
		for part := range whole + 1 {
			exact = exact || roundedPermille(part, whole) == 984
		}
		part := coveredFor(whole, 984, roundedPermille)
		if got := roundedPermille(part, whole); got != 984 && (exact || got < 983 || got > 985) {
			t.Fatalf("coveredFor(%d, 984) = %d, which rounds to %d", whole, part, got)
		}
	}
	// No count of 537 rounds to 98.4%: 528 (98.3%) and 529 (98.5%) are
	// as near; the middle is taken.
	if got := coveredFor(537, 984, roundedPermille); got != 528 {
		t.Errorf("coveredFor(537, 984) = %d, want 528", got)
	}
}

func TestUnitWeights(t *testing.T) {
	g := newGenerator(tree(t), Options{Seed: DefaultSeed, Scale: 1})
	for _, u := range g.units {
		if u.weight <= 0 {
			t.Errorf("%s %s: weight %v", u.div.Code, u.div.Name, u.weight)
		}
		if u.pop > 0 && u.weight != float64(u.pop) {
			t.Errorf("%s %s: weight %v, census %d", u.div.Code, u.div.Name, u.weight, u.pop)
		}
	}
	if _, ok := g.unitIndex["350527"]; ok {
		t.Error("金门县 has facilities")
	}
	// 杭州's redrawn districts have no census figure: a share, never
	// more than a typical sibling.
	u := g.units[g.unitIndex["330106"]]
	if u.pop != 0 || u.weight < 100_000 || u.weight > 1_000_000 {
		t.Errorf("西湖区: pop %d, weight %v", u.pop, u.weight)
	}
}

func TestRegistriesInOrder(t *testing.T) {
	g := newGenerator(tree(t), Options{Seed: DefaultSeed, Scale: 1})
	regs := facility.Registries()
	for i, planner := range g.registries() {
		if p := planner(); p.schema != regs[i] {
			t.Errorf("planner %d plans %s, want %s", i, p.schema.Name, regs[i].Name)
		}
	}
}
