package commitment

import "fmt"

// Status is where a target stands in a region on a date.
type Status int

// The statuses, from the worst. The zero Status is NotApplicable.
const (
	// NotApplicable: the target judges nothing in this region (no unit of
	// its kind lies here, or the region is below the level it is judged
	// at).
	NotApplicable Status = iota
	// NoData: nothing to compute the value from (no facility counted, no
	// population figure, no figure reported).
	NoData
	// Overdue: the deadline has passed and the target is not met (逾期).
	Overdue
	// AtRisk: not met, and the trend does not reach the target by the
	// deadline (滞后).
	AtRisk
	// OnTrack: not met yet, but the trend reaches it by the deadline (推进中).
	OnTrack
	// Met: the target is met (已完成).
	Met
	// Monitored: a figure without a target here, shown for information
	// (监测).
	Monitored
)

var statusNames = [...]struct{ code, zh, en string }{
	NotApplicable: {"not_applicable", "不适用", "not applicable"},
	NoData:        {"no_data", "无数据", "no data"},
	Overdue:       {"overdue", "逾期未完成", "overdue"},
	AtRisk:        {"at_risk", "进度滞后", "at risk"},
	OnTrack:       {"on_track", "按期推进", "on track"},
	Met:           {"met", "已完成", "met"},
	Monitored:     {"monitored", "监测", "monitored"},
}

// String returns the stable machine name ("met", "at_risk", …).
func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return fmt.Sprintf("Status(%d)", int(s))
	}
	return statusNames[s].code
}

// Label returns the status in lang (zh or en).
func (s Status) Label(lang string) string {
	if s < 0 || int(s) >= len(statusNames) {
		return s.String()
	}
	return pick(lang, statusNames[s].zh, statusNames[s].en)
}

// ParseStatus reads a status's machine name.
func ParseStatus(s string) (Status, error) {
	for i, n := range statusNames {
		if n.code == s {
			return Status(i), nil
		}
	}
	return 0, fmt.Errorf("unknown status %q", s)
}

// Statuses returns every status, from the worst.
func Statuses() []Status {
	return []Status{NotApplicable, NoData, Overdue, AtRisk, OnTrack, Met, Monitored}
}
