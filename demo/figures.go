package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/figure"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
)

// streamFigures is the random stream of the periodic figures.
const streamFigures uint64 = 101

// The report card's figures the demo's periodic reports add up to (seed
// 003), by the date they are read on:
//
//	figure                                       periods          total
//	12356 calls answered                         May – November   ≈ 720,000 ("70余万")
//	crisis interventions                         May – November   ≈ 9,700 ("近万")
//	outpatient deposits refunded (yuan)          March – November ≈ 9 billion ("约90亿元")
//	accounts refunded                            March – November ≈ 140 million ("约1.4亿")
//
// The lectures and the press conferences are not reported figures but
// registers (lectures.go, conferences.go).
//
// Every prefecture-level city (and municipality) reports recognised test
// items quarterly, over 200 everywhere from the second quarter but for
// three cities, from the third quarter everywhere; public hospitals with
// the inpatient-deposit quota reach 100% in the second quarter but in two
// cities. Each province reports its own target of new affordable slots by
// 2025-04-10 (one province late), most of them below what its registry
// shows by 2025-11-30, two above. Figures are submitted two days after the
// period and approved by the province (the country, for municipalities
// and the country's own) five days after it, so a figure counts from the
// day it is approved.
const (
	demoAnswered    = 720_000.0 // May – November
	demoRefundYuan  = 9e9       // March – November
	demoRefundAccts = 1.4e8
	demoDischarges  = 2.5e7 // a month, the country
)

// LoadFigures writes the demo's periodic figures for 2025 into st,
// submitted and approved on the dates above by the system account, and
// returns how many submissions it wrote. Loading them again changes
// nothing: the same values are already approved.
func LoadFigures(ctx context.Context, st *store.Store, t *region.Tree, o Options) (int, error) {
	o = o.normalized()
	r := rand.New(rand.NewPCG(o.Seed, streamFigures))
	var cities []region.Division
	var total float64
	for _, d := range t.All() {
		if d.Level == region.Prefecture || d.Kind == region.KindMunicipality {
			cities = append(cities, d)
			total += float64(max(t.Population(d.Code).Value, 100_000))
		}
	}
	share := func(d region.Division) float64 {
		return float64(max(t.Population(d.Code).Value, 100_000)) / total
	}
	noise := func(lo, hi float64) float64 { return lo + r.Float64()*(hi-lo) }
	round := func(v float64) float64 { return math.Round(v) }
	// Who lags: cities late on recognition and on the deposit quota,
	// provinces above their own target or late with it.
	lateRecognition := pickSome(r, len(cities), 3)
	lateQuota := pickSome(r, len(cities), 2)
	provinces := t.Children(region.CountryCode)
	ambitious := pickSome(r, len(provinces), 2)
	lateTarget := pickSome(r, len(provinces), 1)

	var entries []dated
	for m := 1; m <= 12; m++ {
		p := figure.Period{Span: figure.Month, Year: 2025, N: m}
		for _, c := range cities {
			s := share(c)
			v := map[string]float64{}
			if m >= 5 && m <= 12 {
				answered := round(demoAnswered / 7 * s * noise(0.85, 1.15))
				v["hotline_answered"] = answered
				v["hotline_received"] = round(answered / noise(0.86, 0.94))
				v["crisis_interventions"] = round(answered * noise(0.011, 0.016))
			}
			if m >= 3 && m <= 12 {
				v["deposit_refund_yuan"] = round(demoRefundYuan / 9 * s * noise(0.8, 1.2))
				v["deposit_refund_accounts"] = round(demoRefundAccts / 9 * s * noise(0.8, 1.2))
			}
			discharges := round(demoDischarges * s * noise(0.9, 1.1))
			v["discharges"] = discharges
			v["settled_3wd"] = round(discharges * min(0.995, noise(0.9, 0.95)+0.004*float64(m)))
			entries = append(entries, dated{region: c.Code, period: p, values: v})
		}
	}
	for q := 1; q <= 4; q++ {
		p := figure.Period{Span: figure.Quarter, Year: 2025, N: q}
		for i, c := range cities {
			var items float64
			switch {
			case q == 1:
				items = round(noise(150, 250))
			case q == 2 && lateRecognition[i]:
				items = round(noise(180, 199))
			default:
				items = round(noise(205, 320) + 10*float64(q))
			}
			hospitals := round(max(3, 13_915*share(c)*noise(0.9, 1.1)))
			compliant := hospitals
			switch {
			case q == 1:
				compliant = round(hospitals * noise(0.4, 0.7))
			case q == 2 && lateQuota[i]:
				compliant = hospitals - max(1, round(hospitals*0.05))
			}
			entries = append(entries, dated{region: c.Code, period: p, values: map[string]float64{"recognition_items": items,
				"inpatient_deposit_hospitals": hospitals, "inpatient_deposit_compliant": compliant}})
		}
	}
	// Provincial targets of new affordable slots, from what each
	// province's registry shows by the deadline.
	actual, err := newAffordable(ctx, st, t, "2025-11-30")
	if err != nil {
		return 0, err
	}
	year := figure.Period{Span: figure.Year, Year: 2025}
	var targets []dated
	for i, pr := range provinces {
		f := noise(0.75, 0.95)
		if ambitious[i] {
			f = 1.08
		}
		d := dated{region: pr.Code, period: year, values: map[string]float64{"affordable_slots_target": math.Round(actual[pr.Code]*f/100) * 100}}
		d.submit, d.approve = "2025-04-03", "2025-04-08"
		if lateTarget[i] {
			d.submit, d.approve = "2025-04-14", "2025-04-16"
		}
		targets = append(targets, d)
	}
	n, err := saveApproved(ctx, st, t, entries)
	if err != nil {
		return n, err
	}
	m, err := saveApproved(ctx, st, t, targets)
	return n + m, err
}

// dated is one demo submission: a unit's figures for a period, submitted
// and approved on the given dates ("": two and five days after the
// period).
type dated struct {
	region string
	period figure.Period
	values map[string]float64
	// submit and approve override the default dates.
	submit, approve string
}

func (d dated) dates() (submit, approve time.Time) {
	end, _ := time.Parse(facility.DateLayout, d.period.End())
	at := func(s string, days int) time.Time {
		if s != "" {
			t, _ := time.Parse(facility.DateLayout, s)
			return t.Add(10 * time.Hour)
		}
		return end.AddDate(0, 0, days).Add(10 * time.Hour)
	}
	// 10:00 UTC is 18:00 in China: the same date in both.
	return at(d.submit, 2), at(d.approve, 5)
}

// saveApproved submits the entries, grouped by submission day, then
// approves each day's batch at every approving unit.
func saveApproved(ctx context.Context, st *store.Store, t *region.Tree, entries []dated) (int, error) {
	type day struct {
		submit, approve time.Time
		entries         []store.FigureEntry
		approvers       map[string]bool
	}
	var days []*day
	byDay := map[[2]time.Time]*day{}
	for _, e := range entries {
		s, a := e.dates()
		k := [2]time.Time{s, a}
		d := byDay[k]
		if d == nil {
			d = &day{submit: s, approve: a, approvers: map[string]bool{}}
			byDay[k] = d
			days = append(days, d)
		}
		d.entries = append(d.entries, store.FigureEntry{Region: e.region, Period: e.period, Values: e.values, Submit: true, Confirmed: true})
		chain, err := figure.ApprovalChain(t, e.region)
		if err != nil {
			return 0, err
		}
		for _, c := range chain {
			d.approvers[c] = true
		}
	}
	n := 0
	system := store.FigureActor{UserID: "system", Role: "system"}
	for _, d := range days {
		by := system
		by.At = d.submit
		if _, err := st.SaveFiguresBatch(ctx, t, d.entries, by, store.FigureBatchOptions{}); err != nil {
			return n, fmt.Errorf("demo figures: %w", err)
		}
		// Prefectures approve before provinces, provinces before the
		// country: the chain's order.
		for _, level := range []region.Level{region.Prefecture, region.Province, region.Country} {
			for code := range d.approvers {
				if u, _ := t.Get(code); u.Level != level {
					continue
				}
				by := system
				by.Region, by.At = code, d.approve
				if _, err := st.ApproveAllFigures(ctx, store.FigureBulk{}, by); err != nil {
					return n, fmt.Errorf("demo figures: %w", err)
				}
			}
		}
		n += len(d.entries)
	}
	return n, nil
}

// newAffordable sums, per province, the affordable slots of childcare
// institutions certified in 2025 up to date, as the registry shows them.
func newAffordable(ctx context.Context, st *store.Store, t *region.Tree, date string) (map[string]float64, error) {
	gs, err := st.GroupFacilities(ctx, facility.Childcare, []string{"certified_on"}, []string{"affordable_slots"}, date)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, g := range gs {
		c, _ := g.Values[0].(string)
		if c < "2025-01-01" || c > date {
			continue
		}
		for _, a := range t.Ancestors(g.Region) {
			if a.Level == region.Province {
				out[a.Code] += float64(g.Sums[0])
			}
		}
	}
	return out, nil
}

// pickSome marks k of n indexes, drawn from r.
func pickSome(r *rand.Rand, n, k int) []bool {
	out := make([]bool, n)
	for _, i := range r.Perm(n)[:min(k, n)] {
		out[i] = true
	}
	return out
}
