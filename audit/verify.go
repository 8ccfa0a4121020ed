package audit

import (
	"fmt"
	"iter"
)

// BreakKind says how the chain is broken.
type BreakKind int

// The kinds of break.
const (
	// Edited: the entry's fields no longer give its hash.
	Edited BreakKind = iota + 1
	// Deleted: entries are missing: a gap in Seq, or entries renumbered
	// to close the gap.
	Deleted
	// Inserted: an entry that was not appended in its place: Seq
	// duplicated or out of order, an entry whose successor was chained to
	// another one (a forgery given a recomputed hash), or entries spliced
	// in before a renumbered original.
	Inserted
)

var breakNames = [...]struct{ name, zh, en string }{
	{"", "", ""},
	Edited:   {"edited", "内容被篡改", "Edited"},
	Deleted:  {"deleted", "记录被删除", "Deleted"},
	Inserted: {"inserted", "记录被插入", "Inserted"},
}

// String returns the kind's machine name ("edited").
func (k BreakKind) String() string {
	if k <= 0 || int(k) >= len(breakNames) {
		return fmt.Sprintf("BreakKind(%d)", int(k))
	}
	return breakNames[k].name
}

// Label returns the kind's name in lang (English when it starts with "en",
// Chinese otherwise).
func (k BreakKind) Label(lang string) string {
	if k <= 0 || int(k) >= len(breakNames) {
		return k.String()
	}
	if isEnglish(lang) {
		return breakNames[k].en
	}
	return breakNames[k].zh
}

// Break is the first place where a chain is broken.
type Break struct {
	Seq    int64 // the first broken entry (for Deleted: the first missing one)
	Kind   BreakKind
	Detail string // in English, for the operator
}

// String describes the break for logs and the command line.
func (b *Break) String() string {
	return fmt.Sprintf("entry %d: %s: %s", b.Seq, b.Kind, b.Detail)
}

// maxShift is how far Verify looks for the original number of a
// renumbered entry: up to this many entries inserted before it or deleted
// before it are recognised as such, more are reported as an edit.
const maxShift = 64

// Verify checks a whole log, read in Seq order from its first entry, and
// returns the first break, or nil when the chain is intact; checked is the
// number of entries read. An error from entries stops it and is returned.
// It holds one entry at a time, so memory stays constant whatever the
// length of the log.
//
// Each entry must follow the one before it (Seq one higher, else Deleted
// or Inserted), hash to its Hash (else Edited, unless the entry hashes
// right under a nearby Seq: then it is an original renumbered after an
// insertion or deletion), and name the hash before it as PrevHash (else
// the entry before it is not the one it was chained to: Inserted). Losing
// the newest entries is not a break; compare the head with a copy kept
// elsewhere for that.
func Verify(entries iter.Seq2[Entry, error]) (*Break, int64, error) {
	var checked, last int64
	prev := Genesis
	for e, err := range entries {
		if err != nil {
			return nil, checked, err
		}
		checked++
		if b := check(e, last, prev); b != nil {
			return b, checked, nil
		}
		last, prev = e.Seq, e.Hash
	}
	return nil, checked, nil
}

// check checks e, read after the entry last whose hash is prev.
func check(e Entry, last int64, prev string) *Break {
	switch {
	case e.Seq <= last:
		return &Break{e.Seq, Inserted, fmt.Sprintf("seq %d follows seq %d: duplicated or out of order", e.Seq, last)}
	case e.Seq == last+2:
		return &Break{last + 1, Deleted, fmt.Sprintf("entry %d is missing", last+1)}
	case e.Seq > last+2:
		return &Break{last + 1, Deleted, fmt.Sprintf("entries %d to %d are missing", last+1, e.Seq-1)}
	}
	if e.Hash != e.ComputeHash() {
		for d := int64(1); d <= maxShift; d++ {
			if e.Seq-d >= 1 && hashAt(e, e.Seq-d) == e.Hash {
				return &Break{e.Seq - d, Inserted, fmt.Sprintf("entry %d is the original entry %d: %d entries were inserted before it", e.Seq, e.Seq-d, d)}
			}
			if hashAt(e, e.Seq+d) == e.Hash {
				return &Break{e.Seq, Deleted, fmt.Sprintf("entry %d is the original entry %d: %d entries were deleted and the later ones renumbered", e.Seq, e.Seq+d, d)}
			}
		}
		return &Break{e.Seq, Edited, "the entry's fields do not give its hash"}
	}
	if e.PrevHash != prev {
		if last == 0 {
			return &Break{e.Seq, Inserted, "the first entry does not start from the genesis hash"}
		}
		return &Break{last, Inserted, fmt.Sprintf("entry %d was chained to another entry %d: %d was inserted in its place", e.Seq, last, last)}
	}
	return nil
}
