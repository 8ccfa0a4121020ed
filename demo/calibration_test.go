package demo

import (
	"math"
	"testing"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
)

// The calibration tests compute each figure the way a reader of the
// registries would, from the records alone, and compare it with the
// report card (seed 003) and the briefing of 2025-09-11 (seed 000).

// check is one calibrated figure.
type check struct {
	name   string
	date   string
	got    float64
	lo, hi float64 // accepted range, inclusive
}

func runChecks(t *testing.T, checks []check) {
	t.Helper()
	for _, c := range checks {
		t.Run(c.name+"@"+c.date, func(t *testing.T) {
			if c.got < c.lo || c.got > c.hi {
				t.Errorf("%s on %s = %v, want %v..%v", c.name, c.date, c.got, c.lo, c.hi)
			}
			t.Logf("%s on %s = %v", c.name, c.date, c.got)
		})
	}
}

func exactly(name, date string, got, want float64) check {
	return check{name, date, got, want, want}
}

func count(recs []facility.Record, keep func(r facility.Record) bool) int {
	n := 0
	for _, r := range recs {
		if keep(r) {
			n++
		}
	}
	return n
}

func TestHospitalCalibration(t *testing.T) {
	s := setOf(t, national(t), facility.Hospitals)
	sc := s.Schema
	str := func(r facility.Record, k string) string { return r.String(sc, k) }
	publicGeneral := func(grade string) func(r facility.Record) bool {
		return func(r facility.Record) bool {
			return str(r, "ownership") == "public" && str(r, "type") == "general" && (grade == "" && (str(r, "grade") == "2" || str(r, "grade") == "3") || str(r, "grade") == grade)
		}
	}
	with := func(keep func(r facility.Record) bool, also func(r facility.Record) bool) func(r facility.Record) bool {
		return func(r facility.Record) bool { return keep(r) && also(r) }
	}
	hasPed := func(r facility.Record) bool { return str(r, "pediatrics") != "none" }
	noPed := func(r facility.Record) bool { return str(r, "pediatrics") == "none" }
	permille := func(d, grade string) float64 {
		recs := asOf(s, d)
		all := count(recs, publicGeneral(grade))
		return float64(roundedPermille(count(recs, with(publicGeneral(grade), hasPed)), all))
	}
	gapShare := func(d, grade string) float64 {
		recs := asOf(s, d)
		return float64(count(recs, with(publicGeneral(grade), noPed))) / float64(count(recs, publicGeneral(grade)))
	}
	actionPlanGaps := func(d string) float64 {
		return float64(count(asOf(s, d), func(r facility.Record) bool {
			g := str(r, "grade")
			return noPed(r) && (str(r, "type") == "tcm" && g == "3" || str(r, "type") == "maternal_child" && (g == "2" || g == "3"))
		}))
	}
	end, briefing, deadline := asOf(s, lastDay), "2025-09-11", "2025-11-30"
	public := func(r facility.Record) bool { return str(r, "ownership") == "public" }
	deposit := func(r facility.Record) bool { return r.Bool(sc, "outpatient_deposit") }
	depositShare := func(d string, keep func(r facility.Record) bool) float64 {
		recs := asOf(s, d)
		return float64(count(recs, with(keep, deposit))) / float64(count(recs, keep))
	}
	greenEligible := func(r facility.Record) bool {
		g, typ := str(r, "grade"), str(r, "type")
		return typ == "children" || (typ == "general" || typ == "maternal_child") && (g == "2" || g == "3")
	}
	greenShare := func(d string) float64 {
		recs := asOf(s, d)
		return float64(count(recs, with(greenEligible, func(r facility.Record) bool { return r.Bool(sc, "green_channel") }))) /
			float64(count(recs, greenEligible))
	}
	runChecks(t, []check{
		{"hospitals", lastDay, float64(len(end)), 37000, 39000},
		exactly("public level-2/3 general", lastDay, float64(count(end, publicGeneral(""))), publicGeneral23),
		exactly("public level-2/3 general", firstDay, float64(count(asOf(s, firstDay), publicGeneral(""))), publicGeneral23),
		exactly("of them without pediatrics", lastDay, float64(count(end, with(publicGeneral(""), noPed))), 0),
		exactly("of them without pediatrics", deadline, float64(count(asOf(s, deadline), with(publicGeneral(""), noPed))), 0),
		exactly("level-3 with pediatrics ‰", briefing, permille(briefing, "3"), 995),
		exactly("level-2 with pediatrics ‰", briefing, permille(briefing, "2"), 984),
		{"level-3 without pediatrics", firstDay, gapShare(firstDay, "3"), 0.025, 0.035},
		{"level-2 without pediatrics", firstDay, gapShare(firstDay, "2"), 0.085, 0.095},
		{"level-3 TCM and level-2/3 maternal-child without pediatrics", lastDay, actionPlanGaps(lastDay), 3, 8},
		{"level-3 TCM and level-2/3 maternal-child without pediatrics", firstDay, actionPlanGaps(firstDay), 40, 200},
		{"public hospitals charging outpatient deposits", "2024-06-30", depositShare("2024-06-30", public), 0.8, 0.95},
		{"public hospitals charging outpatient deposits", "2025-02-15", depositShare("2025-02-15", public), 0.2, 0.7},
		exactly("public hospitals charging outpatient deposits", "2025-03-31", depositShare("2025-03-31", public), 0),
		{"private hospitals charging outpatient deposits", lastDay, depositShare(lastDay, func(r facility.Record) bool { return !public(r) }), 0.3, 0.5},
		{"0-3 green channel share", firstDay, greenShare(firstDay), 0.15, 0.35},
		{"0-3 green channel share", "2025-01-01", greenShare("2025-01-01"), 0.2, 0.4},
		{"0-3 green channel share", lastDay, greenShare(lastDay), 0.45, 0.7},
	})
	// The pediatric staff fits the service.
	for _, r := range s.Records {
		beds, docs := r.Int(sc, "ped_beds"), r.Int(sc, "pediatricians")
		if str(r, "pediatrics") == "own" && str(r, "type") == "general" && str(r, "grade") == "3" && (beds < 5 || docs < 2) {
			t.Errorf("%s: level-3 own pediatrics with %d beds, %d pediatricians", r.Code, beds, docs)
		}
	}
	// Outpatient deposits end between 2025-01-01 and 2025-03-31.
	for i := 1; i < len(s.Records); i++ {
		p, r := s.Records[i-1], s.Records[i]
		if p.Code == r.Code && public(r) && deposit(p) && !deposit(r) && (r.ValidFrom < "2025-01-01" || r.ValidFrom > "2025-03-31") {
			t.Errorf("%s stops the outpatient deposit on %s", r.Code, r.ValidFrom)
		}
	}
}

func TestClinicCalibration(t *testing.T) {
	tr := tree(t)
	s := setOf(t, national(t), facility.Hospitals)
	sc := s.Schema
	units := tr.PrefectureEquivalents(region.CountryCode)
	isUnit := map[string]bool{}
	prefectures := 0
	for _, d := range units {
		isUnit[d.Code] = true
		if d.Level == region.Prefecture {
			prefectures++
		}
	}
	unitOf := func(code string) string {
		if isUnit[code] {
			return code
		}
		if d, _ := tr.Get(code); isUnit[d.Parent] {
			return d.Parent
		}
		return ""
	}
	covered := func(d string, keep func(r facility.Record) bool) (prefs, all int) {
		seen := map[string]bool{}
		for _, r := range asOf(s, d) {
			if u := unitOf(r.Region(sc)); u != "" && keep(r) {
				seen[u] = true
			}
		}
		for _, d := range units {
			if seen[d.Code] {
				all++
				if d.Level == region.Prefecture {
					prefs++
				}
			}
		}
		return prefs, all
	}
	psych := func(r facility.Record) bool { return r.Bool(sc, "psych_clinic") }
	sleep := func(r facility.Record) bool { return r.Bool(sc, "sleep_clinic") }
	both := func(r facility.Record) bool { return psych(r) && sleep(r) }
	percent := func(d string, keep func(r facility.Record) bool) float64 {
		p, _ := covered(d, keep)
		return float64(roundedPercent(p, prefectures))
	}
	share := func(d string, keep func(r facility.Record) bool) float64 {
		p, _ := covered(d, keep)
		return float64(p) / float64(prefectures)
	}
	all := func(d string, keep func(r facility.Record) bool) float64 {
		_, n := covered(d, keep)
		return float64(n)
	}
	runChecks(t, []check{
		exactly("prefecture-level units", "", float64(prefectures), 333),
		exactly("units judged", "", float64(len(units)), 419),
		exactly("prefectures with a psychological clinic %", "2025-09-11", percent("2025-09-11", psych), 99),
		exactly("prefectures with a sleep clinic %", "2025-09-11", percent("2025-09-11", sleep), 97),
		{"prefectures with a psychological clinic", firstDay, share(firstDay, psych), 0.9, 0.94},
		{"prefectures with a sleep clinic", firstDay, share(firstDay, sleep), 0.72, 0.78},
		exactly("units with a hospital having both clinics", "2025-11-30", all("2025-11-30", both), 419),
		exactly("units with a hospital having both clinics", lastDay, all(lastDay, both), 419),
		{"units with a hospital having both clinics", "2025-09-11", all("2025-09-11", both), 400, 415},
	})
}

func TestDialysisCalibration(t *testing.T) {
	tr := tree(t)
	s := setOf(t, national(t), facility.Hospitals)
	sc := s.Schema
	judged := map[string]bool{}
	for _, d := range tr.All() {
		k := d.Kind
		p := tr.Population(d.Code)
		if (k == region.KindCounty || k == region.KindProvinceAdministeredCounty || k == region.KindPrefectureWithoutCounties) &&
			p.Source != region.Missing && p.Value > 100000 {
			judged[d.Code] = true
		}
	}
	type capacity struct{ machines, physicians, nurses, water int64 }
	perCounty := func(d string) map[string]capacity {
		out := map[string]capacity{}
		for _, r := range asOf(s, d) {
			c := out[r.Region(sc)]
			c.machines += r.Int(sc, "dialysis_machines")
			c.physicians += r.Int(sc, "dialysis_physicians")
			c.nurses += r.Int(sc, "dialysis_nurses")
			c.water += r.Int(sc, "water_units")
			out[r.Region(sc)] = c
		}
		return out
	}
	start, deadline, end := perCounty(firstDay), perCounty("2025-11-30"), perCounty(lastDay)
	var weak, without, uncovered int
	var gain capacity
	for code := range judged {
		if deadline[code].machines == 0 {
			uncovered++
		}
		if start[code].machines > 5 {
			continue
		}
		weak++
		if start[code].machines == 0 {
			without++
		}
		gain.machines += end[code].machines - start[code].machines
		gain.physicians += end[code].physicians - start[code].physicians
		gain.nurses += end[code].nurses - start[code].nurses
		gain.water += end[code].water - start[code].water
	}
	runChecks(t, []check{
		{"counties over 100,000 judged", "", float64(len(judged)), 1500, 1700},
		exactly("weak counties (≤ 5 machines)", firstDay, float64(weak), weakCounties),
		exactly("counties without dialysis", firstDay, float64(without), weakWithout),
		exactly("counties over 100,000 without dialysis", "2025-11-30", float64(uncovered), 0),
		{"machines added in weak counties", lastDay, float64(gain.machines), 7000, 7100},
		{"physicians added in weak counties", lastDay, float64(gain.physicians), 700, 750},
		{"nurses added in weak counties", lastDay, float64(gain.nurses), 1900, 1950},
		{"water units added in weak counties", lastDay, float64(gain.water), 350, 370},
	})
}

func TestPrimaryCareCalibration(t *testing.T) {
	s := setOf(t, national(t), facility.PrimaryCare)
	sc := s.Schema
	typ := func(want string) func(r facility.Record) bool {
		return func(r facility.Record) bool { return r.String(sc, "type") == want }
	}
	share := func(d string) float64 {
		recs := asOf(s, d)
		return float64(count(recs, func(r facility.Record) bool { return r.Bool(sc, "ped_common") })) / float64(len(recs))
	}
	end := asOf(s, lastDay)
	perProvince := map[string][2]int{}
	for _, r := range end {
		p := perProvince[r.Region(sc)[:2]]
		p[1]++
		if r.Bool(sc, "ped_common") {
			p[0]++
		}
		perProvince[r.Region(sc)[:2]] = p
	}
	below := 0
	for _, p := range perProvince {
		if float64(p[0]) < 0.9*float64(p[1]) {
			below++
		}
	}
	runChecks(t, []check{
		{"township health centres", lastDay, float64(count(end, typ("township"))), 32500, 33600},
		{"community health centres", lastDay, float64(count(end, typ("community"))), 9800, 10200},
		{"treating common pediatric illness", firstDay, share(firstDay), 0.78, 0.82},
		{"treating common pediatric illness", "2025-01-01", share("2025-01-01"), 0.82, 0.88},
		{"treating common pediatric illness", lastDay, share(lastDay), 0.91, 0.93},
		{"provinces below 90%", lastDay, float64(below), 3, 8},
	})
}

func TestChildcareCalibration(t *testing.T) {
	tr := tree(t)
	s := setOf(t, national(t), facility.Childcare)
	sc := s.Schema
	residents := float64(tr.Population(region.CountryCode).Value)
	type totals struct {
		institutions            int
		slots, affordable, cert int64
	}
	sum := func(d string, certYear string) totals {
		var x totals
		for _, r := range asOf(s, d) {
			x.institutions++
			x.slots += r.Int(sc, "slots")
			x.affordable += r.Int(sc, "affordable_slots")
			if c := r.String(sc, "certified_on"); len(c) == 10 && c[:4] == certYear {
				x.cert += r.Int(sc, "affordable_slots")
			}
		}
		return x
	}
	report, end, start := sum("2025-09-30", "2025"), sum(lastDay, "2025"), sum(firstDay, "2025")
	endOf2024 := sum("2024-12-31", "2024")
	perThousand := func(slots int64) float64 { return math.Round(float64(slots)/residents*1000*100) / 100 }
	// Provinces below 4.5 slots per 1,000.
	perProvince := map[string]int64{}
	for _, r := range asOf(s, "2025-09-30") {
		perProvince[r.Region(sc)[:2]+"0000"] += r.Int(sc, "slots")
	}
	below := 0
	for code, slots := range perProvince {
		if float64(slots)/float64(tr.Population(code).Value)*1000 < 4.5 {
			below++
		}
	}
	var fees [2]struct{ sum, n int64 }
	for _, r := range asOf(s, "2025-09-30") {
		k := 0
		if r.Int(sc, "affordable_slots") > 0 {
			k = 1
		}
		fee := r.Int(sc, "monthly_fee")
		if fee < 800 || fee > 3000 {
			t.Errorf("%s: monthly fee %d", r.Code, fee)
		}
		fees[k].sum += fee
		fees[k].n++
	}
	after := 0
	for _, r := range s.Records {
		if r.ValidFrom > "2025-09-30" {
			after++
		}
	}
	runChecks(t, []check{
		exactly("institutions (千)", "2025-09-30", math.Round(float64(report.institutions)/1000), 126),
		exactly("slots (万)", "2025-09-30", math.Round(float64(report.slots)/10000), 666),
		exactly("slots per 1,000 residents", "2025-09-30", perThousand(report.slots), 4.73),
		exactly("affordable slots (万)", "2025-09-30", math.Round(float64(report.affordable)/10000), 332),
		exactly("affordable slots certified in 2025 (千)", "2025-09-30", math.Round(float64(report.cert)/1000), 892),
		exactly("affordable slots added in 2025", lastDay, float64(end.affordable-endOf2024.affordable), float64(report.cert)),
		exactly("affordable slots certified in 2024", "2024-12-31", float64(endOf2024.cert), affordable2024),
		exactly("slots unchanged after the report", lastDay, float64(end.slots-report.slots), 0),
		exactly("versions after 2025-09-30", lastDay, float64(after), 0),
		{"slots per 1,000 residents", firstDay, perThousand(start.slots), 3.95, 4.05},
		{"provinces below 4.5 per 1,000", "2025-09-30", float64(below), 3, 15},
		{"affordable fee / other fee", "2025-09-30", float64(fees[1].sum*fees[0].n) / float64(fees[0].sum*fees[1].n), 0.5, 0.85},
	})
}

func TestBloodAndHotlineCalibration(t *testing.T) {
	tr := tree(t)
	sets := national(t)
	blood := setOf(t, sets, facility.BloodStations)
	bsc := blood.Schema
	ofType := func(d, typ string) float64 {
		return float64(count(asOf(blood, d), func(r facility.Record) bool { return r.String(bsc, "type") == typ }))
	}
	onPlatform := func(d string) float64 {
		recs := asOf(blood, d)
		return float64(count(recs, func(r facility.Record) bool { return r.Bool(bsc, "on_platform") })) / float64(len(recs))
	}
	lines := setOf(t, sets, facility.Hotlines)
	hsc := lines.Schema
	want := map[string]bool{}
	for _, d := range tr.All() {
		if d.Level == region.Prefecture || d.Kind == region.KindMunicipality {
			want[d.Code] = true
		}
	}
	ready, openedIn2025 := 0, 0
	regions := map[string]bool{}
	for _, r := range asOf(lines, "2025-05-01") {
		regions[r.Region(hsc)] = true
		opened := r.String(hsc, "opened_on")
		if r.String(hsc, "number") == "12356" && opened != "" && opened <= "2025-04-30" && r.Int(hsc, "seats") >= 2 {
			ready++
		}
		if opened >= "2025-01-01" {
			openedIn2025++
		}
	}
	oneSeat := 0
	for _, r := range lines.Records {
		if r.Int(hsc, "counsellors") < r.Int(hsc, "seats") {
			t.Errorf("%s %s: %d counsellors for %d seats", r.Code, r.ValidFrom, r.Int(hsc, "counsellors"), r.Int(hsc, "seats"))
		}
		if r.String(hsc, "number") == "12356" && r.Int(hsc, "seats") == 1 {
			oneSeat++
		}
	}
	for code := range want {
		if !regions[code] {
			t.Errorf("no hotline in %s", code)
		}
	}
	runChecks(t, []check{
		{"provincial blood centres", lastDay, ofType(lastDay, "centre"), 31, 34},
		{"central blood stations", lastDay, ofType(lastDay, "station"), 300, 330},
		{"central blood banks", lastDay, ofType(lastDay, "bank"), 75, 85},
		{"blood stations on the platform", firstDay, onPlatform(firstDay), 0.2, 0.45},
		exactly("blood stations on the platform", lastDay, onPlatform(lastDay), 1),
		exactly("hotlines", "2025-05-01", float64(len(regions)), float64(len(want))),
		exactly("hotlines", "", float64(len(want)), 337),
		exactly("hotlines on 12356 with ≥ 2 seats", "2025-05-01", float64(ready), float64(len(want))),
		{"12356 lines opened in 2025", "2025-05-01", float64(openedIn2025), 300, 337},
		{"12356 lines that opened with one seat", "", float64(oneSeat), 5, 40},
	})
}

// TestCalibrationReport prints the figures of the data set, for the
// commit message and the help text: go test -run Report -v ./demo/.
func TestCalibrationReport(t *testing.T) {
	for _, s := range national(t) {
		t.Logf("%-14s %7d facilities on %s, %7d versions", s.Schema.Name, len(asOf(s, lastDay)), lastDay, len(s.Records))
	}
}
