package facility

import "sort"

// History is every version of one facility, ordered by ValidFrom.
type History []Record

// AsOf returns the version in effect on date d (YYYY-MM-DD) and whether the
// facility existed then (a Closed version ends its existence).
func (h History) AsOf(d string) (Record, bool) {
	i := sort.Search(len(h), func(i int) bool { return h[i].ValidFrom > d })
	if i == 0 {
		return Record{}, false
	}
	r := h[i-1]
	return r, !r.Closed
}

// Change is what storing one incoming record does to a facility.
type Change int

// Changes, in the order a dry run reports them.
const (
	Unchanged Change = iota // the version in effect at its date already says the same
	New                     // the code was unknown
	Changed                 // a version is added or replaced
)

// String returns the change's name.
func (c Change) String() string {
	switch c {
	case New:
		return "new"
	case Changed:
		return "changed"
	}
	return "unchanged"
}

// Label returns the change's name in lang.
func (c Change) Label(lang string) string {
	zh := map[Change]string{New: "新增", Changed: "变更", Unchanged: "未变"}
	if lang == "en" {
		return c.String()
	}
	return zh[c]
}

// FieldChange is one attribute that an incoming record changes.
type FieldChange struct {
	Field    string // key, or "closed"
	From, To any
}

// Plan decides how the incoming record r changes the facility with history
// h: new when h is empty; unchanged when the version in effect at
// r.ValidFrom already has r's values (so re-importing a file, or importing
// a file exported from this store, changes nothing); otherwise changed, with
// the attributes that differ from the version in effect at that date.
// Replace is true when a version with the same ValidFrom exists and r
// takes its place.
func (s *Schema) Plan(h History, r Record) (c Change, diff []FieldChange, replace bool) {
	if len(h) == 0 {
		return New, nil, false
	}
	i := sort.Search(len(h), func(i int) bool { return h[i].ValidFrom > r.ValidFrom })
	if i > 0 && h[i-1].ValidFrom == r.ValidFrom {
		replace = true
	}
	var prev Record
	if i > 0 {
		prev = h[i-1]
	} else {
		// A version dated before the first known one: compare with the first
		// so that the user sees what would differ.
		prev = h[0]
	}
	if i > 0 && SameValues(prev, r) {
		return Unchanged, nil, false
	}
	return Changed, s.Diff(prev, r), replace
}

// Diff lists the attributes in which b differs from a.
func (s *Schema) Diff(a, b Record) []FieldChange {
	var d []FieldChange
	if a.Closed != b.Closed {
		d = append(d, FieldChange{Field: "closed", From: a.Closed, To: b.Closed})
	}
	for i, f := range s.Fields {
		var av, bv any
		if i < len(a.Values) {
			av = a.Values[i]
		}
		if i < len(b.Values) {
			bv = b.Values[i]
		}
		if av != bv {
			d = append(d, FieldChange{Field: f.Key, From: av, To: bv})
		}
	}
	return d
}

// Since returns, for each field of the version in effect on d, the date
// from which its current value has held without interruption: the answer to
// "since when does this hospital provide pediatrics?".
func (h History) Since(d string) []string {
	cur, ok := h.AsOf(d)
	if !ok {
		return nil
	}
	since := make([]string, len(cur.Values))
	for i := range cur.Values {
		since[i] = cur.ValidFrom
	}
	end := sort.Search(len(h), func(i int) bool { return h[i].ValidFrom > d })
	for i := range cur.Values {
		for j := end - 1; j >= 0; j-- {
			if h[j].Closed || h[j].Values[i] != cur.Values[i] {
				break
			}
			since[i] = h[j].ValidFrom
		}
	}
	return since
}
