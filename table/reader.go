package table

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// rowSource is one file format's row stream. It returns raw cells with the
// row number as Excel shows it. After a fatal error it returns io.EOF, so a
// caller that collects row errors and keeps reading always terminates.
type rowSource interface {
	read() (cells []string, line int, err error)
	close() error
}

// Reader reads the rows of a CSV or XLSX file as trimmed strings. The
// first non-empty row is the header; Next returns the rows after it.
//
// A *Error for one row (a bare quote, invalid UTF-8) can be followed by
// further calls to Next, which go on with the next row, so a caller can
// report every bad row at once. A *Error with Line 0, or one after which
// the file cannot be read on, is followed by io.EOF.
type Reader struct {
	name     string
	format   Format
	src      rowSource
	header   []string
	encoding string
}

// NewReader reads the header of r, a file in format f that the user named
// name. name is used in every error. The CSV encoding and delimiter are
// detected; an XLSX is read from its first visible sheet.
//
// An XLSX is held in memory while it is read (excelize needs random access
// to the zip), up to MaxXLSXSize bytes; a CSV is streamed.
func NewReader(name string, r io.Reader, f Format) (*Reader, error) {
	switch f {
	case CSV:
		src, enc, err := newCSVSource(name, r)
		if err != nil {
			return nil, err
		}
		return newReader(name, f, src, enc)
	case XLSX:
		return NewReaderSheet(name, r, "")
	}
	return nil, fmt.Errorf("table.NewReader %s: invalid format %v", name, f)
}

// NewReaderSheet reads the XLSX workbook r from the named sheet, for
// workbooks that keep the registry beside other sheets (instructions, code
// lists). The name is matched exactly, then ignoring case and surrounding
// spaces; an empty sheet means the first visible sheet.
func NewReaderSheet(name string, r io.Reader, sheet string) (*Reader, error) {
	src, err := newXLSXSource(name, r, sheet, MaxXLSXSize)
	if err != nil {
		return nil, err
	}
	return newReader(name, XLSX, src, "")
}

func newReader(name string, f Format, src rowSource, enc string) (*Reader, error) {
	rd := &Reader{name: name, format: f, src: src, encoding: enc}
	for {
		cells, _, err := src.read()
		if errors.Is(err, io.EOF) {
			// An empty file is not an error here: the importer says
			// "no rows" in the user's language.
			return rd, nil
		}
		if err != nil {
			_ = src.close()
			return nil, err
		}
		for i, c := range cells {
			// A BOM can survive inside the first cell when a file was
			// converted twice; it would make the first column unknown.
			cells[i] = strings.TrimSpace(strings.ReplaceAll(c, "\ufeff", ""))
		}
		if !allEmpty(cells) {
			rd.header = cells
			return rd, nil
		}
	}
}

// Header returns the first non-empty row, cells trimmed and BOM stripped.
// It is nil for a file without any non-empty row.
func (r *Reader) Header() []string { return r.header }

// Encoding returns the detected text encoding of a CSV: "UTF-8",
// "UTF-8 (BOM)", "GB18030", "UTF-16LE" or "UTF-16BE". It is "" for XLSX.
func (r *Reader) Encoding() string { return r.encoding }

// Next returns the next row after the header that has a non-empty cell,
// with its row number as Excel shows it. Cells are trimmed of surrounding
// white space (including the ideographic space U+3000).
//
// A CSV row is returned with exactly its cells: the caller checks the
// width against the header. An XLSX row is padded with empty cells to the
// header's width, because a sheet does not store trailing empty cells; it
// is never truncated.
//
// At the end of the file Next returns io.EOF; other errors are *Error.
func (r *Reader) Next() (row []string, line int, err error) {
	if r.header == nil {
		return nil, 0, io.EOF
	}
	for {
		cells, line, err := r.src.read()
		if err != nil {
			return nil, line, err
		}
		for i, c := range cells {
			cells[i] = strings.TrimSpace(c)
		}
		if allEmpty(cells) {
			continue
		}
		if r.format == XLSX && len(cells) < len(r.header) {
			cells = append(cells, make([]string, len(r.header)-len(cells))...)
		}
		return cells, line, nil
	}
}

// Close releases the temporary files an XLSX may use for large sheets. It
// does not close the io.Reader given to NewReader. Reading to io.EOF closes
// too; Close is safe to call more than once.
func (r *Reader) Close() error {
	if err := r.src.close(); err != nil {
		return fmt.Errorf("close %s: %w", r.name, err)
	}
	return nil
}

func allEmpty(cells []string) bool {
	for _, c := range cells {
		if c != "" {
			return false
		}
	}
	return true
}
