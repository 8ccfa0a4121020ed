package table

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

func encode(t testing.TB, e encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode %q: %v", s, err)
	}
	return b
}

func TestReadCSVEncodings(t *testing.T) {
	const text = "机构名称,机构代码,备注\r\n北京协和医院,0012,\"三级甲等, 综合\"\r\n第一医院,110101,\r\n"
	const tsv = "机构名称\t机构代码\t备注\r\n北京协和医院\t0012\t\"三级甲等, 综合\"\r\n第一医院\t110101\t\r\n"
	want := [][]string{{"北京协和医院", "0012", "三级甲等, 综合"}, {"第一医院", "110101", ""}}
	utf16le := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	utf16be := unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
	tests := []struct {
		name string
		data []byte
		enc  string
	}{
		{"utf-8", []byte(text), "UTF-8"},
		{"utf-8 with BOM", []byte("\ufeff" + text), "UTF-8 (BOM)"},
		{"GBK from old Excel", encode(t, simplifiedchinese.GBK, text), "GB18030"},
		{"GB18030", encode(t, simplifiedchinese.GB18030, text), "GB18030"},
		{"UTF-16LE unicode text", encode(t, utf16le, tsv), "UTF-16LE"},
		{"UTF-16BE", encode(t, utf16be, tsv), "UTF-16BE"},
		{"UTF-16LE without BOM", encode(t, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), tsv), "UTF-16LE"},
		{"UTF-16BE without BOM", encode(t, unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), tsv), "UTF-16BE"},
		{"tab-separated UTF-8", []byte(tsv), "UTF-8"},
		{"semicolon", []byte(strings.ReplaceAll(text, ",", ";")), "UTF-8"},
		{"LF line endings", []byte(strings.ReplaceAll(text, "\r\n", "\n")), "UTF-8"},
		{"no final newline", []byte(strings.TrimSuffix(text, "\r\n")), "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader("医院.csv", bytes.NewReader(tt.data), CSV)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Encoding(); got != tt.enc {
				t.Errorf("Encoding() = %q, want %q", got, tt.enc)
			}
			if got := r.Header(); !reflect.DeepEqual(got, []string{"机构名称", "机构代码", "备注"}) {
				t.Errorf("Header() = %q", got)
			}
			res, err := readAll(t, "医院.csv", tt.data, CSV)
			if err != nil || res.errs != nil {
				t.Fatalf("read: %v %v", err, res.errs)
			}
			if semicolon := tt.name == "semicolon"; semicolon {
				want := [][]string{{"北京协和医院", "0012", "三级甲等; 综合"}, {"第一医院", "110101", ""}}
				if !reflect.DeepEqual(res.rows, want) {
					t.Errorf("rows = %q, want %q", res.rows, want)
				}
			} else if !reflect.DeepEqual(res.rows, want) {
				t.Errorf("rows = %q, want %q", res.rows, want)
			}
			if !reflect.DeepEqual(res.lines, []int{2, 3}) {
				t.Errorf("lines = %v, want [2 3]", res.lines)
			}
		})
	}
}

func TestReadCSVDelimiter(t *testing.T) {
	tests := []struct {
		name   string
		data   string
		header []string
		rows   [][]string
	}{
		{"comma inside quotes does not count", "\"a,b,c\"\td\n1\t2\n", []string{"a,b,c", "d"}, [][]string{{"1", "2"}}},
		{"one column", "名称\n甲\n", []string{"名称"}, [][]string{{"甲"}}},
		{"Excel sep= line", "sep=;\na;b\n1,5;2\n", []string{"a", "b"}, [][]string{{"1,5", "2"}}},
		{"header after blank lines", "\n\r\na;b\n1;2\n", []string{"a", "b"}, [][]string{{"1", "2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := readAll(t, "x.csv", []byte(tt.data), CSV)
			if err != nil || res.errs != nil {
				t.Fatalf("read: %v %v", err, res.errs)
			}
			if !reflect.DeepEqual(res.header, tt.header) || !reflect.DeepEqual(res.rows, tt.rows) {
				t.Errorf("got %q %q, want %q %q", res.header, res.rows, tt.header, tt.rows)
			}
		})
	}
}

// TestReadCSVRowNumbers checks that rows are numbered as Excel shows them:
// blank lines count, a cell with line breaks is one row.
func TestReadCSVRowNumbers(t *testing.T) {
	data := "\n" + // row 1: blank
		"\ufeff 名称 ,备注\n" + // row 2: header (stray BOM and spaces)
		"甲,\"多\n行\"\n" + // row 3, text lines 3–4
		"\n" + // row 4: blank
		" ,\u3000\n" + // row 5: only white space, skipped
		"\u3000乙\u3000,x\r\n" + // row 6
		"\"丙\n\n\",\"y\"\n" + // row 7, text lines 7–9
		"丁,z" // row 8
	res, err := readAll(t, "医院.csv", []byte(data), CSV)
	if err != nil || res.errs != nil {
		t.Fatalf("read: %v %v", err, res.errs)
	}
	if want := []string{"名称", "备注"}; !reflect.DeepEqual(res.header, want) {
		t.Errorf("header = %q, want %q", res.header, want)
	}
	wantRows := [][]string{{"甲", "多\n行"}, {"乙", "x"}, {"丙", "y"}, {"丁", "z"}}
	if !reflect.DeepEqual(res.rows, wantRows) {
		t.Errorf("rows = %q, want %q", res.rows, wantRows)
	}
	if want := []int{3, 6, 7, 8}; !reflect.DeepEqual(res.lines, want) {
		t.Errorf("lines = %v, want %v", res.lines, want)
	}
}

func TestReadCSVWidthNotChecked(t *testing.T) {
	res, err := readAll(t, "x.csv", []byte("a,b,c\n1\n1,2,3,4\n1,,\n"), CSV)
	if err != nil || res.errs != nil {
		t.Fatalf("read: %v %v", err, res.errs)
	}
	want := [][]string{{"1"}, {"1", "2", "3", "4"}, {"1", "", ""}}
	if !reflect.DeepEqual(res.rows, want) {
		t.Errorf("rows = %q, want %q", res.rows, want)
	}
}

func TestReadCSVEmpty(t *testing.T) {
	for _, data := range []string{"", "\n\n", " , \n,,\n", "\ufeff"} {
		res, err := readAll(t, "空.csv", []byte(data), CSV)
		if err != nil || res.header != nil || res.rows != nil || res.errs != nil {
			t.Errorf("%q: got %+v, %v; want nothing", data, res, err)
		}
	}
}

// rowsOf returns a CSV header and n rows of ASCII, to push later content
// past the sniffed prefix.
func rowsOf(n int) string {
	var b strings.Builder
	b.WriteString("code,name\n")
	for range n {
		b.WriteString("110101,hospital-name-padding-padding-padding\n")
	}
	return b.String()
}

func TestReadCSVErrors(t *testing.T) {
	long := 2000 // rows: 2000 × 42 bytes is past the 64 KiB sniff
	gbkPrefix := encode(t, simplifiedchinese.GBK, strings.ReplaceAll(rowsOf(long), "hospital", "协和医院"))
	tests := []struct {
		name string
		data []byte
		// openErr is the whole error from NewReader, if it fails.
		openErr string
		// rowErrs are the errors from Next, in order.
		rowErrs []string
		// lines are the rows read successfully.
		lines []int
	}{
		{
			name:    "neither UTF-8 nor GBK",
			data:    []byte("名称,代码\n甲,\xff\xfe\n"),
			openErr: `医院.csv: text is neither UTF-8 nor GBK (invalid byte 0xFF at offset 18): save it as "CSV UTF-8"`,
		},
		{
			name:    "GBK lead byte without trail byte",
			data:    append(encode(t, simplifiedchinese.GBK, "名称\n"), 0x81, '\n', 0x81),
			openErr: `医院.csv: text is neither UTF-8 nor GBK (invalid byte 0x81 at offset 5): save it as "CSV UTF-8"`,
		},
		{
			name:    "NUL bytes",
			data:    []byte("a,b\n1,\x00\x01\n"),
			openErr: "医院.csv: file contains NUL bytes: it is not a text (CSV) file",
		},
		{
			name:    "xlsx named .csv",
			data:    []byte("PK\x03\x04rest of a zip"),
			openErr: "医院.csv: this is an Excel workbook, not a CSV file: give it the .xlsx extension",
		},
		{
			name:    "xls named .csv",
			data:    []byte(oleMagic + "rest"),
			openErr: "医院.csv: " + xlsMessage,
		},
		{
			name:    "bare quote on row 14, reading goes on",
			data:    []byte("名称,代码\n" + strings.Repeat("甲,1\n", 12) + "乙,2\"3\n丙,4\n"),
			rowErrs: []string{"医院.csv: row 14: bare quote in field"},
			lines:   []int{2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15},
		},
		{
			name:    "quote not closed",
			data:    []byte("名称,代码\n甲,1\n乙,\"2\n丙,3\n"),
			rowErrs: []string{"医院.csv: row 3: quoted field not closed (the quote runs on to text line 4)"},
			lines:   []int{2},
		},
		{
			name:    "stray quote after quoted field",
			data:    []byte("名称,代码\n甲,\"1\"x\n丙,3\n"),
			rowErrs: []string{"医院.csv: row 2: extraneous or missing quote in quoted field"},
			lines:   []int{3},
		},
		{
			name:    "GBK row after a UTF-8 start",
			data:    append([]byte(rowsOf(long)), append(encode(t, simplifiedchinese.GBK, "110102,北京协和医院\n"), "110103,ok\n"...)...),
			rowErrs: []string{`医院.csv: row 2002, column B: text is not valid UTF-8 (the start of the file is UTF-8; if it was saved as GBK/ANSI, save it again as "CSV UTF-8")`},
		},
		{
			name:    "invalid byte after a GBK start",
			data:    append(append([]byte{}, gbkPrefix...), "110102,\xff\n110103,ok\n"...),
			rowErrs: []string{`医院.csv: row 2002: text is not valid GBK/GB18030 (the start of the file is GBK): save it as "CSV UTF-8"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := readAll(t, "医院.csv", tt.data, CSV)
			if tt.openErr != "" {
				var te *Error
				if !errors.As(err, &te) || err.Error() != tt.openErr {
					t.Fatalf("NewReader error = %v, want *Error %q", err, tt.openErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range res.errs {
				var te *Error
				if !errors.As(e, &te) {
					t.Errorf("error %v is %T, want *Error", e, e)
				}
				got = append(got, e.Error())
			}
			if !reflect.DeepEqual(got, tt.rowErrs) {
				t.Errorf("row errors = %q, want %q", got, tt.rowErrs)
			}
			if tt.lines != nil && !reflect.DeepEqual(res.lines, tt.lines) {
				t.Errorf("lines = %v, want %v", res.lines, tt.lines)
			}
		})
	}
}

func TestReadCSVGBKAfterUTF8KeepsGoing(t *testing.T) {
	data := append([]byte(rowsOf(2000)), append(encode(t, simplifiedchinese.GBK, "110102,北京协和医院\n"), "110103,ok\n"...)...)
	res, err := readAll(t, "医院.csv", data, CSV)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.rows); n != 2001 || res.lines[n-1] != 2003 || res.rows[n-1][1] != "ok" {
		t.Errorf("read %d rows, last %v on row %d; want 2001 rows, ok on row 2003", n, res.rows[n-1], res.lines[n-1])
	}
}

// endless is a CSV that never ends: NewReader and Next must work on it,
// which shows that the file is streamed, not loaded.
type endless struct{ pending []byte }

func (e *endless) Read(p []byte) (int, error) {
	if len(e.pending) == 0 {
		e.pending = []byte("110101,北京协和医院,三级甲等\n")
	}
	n := copy(p, e.pending)
	e.pending = e.pending[n:]
	return n, nil
}

func TestReadCSVStreams(t *testing.T) {
	r, err := NewReader("无穷.csv", &endless{pending: []byte("代码,名称,等级\n")}, CSV)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100_000 {
		row, line, err := r.Next()
		if err != nil || line != i+2 || row[1] != "北京协和医院" {
			t.Fatalf("row %d: %q, line %d, %v", i, row, line, err)
		}
	}
}

// failingReader returns an I/O error after its data.
type failingReader struct{ r io.Reader }

func (f failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if errors.Is(err, io.EOF) {
		return n, errors.New("connection reset")
	}
	return n, err
}

func TestReadCSVIOError(t *testing.T) {
	data := rowsOf(3000)
	r, err := NewReader("医院.csv", failingReader{strings.NewReader(data)}, CSV)
	if err != nil {
		t.Fatal(err)
	}
	var last error
	for range 10_000 {
		if _, _, last = r.Next(); last != nil {
			break
		}
	}
	var te *Error
	if !errors.As(last, &te) || te.Line != 3002 || !strings.Contains(last.Error(), "connection reset") && te.Err == nil {
		t.Fatalf("error = %v, want *Error on row 3002", last)
	}
	if _, _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("after a fatal error Next = %v, want io.EOF", err)
	}
}
