package season

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// officialCSV is the Purple Mountain Observatory's published minutes that
// we could confirm; official/SOURCE.md says where each comes from.
//
//go:embed official/terms.csv
var officialCSV []byte

// officialFile names the embedded file in parse errors.
const officialFile = "official/terms.csv"

// officialHeader is the first row the file must have.
var officialHeader = []string{"year", "name", "beijing_time", "source"}

// officialKey finds a shipped minute: a year and a term's Index.
type officialKey struct{ year, index int }

// officialMoments parses the embedded file. It is small enough to parse on
// every call, which keeps the package free of cached state.
func officialMoments() (map[officialKey]Moment, error) {
	ms, err := parseOfficial(officialFile, officialCSV)
	if err != nil {
		return nil, err
	}
	out := make(map[officialKey]Moment, len(ms))
	for _, m := range ms {
		out[officialKey{m.At.Year(), m.Term.Index}] = m
	}
	return out, nil
}

// RowError is a bad row of an official-minutes file, printed as
// `official/terms.csv: row 3: name "清名": unknown term`; Row counts the
// header as row 1, as a spreadsheet shows it.
type RowError struct {
	// File names the file.
	File string
	// Row is the 1-based row, the header being row 1.
	Row int
	// Field and Value are the column and its text, empty when the whole
	// row is wrong.
	Field, Value string
	// Err is what is wrong.
	Err error
}

// Error formats the place, then the fault.
func (e *RowError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s: row %d: %v", e.File, e.Row, e.Err)
	}
	return fmt.Sprintf("%s: row %d: %s %q: %v", e.File, e.Row, e.Field, e.Value, e.Err)
}

// Unwrap returns Err.
func (e *RowError) Unwrap() error { return e.Err }

// parseOfficial reads an official-minutes CSV: a header
// "year,name,beijing_time,source", then one row per moment, e.g.
// "2025,清明,2025-04-04 20:49,Xinhua quoting PMO". The time is Beijing time
// to the minute and must fall in the row's year (every term does: 小寒 is
// in January, 冬至 in December); a (year, term) pair may appear once and
// the source note may not be empty. The moments come back in file order,
// with Source Official.
func parseOfficial(file string, data []byte) ([]Moment, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = len(officialHeader)
	r.Comment = '#'
	header, err := r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty file, want header %s", file, strings.Join(officialHeader, ","))
		}
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for i, h := range officialHeader {
		if strings.TrimSpace(header[i]) != h {
			return nil, fmt.Errorf("%s: header %q, want %s", file, strings.Join(header, ","), strings.Join(officialHeader, ","))
		}
	}
	var out []Moment
	seen := map[officialKey]bool{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		row, _ := r.FieldPos(0)
		rowErr := func(field, value string, err error) error {
			return &RowError{File: file, Row: row, Field: field, Value: value, Err: err}
		}
		year, err := strconv.Atoi(strings.TrimSpace(rec[0]))
		if err != nil {
			return nil, rowErr("year", rec[0], errors.New("not a year"))
		}
		if year < MinYear || year > MaxYear {
			return nil, rowErr("year", rec[0], fmt.Errorf("%w (%d–%d)", ErrYearOutOfRange, MinYear, MaxYear))
		}
		term, ok := TermByName(strings.TrimSpace(rec[1]))
		if !ok {
			return nil, rowErr("name", rec[1], errors.New("unknown term"))
		}
		at, err := time.ParseInLocation("2006-01-02 15:04", strings.TrimSpace(rec[2]), beijing)
		if err != nil {
			return nil, rowErr("beijing_time", rec[2], errors.New("want YYYY-MM-DD HH:MM"))
		}
		if at.Year() != year {
			return nil, rowErr("beijing_time", rec[2], fmt.Errorf("not in %d", year))
		}
		if strings.TrimSpace(rec[3]) == "" {
			return nil, rowErr("source", rec[3], errors.New("say where the minute comes from"))
		}
		k := officialKey{year, term.Index}
		if seen[k] {
			return nil, rowErr("", "", fmt.Errorf("%s %d appears twice", term.Name, year))
		}
		seen[k] = true
		out = append(out, Moment{Term: term, At: at, Source: Official})
	}
}
