// Package table reads and writes spreadsheet-like files (CSV and .xlsx) as
// rows of strings. It is the file layer under the registry importer and
// exporter: it knows about encodings, delimiters, Excel number formats and
// row numbers as Excel shows them, and nothing about facilities.
package table

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Format is a file format that table reads and writes.
type Format int

// The formats. The zero Format is invalid so that a forgotten field is an
// error rather than silently CSV.
const (
	CSV Format = iota + 1
	XLSX
)

// String returns the name used by ParseFormat: "csv" or "xlsx".
func (f Format) String() string {
	switch f {
	case CSV:
		return "csv"
	case XLSX:
		return "xlsx"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// ParseFormat parses "csv" or "xlsx" (any case, optional leading dot), as
// given on a command line or in a query string.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), ".")) {
	case "csv":
		return CSV, nil
	case "xlsx":
		return XLSX, nil
	}
	return 0, fmt.Errorf("unknown table format %q: want csv or xlsx", s)
}

// xlsMessage is shown for legacy binary workbooks. Staff often have old
// templates in .xls; they can fix this themselves with "Save as", so the
// message tells them how, in both languages.
const xlsMessage = "旧版 .xls 不受支持，请另存为 .xlsx / .xls (Excel 97-2003) is not supported: save as .xlsx"

// FormatFromName picks the format from a file name's extension: .csv, .tsv
// and .txt (Excel's "Unicode text" export) are CSV, .xlsx and .xlsm are XLSX.
// A legacy .xls gets an *Error naming the file that tells the user to save
// it as .xlsx.
func FormatFromName(name string) (Format, error) {
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".csv", ".txt", ".tsv":
		return CSV, nil
	case ".xlsx", ".xlsm":
		return XLSX, nil
	case ".xls":
		return 0, &Error{File: name, Msg: xlsMessage}
	default:
		return 0, &Error{File: name, Msg: fmt.Sprintf("unsupported file type %q: use .csv or .xlsx", ext)}
	}
}
