package table

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// sniffSize is how much of a CSV is looked at to choose its encoding and
// delimiter. 64 KiB holds the header and hundreds of rows of a registry,
// which is enough for GBK to show itself, and keeps memory flat for files
// of any length.
const sniffSize = 64 << 10

// Encoding names returned by Reader.Encoding.
const (
	encUTF8    = "UTF-8"
	encUTF8BOM = "UTF-8 (BOM)"
	encGB18030 = "GB18030"
	encUTF16LE = "UTF-16LE"
	encUTF16BE = "UTF-16BE"
)

// errNotGB18030 is returned by the strict decoder: the x/text decoder
// silently turns invalid bytes into U+FFFD, which would import garbage.
var errNotGB18030 = errors.New("invalid GB18030/GBK byte sequence")

type csvSource struct {
	name string
	cr   *csv.Reader
	// checkUTF8 is set when the encoding was decided on the file's prefix:
	// encoding/csv passes invalid bytes through, so each row is checked.
	checkUTF8 bool
	row       int // Excel row number of the last record read
	endLine   int // text line on which the last record ended
	done      bool
}

func newCSVSource(name string, r io.Reader) (*csvSource, string, error) {
	raw := bufio.NewReaderSize(r, sniffSize)
	prefix, err := raw.Peek(sniffSize)
	atEOF := err != nil
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, "", &Error{File: name, Msg: "cannot read file", Err: err}
	}
	text, enc, err := decodeCSV(name, raw, prefix, atEOF)
	if err != nil {
		return nil, "", err
	}
	dec := bufio.NewReaderSize(text, sniffSize)
	comma, err := sniffDelimiter(dec)
	if err != nil {
		return nil, "", &Error{File: name, Msg: "cannot read file", Err: err}
	}
	cr := csv.NewReader(dec)
	cr.Comma = comma
	// The importer reports width errors per row in the user's language,
	// so encoding/csv must not reject rows of another width.
	cr.FieldsPerRecord = -1
	return &csvSource{name: name, cr: cr, checkUTF8: enc == encUTF8 || enc == encUTF8BOM}, enc, nil
}

// decodeCSV chooses the encoding from the prefix and returns the raw reader
// wrapped to yield UTF-8.
func decodeCSV(name string, raw *bufio.Reader, prefix []byte, atEOF bool) (io.Reader, string, error) {
	switch {
	case bytes.HasPrefix(prefix, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = raw.Discard(3)
		return raw, encUTF8BOM, nil
	case bytes.HasPrefix(prefix, []byte{0xFF, 0xFE}):
		// Excel's "Unicode text" (.txt) export.
		return transform.NewReader(raw, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()), encUTF16LE, nil
	case bytes.HasPrefix(prefix, []byte{0xFE, 0xFF}):
		return transform.NewReader(raw, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()), encUTF16BE, nil
	case bytes.HasPrefix(prefix, []byte("PK\x03\x04")):
		return nil, "", &Error{File: name, Msg: "this is an Excel workbook, not a CSV file: give it the .xlsx extension"}
	case bytes.HasPrefix(prefix, []byte(oleMagic)):
		return nil, "", &Error{File: name, Msg: xlsMessage}
	}
	if bytes.IndexByte(prefix, 0) >= 0 {
		if enc, ok := sniffUTF16(prefix); ok {
			return transform.NewReader(raw, unicode.UTF16(enc, unicode.IgnoreBOM).NewDecoder()), encName(enc), nil
		}
		return nil, "", &Error{File: name, Msg: "file contains NUL bytes: it is not a text (CSV) file"}
	}
	if validUTF8Prefix(prefix, atEOF) {
		return raw, encUTF8, nil
	}
	if off, ok := validGB18030Prefix(prefix, atEOF); !ok {
		// Point at the byte where the likelier encoding (the one that
		// decoded further) broke down: that is the byte to look at.
		off = max(off, invalidUTF8Offset(prefix))
		return nil, "", &Error{File: name, Msg: fmt.Sprintf(
			"text is neither UTF-8 nor GBK (invalid byte 0x%02X at offset %d): save it as \"CSV UTF-8\"",
			prefix[off], off)}
	}
	return transform.NewReader(raw, strictGB18030{simplifiedchinese.GB18030.NewDecoder()}), encGB18030, nil
}

func encName(e unicode.Endianness) string {
	if e == unicode.BigEndian {
		return encUTF16BE
	}
	return encUTF16LE
}

// sniffUTF16 recognises UTF-16 without a BOM by its NUL bytes: text in the
// registries is mostly ASCII digits and delimiters, whose high byte is 0.
func sniffUTF16(p []byte) (unicode.Endianness, bool) {
	var even, odd int
	n := len(p) &^ 1
	for i := 0; i < n; i += 2 {
		if p[i] == 0 {
			even++
		}
		if p[i+1] == 0 {
			odd++
		}
	}
	pairs := n / 2
	switch {
	case pairs == 0:
		return unicode.LittleEndian, false
	// Some CJK characters have a zero byte too (一 is U+4E00), so the
	// other side need only have far fewer.
	case odd*3 > pairs && even*10 < odd:
		return unicode.LittleEndian, true
	case even*3 > pairs && odd*10 < even:
		return unicode.BigEndian, true
	}
	return unicode.LittleEndian, false
}

// validUTF8Prefix reports whether p is UTF-8, allowing a rune cut off by
// the end of the sniffed prefix.
func validUTF8Prefix(p []byte, atEOF bool) bool {
	if !atEOF {
		for i := len(p) - 1; i >= 0 && i >= len(p)-utf8.UTFMax; i-- {
			if utf8.RuneStart(p[i]) {
				if !utf8.FullRune(p[i:]) {
					p = p[:i]
				}
				break
			}
		}
	}
	return utf8.Valid(p)
}

// invalidUTF8Offset returns the offset of the first byte of p that is not
// UTF-8.
func invalidUTF8Offset(p []byte) int {
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRune(p[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return 0
}

// validGB18030Prefix reports whether p decodes as GB18030, and if not, the
// offset of the first bad byte (approximately: the start of the chunk the
// decoder rejected).
func validGB18030Prefix(p []byte, atEOF bool) (int, bool) {
	t := strictGB18030{simplifiedchinese.GB18030.NewDecoder()}
	// GB18030 expands to at most 3 UTF-8 bytes per input byte (0x80 → €).
	dst := make([]byte, 3*len(p)+utf8.UTFMax)
	_, nSrc, err := t.Transform(dst, p, atEOF)
	switch {
	case err == nil, errors.Is(err, transform.ErrShortSrc) && !atEOF:
		return 0, true
	case nSrc >= len(p):
		return len(p) - 1, false
	}
	return nSrc, false
}

// strictGB18030 wraps the GB18030 decoder to fail on invalid input instead
// of replacing it with U+FFFD. A real U+FFFD in a GBK registry would come
// from an earlier broken conversion, so rejecting it too is what we want.
type strictGB18030 struct{ dec transform.Transformer }

func (t strictGB18030) Reset() { t.dec.Reset() }

func (t strictGB18030) Transform(dst, src []byte, atEOF bool) (int, int, error) {
	nDst, nSrc, err := t.dec.Transform(dst, src, atEOF)
	if i := bytes.Index(dst[:nDst], []byte("\uFFFD")); i >= 0 {
		// Find how much input produced the good output, so the caller can
		// point at the offending byte.
		good, _ := simplifiedchinese.GB18030.NewEncoder().Bytes(dst[:i])
		return i, len(good), errNotGB18030
	}
	return nDst, nSrc, err
}

// sniffDelimiter picks comma, TAB or semicolon, whichever the header line
// has most of outside quotes (comma on a tie or none). A first line
// "sep=;" written by Excel names the delimiter and is consumed.
func sniffDelimiter(r *bufio.Reader) (rune, error) {
	p, err := r.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return 0, err
	}
	if first, _, _ := bytes.Cut(p, []byte("\n")); len(first) >= 5 && strings.EqualFold(string(first[:4]), "sep=") {
		if d := strings.TrimRight(string(first[4:]), "\r"); utf8.RuneCountInString(d) == 1 {
			if c, _ := utf8.DecodeRuneInString(d); c != '"' && c != '\r' && c != '\n' && c != utf8.RuneError {
				_, err := r.Discard(len(first) + 1)
				if err != nil && !errors.Is(err, io.EOF) {
					return 0, err
				}
				return c, nil
			}
		}
	}
	// The header is the first line with something on it.
	var line []byte
	for len(p) > 0 {
		line, p, _ = bytes.Cut(p, []byte("\n"))
		if len(bytes.TrimSpace(line)) > 0 {
			break
		}
	}
	var counts [3]int
	quoted := false
	for _, c := range line {
		switch c {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				counts[0]++
			}
		case '\t':
			if !quoted {
				counts[1]++
			}
		case ';':
			if !quoted {
				counts[2]++
			}
		}
	}
	best, comma := 0, ','
	for i, d := range []rune{',', '\t', ';'} {
		if counts[i] > best {
			best, comma = counts[i], d
		}
	}
	return comma, nil
}

func (s *csvSource) read() ([]string, int, error) {
	if s.done {
		return nil, s.row, io.EOF
	}
	rec, err := s.cr.Read()
	if err != nil {
		return nil, s.row, s.readError(err)
	}
	start, _ := s.cr.FieldPos(0)
	s.row += rowsBetween(s.endLine, start)
	last, _ := s.cr.FieldPos(len(rec) - 1)
	s.endLine = last + strings.Count(rec[len(rec)-1], "\n")
	if s.checkUTF8 {
		for i, c := range rec {
			if !utf8.ValidString(c) {
				return nil, s.row, &Error{File: s.name, Line: s.row, Column: i + 1,
					Msg: "text is not valid UTF-8 (the start of the file is UTF-8; if it was saved as GBK/ANSI, save it again as \"CSV UTF-8\")"}
			}
		}
	}
	return rec, s.row, nil
}

// rowsBetween is how far Excel's row number advances from a record that
// ended on text line prevEnd to one starting on line start: encoding/csv
// skips blank lines, Excel shows them as empty rows.
func rowsBetween(prevEnd, start int) int {
	if start <= prevEnd {
		return 1
	}
	return start - prevEnd
}

func (s *csvSource) readError(err error) error {
	if errors.Is(err, io.EOF) {
		s.done = true
		return io.EOF
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		// encoding/csv resumes on the line after a malformed record, so
		// this is a row error and reading can go on.
		s.row += rowsBetween(s.endLine, pe.StartLine)
		s.endLine = pe.Line
		msg := pe.Err.Error()
		switch {
		case errors.Is(pe.Err, csv.ErrBareQuote):
			msg = "bare quote in field"
		case errors.Is(pe.Err, csv.ErrQuote) && pe.Line > pe.StartLine:
			msg = fmt.Sprintf("quoted field not closed (the quote runs on to text line %d)", pe.Line)
		case errors.Is(pe.Err, csv.ErrQuote):
			msg = "extraneous or missing quote in quoted field"
		}
		return &Error{File: s.name, Line: s.row, Msg: msg, Err: pe.Err}
	}
	s.done = true
	if errors.Is(err, errNotGB18030) {
		return &Error{File: s.name, Line: s.row + 1, Msg: "text is not valid GBK/GB18030 (the start of the file is GBK): save it as \"CSV UTF-8\"", Err: err}
	}
	return &Error{File: s.name, Line: s.row + 1, Msg: "cannot read file", Err: err}
}

func (s *csvSource) close() error {
	s.done = true
	return nil
}
