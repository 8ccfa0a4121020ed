package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
)

// Hospital figures of the report card and the 2025-09-11 briefing.
const (
	// publicGeneral23 is the number of public level-2/3 general hospitals
	// (二、三级公立综合医院), all providing pediatrics at year end.
	publicGeneral23 = 4845
	// Shares of public general hospitals providing pediatrics on
	// 2025-09-11, in permille as the briefing rounds them.
	pediatricsL3Briefing = 995
	pediatricsL2Briefing = 984
	// Shares without pediatrics on 2024-01-01, in percent.
	pediatricsL3GapStart = 3
	pediatricsL2GapStart = 9
	// Level-3 TCM and level-2/3 maternal-child hospitals still without
	// pediatrics at year end (the action plan's gap list).
	tcmWithoutPediatrics = 3
	mcWithoutPediatrics  = 2
	// privateHospitals is the number of private hospitals in the registry
	// on 2024-01-01 (a few close and a few open during the period).
	privateHospitals = 24850
	// Shares of the 333 prefecture-level units with a psychological and a
	// sleep clinic on 2025-09-11, in percent as the briefing rounds them.
	psychBriefing = 99
	sleepBriefing = 97
	// Prefecture-level units without the clinic on 2024-01-01.
	psychGapStart = 27
	sleepGapStart = 83
	// Weak dialysis counties (血透能力薄弱县) and what they gained.
	weakCounties        = 1071
	weakWithout         = 250
	addedMachines       = 7046
	addedPhysicians     = 712
	addedNurses         = 1928
	addedWaterUnits     = 356
	dialysisCountyFloor = 100000
)

// hospital is the plan of one hospital: its attributes when it enters the
// registry and the days on which they change.
type hospital struct {
	unit   int32
	name   string
	grade  string
	typ    string
	public bool
	tag    hospitalTag
	open   day // 0: in the registry from the start
	closed day // never: stays open

	ped0, ped1       string // pediatrics before pedAt and from it
	pedAt            day
	staff0, staff1   [3]int64 // pediatric beds, pediatricians, pediatric nurses
	psychiatry       bool
	psychAt, sleepAt day // clinic from that day; never: none
	dialysis         []dialysisStep
	greenAt          day
	// depositUntil is the day the hospital stops charging outpatient
	// deposits: 0 when it never charged one, never when it goes on.
	depositUntil day
}

// dialysisStep is a hospital's dialysis capacity from a day on.
type dialysisStep struct {
	at                                  day
	machines, physicians, nurses, water int64
}

// hospitalTag marks the hospitals the calibration works on.
type hospitalTag uint8

const (
	tagNone        hospitalTag = iota
	tagCityFirst               // a city's or province's leading hospital
	tagCountyFirst             // the county's people's hospital (县人民医院)
	tagSecondary               // a second general hospital of a county or district
	tagTownCentral             // a township central hospital (一级)
)

func (h *hospital) general23() bool {
	return h.typ == "general" && (h.grade == "2" || h.grade == "3")
}

// hospitalPlanner builds the hospital plans.
type hospitalPlanner struct {
	g      *generator
	r      *rand.Rand
	hs     []hospital
	byUnit [][]int32
	names  []map[string]bool // per unit, while names are chosen
}

func (p *hospitalPlanner) add(ui int, name, grade, typ string, public bool, tag hospitalTag) *hospital {
	if p.names[ui] == nil {
		p.names[ui] = map[string]bool{}
	}
	if p.names[ui][name] {
		// A private hospital that drew a name taken in its unit too often
		// gets a number: a registry never holds two of the same name.
		for n := 2; p.names[ui][name]; n++ {
			name = fmt.Sprintf("%s%d", strings.TrimRight(name, "0123456789"), n)
		}
	}
	p.names[ui][name] = true
	p.hs = append(p.hs, hospital{
		unit: int32(ui), name: name, grade: grade, typ: typ, public: public, tag: tag,
		closed: never, ped0: "none", ped1: "none", pedAt: never, psychAt: never, sleepAt: never, greenAt: never,
	})
	p.byUnit[ui] = append(p.byUnit[ui], int32(len(p.hs)-1))
	return &p.hs[len(p.hs)-1]
}

func (g *generator) hospitals() plan {
	p := &hospitalPlanner{g: g, r: g.rng(streamHospitals), byUnit: make([][]int32, len(g.units)), names: make([]map[string]bool, len(g.units))}
	p.provinceHospitals()
	p.cityHospitals()
	p.countyHospitals()
	p.privateHospitals()
	p.names = nil
	p.exactPublicGeneral()
	p.pediatrics()
	p.clinics()
	p.dialysis()
	p.depositsAndGreenChannel()
	return p.plan()
}

// gradeIf returns "3" when cond holds, else "2".
func gradeIf(cond bool) string {
	if cond {
		return "3"
	}
	return "2"
}

// short drops a district's or county's suffix: 海淀区 → 海淀.
func short(name string) string {
	for _, s := range []string{"自治县", "区", "县", "市", "旗"} {
		if t := strings.TrimSuffix(name, s); t != name && len([]rune(t)) >= 2 {
			return t
		}
	}
	return name
}

func (p *hospitalPlanner) provinceHospitals() {
	r := p.r
	for _, pr := range p.g.provinces {
		if pr.div.Kind == region.KindMunicipality || pr.capital < 0 {
			continue
		}
		host := p.g.cities[pr.capital].hosts[0]
		n := pr.div.Name
		p.add(host, n+"人民医院", "3", "general", true, tagCityFirst)
		if pr.pop > 40_000_000 {
			p.add(host, n+"第二人民医院", "3", "general", true, tagNone)
		}
		p.add(host, n+"中医院", "3", "tcm", true, tagNone)
		p.add(host, n+"妇幼保健院", "3", "maternal_child", true, tagNone)
		if pr.pop > 30_000_000 {
			p.add(host, n+"儿童医院", "3", "children", true, tagNone)
		}
		p.add(host, n+"肿瘤医院", "3", "specialty", true, tagNone)
		if chance(r, 0.7) {
			p.add(host, n+"精神卫生中心", "3", "psychiatric", true, tagNone)
		}
		if chance(r, 0.5) {
			p.add(host, n+"康复医院", "3", "rehabilitation", true, tagNone)
		}
	}
}

// cityOrdinals name a prefecture's general hospitals in order; 第三人民医院
// is left out because in many cities it is the psychiatric hospital.
var cityOrdinals = strings.Fields(`第一人民医院 第二人民医院 中心医院 人民医院 第四人民医院
第五人民医院 第六人民医院 第七人民医院 第八人民医院 第九人民医院 第十人民医院 第十一人民医院 第十二人民医院`)

func (p *hospitalPlanner) cityHospitals() {
	r := p.r
	for _, c := range p.g.cities {
		if len(c.hosts) == 0 {
			continue
		}
		n := c.div.Name
		host := func(k int) int { return c.hosts[k%len(c.hosts)] }
		anyHost := func() int { return c.hosts[r.IntN(len(c.hosts))] }
		pop := float64(c.pop)
		if c.div.Kind == region.KindMunicipality {
			n3 := int(math.Round(pop / 1e6))
			passes := []string{"医院", "中心医院", "第二医院"}
			for k := range n3 {
				ui := host(k)
				p.add(ui, n+short(p.g.units[ui].div.Name)+passes[min(k/len(c.hosts), len(passes)-1)], "3", "general", true, tagCityFirst)
			}
			p.add(host(0), n+"中医医院", "3", "tcm", true, tagNone)
			p.add(host(1), n+"妇幼保健院", "3", "maternal_child", true, tagNone)
			p.add(host(2), n+"儿童医院", "3", "children", true, tagNone)
			p.add(host(3), n+"精神卫生中心", "3", "psychiatric", true, tagNone)
			p.add(host(4), n+"肿瘤医院", "3", "specialty", true, tagNone)
			p.add(host(5), n+"公共卫生临床中心", "3", "specialty", true, tagNone)
			p.add(host(6), n+"口腔医院", "3", "specialty", true, tagNone)
			p.add(host(7), n+"眼科医院", "3", "specialty", true, tagNone)
			p.add(host(8), n+"康复医院", "2", "rehabilitation", true, tagNone)
			continue
		}
		n3 := min(max(int(math.Round(pop/1.6e6)), 1), 8)
		n2 := int(math.Round(pop / 3e6))
		for k := range min(n3+n2, len(cityOrdinals)) {
			grade := gradeIf(k < n3 && (pop > 500_000 || (k == 0 && pop > 200_000)))
			tag := tagSecondary
			if k < n3 {
				tag = tagCityFirst
			}
			p.add(host(k), n+cityOrdinals[k], grade, "general", true, tag)
		}
		p.add(anyHost(), n+"中医医院", gradeIf(pop > 1.5e6), "tcm", true, tagNone)
		p.add(anyHost(), n+"妇幼保健院", gradeIf(pop > 2.5e6), "maternal_child", true, tagNone)
		switch {
		case pop > 7e6:
			p.add(anyHost(), n+"儿童医院", "3", "children", true, tagNone)
		case pop > 3e6 && chance(r, 0.3):
			p.add(anyHost(), n+"儿童医院", "2", "children", true, tagNone)
		}
		if chance(r, 0.88) {
			name := n + "精神卫生中心"
			if chance(r, 0.5) {
				name = n + "第三人民医院"
			}
			p.add(anyHost(), name, gradeIf(pop > 3e6), "psychiatric", true, tagNone)
		}
		if chance(r, 0.6) {
			p.add(anyHost(), n+"传染病医院", gradeIf(pop > 5e6), "specialty", true, tagNone)
		}
		if pop > 5e6 {
			p.add(anyHost(), n+"肿瘤医院", "3", "specialty", true, tagNone)
		}
		for _, s := range []struct {
			name, typ string
			p         float64
		}{{"口腔医院", "specialty", 0.5}, {"眼科医院", "specialty", 0.25}, {"结核病医院", "specialty", 0.15},
			{"康复医院", "rehabilitation", 0.3}, {"中西医结合医院", "integrated", 0.25}} {
			if chance(r, s.p) {
				p.add(anyHost(), n+s.name, "2", s.typ, true, tagNone)
			}
		}
	}
}

// ethnicMedicine names the traditional medicine of provinces where county
// hospitals of ethnic medicine (民族医医院) are common.
var ethnicMedicine = map[string]string{"15": "蒙医医院", "54": "藏医医院", "63": "藏医医院", "65": "维吾尔医医院"}

func (p *hospitalPlanner) countyHospitals() {
	r := p.r
	for ui, u := range p.g.units {
		place, pop := u.place, float64(u.pop)
		switch u.div.Kind {
		case region.KindCounty, region.KindProvinceAdministeredCounty:
			grade := "2"
			switch {
			case u.pop < 15000:
				grade = "1"
			case pop >= 7e5 && chance(r, 0.55), pop >= 4e5 && chance(r, 0.2):
				grade = "3"
			}
			p.add(ui, place+"人民医院", grade, "general", true, tagCountyFirst)
			if pop > 3.5e5 && chance(r, 0.8) {
				p.add(ui, place+"第二人民医院", "2", "general", true, tagSecondary)
			}
			if pop > 9e5 && chance(r, 0.5) {
				p.add(ui, place+"第三人民医院", "2", "general", true, tagSecondary)
			}
			if pop >= 5e4 || chance(r, 0.5) {
				grade := "1"
				switch {
				case pop > 8e5 && chance(r, 0.35):
					grade = "3"
				case pop > 1.5e5:
					grade = "2"
				}
				if e, ok := ethnicMedicine[u.div.Code[:2]]; ok && chance(r, 0.5) {
					p.add(ui, place+e, grade, "ethnic", true, tagNone)
				} else {
					p.add(ui, place+"中医医院", grade, "tcm", true, tagNone)
				}
			}
			if pop >= 3e4 {
				grade := "1"
				if pop > 3.5e5 {
					grade = "2"
				}
				p.add(ui, place+"妇幼保健院", grade, "maternal_child", true, tagNone)
			}
			p.townCentral(ui, pop/4e5)
		case region.KindPrefectureWithoutCounties:
			p.townCentral(ui, pop/4e5)
		case region.KindUrbanDistrict, region.KindMunicipalDistrict:
			municipal := u.div.Kind == region.KindMunicipalDistrict
			if municipal || chance(r, either(pop > 2.5e5, 0.95, 0.5)) {
				grade, tag := "2", tagSecondary
				if pop > 1.2e6 && chance(r, 0.3) {
					grade, tag = "3", tagNone
				}
				if municipal {
					tag = tagCountyFirst
				}
				p.add(ui, place+"人民医院", grade, "general", true, tag)
			}
			if pop > 9e5 && chance(r, 0.5) {
				p.add(ui, place+"第二人民医院", "2", "general", true, tagSecondary)
			}
			if chance(r, either(municipal, 0.6, 0.4)) {
				p.add(ui, place+"中医医院", "2", "tcm", true, tagNone)
			}
			if municipal || chance(r, 0.45) {
				grade := "1"
				if pop > 5e5 || municipal {
					grade = "2"
				}
				p.add(ui, place+"妇幼保健院", grade, "maternal_child", true, tagNone)
			}
			if strings.HasSuffix(u.div.Name, "县") {
				p.townCentral(ui, pop/4e5)
			} else {
				p.townCentral(ui, pop/1.2e6)
			}
		}
	}
}

// townCentral adds public level-1 general hospitals (乡镇中心医院), about
// mean of them.
func (p *hospitalPlanner) townCentral(ui int, mean float64) {
	n := int(math.Floor(mean + p.r.Float64()))
	towns := shuffledTowns(p.r, n+1)[1:] // not 城关: the county hospital is there
	for _, k := range towns {
		grade := "1"
		if chance(p.r, 0.2) {
			grade = "0"
		}
		p.add(ui, p.g.units[ui].place+townName(k)+"中心医院", grade, "general", true, tagTownCentral)
	}
}

// privateSpecialties are the specialty hospitals private owners run.
var privateSpecialties = strings.Fields(`眼科医院 口腔医院 骨科医院 妇产医院 肛肠医院 耳鼻喉医院
皮肤病医院 肿瘤医院 心血管病医院 烧伤医院 整形美容医院 脑科医院`)

func (p *hospitalPlanner) privateHospitals() {
	r := p.r
	weights := make([]float64, len(p.g.units))
	for ui, u := range p.g.units {
		f := 1.0
		if u.div.Kind != region.KindCounty && u.div.Kind != region.KindProvinceAdministeredCounty {
			f = 1.3 // cities draw private hospitals
		}
		weights[ui] = u.weight * f
	}
	counts := apportion(weights, privateHospitals)
	for ui, n := range counts {
		place := p.g.units[ui].place
		psych := 0
		for range n {
			var typ, suffix string
			switch x := r.Float64(); {
			case x < 0.52:
				typ, suffix = "general", "医院"
			case x < 0.78:
				typ, suffix = "specialty", privateSpecialties[r.IntN(len(privateSpecialties))]
			case x < 0.85:
				typ, suffix = "tcm", "中医医院"
			case x < 0.90:
				typ, suffix = "psychiatric", "精神病医院"
			case x < 0.95:
				typ, suffix = "rehabilitation", "康复医院"
			case x < 0.975:
				typ, suffix = "integrated", "中西医结合医院"
			case x < 0.979:
				typ, suffix = "children", "儿童医院"
			default:
				typ, suffix = "general", "医院"
			}
			var name string
			if typ == "psychiatric" && psych == 0 {
				name = place + "康宁医院"
			} else {
				for try := 0; ; try++ {
					name = place + privateNames[r.IntN(len(privateNames))] + suffix
					if !p.names[ui][name] || try > 20 {
						break
					}
				}
			}
			if typ == "psychiatric" {
				psych++
			}
			grade := "0"
			switch x := r.Float64(); {
			case typ == "general" && x < 0.01:
				grade = "3"
			case typ != "tcm" && x < 0.13, typ == "tcm" && x < 0.08:
				grade = "2"
			case x < 0.65:
				grade = "1"
			}
			h := p.add(ui, name, grade, typ, false, tagNone)
			switch x := r.Float64(); {
			case x < 0.06:
				h.open = between(r, 1, dayEnd)
			case x < 0.09:
				h.closed = between(r, 30, dayEnd)
			}
		}
	}
}

// exactPublicGeneral makes the number of public level-2/3 general
// hospitals the report card's 4,845: surplus level-2 second hospitals of
// the least populous places are rated level 1, or missing ones are filled
// by rating the township central hospitals of the most populous places
// level 2.
func (p *hospitalPlanner) exactPublicGeneral() {
	n := 0
	for i := range p.hs {
		if h := &p.hs[i]; h.public && h.general23() {
			n++
		}
	}
	var cand []int
	for i := range p.hs {
		h := &p.hs[i]
		if h.public && h.typ == "general" && ((n > publicGeneral23 && h.tag == tagSecondary && h.grade == "2") ||
			(n < publicGeneral23 && h.tag == tagTownCentral)) {
			cand = append(cand, i)
		}
	}
	key := make([]float64, len(p.hs))
	for _, i := range cand {
		key[i] = p.g.units[p.hs[i].unit].weight * (0.5 + p.r.Float64())
	}
	slices.SortStableFunc(cand, func(a, b int) int { return cmpFloatDesc(key[a], key[b]) })
	if n > publicGeneral23 {
		slices.Reverse(cand) // least populous first
		for _, i := range cand[:n-publicGeneral23] {
			p.hs[i].grade = "1"
		}
		return
	}
	for _, i := range cand[:publicGeneral23-n] {
		p.hs[i].grade = "2"
	}
}

// pedStaff returns plausible pediatric beds, pediatricians and nurses for
// a hospital providing pediatrics in the given way.
func pedStaff(r *rand.Rand, h *hospital, mode string) [3]int64 {
	span := func(lo, hi [3]int) [3]int64 {
		var s [3]int64
		for i := range s {
			s[i] = int64(intIn(r, lo[i], hi[i]))
		}
		return s
	}
	switch mode {
	case "none":
		return [3]int64{}
	case "alliance":
		return span([3]int{0, 1, 1}, [3]int{8, 3, 5})
	case "remote":
		return span([3]int{0, 0, 0}, [3]int{0, 0, 2})
	}
	switch {
	case h.typ == "children" && h.grade == "3":
		return span([3]int{300, 150, 400}, [3]int{1500, 600, 1500})
	case h.typ == "children":
		return span([3]int{60, 25, 60}, [3]int{300, 120, 300})
	case h.typ == "maternal_child" && h.grade == "3":
		return span([3]int{50, 20, 40}, [3]int{200, 80, 150})
	case h.typ == "maternal_child" && h.grade == "2":
		return span([3]int{15, 6, 10}, [3]int{60, 25, 50})
	case h.grade == "3" && h.typ == "general":
		return span([3]int{30, 12, 20}, [3]int{120, 45, 80})
	case h.grade == "3":
		return span([3]int{15, 6, 10}, [3]int{50, 20, 35})
	case h.grade == "2":
		return span([3]int{8, 3, 5}, [3]int{45, 15, 30})
	}
	return span([3]int{0, 1, 1}, [3]int{10, 4, 6})
}

// pediatrics decides which hospitals provide pediatrics and when the gaps
// close: the public level-2/3 general hospitals so that the briefing's
// shares hold on 2025-09-11 and all provide it from 2025-11-30 on; level-3
// TCM and level-2/3 maternal-child hospitals nearly all by then.
func (p *hospitalPlanner) pediatrics() {
	r := p.r
	for i := range p.hs {
		h := &p.hs[i]
		share := 0.0
		switch {
		case h.typ == "children":
			share = 1
		case h.typ == "general" && h.public && (h.grade == "2" || h.grade == "3"):
			share = 1 // gaps are chosen below
		case h.typ == "general" && h.public:
			share = 0.3
		case h.typ == "general" && (h.grade == "2" || h.grade == "3"):
			share = 0.45
		case h.typ == "general":
			share = 0.12
		case h.typ == "tcm" || h.typ == "ethnic" || h.typ == "integrated":
			share = map[string]float64{"3": 0.85, "2": 0.55}[h.grade]
			if share == 0 {
				share = 0.2
			}
		case h.typ == "maternal_child" && (h.grade == "2" || h.grade == "3"):
			share = 0.93
		case h.typ == "maternal_child":
			share = 0.6
		}
		if !chance(r, share) {
			continue
		}
		h.ped0 = "own"
		if h.typ == "general" && h.public && h.grade != "1" && h.grade != "0" {
			switch x := r.Float64(); {
			case x < 0.02:
				h.ped0 = "alliance"
			case x < 0.03:
				h.ped0 = "remote"
			}
		}
		h.staff0 = pedStaff(r, h, h.ped0)
		h.ped1, h.staff1 = h.ped0, h.staff0
	}
	for _, g := range []struct {
		grade         string
		briefing, gap int
	}{{"3", pediatricsL3Briefing, pediatricsL3GapStart}, {"2", pediatricsL2Briefing, pediatricsL2GapStart}} {
		var idx []int
		var w []float64
		for i := range p.hs {
			h := &p.hs[i]
			if !h.public || h.typ != "general" || h.grade != g.grade {
				continue
			}
			idx = append(idx, i)
			// Gaps are likelier in small places and in a county's or
			// district's second hospital than in a city's first.
			f := 1 / (p.g.units[h.unit].weight/1e6 + 0.3)
			switch h.tag {
			case tagCityFirst:
				f *= 0.2
			case tagSecondary:
				f *= 2
			}
			w = append(w, f)
		}
		late := len(idx) - coveredFor(len(idx), g.briefing, roundedPermille)
		total := max(late, (len(idx)*g.gap+50)/100)
		for k, j := range pick(r, w, total) {
			h := &p.hs[idx[j]]
			h.ped0, h.staff0 = "none", [3]int64{}
			var mode string
			if k < late {
				h.pedAt = between(r, dayBriefing+1, dayDeadline)
				mode = pickMode(r, 0.25, 0.5)
			} else {
				h.pedAt = between(r, 20, dayBriefing)
				mode = pickMode(r, 0.6, 0.3)
			}
			h.ped1, h.staff1 = mode, pedStaff(r, h, mode)
		}
	}
	// The action plan's other hospitals: those without pediatrics gain
	// it by the deadline, except a handful left for the gap list.
	for _, g := range []struct {
		ok    func(h *hospital) bool
		leave int
	}{
		{func(h *hospital) bool { return h.typ == "tcm" && h.grade == "3" }, tcmWithoutPediatrics},
		{func(h *hospital) bool { return h.typ == "maternal_child" && (h.grade == "2" || h.grade == "3") }, mcWithoutPediatrics},
	} {
		var gaps []int
		for i := range p.hs {
			if h := &p.hs[i]; h.ped0 == "none" && g.ok(h) {
				gaps = append(gaps, i)
			}
		}
		r.Shuffle(len(gaps), func(a, b int) { gaps[a], gaps[b] = gaps[b], gaps[a] })
		for _, i := range gaps[min(g.leave, len(gaps)):] {
			h := &p.hs[i]
			h.pedAt = between(r, 30, dayDeadline)
			mode := pickMode(r, 0.7, 0.25)
			h.ped1, h.staff1 = mode, pedStaff(r, h, mode)
		}
	}
}

// pickMode draws how a hospital newly provides pediatrics: its own
// department, staff sent by its medical alliance (医联体派驻) or remote care.
func pickMode(r *rand.Rand, own, alliance float64) string {
	switch x := r.Float64(); {
	case x < own:
		return "own"
	case x < own+alliance:
		return "alliance"
	}
	return "remote"
}

// clinics decides the psychological and sleep clinics: each hospital's
// own, then per prefecture-level unit the date from which one hospital (the
// anchor, its leading public general hospital) has them, with gaps so that
// the briefing's shares hold on 2025-09-11 and every unit has a hospital
// with both from 2025-11-30.
func (p *hospitalPlanner) clinics() {
	r := p.r
	for i := range p.hs {
		h := &p.hs[i]
		var psychiatry, psych, sleep float64
		switch {
		case h.typ == "psychiatric" && h.public:
			psychiatry, psych, sleep = 1, 1, 0.6
		case h.typ == "psychiatric":
			psychiatry, psych, sleep = 1, 0.5, 0.25
		case h.typ == "general" && h.grade == "3":
			psychiatry, psych, sleep = 0.6, 0.7, 0.35
		case h.typ == "general" && h.grade == "2":
			psychiatry, psych, sleep = 0.2, 0.25, 0.1
		case h.typ == "tcm" && h.grade == "3":
			psychiatry, psych, sleep = 0.3, 0.4, 0.45
		case h.typ == "tcm" && h.grade == "2":
			psychiatry, psych, sleep = 0.05, 0.1, 0.15
		default:
			psych, sleep = 0.02, 0.02
		}
		h.psychiatry = chance(r, psychiatry)
		h.psychAt = clinicDay(r, psych)
		h.sleepAt = clinicDay(r, sleep)
	}
	units := p.g.prefEqs
	anchors := make([]int, len(units))
	for k, pe := range units {
		anchors[k] = -1
		best := -1
		for _, ui := range pe.units {
			for _, hi := range p.byUnit[ui] {
				h := &p.hs[hi]
				if h.open > 0 || h.closed != never {
					continue
				}
				score := 0
				switch {
				case h.public && h.typ == "general":
					score = 10 + 3*int(h.grade[0]-'0')
					if h.tag == tagCityFirst {
						score++
					}
				case h.public:
					score = 5
				default:
					score = 1
				}
				if score > best {
					best, anchors[k] = score, int(hi)
				}
			}
		}
	}
	// Gaps are chosen among the prefectures and among the municipal
	// districts separately: the briefing's shares are of the 333
	// prefecture-level units.
	psychDay := make([]day, len(units))
	sleepDay := make([]day, len(units))
	for _, part := range []struct {
		prefecture                               bool
		psychLate, psychAll, sleepLate, sleepAll int
	}{
		{true, 0, psychGapStart, 0, sleepGapStart},
		{false, 1, 4, 2, 10},
	} {
		var idx []int
		var w []float64
		for k, pe := range units {
			if (pe.div.Level == region.Prefecture) != part.prefecture || anchors[k] < 0 {
				continue
			}
			idx = append(idx, k)
			var pop float64
			for _, ui := range pe.units {
				pop += p.g.units[ui].weight
			}
			w = append(w, 1/(pop/1e6+0.5))
		}
		if part.prefecture {
			part.psychLate = len(idx) - coveredFor(len(idx), psychBriefing, roundedPercent)
			part.sleepLate = len(idx) - coveredFor(len(idx), sleepBriefing, roundedPercent)
		}
		// Units late with a psychological clinic are late with the
		// sleep clinic too; units without one are mostly without both.
		psychGaps := pick(r, w, part.psychAll)
		for n, j := range psychGaps {
			if n < part.psychLate {
				psychDay[idx[j]] = between(r, dayBriefing+1, dayDeadline)
			} else {
				psychDay[idx[j]] = between(r, 31, dayBriefing)
			}
		}
		sleepGaps := slices.Clone(psychGaps)
		for _, j := range pick(r, w, len(idx)) {
			if len(sleepGaps) >= part.sleepAll {
				break
			}
			if !slices.Contains(sleepGaps, j) {
				sleepGaps = append(sleepGaps, j)
			}
		}
		// The late sleep units: the late psych units first.
		for n, j := range sleepGaps {
			if n < part.sleepLate {
				sleepDay[idx[j]] = between(r, max(dayBriefing+1, psychDay[idx[j]]), dayDeadline)
			} else {
				sleepDay[idx[j]] = between(r, 31, dayBriefing)
			}
		}
	}
	for k, pe := range units {
		a := anchors[k]
		for _, ui := range pe.units {
			for _, hi := range p.byUnit[ui] {
				h := &p.hs[hi]
				if int(hi) == a {
					h.psychAt, h.sleepAt = psychDay[k], sleepDay[k]
					continue
				}
				// No other hospital has the clinic before the unit's
				// date: the unit's gap is real.
				if h.psychAt < psychDay[k] {
					h.psychAt = never
				}
				if h.sleepAt < sleepDay[k] {
					h.sleepAt = never
				}
			}
		}
	}
}

// clinicDay draws when a hospital has a clinic: from the start with
// probability share, else in a few cases from a day of 2024-2025.
func clinicDay(r *rand.Rand, share float64) day {
	switch x := r.Float64(); {
	case x < share:
		return 0
	case x < share+(1-share)*0.1:
		return between(r, 1, dayEnd)
	}
	return never
}

// dialysisFor returns a capacity with staff in the usual proportions:
// about one physician per eight machines, one nurse per three, one water
// treatment unit per thirty.
func dialysisFor(r *rand.Rand, machines int) dialysisStep {
	if machines == 0 {
		return dialysisStep{}
	}
	m := float64(machines)
	return dialysisStep{
		machines:   int64(machines),
		physicians: int64(max(1, int(math.Round(m/8*(0.8+0.4*r.Float64()))))),
		nurses:     int64(max(1, int(math.Round(m/3*(0.8+0.4*r.Float64()))))),
		water:      int64(max(1, int(math.Ceil(m/30)))),
	}
}

// dialysis gives hospitals dialysis capacity and picks the 1,071 weak
// counties: counties over 100,000 residents with no dialysis on
// 2024-01-01 (250) or at most five machines, strengthened in 2024-2025 by
// the report card's totals so that every such county has dialysis by
// 2025-11-30.
func (p *hospitalPlanner) dialysis() {
	r := p.r
	for i := range p.hs {
		h := &p.hs[i]
		m := 0
		switch {
		case h.typ == "general" && h.grade == "3":
			m = intIn(r, 20, 100)
		case h.typ == "general" && h.grade == "2" && h.public:
			share := 0.5
			if h.tag == tagCountyFirst {
				share = 0.85
			}
			if chance(r, share) {
				m = intIn(r, 6, 30)
			}
		case h.typ == "tcm" && h.grade == "3" && chance(r, 0.6):
			m = intIn(r, 10, 40)
		case h.typ == "tcm" && h.grade == "2" && chance(r, 0.3):
			m = intIn(r, 4, 15)
		case h.typ == "general" && h.grade == "2" && chance(r, 0.3):
			m = intIn(r, 5, 20)
		case h.typ == "general" && h.grade == "1" && chance(r, 0.04):
			m = intIn(r, 3, 10)
		}
		h.dialysis = []dialysisStep{dialysisFor(r, m)}
	}
	// Counties judged by commitment 6 and their county hospital.
	var counties, hosts []int
	var w []float64
	for ui, u := range p.g.units {
		k := u.div.Kind
		if u.pop <= dialysisCountyFloor || (k != region.KindCounty && k != region.KindProvinceAdministeredCounty && k != region.KindPrefectureWithoutCounties) {
			continue
		}
		host := -1
		for _, hi := range p.byUnit[ui] {
			h := &p.hs[hi]
			if h.public && h.typ == "general" && h.open == 0 && h.closed == never && (h.tag == tagCountyFirst || h.tag == tagCityFirst) {
				host = int(hi)
				break
			}
		}
		if host < 0 {
			continue
		}
		counties = append(counties, ui)
		hosts = append(hosts, host)
		// Weak counties are the smaller ones, and more often in the west.
		f := math.Pow(float64(u.pop)/1e5, -0.7)
		if west[u.div.Code[:2]] {
			f *= 1.8
		}
		w = append(w, f)
	}
	weak := pick(r, w, weakCounties)
	isWeak := make([]bool, len(counties))
	for _, j := range weak {
		isWeak[j] = true
	}
	// Strong counties have more than five machines at their hospital.
	for j, ui := range counties {
		if isWeak[j] {
			continue
		}
		h := &p.hs[hosts[j]]
		if h.dialysis[0].machines <= 5 && p.countyMachines(ui) <= 5 {
			h.dialysis[0] = dialysisFor(r, intIn(r, 8, 30))
		}
	}
	type gain struct{ machines, physicians, nurses, water int64 }
	gains := make([]gain, len(weak))
	floors := make([]gain, len(weak))
	for n, j := range weak {
		ui := counties[j]
		for _, hi := range p.byUnit[ui] {
			p.hs[hi].dialysis = []dialysisStep{{}}
		}
		h := &p.hs[hosts[j]]
		if n < weakWithout {
			gains[n] = gain{int64(intIn(r, 5, 14)), int64(intIn(r, 1, 2)), int64(intIn(r, 2, 5)), 1}
			floors[n] = gain{4, 1, 2, 1}
			continue
		}
		start := intIn(r, 1, 5)
		h.dialysis[0] = dialysisStep{machines: int64(start), physicians: 1, nurses: int64(intIn(r, 1, 2)), water: 1}
		gains[n] = gain{int64(intIn(r, 2, 10)), int64(b2i(chance(r, 0.4))), int64(intIn(r, 0, 2)), int64(b2i(chance(r, 0.12)))}
		floors[n] = gain{int64(max(1, 6-start)), 0, 0, 0}
	}
	// Make the totals the report card's exactly.
	adjust := func(get func(g *gain) *int64, target int64, ceiling int64) {
		var sum int64
		for n := range gains {
			sum += *get(&gains[n])
		}
		for sum != target {
			n := r.IntN(len(gains))
			v := get(&gains[n])
			switch {
			case sum < target && *v < ceiling:
				*v++
				sum++
			case sum > target && *v > *get(&floors[n]):
				*v--
				sum--
			}
		}
	}
	adjust(func(g *gain) *int64 { return &g.machines }, addedMachines, 30)
	adjust(func(g *gain) *int64 { return &g.physicians }, addedPhysicians, 4)
	adjust(func(g *gain) *int64 { return &g.nurses }, addedNurses, 10)
	adjust(func(g *gain) *int64 { return &g.water }, addedWaterUnits, 3)
	for n, j := range weak {
		h := &p.hs[hosts[j]]
		s0, gn := h.dialysis[0], gains[n]
		end := dialysisStep{
			at:         between(r, dayOf("2024-03-01"), dayDeadline),
			machines:   s0.machines + gn.machines,
			physicians: s0.physicians + gn.physicians,
			nurses:     s0.nurses + gn.nurses,
			water:      s0.water + gn.water,
		}
		// Staff and water treatment come with the first machines.
		end.physicians, end.nurses, end.water = max(end.physicians, 1), max(end.nurses, 1), max(end.water, 1)
		if n >= weakWithout && gn.machines >= 4 && chance(r, 0.4) {
			// Two steps: half the machines first.
			mid := end
			mid.at = between(r, dayOf("2024-03-01"), end.at-30)
			mid.machines = s0.machines + gn.machines/2
			mid.nurses = s0.nurses + gn.nurses/2
			if mid.at > 0 && mid.at < end.at {
				h.dialysis = append(h.dialysis, mid)
			}
		}
		h.dialysis = append(h.dialysis, end)
	}
}

// either returns a when cond holds, else b.
func either[T any](cond bool, a, b T) T {
	if cond {
		return a
	}
	return b
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// countyMachines sums the dialysis machines of a unit's hospitals at the
// start.
func (p *hospitalPlanner) countyMachines(ui int) int64 {
	var m int64
	for _, hi := range p.byUnit[ui] {
		if h := &p.hs[hi]; h.open == 0 {
			m += h.dialysis[0].machines
		}
	}
	return m
}

// west marks the western and north-eastern provinces, where weak dialysis
// counties and pediatric gaps are commoner.
var west = map[string]bool{"15": true, "22": true, "23": true, "45": true, "50": true, "51": true, "52": true,
	"53": true, "54": true, "61": true, "62": true, "63": true, "64": true, "65": true}

// depositsAndGreenChannel decides the outpatient deposit (public hospitals
// stop charging it between 2025-01-01 and 2025-03-31) and the 0-3 critical
// care green channel (a rising share of the hospitals treating children).
func (p *hospitalPlanner) depositsAndGreenChannel() {
	r := p.r
	for i := range p.hs {
		h := &p.hs[i]
		if h.public {
			share := map[string]float64{"3": 0.95, "2": 0.9}[h.grade]
			if share == 0 {
				share = 0.75
			}
			if chance(r, share) {
				switch x := r.Float64(); {
				case x < 0.15:
					h.depositUntil = day2025
				case x < 0.55:
					h.depositUntil = between(r, day2025, dayDeposit-17)
				default:
					// The rush before the deadline.
					h.depositUntil = between(r, dayDeposit-16, dayDeposit)
				}
			}
		} else if chance(r, 0.4) {
			h.depositUntil = never
		}
		var start, end float64
		switch {
		case h.typ == "children":
			start, end = 0.75, 1
		case h.typ == "general" && h.grade == "3":
			start, end = 0.4, 0.9
		case h.typ == "general" && h.grade == "2":
			start, end = 0.12, 0.45
		case h.typ == "maternal_child" && h.grade == "3":
			start, end = 0.45, 0.85
		case h.typ == "maternal_child" && h.grade == "2":
			start, end = 0.15, 0.4
		default:
			continue
		}
		switch x := r.Float64(); {
		case x < start:
			h.greenAt = 0
		case x < end:
			if chance(r, 0.2) {
				h.greenAt = between(r, 1, day2025-1)
			} else {
				h.greenAt = between(r, day2025, dayEnd)
			}
		}
		// A green channel needs pediatrics.
		if h.greenAt != never && h.pedAt != never && h.ped0 == "none" {
			h.greenAt = max(h.greenAt, h.pedAt)
		}
		if h.ped0 == "none" && h.ped1 == "none" {
			h.greenAt = never
		}
	}
}

// values returns the hospital's values on day d, region left empty.
func (h *hospital) values(d day) []any {
	ped, staff := h.ped0, h.staff0
	if d >= h.pedAt {
		ped, staff = h.ped1, h.staff1
	}
	var dial dialysisStep
	for _, s := range h.dialysis {
		if s.at <= d {
			dial = s
		}
	}
	return []any{
		h.name, "", h.grade, h.typ, ownership(h.public),
		ped, ped == "own" || ped == "alliance", staff[0], staff[1], staff[2],
		h.psychiatry, d >= h.psychAt, d >= h.sleepAt,
		dial.machines, dial.physicians, dial.nurses, dial.water,
		d >= h.greenAt, d < h.depositUntil,
	}
}

func ownership(public bool) string {
	if public {
		return "public"
	}
	return "private"
}

// days returns the days on which the hospital gets a version: its opening
// and every change after it, up to its closing.
func (h *hospital) days() []day {
	ds := []day{h.open}
	add := func(d day) {
		if d > h.open && d <= dayEnd && d <= h.closed {
			ds = append(ds, d)
		}
	}
	add(h.pedAt)
	add(h.psychAt)
	add(h.sleepAt)
	add(h.greenAt)
	add(h.depositUntil)
	for _, s := range h.dialysis {
		add(s.at)
	}
	add(h.closed)
	slices.Sort(ds)
	return slices.Compact(ds)
}

func (p *hospitalPlanner) plan() plan {
	g := p.g
	largest := 0
	versions := 0
	for ui := range g.units {
		largest = max(largest, len(p.byUnit[ui]))
		for _, hi := range p.byUnit[ui] {
			versions += len(p.hs[hi].days())
		}
	}
	width := codeWidth(4, largest*g.scale)
	hs, byUnit := p.hs, p.byUnit
	regionIdx := facility.Hospitals.RegionField()
	return plan{
		schema:     facility.Hospitals,
		facilities: len(hs) * g.scale,
		versions:   versions * g.scale,
		records: func(yield func(facility.Record) bool) {
			for ui, u := range g.units {
				list := byUnit[ui]
				for c := range g.scale {
					for k, hi := range list {
						h := &hs[hi]
						code := fmt.Sprintf("H%s%0*d", u.div.Code, width, c*len(list)+k+1)
						for _, d := range h.days() {
							v := h.values(d)
							v[0] = copyName(h.name, c)
							v[regionIdx] = u.div.Code
							if !yield(facility.Record{Code: code, ValidFrom: g.date(d), Closed: d == h.closed, Values: v}) {
								return
							}
						}
					}
				}
			}
		},
	}
}
