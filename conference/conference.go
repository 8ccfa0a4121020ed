// Package conference is the plan and record of the National Health
// Commission's seasonal health press conferences (“时令节气与健康”健康知识发布会,
// commitment 8 of 国卫办函〔2025〕25号: at least 20 in 2025).
//
// A year's plan has at most one conference per solar term (package
// season): its date and time, its theme, the experts by field (中医, 西医,
// 疾控, food and nutrition, exercise, mental health, chronic and infectious
// disease, as the notice lists them) and the term's health advice. Once
// held, the record adds the day it was held, the recording's link and its
// reach; a held conference counts for the commitment from the day its
// record was entered. The plan is also an iCalendar feed (WriteICS) that
// calendar programs subscribe to.
//
// The package is pure: no HTTP, no SQL, no clock (callers pass today).
package conference

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/personal"
	"github.com/shishi-health/shishi/season"
)

// Status is where a conference stands.
type Status string

// The statuses: planned, held, or called off.
const (
	Planned   Status = "planned"
	Held      Status = "held"
	Cancelled Status = "cancelled"
)

// Statuses lists the statuses with their labels.
var Statuses = []Label{
	{string(Planned), "计划", "planned"},
	{string(Held), "已举办", "held"},
	{string(Cancelled), "取消", "cancelled"},
}

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

// Fields are the experts' fields the notice names (第17条): 中医、西医、疾控
// 及食品营养、运动健身、心理健康、慢性病、传染病防治.
var Fields = []Label{
	{"tcm", "中医", "traditional Chinese medicine"},
	{"western", "西医", "Western medicine"},
	{"cdc", "疾控", "disease control"},
	{"nutrition", "食品营养", "food and nutrition"},
	{"exercise", "运动健身", "exercise and fitness"},
	{"mental", "心理健康", "mental health"},
	{"chronic", "慢性病", "chronic disease"},
	{"infectious", "传染病防治", "infectious disease"},
}

// FieldByName finds a field by its code or its Chinese or English name.
func FieldByName(s string) (Label, bool) {
	s = strings.TrimSpace(s)
	for _, f := range Fields {
		if s == f.Code || s == f.ZH || strings.EqualFold(s, f.EN) {
			return f, true
		}
	}
	return Label{}, false
}

// Expert is one expert on a conference's panel.
type Expert struct {
	// Field is the code of one of Fields.
	Field string `json:"field"`
	// Name is the expert's name; Affiliation the unit and title
	// (中国中医科学院西苑医院主任医师).
	Name        string `json:"name"`
	Affiliation string `json:"affiliation,omitempty"`
}

// Conference is one planned or held conference.
type Conference struct {
	ID int64
	// Year and Term (1 小寒 … 24 冬至, season's order) place it on the
	// solar-term calendar; one conference per term and year.
	Year, Term int
	// Date (YYYY-MM-DD) and Time (HH:MM, Beijing) are when it is
	// planned; once held, HeldOn is the day it took place.
	Date, Time string
	Theme      string
	ThemeEN    string
	Experts    []Expert
	// Advice is the term's health advice (健康提示) the conference gives,
	// in Chinese and, optionally, English: what the public page shows
	// while the term lasts.
	Advice, AdviceEN string
	Status           Status
	HeldOn           string
	// RecordingURL is where the recording is (http or https); Reach how
	// many watched or read it (观看/阅读量).
	RecordingURL string
	Reach        int64
	// RecordedOn is the day the record of a held conference was entered:
	// it counts for the commitment from then on.
	RecordedOn string
	// Revision counts the changes, for the feed's SEQUENCE.
	Revision             int
	UpdatedAt, UpdatedBy string
}

const (
	dateLayout = "2006-01-02"
	timeLayout = "15:04"
)

// windowBefore is how many days before its term a conference may be
// held: the commission presents a term's advice in the days before it.
const windowBefore = 10

// Window returns the days a conference of the term may be held on: from
// windowBefore days before the term's date to the day before the next
// term's date.
func Window(year, term int) (from, to string, err error) {
	ms, err := season.Terms(year)
	if err != nil {
		return "", "", err
	}
	if term < 1 || term > len(ms) {
		return "", "", fmt.Errorf("term %d: want 1–%d", term, len(ms))
	}
	m := ms[term-1]
	next, err := season.Next(m)
	if err != nil {
		return "", "", err
	}
	from = m.At.AddDate(0, 0, -windowBefore).Format(dateLayout)
	to = next.At.AddDate(0, 0, -1).Format(dateLayout)
	return from, to, nil
}

// Normalize trims the text fields and fills what follows from others: the
// default time (15:00, the commission's usual hour), and HeldOn from Date
// for a held conference.
//
// Line breaks become "\n" (a browser's form sends "\r\n", which would
// leave a bare CR in the feed), a time given as H:MM or HH:MM:SS (as Excel
// shows a time cell) becomes HH:MM, and an expert's field given by its
// name becomes its code.
func (c *Conference) Normalize() {
	for _, p := range []*string{&c.Date, &c.Time, &c.Theme, &c.ThemeEN, &c.Advice, &c.AdviceEN, &c.HeldOn, &c.RecordingURL} {
		*p = strings.TrimSpace(lineBreaks.Replace(*p))
	}
	if c.Time == "" {
		c.Time = "15:00"
	}
	for _, layout := range []string{timeLayout, timeLayout + ":05"} {
		if t, err := time.Parse(layout, c.Time); err == nil && t.Second() == 0 {
			c.Time = t.Format(timeLayout)
			break
		}
	}
	if c.Status == "" {
		c.Status = Planned
	}
	if c.Status == Held && c.HeldOn == "" {
		c.HeldOn = c.Date
	}
	for i := range c.Experts {
		e := &c.Experts[i]
		e.Name = strings.TrimSpace(e.Name)
		e.Affiliation = strings.TrimSpace(e.Affiliation)
		if f, ok := FieldByName(e.Field); ok {
			e.Field = f.Code
		}
	}
}

// lineBreaks turns CRLF and lone CR into LF.
var lineBreaks = strings.NewReplacer("\r\n", "\n", "\r", "\n")

// Bounds of the text fields, in characters: a theme is a headline, the
// advice a paragraph or two, a panel a handful of experts.
const (
	maxTheme       = 200
	maxAdvice      = 2000
	maxExperts     = 20
	maxName        = 50
	maxAffiliation = 200
)

// expertSeparators are the characters that separate experts in the
// one-cell form (ParseExperts); a name or affiliation holding one would
// come back from an exported file as two experts.
const expertSeparators = ";；\r\n"

// Validate checks a normalized conference on today (YYYY-MM-DD) and
// returns every problem, or nil.
func (c Conference) Validate(today string) error {
	var es facility.FieldErrors
	add := func(field, zh, en string) {
		es = append(es, facility.FieldError{Field: field, Msg: facility.Message{ZH: zh, EN: en}})
	}
	if c.Year < season.MinYear || c.Year > season.MaxYear {
		add("year", fmt.Sprintf("年份%d超出范围（%d–%d）", c.Year, season.MinYear, season.MaxYear),
			fmt.Sprintf("year %d is out of range (%d–%d)", c.Year, season.MinYear, season.MaxYear))
		return es
	}
	if c.Term < 1 || c.Term > 24 {
		add("term", fmt.Sprintf("节气序号%d无效（1–24）", c.Term), fmt.Sprintf("term %d: want 1–24", c.Term))
		return es
	}
	term := season.AllTerms()[c.Term-1]
	from, to, err := Window(c.Year, c.Term)
	if err != nil {
		add("term", err.Error(), err.Error())
		return es
	}
	if _, err := time.Parse(dateLayout, c.Date); err != nil {
		add("date", fmt.Sprintf("日期“%s”无效，应为YYYY-MM-DD", c.Date), fmt.Sprintf("date %q: want YYYY-MM-DD", c.Date))
	} else if c.Date < from || c.Date > to {
		add("date", fmt.Sprintf("日期%s不在%d年%s发布会的时段（%s至%s）内", c.Date, c.Year, term.Name, from, to),
			fmt.Sprintf("date %s is outside the window of %d's %s conference (%s to %s)", c.Date, c.Year, term.Pinyin, from, to))
	}
	if _, err := time.Parse(timeLayout, c.Time); err != nil {
		add("time", fmt.Sprintf("时间“%s”无效，应为HH:MM（北京时间）", c.Time), fmt.Sprintf("time %q: want HH:MM (Beijing)", c.Time))
	}
	if c.Theme == "" {
		add("theme", "主题不能为空", "a theme is required")
	}
	for _, t := range []struct {
		field, zh, en, text string
		max                 int
	}{
		{"theme", "主题", "the theme", c.Theme, maxTheme},
		{"theme_en", "英文主题", "the English theme", c.ThemeEN, maxTheme},
		{"advice", "健康提示", "the advice", c.Advice, maxAdvice},
		{"advice_en", "英文健康提示", "the English advice", c.AdviceEN, maxAdvice},
	} {
		if n := utf8.RuneCountInString(t.text); n > t.max {
			add(t.field, fmt.Sprintf("%s过长（%d字，最多%d字）", t.zh, n, t.max), fmt.Sprintf("%s is too long (%d characters, at most %d)", t.en, n, t.max))
		}
	}
	if len(c.Experts) > maxExperts {
		add("experts", fmt.Sprintf("专家过多（%d位，最多%d位）", len(c.Experts), maxExperts), fmt.Sprintf("too many experts (%d, at most %d)", len(c.Experts), maxExperts))
	}
	for i, e := range c.Experts {
		if _, ok := FieldByName(e.Field); !ok {
			add("experts", fmt.Sprintf("第%d位专家的领域“%s”无效", i+1, e.Field), fmt.Sprintf("expert %d: unknown field %q", i+1, e.Field))
		}
		switch {
		case e.Name == "":
			add("experts", fmt.Sprintf("第%d位专家缺少姓名", i+1), fmt.Sprintf("expert %d has no name", i+1))
		case utf8.RuneCountInString(e.Name) > maxName || utf8.RuneCountInString(e.Affiliation) > maxAffiliation:
			add("experts", fmt.Sprintf("第%d位专家的姓名或单位过长", i+1), fmt.Sprintf("expert %d: name or affiliation too long", i+1))
		case strings.ContainsAny(e.Name, "()（）"):
			add("experts", fmt.Sprintf("第%d位专家的姓名含括号（单位另填）", i+1), fmt.Sprintf("expert %d: a bracket in the name (give the affiliation apart)", i+1))
		}
		if strings.ContainsAny(e.Name+e.Affiliation, expertSeparators) {
			add("experts", fmt.Sprintf("第%d位专家的姓名或单位含分号或换行", i+1), fmt.Sprintf("expert %d: a semicolon or line break in the name or affiliation", i+1))
		}
	}
	switch c.Status {
	case Planned, Cancelled:
		if c.HeldOn != "" || c.RecordingURL != "" || c.Reach != 0 {
			add("status", "未举办的发布会不能填写举办日期、回放链接或传播量", "a conference not held has no held date, recording or reach")
		}
	case Held:
		if len(c.Experts) == 0 {
			add("experts", "已举办的发布会应至少有一位专家", "a held conference needs at least one expert")
		}
		if _, err := time.Parse(dateLayout, c.HeldOn); err != nil {
			add("held_on", fmt.Sprintf("举办日期“%s”无效", c.HeldOn), fmt.Sprintf("held date %q: want YYYY-MM-DD", c.HeldOn))
		} else if c.HeldOn > today {
			add("held_on", fmt.Sprintf("举办日期%s晚于今天（%s）", c.HeldOn, today), fmt.Sprintf("held date %s is after today (%s)", c.HeldOn, today))
		} else if c.HeldOn < from || c.HeldOn > to {
			add("held_on", fmt.Sprintf("举办日期%s不在%s发布会的时段（%s至%s）内", c.HeldOn, term.Name, from, to),
				fmt.Sprintf("held date %s is outside the window of the %s conference (%s to %s)", c.HeldOn, term.Pinyin, from, to))
		}
	default:
		add("status", fmt.Sprintf("状态“%s”无效", c.Status), fmt.Sprintf("unknown status %q", c.Status))
	}
	if c.RecordingURL != "" {
		if u, err := url.Parse(c.RecordingURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("recording_url", "回放链接应为http或https地址", "the recording link must be an http or https address")
		}
	}
	if c.Reach < 0 {
		add("reach", "传播量不能为负数", "reach cannot be negative")
	}
	// The plan is published (the public page, the feed): it names the
	// experts and nobody else, and the audit trail refuses records that
	// hold such numbers.
	for _, t := range []struct{ field, text string }{
		{"theme", c.Theme}, {"theme_en", c.ThemeEN}, {"experts", FormatExperts(c.Experts)}, {"advice", c.Advice},
		{"advice_en", c.AdviceEN}, {"recording_url", c.RecordingURL}, {"reach", strconv.FormatInt(c.Reach, 10)},
	} {
		if len(personal.ContainsPersonalData(t.text)) > 0 {
			add(t.field, "含疑似身份证号或手机号：公开的发布会计划不登载个人信息", "holds what looks like an ID or mobile number: the published plan carries no personal data")
		}
	}
	if len(es) == 0 {
		return nil
	}
	return es
}

// TermOf returns the conference's solar term.
func (c Conference) TermOf() season.Term { return season.AllTerms()[c.Term-1] }

// Start returns when the conference is planned (or, once held, was held),
// in Beijing time.
func (c Conference) Start() (time.Time, error) {
	day := c.Date
	if c.Status == Held && c.HeldOn != "" {
		day = c.HeldOn
	}
	return time.ParseInLocation(dateLayout+" "+timeLayout, day+" "+c.Time, season.Beijing())
}

// Counts says whether c counts for the commitment on asOf: held within
// from–to, on or before asOf, and recorded by then.
func (c Conference) Counts(from, to, asOf string) bool {
	return c.Status == Held && c.HeldOn >= from && c.HeldOn <= to && c.HeldOn <= asOf &&
		c.RecordedOn != "" && c.RecordedOn <= asOf
}

// ParseExperts reads a panel written in one cell, as the Excel plan holds
// it: experts separated by ；, ; or a new line, each “领域：姓名（单位职务）” —
// field, then name, with the affiliation in brackets, e.g.
// “中医：张三（中国中医科学院主任医师）；疾控：李四”. The field may be its code or
// its Chinese or English name; both full-width and ASCII colons and
// brackets are accepted. The name and the affiliation are kept as written
// (an affiliation may hold brackets of its own), so that FormatExperts
// gives back the same cell.
func ParseExperts(s string) ([]Expert, error) {
	var out []Expert
	parts := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(expertSeparators, r) })
	for i, part := range parts {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		colon := strings.IndexAny(part, ":：")
		if colon < 0 {
			return nil, fmt.Errorf("expert %d %q: want 领域：姓名（单位）", i+1, part)
		}
		field, rest := part[:colon], part[colon:]
		_, size := utf8.DecodeRuneInString(rest)
		rest = strings.TrimSpace(rest[size:])
		f, ok := FieldByName(field)
		if !ok {
			return nil, fmt.Errorf("expert %d: unknown field %q", i+1, strings.TrimSpace(field))
		}
		e := Expert{Field: f.Code}
		if open := strings.IndexAny(rest, "(（"); open >= 0 {
			last, size := utf8.DecodeLastRuneInString(rest)
			if last != ')' && last != '）' {
				return nil, fmt.Errorf("expert %d %q: unclosed bracket", i+1, part)
			}
			_, openSize := utf8.DecodeRuneInString(rest[open:])
			if open+openSize > len(rest)-size {
				return nil, fmt.Errorf("expert %d %q: unclosed bracket", i+1, part)
			}
			e.Name = strings.TrimSpace(rest[:open])
			e.Affiliation = strings.TrimSpace(rest[open+openSize : len(rest)-size])
		} else {
			e.Name = rest
		}
		if e.Name == "" {
			return nil, fmt.Errorf("expert %d %q: no name", i+1, part)
		}
		if strings.ContainsAny(e.Name, "()（）") {
			return nil, fmt.Errorf("expert %d %q: bracket in the name", i+1, part)
		}
		out = append(out, e)
	}
	return out, nil
}

// FormatExperts writes a panel the way ParseExperts reads it, with the
// fields' Chinese names.
func FormatExperts(es []Expert) string {
	parts := make([]string, len(es))
	for i, e := range es {
		f, ok := FieldByName(e.Field)
		name := e.Field
		if ok {
			name = f.ZH
		}
		parts[i] = name + "：" + e.Name
		if e.Affiliation != "" {
			parts[i] += "（" + e.Affiliation + "）"
		}
	}
	return strings.Join(parts, "；")
}
