package season

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/6tail/lunar-go/ShouXingUtil"
)

// Term is one of the 24 solar terms (节气), numbered in the order they fall
// in a calendar year, from 小寒 (1) to 冬至 (24).
type Term struct {
	// Index is the term's place in the calendar year: 1 for 小寒 … 24 for
	// 冬至.
	Index int
	// Name is the Chinese name, e.g. "清明".
	Name string
	// Pinyin is the name in Hanyu Pinyin with tone marks, e.g. "qīngmíng".
	Pinyin string
	// Longitude is the Sun's apparent ecliptic longitude at the term, in
	// degrees: 285 for 小寒, 0 for 春分, 270 for 冬至.
	Longitude int
}

// terms is the table of DOMAIN §5, in calendar-year order. It is an array,
// so that AllTerms hands out copies and nobody can change it.
var terms = [24]Term{
	{1, "小寒", "xiǎohán", 285},
	{2, "大寒", "dàhán", 300},
	{3, "立春", "lìchūn", 315},
	{4, "雨水", "yǔshuǐ", 330},
	{5, "惊蛰", "jīngzhé", 345},
	{6, "春分", "chūnfēn", 0},
	{7, "清明", "qīngmíng", 15},
	{8, "谷雨", "gǔyǔ", 30},
	{9, "立夏", "lìxià", 45},
	{10, "小满", "xiǎomǎn", 60},
	{11, "芒种", "mángzhòng", 75},
	{12, "夏至", "xiàzhì", 90},
	{13, "小暑", "xiǎoshǔ", 105},
	{14, "大暑", "dàshǔ", 120},
	{15, "立秋", "lìqiū", 135},
	{16, "处暑", "chǔshǔ", 150},
	{17, "白露", "báilù", 165},
	{18, "秋分", "qiūfēn", 180},
	{19, "寒露", "hánlù", 195},
	{20, "霜降", "shuāngjiàng", 210},
	{21, "立冬", "lìdōng", 225},
	{22, "小雪", "xiǎoxuě", 240},
	{23, "大雪", "dàxuě", 255},
	{24, "冬至", "dōngzhì", 270},
}

// AllTerms returns the 24 terms in calendar-year order, 小寒 first.
func AllTerms() []Term {
	out := make([]Term, len(terms))
	copy(out, terms[:])
	return out
}

// TermByName finds a term by its Chinese name; ok is false for any other
// string.
func TermByName(name string) (t Term, ok bool) {
	for _, t := range terms {
		if t.Name == name {
			return t, true
		}
	}
	return Term{}, false
}

// Source says where a moment's minute comes from.
type Source int

const (
	// Computed is a moment computed with lunar-go and rounded to the
	// nearest minute: within ±1 minute of the observatory's figure.
	Computed Source = iota + 1
	// Official is the minute the Purple Mountain Observatory published,
	// shipped as data.
	Official
)

// String returns "official" or "computed ±1 min".
func (s Source) String() string {
	switch s {
	case Official:
		return "official"
	case Computed:
		return "computed ±1 min"
	}
	return fmt.Sprintf("Source(%d)", int(s))
}

// Moment is when a term begins (交节时刻) in one year.
type Moment struct {
	// Term is the term.
	Term Term
	// At is the moment in Beijing time (a fixed UTC+8 zone), to the
	// minute: seconds are always zero.
	At time.Time
	// Source says whether the minute is the observatory's or computed.
	Source Source
}

// MinYear and MaxYear bound the years Terms answers for: lunar-go's ΔT
// table and its tests cover them, and nothing in shishi needs more.
const (
	MinYear = 1900
	MaxYear = 2100
)

// ErrYearOutOfRange is returned for a year outside MinYear–MaxYear.
var ErrYearOutOfRange = errors.New("year out of range")

// beijing is Beijing time as the observatory publishes it: UTC+8 all
// year. Not Asia/Shanghai, which would add the summer time of 1986–1991
// and depend on the system's tzdata.
var beijing = time.FixedZone("CST", 8*60*60)

// j2000Beijing is the origin of lunar-go's day counts once it has turned
// dynamical time into Beijing time: Julian day 2451545.0 read on a Beijing
// clock, 2000-01-01 12:00.
var j2000Beijing = time.Date(2000, time.January, 1, 12, 0, 0, 0, beijing)

// Terms returns the 24 moments of the calendar year, 小寒 in early January
// to 冬至 in late December, in order. A shipped official minute takes
// precedence over the computed one.
func Terms(year int) ([]Moment, error) {
	if year < MinYear || year > MaxYear {
		return nil, fmt.Errorf("solar terms for %d: %w (%d–%d)", year, ErrYearOutOfRange, MinYear, MaxYear)
	}
	official, err := officialMoments()
	if err != nil {
		return nil, err
	}
	out := make([]Moment, len(terms))
	for i, t := range terms {
		if m, ok := official[officialKey{year, t.Index}]; ok {
			out[i] = m
			continue
		}
		out[i] = Moment{Term: t, At: computed(year, t).Round(time.Minute), Source: Computed}
	}
	return out, nil
}

// computed is the unrounded moment of term t in year by lunar-go, in
// Beijing time.
func computed(year int, t Term) time.Time {
	// QiAccurate takes the Sun's longitude counted on from 0° at the March
	// equinox of 1999: 小寒 2000 (285°) is the 19th term after it, and each
	// year adds 24.
	k := 24*(year-2000) + 18 + t.Index
	// It returns days since J2000 on a Beijing clock: it has already
	// subtracted ΔT (dynamical to universal time) and added 8 hours.
	days := ShouXingUtil.QiAccurate(float64(k) * math.Pi / 12)
	// Nanoseconds in one step, so that the minute is rounded once, from the
	// exact value; ±100 years is ±3.2e18 ns, inside int64.
	return j2000Beijing.Add(time.Duration(math.Round(days * 86400 * 1e9)))
}

// Beijing returns the fixed UTC+8 zone the moments are given in.
func Beijing() *time.Location { return beijing }

// Current returns the term in effect at t: the latest moment at or before
// t, which in early January is the previous year's 冬至.
func Current(t time.Time) (Moment, error) {
	t = t.In(beijing)
	for _, y := range []int{t.Year(), t.Year() - 1} {
		ms, err := Terms(y)
		if err != nil {
			return Moment{}, err
		}
		for i := len(ms) - 1; i >= 0; i-- {
			if !ms[i].At.After(t) {
				return ms[i], nil
			}
		}
	}
	return Moment{}, fmt.Errorf("solar term at %s: %w", t.Format(time.RFC3339), ErrYearOutOfRange)
}

// Next returns the moment that follows m: the next term of its year, or
// 小寒 of the next year after 冬至.
func Next(m Moment) (Moment, error) {
	y, i := m.At.Year(), m.Term.Index
	if i == len(terms) {
		y, i = y+1, 0
	}
	ms, err := Terms(y)
	if err != nil {
		return Moment{}, err
	}
	return ms[i], nil
}
