package region

import (
	"cmp"
	"slices"
	"strings"
)

// Search finds units for a picker. A query of digits matches code prefixes;
// any other query matches a substring of the Chinese name or of the pinyin
// (NameEn), ignoring letter case, spaces and apostrophes, so "xian",
// "Xi'an" and "西安" all find 西安市. Exact matches come first, then
// prefix matches, then the rest; within each, higher levels before lower,
// then by code, so "朝阳" lists the prefecture 朝阳市 before the districts of
// that name. limit <= 0 means no limit; an empty query finds nothing.
func (t *Tree) Search(q string, limit int) []Division {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil
	}
	type hit struct {
		rank int
		i    int32
	}
	var hits []hit
	if isDigits(q) {
		for i, d := range t.divs {
			if strings.HasPrefix(d.Code, q) {
				hits = append(hits, hit{matchRank(d.Code, q), int32(i)})
			}
		}
	} else {
		py := foldPinyin(q)
		for i, d := range t.divs {
			rank := matchRank(d.Name, q)
			if py != "" {
				rank = min(rank, matchRank(t.pinyin[i], py))
			}
			if rank < noMatch {
				hits = append(hits, hit{rank, int32(i)})
			}
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if c := cmp.Compare(a.rank, b.rank); c != 0 {
			return c
		}
		if c := cmp.Compare(t.divs[a.i].Level, t.divs[b.i].Level); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i) // divs is sorted by code
	})
	if limit > 0 && len(hits) > limit {
		hits = hits[:limit]
	}
	out := make([]Division, len(hits))
	for k, h := range hits {
		out[k] = t.divs[h.i]
	}
	return out
}

// Match ranks, best first.
const (
	exactMatch = iota
	prefixMatch
	substringMatch
	noMatch
)

func matchRank(s, q string) int {
	switch {
	case s == q:
		return exactMatch
	case strings.HasPrefix(s, q):
		return prefixMatch
	case strings.Contains(s, q):
		return substringMatch
	}
	return noMatch
}

// foldPinyin lower-cases s and drops spaces and apostrophes, the parts of a
// pinyin spelling that people type inconsistently. It returns "" for a
// string that is not plain ASCII, which cannot be pinyin.
func foldPinyin(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80:
			return ""
		case c == ' ', c == '\'', c == '-':
		case 'A' <= c && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
