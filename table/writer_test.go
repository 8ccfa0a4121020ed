package table

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// registryRows has the cells that break naive CSV and XLSX code. Cells
// have no surrounding spaces and no row is all empty, since Reader trims
// and skips those.
var registryRows = [][]string{
	{"机构名称", "机构代码", "地址", "床位数", "备注", "空列"},
	{"北京协和医院", "0012", "北京市东城区帅府园1号", "2000", `三级甲等, "综合"`, ""},
	{"上海瑞金医院", "110101", "上海市黄浦区\n瑞金二路197号", "1.5", "", ""},
	{"", "000000", "a,b;c\td", "-3", "=1+1", ""},
	{"医院 😷", "12345678901234567890", `"quoted"`, "0", "_x0041_ literal", "最后"},
	{"空格 在 中间", "1e5", "line1\nline2\nline3", "120000", "1.50", ""},
}

func TestRoundTrip(t *testing.T) {
	numeric := []bool{false, false, false, true, false, false}
	tests := []struct {
		name string
		f    Format
		opts []Option
		enc  string
	}{
		{"csv", CSV, nil, "UTF-8"},
		{"csv with BOM", CSV, []Option{WithBOM()}, "UTF-8 (BOM)"},
		{"xlsx", XLSX, nil, ""},
		{"xlsx with numeric column", XLSX, []Option{WithNumericColumns(numeric)}, ""},
		{"xlsx all numeric", XLSX, []Option{WithNumericColumns([]bool{true, true, true, true, true, true})}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := writeAll(t, tt.f, registryRows, tt.opts...)
			r, err := NewReader("机构."+tt.f.String(), bytes.NewReader(data), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if r.Encoding() != tt.enc {
				t.Errorf("Encoding() = %q, want %q", r.Encoding(), tt.enc)
			}
			got := [][]string{r.Header()}
			for {
				row, _, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, row)
			}
			if !reflect.DeepEqual(got, registryRows) {
				t.Errorf("round trip changed the rows:\ngot  %q\nwant %q", got, registryRows)
			}
			// export → import → export must give the same bytes (XLSX
			// carries timestamps in docProps, so only for CSV).
			if tt.f == CSV {
				if again := writeAll(t, tt.f, got, tt.opts...); !bytes.Equal(again, data) {
					t.Errorf("second export differs:\n%q\n%q", again, data)
				}
			}
		})
	}
}

func TestWriteCSVBytes(t *testing.T) {
	got := writeAll(t, CSV, [][]string{{"名称", "备注"}, {"甲", "a,\"b\"\nc"}, {"0012", ""}})
	want := "名称,备注\n甲,\"a,\"\"b\"\"\nc\"\n0012,\n"
	if string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
	got = writeAll(t, CSV, [][]string{{"名称"}}, WithBOM())
	if want := "\ufeff名称\n"; string(got) != want {
		t.Errorf("with BOM: got %q, want %q", got, want)
	}
}

// TestWriteXLSXLayout checks what a person sees on opening the export:
// bold frozen header, numbers as numbers only where asked, codes as text,
// wider columns for Chinese text.
func TestWriteXLSXLayout(t *testing.T) {
	rows := [][]string{
		{"机构名称", "机构代码", "床位数", "id"},
		{"首都医科大学附属北京天坛医院", "0012", "2000", "1"},
		{"甲", "110101", "0012", "2"},
	}
	data := writeAll(t, XLSX, rows, WithNumericColumns([]bool{false, false, true}))
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{"机构"}) {
		t.Errorf("sheets = %q", got)
	}
	panes, err := f.GetPanes("机构")
	if err != nil || !panes.Freeze || panes.YSplit != 1 || panes.XSplit != 0 {
		t.Errorf("panes = %+v, %v; want header frozen", panes, err)
	}
	styleID, err := f.GetCellStyle("机构", "A1")
	if err != nil {
		t.Fatal(err)
	}
	style, err := f.GetStyle(styleID)
	if err != nil || style.Font == nil || !style.Font.Bold {
		t.Errorf("header style = %+v, %v; want bold", style, err)
	}
	cellTypes := map[string]excelize.CellType{
		"B2": excelize.CellTypeInlineString, // code with leading zeros
		"B3": excelize.CellTypeInlineString, // code in a text column
		"C2": excelize.CellTypeUnset,        // number: no t attribute
		"C3": excelize.CellTypeInlineString, // "0012" in a numeric column
		"D2": excelize.CellTypeInlineString, // number in a text column
	}
	for cell, want := range cellTypes {
		if got, err := f.GetCellType("机构", cell); err != nil || got != want {
			t.Errorf("%s: cell type %v, %v; want %v", cell, got, err, want)
		}
	}
	wide, _ := f.GetColWidth("机构", "A")
	narrow, _ := f.GetColWidth("机构", "D")
	if wide < 28 || narrow > 10 {
		t.Errorf("column widths A=%v D=%v; want A ≥ 28 (14 Chinese characters), D small", wide, narrow)
	}
}

// TestWriteXLSXManyRows crosses the rows held back to size columns.
func TestWriteXLSXManyRows(t *testing.T) {
	rows := [][]string{{"序号", "名称"}}
	for i := range 2*widthSample + 7 {
		rows = append(rows, []string{fmt.Sprint(i), fmt.Sprintf("医院%04d", i)})
	}
	res, err := readAll(t, "多.xlsx", writeAll(t, XLSX, rows, WithNumericColumns([]bool{true})), XLSX)
	if err != nil || res.errs != nil {
		t.Fatal(err, res.errs)
	}
	if !reflect.DeepEqual(append([][]string{res.header}, res.rows...), rows) {
		t.Errorf("rows differ")
	}
	if last := res.lines[len(res.lines)-1]; last != len(rows) {
		t.Errorf("last row on %d, want %d", last, len(rows))
	}
}

func TestWriteXLSXEmpty(t *testing.T) {
	res, err := readAll(t, "空.xlsx", writeAll(t, XLSX, nil), XLSX)
	if err != nil || res.header != nil || res.rows != nil {
		t.Errorf("empty workbook: %+v, %v", res, err)
	}
}

func TestWriterErrors(t *testing.T) {
	if _, err := NewWriter(io.Discard, XLSX, "a/b"); err == nil {
		t.Error("sheet name with / accepted")
	}
	if _, err := NewWriter(io.Discard, Format(0), ""); err == nil {
		t.Error("invalid format accepted")
	}
	for _, f := range []Format{CSV, XLSX} {
		w, err := NewWriter(io.Discard, f, "")
		if err != nil {
			t.Fatal(err)
		}
		if f == XLSX {
			long := strings.Repeat("医", maxCellChars+1)
			if err := w.Write([]string{"a", long}); err == nil || !strings.Contains(err.Error(), "row 1, column B") {
				t.Errorf("over-long cell: %v", err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Errorf("%v: second Close: %v", f, err)
		}
		if err := w.Write([]string{"x"}); err == nil {
			t.Errorf("%v: Write after Close accepted", f)
		}
	}
}

func TestExactNumber(t *testing.T) {
	tests := map[string]bool{
		"0": true, "12": true, "-3": true, "1.5": true, "116.4173": true, "110101": true,
		"0012": false, "1.50": false, "1e5": false, "+1": false, "-0": false, "NaN": false,
		"Inf": false, "0x10": false, "1_000": false, "": false, " 1": false,
		"123456789012345": true, "1234567890123456": false, "0.000001": true,
	}
	for s, want := range tests {
		if _, got := exactNumber(s); got != want {
			t.Errorf("exactNumber(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestDisplayWidth(t *testing.T) {
	for s, want := range map[string]int{"": 0, "abc": 3, "医院": 4, "Ａ": 2, "甲乙\nabcdefg": 7, "1号楼": 5} {
		if got := displayWidth(s); got != want {
			t.Errorf("displayWidth(%q) = %d, want %d", s, got, want)
		}
	}
}

// TestWriteXLSXLarge writes a sheet of several deflate chunks, so that the
// parallel compression is checked by a real zip reader (CRC included).
func TestWriteXLSXLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 20,000-row workbook")
	}
	rows := [][]string{{"序号", "名称", "地址"}}
	for i := range 20_000 {
		rows = append(rows, []string{fmt.Sprint(i), fmt.Sprintf("医院%05d", i), "北京市东城区帅府园1号"})
	}
	res, err := readAll(t, "大.xlsx", writeAll(t, XLSX, rows, WithNumericColumns([]bool{true})), XLSX)
	if err != nil || res.errs != nil {
		t.Fatal(err, res.errs)
	}
	if !reflect.DeepEqual(append([][]string{res.header}, res.rows...), rows) {
		t.Errorf("rows differ")
	}
}
