package region

import (
	"fmt"
	"strings"
)

// csvFile reads the embedded CSV files. encoding/csv copies every record
// onto the heap; slicing the embedded text instead keeps the names and the
// (mostly identical) population notes in the binary's read-only data, which
// makes Load several times faster and the Tree about half the size. It
// handles what our files use: one record per line, LF or CRLF, and fields
// quoted with "" as the escaped quote, but no line breaks inside quotes.
type csvFile struct {
	name   string // file name, for errors
	rest   string // text not yet read
	row    int    // row number of the last record, as a spreadsheet shows it
	fields []string
}

// next returns the fields of the next record, or nil at the end of the file.
// The slice is reused by the following call; the strings are not.
func (f *csvFile) next(want int) ([]string, error) {
	for f.rest != "" {
		line, rest, _ := strings.Cut(f.rest, "\n")
		f.rest = rest
		f.row++
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			continue
		}
		fields, err := splitRecord(line, f.fields[:0])
		f.fields = fields
		if err != nil {
			return nil, fmt.Errorf("region: %s: row %d: %w", f.name, f.row, err)
		}
		if len(fields) != want {
			return nil, fmt.Errorf("region: %s: row %d: %d fields, want %d", f.name, f.row, len(fields), want)
		}
		return fields, nil
	}
	return nil, nil
}

// splitRecord appends the fields of one CSV line to fields.
func splitRecord(line string, fields []string) ([]string, error) {
	for {
		if !strings.HasPrefix(line, `"`) {
			field, rest, more := strings.Cut(line, ",")
			if strings.Contains(field, `"`) {
				return fields, fmt.Errorf("field %d: quote inside an unquoted field", len(fields)+1)
			}
			fields = append(fields, field)
			if !more {
				return fields, nil
			}
			line = rest
			continue
		}
		// A quoted field ends at a quote that is not doubled.
		escaped := false
		end := -1
		for i := 1; i < len(line); i++ {
			if line[i] != '"' {
				continue
			}
			if i+1 < len(line) && line[i+1] == '"' {
				escaped = true
				i++
				continue
			}
			end = i
			break
		}
		if end < 0 {
			return fields, fmt.Errorf("field %d: quote not closed", len(fields)+1)
		}
		field := line[1:end]
		if escaped {
			field = strings.ReplaceAll(field, `""`, `"`)
		}
		fields = append(fields, field)
		line = line[end+1:]
		if line == "" {
			return fields, nil
		}
		if line[0] != ',' {
			return fields, fmt.Errorf("field %d: text after closing quote", len(fields))
		}
		line = line[1:]
	}
}
