// Package lecture is the log of mental-health lectures (心理健康知识讲座,
// commitment 2 of 国卫办函〔2025〕25号, 第6条) and the quotas it is held to.
//
// Expert teams (专家巡讲团) are formed at three levels, national, provincial
// and prefecture, and lecture “进机关、进学校、进企业” (and in communities);
// hospitals lecture too. The notice sets, for 2025, at least 10 lectures
// for each provincial and prefecture team and at least 5 a year for each
// level-2-or-above psychiatric hospital and each large general or TCM
// hospital with a psychiatry department; and over 5,000 in the country.
//
// A Lecture names who gave it (a team, by its region, or a hospital, by
// its registry code), when, where and to how many. Quota turns a year's
// log and the registry into the list of teams and hospitals and how far
// each is from its quota. The package is pure: no HTTP, no SQL, no clock.
package lecture

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
)

// Label is a code with its Chinese and English names.
type Label struct {
	Code, ZH, EN string
}

// Name returns the label in lang ("en" or Chinese).
func (l Label) Name(lang string) string {
	if lang == "en" {
		return l.EN
	}
	return l.ZH
}

func find(ls []Label, s string) (Label, bool) {
	s = strings.TrimSpace(s)
	for _, l := range ls {
		if s == l.Code || s == l.ZH || strings.EqualFold(s, l.EN) {
			return l, true
		}
	}
	return Label{}, false
}

// Lecturer kinds: an expert team or a hospital.
const (
	Team     = "team"
	Hospital = "hospital"
)

// Kinds lists the lecturer kinds.
var Kinds = []Label{{Team, "专家巡讲团", "expert team"}, {Hospital, "医院", "hospital"}}

// Levels are the levels of the lectures the notice counts: 国家和省市级.
var Levels = []Label{
	{"national", "国家级", "national"},
	{"province", "省级", "provincial"},
	{"prefecture", "市级", "prefecture"},
}

// Venues are where the teams go: 进机关、进学校、进企业, and communities.
var Venues = []Label{
	{"agency", "机关", "government agency"},
	{"school", "学校", "school"},
	{"enterprise", "企业", "enterprise"},
	{"community", "社区", "community"},
}

// KindByName, LevelByName and VenueByName find a label by its code or its
// Chinese or English name.
func KindByName(s string) (Label, bool)  { return find(Kinds, s) }
func LevelByName(s string) (Label, bool) { return find(Levels, s) }
func VenueByName(s string) (Label, bool) { return find(Venues, s) }

// LevelOf is the level of the team a region forms: the country's team is
// national, a province's (and a municipality's) provincial, a
// prefecture's prefecture-level; counties form none.
func LevelOf(d region.Division) (string, bool) {
	switch d.Level {
	case region.Country:
		return "national", true
	case region.Province:
		return "province", true
	case region.Prefecture:
		return "prefecture", true
	}
	return "", false
}

// Lecture is one entry of the log.
type Lecture struct {
	ID int64
	// HeldOn is the day (YYYY-MM-DD).
	HeldOn string
	// Kind is Team or Hospital. A team is named by its Region (the
	// country, a province or a prefecture); a hospital by its registry
	// code (Facility), with Region the county it stands in.
	Kind     string
	Region   string
	Facility string
	// Lecturer is the team's or the hospital's name as shown in lists.
	Lecturer string
	// Level is the level the lecture counts at (Levels): a team's own,
	// or the campaign a hospital's experts lecture under.
	Level string
	// Venue is the kind of place (Venues); Place its name; Topic the
	// lecture's title; Audience how many attended.
	Venue, Place, Topic string
	Audience            int64
	// RecordedOn is the day the entry was made: the lecture counts for
	// the commitment from then on.
	RecordedOn           string
	UpdatedAt, UpdatedBy string
}

// MaxText bounds the free text of an entry (place, topic), in characters.
const MaxText = 200

// longDigits reports whether s holds a run of 11 or more ASCII digits: a
// mobile or resident ID number, which a lecture's text has no need of and
// the audit trail, which keeps every entry, refuses.
func longDigits(s string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			if run++; run >= 11 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// MaxAudience bounds the audience of one lecture: a stadium, not a typo.
const MaxAudience = 100_000

// Validate checks an entry on today (YYYY-MM-DD) against the region tree;
// a hospital's Facility must already be resolved (Region set) by the
// caller, who has the registry. It returns every problem, or nil.
func (l Lecture) Validate(tree *region.Tree, today string) error {
	var es facility.FieldErrors
	add := func(field, zh, en string) {
		es = append(es, facility.FieldError{Field: field, Msg: facility.Message{ZH: zh, EN: en}})
	}
	if _, err := time.Parse("2006-01-02", l.HeldOn); err != nil {
		add("held_on", fmt.Sprintf("日期“%s”无效，应为YYYY-MM-DD", l.HeldOn), fmt.Sprintf("date %q: want YYYY-MM-DD", l.HeldOn))
	} else if l.HeldOn > today {
		add("held_on", fmt.Sprintf("讲座日期%s晚于今天（%s）", l.HeldOn, today), fmt.Sprintf("date %s is after today (%s)", l.HeldOn, today))
	}
	if _, ok := LevelByName(l.Level); !ok {
		add("level", fmt.Sprintf("级别“%s”无效（国家级、省级、市级）", l.Level), fmt.Sprintf("level %q: want national, province or prefecture", l.Level))
	}
	switch l.Kind {
	case Team:
		d, ok := tree.Get(l.Region)
		if !ok {
			add("region", fmt.Sprintf("地区代码“%s”不存在", l.Region), fmt.Sprintf("unknown region %q", l.Region))
			break
		}
		lv, ok := LevelOf(d)
		if !ok {
			add("region", fmt.Sprintf("%s是县级地区，不组建专家巡讲团", d.Name), fmt.Sprintf("%s is a county: teams are national, provincial or prefecture", d.Name))
		} else if _, known := LevelByName(l.Level); known && lv != l.Level {
			// An unknown level is reported once, above.
			want, _ := LevelByName(lv)
			add("level", fmt.Sprintf("%s专家巡讲团的级别应为%s", d.Name, want.ZH), fmt.Sprintf("the team of %s is %s", d.Name, want.EN))
		}
		if l.Facility != "" {
			add("facility", "专家巡讲团的讲座不填写医院", "a team's lecture names no hospital")
		}
	case Hospital:
		if l.Facility == "" {
			add("facility", "医院讲座应填写医院代码", "a hospital's lecture needs the hospital's code")
		} else if _, ok := tree.Get(l.Region); !ok {
			add("facility", fmt.Sprintf("医院“%s”不在登记中", l.Facility), fmt.Sprintf("hospital %q is not in the registry", l.Facility))
		}
	default:
		add("kind", fmt.Sprintf("讲座主体“%s”无效（专家巡讲团或医院）", l.Kind), fmt.Sprintf("lecturer kind %q: want team or hospital", l.Kind))
	}
	if _, ok := VenueByName(l.Venue); !ok {
		add("venue", fmt.Sprintf("场所类型“%s”无效（机关、学校、企业、社区）", l.Venue), fmt.Sprintf("venue %q: want agency, school, enterprise or community", l.Venue))
	}
	if strings.TrimSpace(l.Topic) == "" {
		add("topic", "讲座主题不能为空", "a topic is required")
	}
	for _, f := range []struct{ field, zh, en, v string }{{"place", "场所名称", "the place", l.Place}, {"topic", "讲座主题", "the topic", l.Topic}} {
		if n := utf8.RuneCountInString(f.v); n > MaxText {
			add(f.field, fmt.Sprintf("%s不能超过%d个字（现为%d个）", f.zh, MaxText, n), fmt.Sprintf("%s: at most %d characters, not %d", f.en, MaxText, n))
		}
		if longDigits(f.v) {
			add(f.field, f.zh+"中不得填写身份证号、手机号等11位以上的数字", f.en+" may not hold an ID or phone number (11 digits or more)")
		}
	}
	if l.Audience < 1 || l.Audience > MaxAudience {
		add("audience", fmt.Sprintf("听众人数%d应在1至%d之间", l.Audience, MaxAudience), fmt.Sprintf("audience %d: want 1 to %d", l.Audience, MaxAudience))
	}
	if len(es) == 0 {
		return nil
	}
	return es
}

// Normalize trims the text and turns labels into codes (“学校” → school),
// so that the store holds codes only.
func (l *Lecture) Normalize() {
	for _, p := range []*string{&l.HeldOn, &l.Kind, &l.Region, &l.Facility, &l.Lecturer, &l.Level, &l.Venue, &l.Place, &l.Topic} {
		*p = strings.TrimSpace(*p)
	}
	if k, ok := KindByName(l.Kind); ok {
		l.Kind = k.Code
	}
	if v, ok := LevelByName(l.Level); ok {
		l.Level = v.Code
	}
	if v, ok := VenueByName(l.Venue); ok {
		l.Venue = v.Code
	}
}

// Counts says whether l counts for the commitment on asOf: held within
// from–to, on or before asOf, and entered by then.
func (l Lecture) Counts(from, to, asOf string) bool {
	return l.HeldOn >= from && l.HeldOn <= to && l.HeldOn <= asOf && l.RecordedOn != "" && l.RecordedOn <= asOf
}

// Rules are the quotas of a year.
type Rules struct {
	// Team is the least number of lectures of each provincial and
	// prefecture team (0: no team quota that year); Hospital that of each
	// hospital Qualifies picks.
	Team, Hospital int
}

// NoticeRules are the quotas of 国卫办函〔2025〕25号 第6条: “原则上，2025年省、地市级
// 专家巡讲团巡讲不少于10场，二级以上精神专科医院和设有精神科的规模较大、实力较强的综合医院、
// 中医医院每年不少于5场”. The team quota is set for 2025 only; the hospital
// quota every year.
func NoticeRules(year int) Rules {
	r := Rules{Hospital: 5}
	if year == 2025 {
		r.Team = 10
	}
	return r
}

// Qualifies says whether a hospital is held to the hospital quota: a
// psychiatric hospital of level 2 or 3, or a general or TCM hospital with a
// psychiatry department that is “large and strong”, which shishi reads as
// level 3 (三级), the grade that measures both. The registry's fields are
// hospitals': type, grade, psychiatry.
func Qualifies(r facility.Record) bool {
	sc := facility.Hospitals
	typ, grade, psych := r.String(sc, "type"), r.String(sc, "grade"), r.Bool(sc, "psychiatry")
	switch typ {
	case "psychiatric":
		return grade == "2" || grade == "3"
	case "general", "tcm":
		return psych && grade == "3"
	}
	return false
}

// Subject is one team or hospital held to a quota, with its count.
type Subject struct {
	Kind string
	// Region is the team's region, or the county of the hospital;
	// Facility the hospital's code.
	Region, Facility string
	Name             string
	Held, Quota      int
}

// Short is how many lectures the subject still lacks.
func (s Subject) Short() int { return max(0, s.Quota-s.Held) }

// Key identifies a lecturer in counts: "team:<region>" or
// "hospital:<code>".
func Key(kind, region, facility string) string {
	if kind == Hospital {
		return Hospital + ":" + facility
	}
	return Team + ":" + region
}

// Quota lists the teams of the regions under (and including) root that
// form one with a quota (provinces and prefectures), and the qualifying
// hospitals, each with the lectures counted for it (keyed by Key) and its
// quota; teams first, in region order, then hospitals in the order given.
// A year without a team quota lists no teams.
func Quota(tree *region.Tree, root string, hospitals []facility.Record, counts map[string]int, rules Rules) []Subject {
	var out []Subject
	if rules.Team > 0 {
		var walk func(code string)
		walk = func(code string) {
			d, ok := tree.Get(code)
			if !ok {
				return
			}
			if d.Level == region.Province || d.Level == region.Prefecture {
				out = append(out, Subject{Kind: Team, Region: d.Code, Name: d.Name + "专家巡讲团",
					Held: counts[Key(Team, d.Code, "")], Quota: rules.Team})
			}
			if d.Level == region.Country || d.Level == region.Province {
				for _, c := range tree.Children(code) {
					walk(c.Code)
				}
			}
		}
		walk(root)
	}
	if rules.Hospital > 0 {
		for _, h := range hospitals {
			if !Qualifies(h) {
				continue
			}
			sc := facility.Hospitals
			out = append(out, Subject{Kind: Hospital, Region: h.String(sc, "region"), Facility: h.Code, Name: h.String(sc, "name"),
				Held: counts[Key(Hospital, "", h.Code)], Quota: rules.Hospital})
		}
	}
	return out
}
