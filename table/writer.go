package table

import (
	"archive/zip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/width"
)

// Writer writes rows to a CSV or XLSX file. The first row written is the
// header.
type Writer interface {
	// Write writes one row.
	Write(row []string) error
	// Close flushes the rows (for XLSX: writes the whole workbook) to the
	// io.Writer given to NewWriter, which it does not close.
	Close() error
}

// Option configures NewWriter.
type Option func(*writerOptions)

type writerOptions struct {
	bom     bool
	numeric []bool
}

// WithBOM starts a CSV with a UTF-8 byte order mark. Excel on Windows
// needs it to open a UTF-8 CSV by double-click; without it Chinese text
// shows as mojibake. It is off by default so that export → import → export
// is byte-identical. Ignored for XLSX.
func WithBOM() Option {
	return func(o *writerOptions) { o.bom = true }
}

// WithNumericColumns marks the columns whose numbers are written as
// numbers in an XLSX; numeric[i] is column i. Everything else is written
// as text, so that codes such as "110101" and "0012" keep their exact
// digits. Ignored for CSV.
func WithNumericColumns(numeric []bool) Option {
	return func(o *writerOptions) { o.numeric = numeric }
}

// NewWriter returns a Writer of format f on w. sheet names the XLSX sheet
// ("Sheet1" if empty) and is ignored for CSV. A CSV is UTF-8 with LF line
// endings and encoding/csv quoting.
func NewWriter(w io.Writer, f Format, sheet string, opts ...Option) (Writer, error) {
	var o writerOptions
	for _, opt := range opts {
		opt(&o)
	}
	switch f {
	case CSV:
		return newCSVWriter(w, o.bom)
	case XLSX:
		return NewXLSXWriter(w, sheet, o.numeric)
	}
	return nil, fmt.Errorf("table.NewWriter: invalid format %v", f)
}

type csvWriter struct {
	w      *csv.Writer
	closed bool
}

func newCSVWriter(w io.Writer, bom bool) (*csvWriter, error) {
	if bom {
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return nil, fmt.Errorf("write BOM: %w", err)
		}
	}
	return &csvWriter{w: csv.NewWriter(w)}, nil
}

func (c *csvWriter) Write(row []string) error {
	if c.closed {
		return errors.New("table: write to closed CSV writer")
	}
	if err := c.w.Write(row); err != nil {
		return fmt.Errorf("write CSV row: %w", err)
	}
	return nil
}

func (c *csvWriter) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return fmt.Errorf("flush CSV: %w", err)
	}
	return nil
}

// widthSample is how many rows are held back to size the columns: the
// stream writer needs the widths before the first row.
const widthSample = 100

// maxCellChars is Excel's limit on a cell, in UTF-16 code units. excelize
// would silently truncate longer text.
const maxCellChars = 32767

type xlsxWriter struct {
	out     io.Writer
	f       *excelize.File
	sw      *excelize.StreamWriter
	numeric []bool
	bold    int
	text    int
	pending [][]string
	started bool
	closed  bool
	row     int
	cells   []any
}

// NewXLSXWriter returns a Writer of an XLSX workbook with one sheet. The
// header row is bold and frozen, columns are sized for their contents
// (a Chinese character counts double), and text columns are formatted as
// text so that codes typed in later by hand keep their leading zeros.
// numeric[i] marks column i as numeric; see WithNumericColumns.
//
// The first 100 rows are held back to size the columns, so an error from
// writing them can come from a later Write or from Close. Control
// characters other than TAB, LF and CR cannot be stored in the sheet's
// XML; excelize writes them as U+FFFD.
func NewXLSXWriter(w io.Writer, sheet string, numeric []bool) (Writer, error) {
	if sheet == "" {
		sheet = "Sheet1"
	}
	f := excelize.NewFile()
	f.ZipWriter = fastZipWriter
	x, err := newXLSXWriter(w, f, sheet, numeric)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return x, nil
}

// fastZipWriter compresses at flate.BestSpeed on all CPUs. At the default
// level, deflating the sheet XML took a third of the export's time; the
// fastest level is several times quicker for a file about a third larger,
// which suits exports that are downloaded once.
func fastZipWriter(w io.Writer) excelize.ZipWriter {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return newParallelDeflate(out), nil
	})
	return zw
}

func newXLSXWriter(w io.Writer, f *excelize.File, sheet string, numeric []bool) (*xlsxWriter, error) {
	if def := f.GetSheetName(0); def != sheet {
		if err := f.SetSheetName(def, sheet); err != nil {
			return nil, fmt.Errorf("sheet name %q: %w", sheet, err)
		}
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, fmt.Errorf("header style: %w", err)
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // 49 is "@", text
	if err != nil {
		return nil, fmt.Errorf("text style: %w", err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, fmt.Errorf("stream sheet %q: %w", sheet, err)
	}
	return &xlsxWriter{out: w, f: f, sw: sw, numeric: numeric, bold: bold, text: text}, nil
}

func (x *xlsxWriter) Write(row []string) error {
	if x.closed {
		return errors.New("table: write to closed XLSX writer")
	}
	// Checked here, not when the row is streamed, so that the error comes
	// from the Write of the offending row even while rows are held back.
	for c, v := range row {
		if len(v) > maxCellChars && utf16Len(v) > maxCellChars {
			return fmt.Errorf("row %d, column %s: text of %d characters is longer than Excel's limit of %d",
				x.row+len(x.pending)+1, ColumnName(c+1), utf16Len(v), maxCellChars)
		}
	}
	if x.started {
		return x.writeRow(row)
	}
	x.pending = append(x.pending, append([]string(nil), row...))
	if len(x.pending) >= widthSample {
		return x.start()
	}
	return nil
}

// start lays out the sheet from the sampled rows, then writes them.
func (x *xlsxWriter) start() error {
	x.started = true
	ncol := 0
	for _, r := range x.pending {
		ncol = max(ncol, len(r))
	}
	for c := range ncol {
		w := 0
		for _, r := range x.pending {
			if c < len(r) {
				w = max(w, displayWidth(r[c]))
			}
		}
		// Excel's width unit is one digit of the default font; two more
		// for padding, and bounds so one long address does not push the
		// rest off screen.
		if err := x.sw.SetColWidth(c+1, c+1, float64(min(max(w+2, 8), 60))); err != nil {
			return fmt.Errorf("column width: %w", err)
		}
		if !x.isNumeric(c) {
			if err := x.sw.SetColStyle(c+1, c+1, x.text); err != nil {
				return fmt.Errorf("column style: %w", err)
			}
		}
	}
	if len(x.pending) > 0 {
		err := x.sw.SetPanes(&excelize.Panes{
			Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
			Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
		})
		if err != nil {
			return fmt.Errorf("freeze header: %w", err)
		}
	}
	for _, r := range x.pending {
		if err := x.writeRow(r); err != nil {
			return err
		}
	}
	x.pending = nil
	return nil
}

func (x *xlsxWriter) isNumeric(col int) bool {
	return col < len(x.numeric) && x.numeric[col]
}

func (x *xlsxWriter) writeRow(row []string) error {
	x.row++
	x.cells = x.cells[:0]
	for c, v := range row {
		switch {
		case v == "":
			x.cells = append(x.cells, nil)
		case x.row == 1:
			x.cells = append(x.cells, excelize.Cell{StyleID: x.bold, Value: v})
		case x.isNumeric(c):
			if n, ok := plainInteger(v); ok {
				// Most numeric columns hold counts; an int skips the
				// float formatting in both our check and excelize.
				x.cells = append(x.cells, n)
			} else if n, ok := exactNumber(v); ok {
				x.cells = append(x.cells, n)
			} else {
				x.cells = append(x.cells, v)
			}
		default:
			x.cells = append(x.cells, v)
		}
	}
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return fmt.Errorf("row %d: %w", x.row, err)
	}
	if err := x.sw.SetRow(cell, x.cells); err != nil {
		return fmt.Errorf("write row %d: %w", x.row, err)
	}
	return nil
}

func (x *xlsxWriter) Close() error {
	if x.closed {
		return nil
	}
	defer func() { _ = x.f.Close() }()
	if !x.started {
		if err := x.start(); err != nil {
			x.closed = true
			return err
		}
	}
	x.closed = true
	if err := x.sw.Flush(); err != nil {
		return fmt.Errorf("flush sheet: %w", err)
	}
	if err := x.f.Write(x.out); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}

// exactNumber parses s as a number that Excel stores and shows back as
// the same text: plain decimal notation, no leading zeros or trailing
// fraction zeros, at most 15 significant digits (Excel's precision).
// Anything else stays text, so reading the file back gives s again.
func exactNumber(s string) (float64, bool) {
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(n, 0) || math.IsNaN(n) || (n == 0 && s != "0") {
		return 0, false
	}
	if strconv.FormatFloat(n, 'f', -1, 64) != s {
		return 0, false
	}
	significant, leading := 0, true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '0' && leading, c == '-', c == '.':
		default:
			leading = false
			significant++
		}
	}
	return n, significant <= 15
}

// plainInteger parses s if it is an integer in canonical form (no sign
// but "-", no leading zeros) of at most 15 digits, a fast path of
// exactNumber.
func plainInteger(s string) (int64, bool) {
	digits := strings.TrimPrefix(s, "-")
	if len(digits) == 0 || len(digits) > 15 || (digits[0] == '0' && s != "0") {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// displayWidth is the width of the longest line of s in Excel's width
// units: East Asian wide characters take two.
func displayWidth(s string) int {
	best, cur := 0, 0
	for _, r := range s {
		switch {
		case r == '\n':
			cur = 0
			continue
		case r < utf8.RuneSelf:
			cur++
		default:
			switch width.LookupRune(r).Kind() {
			case width.EastAsianWide, width.EastAsianFullwidth:
				cur += 2
			default:
				cur++
			}
		}
		best = max(best, cur)
	}
	return best
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// WriteRows writes rows, the first usually a header, as a whole file of
// format f (sheet names the worksheet of an .xlsx): for the small tables
// (report cards, gap lists, dispatch reports) that are built in memory.
func WriteRows(w io.Writer, f Format, sheet string, rows [][]string) error {
	tw, err := NewWriter(w, f, sheet)
	if err != nil {
		return err
	}
	for _, row := range rows {
		if err := tw.Write(row); err != nil {
			tw.Close()
			return err
		}
	}
	return tw.Close()
}
