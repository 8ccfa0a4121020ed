package commitment

import (
	"math"
	"strconv"
	"strings"
)

// FormatValue writes a result's value as people read it: shares and
// coverages as percentages, per-capita figures with two decimals, totals as
// whole numbers with thousands separators; "—" when there is none.
func (r *Result) FormatValue() string {
	if !r.HasValue {
		return "—"
	}
	return formatFor(r.Target, r.Value)
}

// FormatGoal writes what the value is held to ("≥ 100%", "> 5,000", "≥
// 12,000 (own target)"); "" when there is no goal.
func (r *Result) FormatGoal() string {
	if !r.HasGoal {
		return ""
	}
	return r.Target.Threshold.Op.Symbol() + " " + formatFor(r.Target, r.Goal)
}

// Short is how far the value is from the goal (0 when met).
func (r *Result) Short() float64 {
	if !r.HasGoal || !r.HasValue {
		return 0
	}
	d := r.Goal - r.Value
	if !r.Target.Threshold.Op.Increasing() {
		d = -d
	}
	return math.Max(0, d)
}

func formatFor(t *Target, v float64) string {
	switch t.Kind {
	case Share, Coverage:
		return Percent(v)
	case PerCapita:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return Thousands(int64(math.Round(v)))
}

// Percent writes a share as a percentage with one decimal, dropping ".0":
// 0.995 → "99.5%", 1 → "100%".
func Percent(v float64) string {
	s := strconv.FormatFloat(math.Round(v*1000)/10, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0") + "%"
}

// Thousands writes n with a comma every three digits: 4845 → "4,845".
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
