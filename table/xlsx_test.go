package table

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// workbookBytes saves f for reading back.
func workbookBytes(t testing.TB, f *excelize.File) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReadXLSXCellValues checks what each kind of cell reads as: dates
// as YYYY-MM-DD whatever their display format, numbers as their value
// whatever their display format, text as is.
func TestReadXLSXCellValues(t *testing.T) {
	date := time.Date(2024, 3, 5, 14, 30, 15, 0, time.UTC)
	tests := []struct {
		name   string
		value  any
		numFmt int    // built-in format, if custom is ""
		custom string // custom format code
		want   string
	}{
		{"date m/d/yy (14)", date, 14, "", "2024-03-05"},
		{"date d-mmm-yy (15)", date, 15, "", "2024-03-05"},
		{"date-time (22)", date, 22, "", "2024-03-05 14:30:15"},
		{"time (21)", date, 21, "", "14:30:15"},
		{"Chinese date (31)", date, 31, "", "2024-03-05"},
		{"Chinese year-month (57)", date, 57, "", "2024-03-05"},
		{"Chinese time (32)", date, 32, "", "14:30:15"},
		{"custom Chinese date", date, 0, `yyyy"年"m"月"d"日"`, "2024-03-05"},
		{"custom date with text section", date, 0, `yyyy/m/d;@`, "2024-03-05"},
		{"custom long date with locale", date, 0, `[$-F800]dddd, mmmm dd, yyyy`, "2024-03-05"},
		{"custom DBNum date", date, 0, `[DBNum1][$-804]yyyy"年"m"月"d"日"`, "2024-03-05"},
		{"custom date-time", date, 0, `yyyy-mm-dd hh:mm`, "2024-03-05 14:30:15"},
		{"custom time with AM/PM", date, 0, `h:mm AM/PM`, "14:30:15"},
		{"custom elapsed hours", 1.5, 0, `[h]:mm:ss`, "12:00:00"},
		{"thousands separator", 120000, 3, "", "120000"},
		{"scientific", 120000.0, 11, "", "120000"},
		{"two decimals", 116.4173, 2, "", "116.4173"},
		{"percent", 0.955, 10, "", "0.955"},
		{"custom unit in quotes", 12, 0, `0 "张"`, "12"},
		{"custom currency", 1234.5, 0, `[$¥-804]#,##0.00`, "1234.5"},
		{"custom red negative", -3, 0, `0.00_);[Red]\(0.00\)`, "-3"},
		{"general float", 0.1 + 0.2, 0, "", "0.3"},
		{"general integer from float", 12.0, 0, "", "12"},
		{"large integer", 110101001000, 0, "", "110101001000"},
		{"small number", 0.00001, 0, "", "0.00001"},
		{"text with leading zeros", "0012", 0, "", "0012"},
		{"text code with number format", "110101", 3, "", "110101"},
		{"text that looks like a date, date style", "2024/3/5", 14, "", "2024/3/5"},
		{"bool", true, 0, "", "TRUE"},
		{"negative serial with date style", -5, 14, "", "-5"},
		{"text format", "00123", 49, "", "00123"},
	}
	f := excelize.NewFile()
	for i, tt := range tests {
		col := ColumnName(i + 1)
		if err := f.SetCellValue("Sheet1", col+"1", tt.name); err != nil {
			t.Fatal(err)
		}
		if err := f.SetCellValue("Sheet1", col+"2", tt.value); err != nil {
			t.Fatal(err)
		}
		style := &excelize.Style{NumFmt: tt.numFmt}
		if tt.custom != "" {
			style.CustomNumFmt = &tt.custom
		}
		id, err := f.NewStyle(style)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetCellStyle("Sheet1", col+"2", col+"2", id); err != nil {
			t.Fatal(err)
		}
	}
	res, err := readAll(t, "机构.xlsx", workbookBytes(t, f), XLSX)
	if err != nil || len(res.rows) != 1 || res.errs != nil {
		t.Fatalf("read: %v, %d rows, %v", err, len(res.rows), res.errs)
	}
	for i, tt := range tests {
		if got := res.rows[0][i]; got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestReadXLSXLibreOffice reads testdata/libreoffice.xlsx, which
// LibreOffice Calc wrote from testdata/libreoffice.fods (soffice --headless
// --convert-to xlsx libreoffice.fods). It differs from excelize's output:
// shared strings, style on every cell, explicit t="n", dates as numFmts
// with escaped separators (yyyy\-mm\-dd).
func TestReadXLSXLibreOffice(t *testing.T) {
	data, err := os.ReadFile("testdata/libreoffice.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	checkLibreOfficeWorkbook(t, data)
}

// TestReadXLSXLibreOfficeLive converts the .fods with the LibreOffice on
// this machine, to catch changes in what newer versions write.
func TestReadXLSXLibreOfficeLive(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Skip("soffice not installed; testdata/libreoffice.xlsx covers LibreOffice output")
	}
	if testing.Short() {
		t.Skip("starts LibreOffice")
	}
	dir := t.TempDir()
	src, err := filepath.Abs("testdata/libreoffice.fods")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--headless", "--convert-to", "xlsx", "--outdir", dir, src)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "libreoffice.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	checkLibreOfficeWorkbook(t, data)
}

func checkLibreOfficeWorkbook(t *testing.T, data []byte) {
	t.Helper()
	r, err := NewReaderSheet("libreoffice.xlsx", bytes.NewReader(data), "医院")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	wantHeader := []string{"机构名称", "机构代码", "成立日期", "床位数", "门诊量", "经度", "更新时间", "开诊时间", "达标率", "备注"}
	if got := r.Header(); !reflect.DeepEqual(got, wantHeader) {
		t.Errorf("header = %q", got)
	}
	want := []struct {
		line int
		row  []string
	}{
		{2, []string{"北京协和医院", "0012", "1921-09-16", "2000", "120000", "116.4173", "2024-03-05 14:30:00", "08:00:00", "0.955", `三级甲等, "综合"`}},
		{3, []string{"上海瑞金医院", "110101", "1907-01-01", "12", "3.5", "121.4737", "", "", "", ""}},
		{5, []string{"广州中山一院", "", "2010-12-31", "1", "", "", "", "", "", ""}},
	}
	for _, w := range want {
		row, line, err := r.Next()
		if err != nil || line != w.line || !reflect.DeepEqual(row, w.row) {
			t.Errorf("got %q on row %d, %v; want %q on row %d", row, line, err, w.row, w.line)
		}
	}
	if _, _, err := r.Next(); err == nil {
		t.Error("want io.EOF after the last row")
	}
}

func TestReadXLSXSheets(t *testing.T) {
	f := excelize.NewFile()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "说明"))
	must(f.SetCellValue("说明", "A1", "填表说明"))
	for _, s := range []string{"医院", "诊所"} {
		if _, err := f.NewSheet(s); err != nil {
			t.Fatal(err)
		}
		must(f.SetCellValue(s, "A1", s+"名称"))
	}
	f.SetActiveSheet(1)
	must(f.SetSheetVisible("说明", false))
	data := workbookBytes(t, f)

	tests := []struct {
		sheet   string
		header  string
		wantErr string
	}{
		{"", "医院名称", ""},
		{"诊所", "诊所名称", ""},
		{" 诊所 ", "诊所名称", ""},
		{"说明", "填表说明", ""},
		{"药店", "", `机构.xlsx: no sheet named "药店" (sheets: 说明, 医院, 诊所)`},
	}
	for _, tt := range tests {
		r, err := NewReaderSheet("机构.xlsx", bytes.NewReader(data), tt.sheet)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("sheet %q: error %v, want %q", tt.sheet, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("sheet %q: %v", tt.sheet, err)
			continue
		}
		if got := r.Header(); len(got) != 1 || got[0] != tt.header {
			t.Errorf("sheet %q: header %q, want %q", tt.sheet, got, tt.header)
		}
		if r.Encoding() != "" {
			t.Errorf("Encoding() = %q for xlsx", r.Encoding())
		}
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	}
}

func TestReadXLSXRowNumbers(t *testing.T) {
	f := excelize.NewFile()
	set := func(cell, v string) {
		if err := f.SetCellValue("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	set("B3", " 名称 ") // header on row 3, starting in column B
	set("C3", "代码")
	set("B4", "甲")
	set("C6", "0012")   // row 5 missing, row 6 starts empty
	set("B8", "\u3000") // white space only: skipped
	set("B9", "乙")
	set("E9", "多余") // wider than the header
	res, err := readAll(t, "机构.xlsx", workbookBytes(t, f), XLSX)
	if err != nil || res.errs != nil {
		t.Fatalf("read: %v %v", err, res.errs)
	}
	if want := []string{"", "名称", "代码"}; !reflect.DeepEqual(res.header, want) {
		t.Errorf("header = %q, want %q", res.header, want)
	}
	wantRows := [][]string{{"", "甲", ""}, {"", "", "0012"}, {"", "乙", "", "", "多余"}}
	if !reflect.DeepEqual(res.rows, wantRows) {
		t.Errorf("rows = %q, want %q", res.rows, wantRows)
	}
	if want := []int{4, 6, 9}; !reflect.DeepEqual(res.lines, want) {
		t.Errorf("lines = %v, want %v", res.lines, want)
	}
}

func TestReadXLSXBroken(t *testing.T) {
	valid := writeAll(t, XLSX, [][]string{{"名称", "代码"}, {"北京协和医院", "0012"}})
	random := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	var zipNoWorkbook bytes.Buffer
	zw := zip.NewWriter(&zipNoWorkbook)
	if w, err := zw.Create("hello.txt"); err != nil {
		t.Fatal(err)
	} else if _, err := w.Write([]byte("not a workbook")); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	corrupt := append([]byte(nil), valid...)
	for i := len(corrupt) / 3; i < len(corrupt)/3+64; i++ {
		corrupt[i] ^= 0x5A
	}
	// A forged central directory claiming a 2 GB part must fail before
	// anything allocates 2 GB.
	forged := append([]byte(nil), valid...)
	if i := bytes.Index(forged, []byte("PK\x01\x02")); i < 0 {
		t.Fatal("no central directory")
	} else {
		copy(forged[i+24:i+28], []byte{0xff, 0xff, 0xff, 0x7f})
	}
	// A bit flip inside the compressed sheet, which excelize alone would
	// read as a shorter sheet.
	flipped := append([]byte(nil), valid...)
	if i := bytes.Index(flipped, []byte("xl/worksheets/sheet1.xml")); i < 0 {
		t.Fatal("no sheet entry")
	} else {
		flipped[i+len("xl/worksheets/sheet1.xml")+40] ^= 0xff
	}
	tests := []struct {
		name string
		data []byte
		want string // substring of the message after the file name
	}{
		{"forged size", forged, "workbook is damaged or not an .xlsx file"},
		{"flipped bit in sheet", flipped, "the zip archive is corrupt"},
		{"empty file", nil, "not an .xlsx workbook"},
		{"random bytes", random, "not an .xlsx workbook"},
		{"CSV with .xlsx name", []byte("名称,代码\n甲,1\n"), "not an .xlsx workbook (it is not a zip file): if it is a CSV, give it the .csv extension"},
		{"legacy xls", []byte(oleMagic + strings.Repeat("\x00", 600)), xlsMessage},
		{"truncated", valid[:len(valid)/2], "workbook is damaged or not an .xlsx file: the zip archive is truncated or corrupt"},
		{"truncated to 100 bytes", valid[:100], "workbook is damaged or not an .xlsx file"},
		{"flipped bytes", corrupt, "workbook is damaged or not an .xlsx file"},
		{"zip without workbook", zipNoWorkbook.Bytes(), "workbook is damaged or not an .xlsx file: the zip archive holds no workbook"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readAll(t, "机构.xlsx", tt.data, XLSX)
			var te *Error
			if !errors.As(err, &te) || te.File != "机构.xlsx" || !strings.HasPrefix(err.Error(), "机构.xlsx: ") || !strings.Contains(te.Msg, tt.want) {
				t.Errorf("error = %v, want *Error for 机构.xlsx containing %q", err, tt.want)
			}
		})
	}
}

func TestReadXLSXTooLarge(t *testing.T) {
	valid := writeAll(t, XLSX, [][]string{{"名称"}, {"甲"}})
	if _, err := newXLSXSource("大.xlsx", bytes.NewReader(valid), "", int64(len(valid))); err != nil {
		t.Errorf("file of exactly the limit: %v", err)
	}
	_, err := newXLSXSource("大.xlsx", bytes.NewReader(valid), "", int64(len(valid)-1))
	if err == nil || !errors.Is(err, errTooLarge) || !strings.HasPrefix(err.Error(), "大.xlsx: workbook is larger than") {
		t.Errorf("error = %v, want too large", err)
	}
}

func TestClassifyNumFmt(t *testing.T) {
	tests := map[string]numFmtKind{
		"General":                         kindPlain,
		"0.00":                            kindPlain,
		"#,##0;[Red]-#,##0":               kindPlain,
		"0.00E+00":                        kindPlain,
		"@":                               kindPlain,
		`0.0 "万元"`:                        kindPlain,
		`"days" 0`:                        kindPlain,
		`\d0`:                             kindPlain,
		`yyyy\-mm\-dd`:                    kindDate,
		"mmm-yy":                          kindDate,
		`yyyy"年"m"月"`:                     kindDate,
		"m/d/yyyy h:mm":                   kindDateTime,
		"mm:ss":                           kindTime,
		"[h]:mm":                          kindTime,
		"[Red][<=100]0;0":                 kindPlain,
		`上午/下午h"时"mm"分"`:                  kindTime,
		"[$-804]aaaa":                     kindPlain,
		"yyyy-mm-dd;@":                    kindDate,
		"0.00;yyyy":                       kindPlain,
		`_(* #,##0_);_(* \(#,##0\);_(@_)`: kindPlain,
	}
	for code, want := range tests {
		if got := classifyNumFmt(code); got != want {
			t.Errorf("classifyNumFmt(%q) = %v, want %v", code, got, want)
		}
	}
}

// TestReadXLSXMinimal reads a workbook with only the required parts, no
// styles and no shared strings, as small generators write them.
func TestReadXLSXMinimal(t *testing.T) {
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="医院" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c><c r="B1" t="inlineStr"><is><t>床位</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>甲</t></is></c><c r="B2"><v>12.0</v></c></row></sheetData></worksheet>`},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.Create(p.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(p.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := readAll(t, "最小.xlsx", buf.Bytes(), XLSX)
	if err != nil || res.errs != nil {
		t.Fatal(err, res.errs)
	}
	if !reflect.DeepEqual(res.header, []string{"名称", "床位"}) || !reflect.DeepEqual(res.rows, [][]string{{"甲", "12"}}) {
		t.Errorf("got %q %q", res.header, res.rows)
	}
}
