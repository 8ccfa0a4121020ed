package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/lecture"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
)

// streamLectures is the random stream of the lecture log.
const streamLectures uint64 = 103

// The demo's lecture log of 2025 (国卫办函〔2025〕25号 第6条), from the notice
// (2025-02-13) to the end of the year:
//
//	the national team                     30–40 lectures
//	each provincial team                  11–20; one short (6–9)
//	each prefecture team                  10–18; about 4% short (4–9)
//	each qualifying hospital              5–9;  about 6% short (0–4)
//	(psychiatric level 2/3; general or TCM level 3 with psychiatry)
//
// which adds up to well over the national 5,000. Each lecture is entered
// zero to three days after it was held, so it counts from then.
const (
	lecturesFrom    = "2025-02-17"
	lecturesTo      = "2025-12-31"
	lectureYearEnd  = "2025-12-31"
	shortTeamShare  = 0.04
	shortHospShare  = 0.06
	lectureAudience = 600
)

var lectureTopics = map[string][]string{
	"agency":     {"职场压力管理与心理调适", "领导干部心理健康与情绪管理", "睡眠健康与工作效率"},
	"school":     {"青少年情绪管理与心理危机识别", "考试焦虑的应对", "校园人际关系与心理健康", "家校协同守护学生心理健康"},
	"enterprise": {"职场心理健康与睡眠", "员工压力管理与心理援助", "倒班工作者的睡眠与情绪"},
	"community":  {"老年人心理健康与认知障碍预防", "家庭关系与亲子沟通", "抑郁症的识别与求助", "12356热线与心理援助"},
}

// LoadLectures writes the demo's 2025 lecture log into st, for the teams of
// the tree and the qualifying hospitals the registry holds at the end of
// 2025, and returns how many lectures it wrote. A store that already has
// lectures is left as it is.
func LoadLectures(ctx context.Context, st *store.Store, t *region.Tree, o Options) (int, error) {
	o = o.normalized()
	if _, n, err := st.Lectures(ctx, store.LectureQuery{Limit: 1}); err != nil || n > 0 {
		return 0, err
	}
	r := rand.New(rand.NewPCG(o.Seed, streamLectures))
	from, _ := time.Parse(facility.DateLayout, lecturesFrom)
	to, _ := time.Parse(facility.DateLayout, lecturesTo)
	days := int(to.Sub(from).Hours()/24) + 1
	venues := []string{"agency", "school", "enterprise", "community"}

	var out []lecture.Lecture
	add := func(n int, kind, reg, fac, name, level string) {
		d, _ := t.Get(reg)
		place := d.Name
		for range n {
			held := from.AddDate(0, 0, r.IntN(days))
			venue := venues[r.IntN(len(venues))]
			topics := lectureTopics[venue]
			l := lecture.Lecture{HeldOn: held.Format(facility.DateLayout), Kind: kind, Region: reg, Facility: fac,
				Lecturer: name, Level: level, Venue: venue, Topic: topics[r.IntN(len(topics))],
				Audience:   int64(40 + r.IntN(lectureAudience)),
				RecordedOn: held.AddDate(0, 0, r.IntN(4)).Format(facility.DateLayout)}
			switch venue {
			case "agency":
				l.Place = place + "机关会议中心"
			case "school":
				l.Place = place + "第" + strconv.Itoa(1+r.IntN(12)) + "中学"
			case "enterprise":
				l.Place = place + "经济开发区"
			default:
				l.Place = place + streetNames[r.IntN(len(streetNames))] + "社区"
			}
			out = append(out, l)
		}
	}
	count := func(lo, hi int) int { return lo + r.IntN(hi-lo+1) }

	add(count(30, 40), lecture.Team, region.CountryCode, "", "国家级专家巡讲团", "national")
	provinces := t.Children(region.CountryCode)
	shortProvince := r.IntN(len(provinces))
	for i, p := range provinces {
		n := count(11, 20)
		if i == shortProvince {
			n = count(6, 9)
		}
		add(n, lecture.Team, p.Code, "", p.Name+"专家巡讲团", "province")
		for _, c := range t.Children(p.Code) {
			if c.Level != region.Prefecture {
				continue
			}
			n := count(10, 18)
			if r.Float64() < shortTeamShare {
				n = count(4, 9)
			}
			add(n, lecture.Team, c.Code, "", c.Name+"专家巡讲团", "prefecture")
		}
	}
	err := st.StreamFacilities(ctx, facility.Hospitals, store.Query{AsOf: lectureYearEnd}, func(h facility.Record) error {
		if !lecture.Qualifies(h) {
			return nil
		}
		n := count(5, 9)
		if r.Float64() < shortHospShare {
			n = count(0, 4)
		}
		level := "prefecture"
		if h.String(facility.Hospitals, "grade") == "3" && h.String(facility.Hospitals, "type") == "psychiatric" {
			level = "province"
		}
		add(n, lecture.Hospital, h.Region(facility.Hospitals), h.Code, h.String(facility.Hospitals, "name"), level)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("demo lectures: %w", err)
	}
	for start := 0; start < len(out); start += loadBatch {
		batch := out[start:min(start+loadBatch, len(out))]
		if _, err := st.AddLectures(ctx, batch, audit.Entry{Actor: "system", ActorRole: "system"}); err != nil {
			return 0, fmt.Errorf("demo lectures: %w", err)
		}
	}
	return len(out), nil
}
