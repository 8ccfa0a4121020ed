package table

import (
	"strconv"
	"strings"
)

// Error is a problem with an input file, located as precisely as the file
// allows. It is meant to be shown to the person who uploaded the file, so
// it names the file by the name they gave it and the row as Excel shows it.
type Error struct {
	// File is the user's file name, as passed to NewReader.
	File string
	// Line is the row number as Excel shows it (the header is usually row
	// 1); for a CSV it counts blank lines and treats a quoted cell with line
	// breaks as one row, as Excel does. 0 means the whole file.
	Line int
	// Column is the 1-based column (A = 1), 0 when unknown.
	Column int
	// Msg says what is wrong, in English. Err, where set, lets a caller
	// that localises tell the cases apart (csv.ErrBareQuote, csv.ErrQuote).
	Msg string
	// Err is the underlying cause, if any, for errors.Is and errors.As.
	Err error
}

// Error formats the error as `医院.csv: row 14, column C: bare quote in field`.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(": row ")
		b.WriteString(strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteString(", column ")
			b.WriteString(ColumnName(e.Column))
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// ColumnName returns the spreadsheet letters of a 1-based column number
// (1 → "A", 27 → "AA"), which is how users find a column in Excel. It
// returns "" for n < 1.
func ColumnName(n int) string {
	if n < 1 {
		return ""
	}
	var buf [8]byte
	i := len(buf)
	for n > 0 {
		n--
		i--
		buf[i] = byte('A' + n%26)
		n /= 26
	}
	return string(buf[i:])
}
