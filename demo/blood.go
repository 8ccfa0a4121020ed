package demo

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
)

// Blood stations (采供血机构): a blood centre per province (two in a few),
// a central blood station in most prefectures, central blood banks in
// remote counties. Many are not yet on the cross-province reimbursement
// platform in 2024; all are by the end of 2025 (commitment 7).
const (
	bloodBanks          = 80
	secondCentrePop     = 12_000_000 // non-capital cities this large have their own blood centre
	chongqingStations   = 6          // district stations of Chongqing
	countyStationFloor  = 500_000    // province-administered counties this large have a station
	bloodOnPlatformFrom = 0.3        // share on the platform on 2024-01-01
)

// bloodStation is the plan of one blood station.
type bloodStation struct {
	region string
	name   string
	typ    string
	joinAt day // on the platform from that day
}

func (g *generator) bloodStations() plan {
	r := g.rng(streamBlood)
	var bs []bloodStation
	add := func(code, name, typ string) {
		b := bloodStation{region: code, name: name, typ: typ}
		switch x := r.Float64(); {
		case x < bloodOnPlatformFrom:
			b.joinAt = 0
		case x < bloodOnPlatformFrom+0.3:
			b.joinAt = between(r, 1, day2025-1)
		default:
			b.joinAt = between(r, day2025, dayDeadline)
		}
		bs = append(bs, b)
	}
	for _, p := range g.provinces {
		add(p.div.Code, p.div.Name+"血液中心", "centre")
		for _, ci := range p.cities {
			c := g.cities[ci]
			switch {
			case c.div.Kind == region.KindMunicipality:
				hosts := slices.Clone(c.hosts)
				for _, ui := range hosts[1:min(len(hosts), chongqingStations+1)] {
					if c.div.Code == "500000" {
						add(g.units[ui].div.Code, g.units[ui].place+"中心血站", "station")
					}
				}
			case ci == p.capital:
			case c.pop > secondCentrePop:
				add(c.div.Code, c.div.Name+"血液中心", "centre")
			default:
				add(c.div.Code, c.div.Name+"中心血站", "station")
			}
		}
		for _, ui := range p.units {
			if u := g.units[ui]; u.div.Kind == region.KindProvinceAdministeredCounty && u.pop > countyStationFloor {
				add(u.div.Code, u.place+"中心血站", "station")
			}
		}
	}
	var remote []int
	var w []float64
	for ui, u := range g.units {
		if u.div.Kind == region.KindCounty && west[u.div.Code[:2]] && !strings.HasSuffix(u.div.Name, "市") {
			remote = append(remote, ui)
			w = append(w, 1)
		}
	}
	for _, k := range pick(r, w, bloodBanks) {
		u := g.units[remote[k]]
		add(u.div.Code, u.place+"中心血库", "bank")
	}
	slices.SortStableFunc(bs, func(a, b bloodStation) int { return cmp.Compare(a.region, b.region) })
	perRegion := map[string]int{}
	largest := 0
	versions := 0
	for _, b := range bs {
		perRegion[b.region]++
		largest = max(largest, perRegion[b.region])
		versions += 1 + b2i(b.joinAt > 0)
	}
	width := codeWidth(2, largest*g.scale)
	return plan{
		schema:     facility.BloodStations,
		facilities: len(bs) * g.scale,
		versions:   versions * g.scale,
		records: func(yield func(facility.Record) bool) {
			for start := 0; start < len(bs); {
				end := start
				for end < len(bs) && bs[end].region == bs[start].region {
					end++
				}
				list := bs[start:end]
				for c := range g.scale {
					for k, b := range list {
						code := fmt.Sprintf("B%s%0*d", b.region, width, c*len(list)+k+1)
						name := copyName(b.name, c)
						if !yield(facility.Record{Code: code, ValidFrom: firstDay, Values: []any{name, b.region, b.typ, b.joinAt == 0}}) {
							return
						}
						if b.joinAt > 0 && !yield(facility.Record{Code: code, ValidFrom: g.date(b.joinAt), Values: []any{name, b.region, b.typ, true}}) {
							return
						}
					}
				}
				start = end
			}
		},
	}
}
