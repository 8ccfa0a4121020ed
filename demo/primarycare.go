package demo

import (
	"fmt"
	"slices"
	"strings"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
)

// Primary-care figures: about 33,000 township health centres (乡镇卫生院)
// and 10,000 community health service centres (社区卫生服务中心); the share
// treating common pediatric illness rises from about 80% to about 92%
// (the action plan asks ≥ 90%), with some provinces still below 90%.
const (
	townshipCentres   = 33000
	communityCentres  = 10000
	pedCommonStart    = 0.80
	pedCommonEnd      = 0.92
	pedCommonLaggards = 5 // provinces ending below 90%
)

// centre is the plan of one primary-care institution.
type centre struct {
	unit      int32
	name      string
	community bool
	pedAt     day // treats common pediatric illness from that day; never: not by the end
}

func (g *generator) primaryCare() plan {
	r := g.rng(streamPrimaryCare)
	town := make([]float64, len(g.units))
	comm := make([]float64, len(g.units))
	for ui, u := range g.units {
		rural, urban := 1.0, 0.12
		switch k := u.div.Kind; {
		case k == region.KindUrbanDistrict, k == region.KindPrefectureWithoutCounties:
			rural, urban = 0.15, 1
		case k == region.KindMunicipalDistrict && strings.HasSuffix(u.div.Name, "区"):
			rural, urban = 0.25, 1
		case k == region.KindMunicipalDistrict:
			rural, urban = 1, 0.15
		case k == region.KindProvinceAdministeredCounty, strings.HasSuffix(u.div.Name, "市"):
			urban = 0.3 // county-level cities
		}
		town[ui], comm[ui] = u.weight*rural, u.weight*urban
	}
	towns := apportion(town, townshipCentres)
	comms := apportion(comm, communityCentres)
	// Every county has at least its seat's health centre.
	for ui, u := range g.units {
		if towns[ui] == 0 && u.div.Kind == region.KindCounty {
			towns[ui] = 1
		}
	}
	// Each province's share treating common pediatric illness: most end
	// between 90% and 97%, a few western ones below 90%; then all shift so
	// that the national shares are the targets.
	end := make([]float64, len(g.provinces))
	gain := make([]float64, len(g.provinces))
	var w []float64
	for pi, p := range g.provinces {
		end[pi] = 0.90 + 0.07*r.Float64()
		gain[pi] = 0.09 + 0.06*r.Float64()
		w = append(w, either(west[p.div.Code[:2]], 3.0, 1.0))
	}
	laggards := pick(r, w, pedCommonLaggards)
	for _, pi := range laggards {
		end[pi] = 0.84 + 0.045*r.Float64()
	}
	var sumEnd, sumStart, n float64
	for ui := range g.units {
		c := float64(towns[ui] + comms[ui])
		pi := g.units[ui].province
		sumEnd += c * end[pi]
		sumStart += c * (end[pi] - gain[pi])
		n += c
	}
	shiftEnd := pedCommonEnd - sumEnd/n
	shiftStart := pedCommonStart - sumStart/n - shiftEnd
	var cs []centre
	byUnit := make([][]int32, len(g.units))
	for ui, u := range g.units {
		pi := u.province
		fEnd := min(end[pi]+shiftEnd, 0.995)
		if slices.Contains(laggards, pi) {
			fEnd = min(fEnd, 0.895)
		}
		fStart := max(end[pi]-gain[pi]+shiftEnd+shiftStart, 0.3)
		add := func(name string, community bool) {
			c := centre{unit: int32(ui), name: name, community: community, pedAt: never}
			switch x := r.Float64(); {
			case x < fStart:
				c.pedAt = 0
			case x < fEnd:
				if chance(r, 0.4) {
					c.pedAt = between(r, 1, day2025-1)
				} else {
					c.pedAt = between(r, day2025, dayEnd)
				}
			}
			byUnit[ui] = append(byUnit[ui], int32(len(cs)))
			cs = append(cs, c)
		}
		names := shuffledTowns(r, towns[ui])
		if strings.HasSuffix(u.div.Name, "区") && len(names) > 0 {
			// A district has no county seat, so no 城关.
			names[0] = len(townNames) + len(names)
		}
		for _, k := range names {
			kind := "镇"
			name := townName(k)
			if k != 0 && chance(r, 0.3) {
				kind = "乡"
			}
			suffix := "卫生院"
			if chance(r, 0.15) {
				suffix = "中心卫生院"
			}
			add(u.place+name+kind+suffix, false)
		}
		for _, k := range shuffledStreets(r, comms[ui]) {
			add(u.place+streetName(k)+"街道社区卫生服务中心", true)
		}
	}
	largest, versions := 0, 0
	for ui := range g.units {
		largest = max(largest, len(byUnit[ui]))
		for _, ci := range byUnit[ui] {
			versions += 1 + b2i(cs[ci].pedAt > 0 && cs[ci].pedAt <= dayEnd)
		}
	}
	width := codeWidth(4, largest*g.scale)
	return plan{
		schema:     facility.PrimaryCare,
		facilities: len(cs) * g.scale,
		versions:   versions * g.scale,
		records: func(yield func(facility.Record) bool) {
			for ui, u := range g.units {
				list := byUnit[ui]
				for c := range g.scale {
					for k, ci := range list {
						ct := &cs[ci]
						code := fmt.Sprintf("P%s%0*d", u.div.Code, width, c*len(list)+k+1)
						typ := either(ct.community, "community", "township")
						name := copyName(ct.name, c)
						if !yield(facility.Record{Code: code, ValidFrom: firstDay, Values: []any{name, u.div.Code, typ, ct.pedAt == 0}}) {
							return
						}
						if ct.pedAt > 0 && ct.pedAt <= dayEnd {
							if !yield(facility.Record{Code: code, ValidFrom: g.date(ct.pedAt), Values: []any{name, u.div.Code, typ, true}}) {
								return
							}
						}
					}
				}
			}
		},
	}
}
