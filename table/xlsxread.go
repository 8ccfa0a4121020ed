package table

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// MaxXLSXSize is the largest workbook NewReader accepts, in bytes. excelize
// needs the whole zip in memory; 200 MB of xlsx is several million rows,
// far beyond any registry, and keeps a server's memory bounded.
const MaxXLSXSize = 200 << 20

// Bounds on a workbook's expanded size, so that a zip bomb fails with an
// error instead of filling memory and the temp directory. excelize keeps
// every part in memory except worksheets and shared strings larger than
// xmlSpillSize, which it unzips to temp files.
const (
	maxUnzipped  = 2 << 30
	maxInMemory  = 512 << 20
	xmlSpillSize = 16 << 20
	// maxDeflateRatio is a little above DEFLATE's limit of 1032:1; a part
	// that claims more has a forged size (excelize allocates the claimed
	// size up front).
	maxDeflateRatio = 1100
)

// oleMagic starts an OLE2 compound file: a legacy .xls, or an encrypted
// (password-protected) .xlsx.
const oleMagic = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"

// Canonical text forms of date and time cells. The importer parses these;
// users' own formats (2024年3月5日, 3/5/24) never reach it.
const (
	dateLayout     = "yyyy-mm-dd"
	dateTimeLayout = "yyyy-mm-dd hh:mm:ss"
	timeLayout     = "hh:mm:ss"
)

type xlsxSource struct {
	name string
	f    *excelize.File
	rows *excelize.Rows
	row  int
	done bool
}

// errTooLarge stops reading an upload once it passes MaxXLSXSize.
var errTooLarge = errors.New("workbook too large")

type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// Probe one byte: a file of exactly the limit is fine.
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n > 0 {
			return 0, errTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// newXLSXSource opens sheet of the workbook r, refusing more than limit
// bytes.
func newXLSXSource(name string, r io.Reader, sheet string, limit int64) (*xlsxSource, error) {
	lr := &limitedReader{r: r, n: limit}
	data, err := io.ReadAll(lr)
	if errors.Is(err, errTooLarge) {
		return nil, &Error{File: name, Msg: fmt.Sprintf("workbook is larger than %d MB: split it or save it as CSV", limit>>20), Err: err}
	}
	if err != nil {
		return nil, &Error{File: name, Msg: "cannot read file", Err: err}
	}
	switch {
	case bytes.HasPrefix(data, []byte(oleMagic)):
		return nil, &Error{File: name, Msg: xlsMessage + " (or the workbook is password-protected: remove the password)"}
	case !bytes.HasPrefix(data, []byte("PK")):
		return nil, &Error{File: name, Msg: "not an .xlsx workbook (it is not a zip file): if it is a CSV, give it the .csv extension"}
	}
	if err := checkZip(data); err != nil {
		var te *Error
		if errors.As(err, &te) {
			te.File = name
			return nil, te
		}
		return nil, &Error{File: name, Msg: "workbook is damaged or not an .xlsx file: " + openErrorText(err), Err: err}
	}
	return openWorkbook(name, data, sheet)
}

// panicError turns a panic inside excelize into an *Error. excelize parses
// untrusted uploads and panics on some shapes it does not expect (NewStyle
// on a workbook without a style sheet does); an import running outside an
// HTTP handler would otherwise take the whole server down.
func panicError(name string, line int, p any) *Error {
	return &Error{File: name, Line: line, Msg: fmt.Sprintf("workbook could not be read (%v)", p), Err: errExcelizePanic}
}

var errExcelizePanic = errors.New("excelize panicked")

func openWorkbook(name string, data []byte, sheet string) (s *xlsxSource, err error) {
	var f *excelize.File
	defer func() {
		if p := recover(); p != nil {
			if f != nil {
				_ = f.Close()
			}
			s, err = nil, panicError(name, 0, p)
		}
	}()
	f, err = excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxUnzipped, UnzipXMLSizeLimit: xmlSpillSize})
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		return nil, &Error{File: name, Msg: "workbook is damaged or not an .xlsx file: " + openErrorText(err), Err: err}
	}
	s, err = openSheet(name, f, sheet)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return s, nil
}

// checkZip guards excelize against damaged and hostile archives: excelize
// trusts each part's declared size and ignores errors while unzipping, so
// a damaged part would import as silently missing rows. Every part is
// therefore inflated once here, which checks its CRC; that costs far less
// than excelize's XML parsing of the same bytes.
func checkZip(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	var total, inMemory uint64
	for _, zf := range zr.File {
		size := zf.UncompressedSize64
		if size > maxDeflateRatio*zf.CompressedSize64+64<<10 {
			return fmt.Errorf("%s claims %d bytes from %d: %w", zf.Name, size, zf.CompressedSize64, zip.ErrFormat)
		}
		total += size
		name := strings.ToLower(zf.Name)
		spills := size > xmlSpillSize && (strings.HasPrefix(name, "xl/worksheets/sheet") || name == "xl/sharedstrings.xml")
		if !spills {
			inMemory += size
		}
		if total > maxUnzipped || inMemory > maxInMemory {
			return &Error{Msg: fmt.Sprintf("workbook expands to more than %d MB (or %d MB outside its sheets): split it or save it as CSV",
				maxUnzipped>>20, maxInMemory>>20), Err: errTooLarge}
		}
	}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			return fmt.Errorf("%s: %w", zf.Name, err)
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", zf.Name, err)
		}
	}
	return nil
}

// openErrorText shortens excelize/zip errors to something a user can act
// on; the full error stays in Error.Err.
func openErrorText(err error) string {
	switch {
	case errors.Is(err, zip.ErrFormat), errors.Is(err, io.ErrUnexpectedEOF):
		return "the zip archive is truncated or corrupt"
	case errors.Is(err, zip.ErrChecksum), errors.Is(err, zip.ErrAlgorithm), errors.As(err, new(flate.CorruptInputError)):
		return "the zip archive is corrupt (" + err.Error() + ")"
	case errors.Is(err, io.EOF):
		// excelize decodes a missing part as empty XML.
		return "the zip archive holds no workbook"
	}
	return err.Error()
}

func openSheet(name string, f *excelize.File, want string) (*xlsxSource, error) {
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, &Error{File: name, Msg: "workbook has no sheets"}
	}
	sheet := ""
	if want == "" {
		sheet = sheets[0]
		for _, s := range sheets {
			// Hidden sheets usually hold code lists for drop-downs.
			if visible, err := f.GetSheetVisible(s); err == nil && visible {
				sheet = s
				break
			}
		}
	} else {
		for _, s := range sheets {
			if s == want {
				sheet = s
				break
			}
		}
		for _, s := range sheets {
			if sheet == "" && strings.EqualFold(strings.TrimSpace(s), strings.TrimSpace(want)) {
				sheet = s
			}
		}
		if sheet == "" {
			return nil, &Error{File: name, Msg: fmt.Sprintf("no sheet named %q (sheets: %s)", want, strings.Join(sheets, ", "))}
		}
	}
	if err := canonicalNumberFormats(f); err != nil {
		return nil, &Error{File: name, Msg: "cannot read the workbook's styles", Err: err}
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, &Error{File: name, Msg: fmt.Sprintf("cannot read sheet %q", sheet), Err: err}
	}
	return &xlsxSource{name: name, f: f, rows: rows}, nil
}

func (s *xlsxSource) read() (cells []string, line int, err error) {
	if s.done {
		return nil, s.row, io.EOF
	}
	defer func() {
		if p := recover(); p != nil {
			_ = s.close()
			cells, line, err = nil, s.row, panicError(s.name, s.row, p)
		}
	}()
	if !s.rows.Next() {
		err := s.rows.Error()
		_ = s.close()
		if err != nil {
			return nil, s.row, &Error{File: s.name, Line: s.row + 1, Msg: "cannot read row", Err: err}
		}
		return nil, s.row, io.EOF
	}
	// excelize's Next visits every row number, including ones the sheet
	// does not store, so counting calls gives Excel's row number.
	s.row++
	cells, err = s.rows.Columns()
	if err != nil {
		return nil, s.row, &Error{File: s.name, Line: s.row, Msg: "cannot read row", Err: err}
	}
	return cells, s.row, nil
}

func (s *xlsxSource) close() error {
	if s.done {
		return nil
	}
	s.done = true
	errRows := s.rows.Close()
	errFile := s.f.Close()
	return errors.Join(errRows, errFile)
}

// canonicalNumberFormats rewrites the workbook's cell formats, in memory,
// so that excelize's formatted Columns output is what the importer wants:
// date and time cells as ISO text, every other number as its plain value.
// Formatting cells as displayed would turn 120000 into "1.2E+05" or
// "120,000", and raw values would leave dates as serials like 45356.
//
// excelize offers no per-cell style in streaming reads, so the styles
// themselves are changed: every date format becomes yyyy-mm-dd (or a
// date-time / time layout) and every other format becomes one that excelize
// does not know, which makes it return the value unformatted. The style
// sheet is edited directly rather than through NewStyle, which panics on
// style sheets without the parts it expects.
func canonicalNumberFormats(f *excelize.File) error {
	st := f.Styles
	if st == nil || st.CellXfs == nil {
		// No cell formats: every cell is General, read as its value.
		return nil
	}
	// excelize's style types are unexported; a scratch workbook supplies
	// values of them to copy.
	scratch := excelize.NewFile()
	defer scratch.Close()
	code := dateLayout
	if _, err := scratch.NewStyle(&excelize.Style{CustomNumFmt: &code}); err != nil {
		return fmt.Errorf("scratch style: %w", err)
	}
	if scratch.Styles == nil || scratch.Styles.NumFmts == nil || len(scratch.Styles.NumFmts.NumFmt) == 0 {
		return errors.New("scratch style has no number format")
	}
	template := *scratch.Styles.NumFmts.NumFmt[0]

	custom := map[int]string{}
	maxID := 163 // custom formats start at 164
	if st.NumFmts != nil {
		for _, nf := range st.NumFmts.NumFmt {
			if nf == nil {
				continue
			}
			code := nf.FormatCode
			if nf.FormatCode16 != "" {
				code = nf.FormatCode16
			}
			custom[nf.NumFmtID] = code
			maxID = max(maxID, nf.NumFmtID)
		}
	} else {
		empty := *scratch.Styles.NumFmts
		empty.NumFmt = nil
		st.NumFmts = &empty
	}
	fmtIDs := map[numFmtKind]int{}
	for i, l := range []struct {
		kind numFmtKind
		code string
	}{{kindDate, dateLayout}, {kindDateTime, dateTimeLayout}, {kindTime, timeLayout}} {
		nf := template
		nf.NumFmtID, nf.FormatCode, nf.FormatCode16 = maxID+1+i, l.code, ""
		st.NumFmts.NumFmt = append(st.NumFmts.NumFmt, &nf)
		fmtIDs[l.kind] = nf.NumFmtID
	}
	st.NumFmts.Count = len(st.NumFmts.NumFmt)
	plain := -1
	for {
		if _, taken := custom[plain]; !taken {
			break
		}
		plain--
	}
	for i := range st.CellXfs.Xf {
		xf := &st.CellXfs.Xf[i]
		id := 0
		if xf.NumFmtID != nil {
			id = *xf.NumFmtID
		}
		code, isCustom := custom[id]
		kind := builtinKind(id)
		if isCustom {
			kind = classifyNumFmt(code)
		}
		target := plain
		if kind != kindPlain {
			target = fmtIDs[kind]
		}
		xf.NumFmtID = &target
	}
	return nil
}

// numFmtKind is what a number format makes of a number.
type numFmtKind int

const (
	kindPlain numFmtKind = iota
	kindDate
	kindDateTime
	kindTime
)

// builtinKind classifies Excel's built-in number formats, including the
// East Asian ones (27–36, 50–58) that Chinese Excel uses for 2024年3月5日
// and 上午/下午 times without writing their codes into the file.
func builtinKind(id int) numFmtKind {
	switch {
	case 14 <= id && id <= 17, 27 <= id && id <= 31, id == 36, 50 <= id && id <= 54, id == 57, id == 58:
		return kindDate
	case 18 <= id && id <= 21, 32 <= id && id <= 35, 45 <= id && id <= 47, id == 55, id == 56:
		return kindTime
	case id == 22:
		return kindDateTime
	}
	return kindPlain
}

// classifyNumFmt classifies a custom number format code by the date and
// time tokens in its first section, ignoring quoted text, escaped
// characters, colours and locale tags such as [$-804] or [DBNum1].
func classifyNumFmt(code string) numFmtKind {
	var b strings.Builder
	quoted := false
	rs := []rune(code)
scan:
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case quoted:
			if c == '"' {
				quoted = false
			}
		case c == '"':
			quoted = true
		case c == '\\', c == '_', c == '*':
			i++ // the next character is literal, padding or fill
		case c == ';':
			break scan
		case c == '[':
			end := i + 1
			for end < len(rs) && rs[end] != ']' {
				end++
			}
			// [h], [mm], [ss] are elapsed time; anything else in brackets
			// is a colour, condition or locale.
			if tag := strings.ToLower(string(rs[i+1 : min(end, len(rs))])); tag != "" && strings.Trim(tag, "hms") == "" {
				b.WriteString(tag)
			}
			i = end
		default:
			b.WriteRune(c)
		}
	}
	s := strings.ToLower(b.String())
	if s == "general" || strings.Contains(s, "general") {
		return kindPlain
	}
	s = strings.NewReplacer("am/pm", "", "a/p", "", "上午/下午", "").Replace(s)
	hasTime := strings.ContainsAny(s, "hs")
	hasDate := strings.ContainsAny(s, "yd") || (strings.Contains(s, "m") && !hasTime)
	switch {
	case hasDate && hasTime:
		return kindDateTime
	case hasDate:
		return kindDate
	case hasTime:
		return kindTime
	}
	return kindPlain
}
