package commitment

import (
	"embed"
	"fmt"
	"path"
	"slices"
	"strings"
)

// builtinFiles are the commitments files shipped in the binary: one per
// year's commitments or action plan. A new year needs a new file here, or
// a file given on the command line, not new code.
//
//go:embed sets/*.yaml
var builtinFiles embed.FS

// Builtin returns the shipped sets, sorted by id. It fails only if a shipped
// file is broken, which the package's tests rule out.
func Builtin() ([]*Set, error) {
	entries, err := builtinFiles.ReadDir("sets")
	if err != nil {
		return nil, err
	}
	var out []*Set
	for _, e := range entries {
		data, err := builtinFiles.ReadFile(path.Join("sets", e.Name()))
		if err != nil {
			return nil, err
		}
		s, err := Parse(e.Name(), data)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *Set) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Find returns the set with the given id among sets.
func Find(sets []*Set, id string) (*Set, error) {
	for _, s := range sets {
		if s.ID == id {
			return s, nil
		}
	}
	var ids []string
	for _, s := range sets {
		ids = append(ids, s.ID)
	}
	return nil, fmt.Errorf("no commitments %q (have %s)", id, strings.Join(ids, ", "))
}
