package calendar

import (
	"embed"
	"io/fs"
)

// The notices are embedded rather than read from disk so that a binary
// always carries the edition its tests checked, and runs from any
// directory.

//go:embed holidays/*.json
var noticeFiles embed.FS

//go:embed holidays/SOURCE.md
var source string

// Official returns the calendar of the embedded State Council notices,
// 2007 to 2026, from the holiday-cn project (see Source). It parses them
// on every call: build it once in main and pass it on.
func Official() (*Calendar, error) {
	sub, err := fs.Sub(noticeFiles, "holidays")
	if err != nil {
		return nil, err
	}
	return Load(sub)
}

// Source returns the provenance note of the embedded notices (SOURCE.md):
// where they come from, at which commit, under which licence.
func Source() string { return source }
