package table

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// readFuzz reads a whole file as the importer would and checks the
// invariants that hold for any input: no panic, every error is an *Error
// naming the file, row numbers increase, Next terminates.
func readFuzz(t *testing.T, name string, data []byte, f Format) {
	r, err := NewReader(name, bytes.NewReader(data), f)
	if err != nil {
		checkFileError(t, name, err)
		return
	}
	defer r.Close()
	prev := 0
	for i := 0; ; i++ {
		if i > len(data)+10 {
			t.Fatalf("Next returned %d results for %d bytes", i, len(data))
		}
		row, line, err := r.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			checkFileError(t, name, err)
			continue
		}
		if line <= prev {
			t.Fatalf("row number %d after %d", line, prev)
		}
		prev = line
		if allEmpty(row) {
			t.Fatalf("empty row %q returned", row)
		}
	}
}

func checkFileError(t *testing.T, name string, err error) {
	if errors.Is(err, errExcelizePanic) {
		// Guarded, but we want to know: report it upstream.
		t.Fatalf("excelize panicked: %v", err)
	}
	var te *Error
	if !errors.As(err, &te) || te.File != name || !strings.HasPrefix(err.Error(), name+": ") {
		t.Fatalf("error %q (%T) does not name the file", err, err)
	}
}

func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"机构名称,机构代码\n北京协和医院,0012\n",
		"\ufeffa,b\n1,2\n",
		"a\tb\r\n\"x\ny\"\t2\r\n",
		"sep=;\na;b\n1;2",
		"a,b\n1,2\"3\n4,5\n",
		"a,\"b\n",
		"\n\n a , b \n\n,,\n1,2",
		"a,b\n1,\xff\xfe\n",
	} {
		f.Add([]byte(s))
	}
	if b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("机构名称,机构代码\r\n北京协和医院,0012\r\n")); err == nil {
		f.Add(b)
	}
	if b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte("名称\t代码\r\n甲\t1\r\n")); err == nil {
		f.Add(b)
	}
	f.Add(writeAll(f, CSV, registryRows))
	f.Fuzz(func(t *testing.T, data []byte) {
		readFuzz(t, "医院.csv", data, CSV)
	})
}

// FuzzReadXLSX fuzzes whole files (part 0) and, because mutations of a
// zip mostly just break its checksums, also single XML parts zipped into
// testdata/libreoffice.xlsx in place of the original (part 1–4: the first
// sheet, styles, shared strings, workbook). That reaches excelize's XML
// parsing and our number-format handling.
func FuzzReadXLSX(f *testing.F) {
	base, err := os.ReadFile("testdata/libreoffice.xlsx")
	if err != nil {
		f.Fatal(err)
	}
	parts := []string{"", "xl/worksheets/sheet1.xml", "xl/styles.xml", "xl/sharedStrings.xml", "xl/workbook.xml"}
	f.Add(base, uint8(0))
	f.Add(writeAll(f, XLSX, registryRows), uint8(0))
	f.Add(writeAll(f, XLSX, registryRows, WithNumericColumns([]bool{true, true, true, true})), uint8(0))
	f.Add(writeAll(f, XLSX, nil), uint8(0))
	f.Add([]byte("PK\x03\x04"), uint8(0))
	// The richer second sheet stands in for the first.
	f.Add(zipPart(f, base, "xl/worksheets/sheet2.xml"), uint8(1))
	for i, p := range parts[2:] {
		f.Add(zipPart(f, base, p), uint8(i+2))
	}
	f.Add([]byte(`<worksheet><sheetData><row r="2"><c r="B2" s="2"><v>45356.5</v></c><c r="C2" t="s"><v>3</v></c><c r="D2" t="inlineStr"><is><t>甲</t></is></c><c r="E2" t="b"><v>1</v></c><c r="F2" t="e"><v>#N/A</v></c><c r="G2" t="d"><v>2024-03-05T00:00:00Z</v></c></row></sheetData></worksheet>`), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, part uint8) {
		if p := parts[int(part)%len(parts)]; p != "" {
			data = replacePart(t, base, p, data)
		}
		readFuzz(t, "机构.xlsx", data, XLSX)
	})
}

// zipPart returns one part of a zip.
func zipPart(t testing.TB, archive []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// replacePart returns archive with the part name replaced by data.
func replacePart(t testing.TB, archive []byte, name string, data []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, zf := range zr.File {
		// Stored, not deflated: compressing dominated each fuzz run.
		w, err := zw.CreateHeader(&zip.FileHeader{Name: zf.Name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if zf.Name == name {
			_, err = w.Write(data)
		} else {
			var rc io.ReadCloser
			if rc, err = zf.Open(); err == nil {
				_, err = io.Copy(w, rc)
				rc.Close()
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
