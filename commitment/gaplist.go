package commitment

import (
	"fmt"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
)

// Gap is one entry of a gap list (梳理名单): a facility or a unit behind on
// a target.
type Gap struct {
	// Code and Name identify the facility or unit.
	Code, Name string
	// Region is the facility's region, or the unit itself.
	Region region.Division
	// Facility is set for facility gaps.
	Facility *facility.Record
	// Result is the unit's own result, for unit gaps.
	Result *Result
}

// FacilityGaps returns the facilities among recs (the target's registry on
// the evaluation date, within some region) that the target counts but that
// do not meet it: the hospitals of a Share without pediatrics. It applies
// the same predicates as Evaluate.
func FacilityGaps(ev *Evaluation, t *Target, recs []facility.Record) ([]Gap, error) {
	if t.Registry == nil || t.Kind != Share {
		return nil, fmt.Errorf("target %s does not list facilities", t.ID)
	}
	dates := &dateActivation{asOf: ev.AsOf, start: ev.Set.From, end: ev.Set.To}
	var out []Gap
	for i := range recs {
		act := &recordActivation{sc: t.Registry, r: recs[i], dates: dates}
		w, err := t.prog.where.eval(act)
		if err != nil {
			return nil, err
		}
		if !w {
			continue
		}
		m, err := t.prog.match.eval(act)
		if err != nil {
			return nil, err
		}
		if m {
			continue
		}
		d, _ := ev.tree.Get(recs[i].Region(t.Registry))
		out = append(out, Gap{Code: recs[i].Code, Name: recs[i].String(t.Registry, "name"), Region: d, Facility: &recs[i]})
	}
	return out, nil
}

// ListsFacilities reports whether the target's gap list is of facilities
// (read from the registry) rather than of units.
func (t *Target) ListsFacilities() bool {
	return t.Registry != nil && t.Kind == Share
}

// UnitGaps returns the units within code that are behind on the target:
// the units not covered (Coverage), or the units of the level the target
// is judged at whose own value falls short or is missing (the other
// kinds), in code order.
func UnitGaps(ev *Evaluation, t *Target, code string) []Gap {
	var out []Gap
	add := func(i int) {
		d := ev.regions[i]
		out = append(out, Gap{Code: d.Code, Name: d.Name, Region: d, Result: &ev.results[t][i]})
	}
	if t.Kind == Coverage {
		for _, i := range ev.units[t] {
			if !ev.tree.Contains(code, ev.regions[i].Code) {
				continue
			}
			if r := &ev.results[t][i]; r.Den > 0 && r.Num < r.Den || r.Status == NoData {
				add(i)
			}
		}
		return out
	}
	if !t.HasThreshold && t.Kind != RegionTarget {
		return nil
	}
	for i, d := range ev.regions {
		if d.Level != t.JudgedAt || !ev.tree.Contains(code, d.Code) {
			continue
		}
		switch ev.results[t][i].Status {
		case Overdue, AtRisk, OnTrack, NoData:
			add(i)
		}
	}
	return out
}

// GapTable lays a gap list out as rows for a page, CSV or Excel: the
// entry's code and name, its province, prefecture and county, what it
// stands at, and who answers for it: the responsible entry (keyed by
// commitment id and region code, phones masked) of the nearest region
// from the entry's own up to the country that has one. resp may be nil.
func GapTable(ev *Evaluation, t *Target, gaps []Gap, lang string, resp map[[2]string]Responsible) (header []string, rows [][]string) {
	zh := pick(lang, "zh", "en") == "zh"
	if zh {
		header = []string{"代码", "名称", "省", "地市", "县区", "情况", "责任单位", "责任领导", "责任部门", "具体负责人", "联系电话"}
	} else {
		header = []string{"code", "name", "province", "prefecture", "county", "standing", "responsible region", "leader", "department", "contact", "phone"}
	}
	cid := t.Commitment().ID
	for _, g := range gaps {
		chain := append(ev.tree.Ancestors(g.Region.Code), g.Region)
		var prov, pref, county string
		for _, d := range chain {
			switch d.Level {
			case region.Province:
				prov = d.Name
			case region.Prefecture:
				pref = d.Name
			case region.County:
				county = d.Name
			}
		}
		standing := ""
		switch {
		case g.Facility != nil:
			standing = t.GapLabel(lang)
		case g.Result != nil && t.Kind == Coverage && g.Result.Status == NoData:
			standing = pick(lang, "未上报", "not reported")
		case g.Result != nil && t.Kind == Coverage:
			standing = pick(lang, "未达到", "not met")
			if t.Registry != nil {
				standing = pick(lang, "符合条件的机构不足", "too few facilities") + fmt.Sprintf(" (%s %d)", t.Threshold.Op.Symbol(), t.Min)
			}
		case g.Result != nil:
			standing = g.Result.FormatValue()
			if goal := g.Result.FormatGoal(); goal != "" {
				standing += " / " + goal
			}
			standing += " · " + g.Result.Status.Label(lang)
		}
		row := []string{g.Code, g.Name, prov, pref, county, standing, "", "", "", "", ""}
		for i := len(chain) - 1; i >= 0 && resp != nil; i-- {
			if r, ok := resp[[2]string{cid, chain[i].Code}]; ok {
				name := chain[i].Name
				if chain[i].Code == region.CountryCode {
					name = pick(lang, "全国", "China")
				}
				row[6], row[7], row[8], row[9], row[10] = name, r.Leader, r.Department, r.Contact, r.PhoneMasked
				break
			}
		}
		rows = append(rows, row)
	}
	return header, rows
}
