package table

import (
	"errors"
	"strings"
	"testing"
)

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in      string
		want    Format
		wantErr bool
	}{
		{"csv", CSV, false},
		{"XLSX", XLSX, false},
		{".xlsx", XLSX, false},
		{" csv ", CSV, false},
		{"xls", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseFormat(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseFormat(%q) = %v, %v; want %v, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err == nil && got.String() != strings.ToLower(strings.Trim(tt.in, " .")) {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
	if s := Format(0).String(); s != "Format(0)" {
		t.Errorf("Format(0).String() = %q", s)
	}
}

func TestFormatFromName(t *testing.T) {
	tests := []struct {
		name    string
		want    Format
		wantMsg string
	}{
		{"医院.csv", CSV, ""},
		{"医院.CSV", CSV, ""},
		{"导出.txt", CSV, ""},
		{"机构.xlsx", XLSX, ""},
		{"机构.xlsm", XLSX, ""},
		{"旧模板.xls", 0, "旧模板.xls: 旧版 .xls 不受支持，请另存为 .xlsx / .xls (Excel 97-2003) is not supported: save as .xlsx"},
		{"机构.ods", 0, `机构.ods: unsupported file type ".ods": use .csv or .xlsx`},
		{"机构", 0, `机构: unsupported file type "": use .csv or .xlsx`},
	}
	for _, tt := range tests {
		got, err := FormatFromName(tt.name)
		if got != tt.want {
			t.Errorf("FormatFromName(%q) = %v, want %v", tt.name, got, tt.want)
		}
		switch {
		case tt.wantMsg == "" && err != nil:
			t.Errorf("FormatFromName(%q): %v", tt.name, err)
		case tt.wantMsg != "":
			var te *Error
			if !errors.As(err, &te) || err.Error() != tt.wantMsg {
				t.Errorf("FormatFromName(%q) error = %v, want *Error %q", tt.name, err, tt.wantMsg)
			}
		}
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		err  Error
		want string
	}{
		{Error{File: "医院.csv", Line: 14, Msg: "bare quote in field"}, "医院.csv: row 14: bare quote in field"},
		{Error{File: "医院.csv", Line: 14, Column: 3, Msg: "invalid UTF-8"}, "医院.csv: row 14, column C: invalid UTF-8"},
		{Error{File: "医院.xlsx", Msg: "workbook is damaged"}, "医院.xlsx: workbook is damaged"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestColumnName(t *testing.T) {
	for n, want := range map[int]string{0: "", 1: "A", 3: "C", 26: "Z", 27: "AA", 52: "AZ", 703: "AAA", 16384: "XFD"} {
		if got := ColumnName(n); got != want {
			t.Errorf("ColumnName(%d) = %q, want %q", n, got, want)
		}
	}
}
