package importer_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/importer"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/store/storetest"
	"github.com/shishi-health/shishi/table"
)

var tree = func() *region.Tree {
	t, err := region.Load()
	if err != nil {
		panic(err)
	}
	return t
}()

const asOf = "2025-12-31"

// seedCSV is a small hospital file with the awkward cases: commas and quotes
// in names, every enum, both yes/no spellings, a county of a municipality, a
// province-administered county and a prefecture-level city without counties.
const seedCSV = `机构代码,机构名称,所在县区代码,等级,类别,所有制,儿科服务,儿科门诊,儿科床位,儿科医师,儿科护士,精神科,心理门诊,睡眠门诊,血液透析机,透析医师,透析护士,水处理设备,0-3岁危重症绿色通道,仍收门诊预交金,生效日期
H005,东城区儿童医院,110101,二级,儿童医院,公立,远程会诊,否,0,0,0,否,是,是,0,0,0,0,否,否,2025-11-30
H002,"郑州市第一人民医院, 东院",410102,三级,综合医院,公立,医联体派驻,是,0,0,0,是,是,是,40,6,20,2,是,否,2025-03-01
H001,中牟县人民医院,410122,二级,综合医院,公立,自设儿科,是,30,8,20,否,是,否,12,2,6,1,是,否,2024-01-01
H003,"济源市""康宁""医院",419001,未定级,专科医院,民营,无,否,0,0,0,否,否,否,0,0,0,0,否,是,2024-06-30
H004,东莞市妇幼保健院,441900,三级,妇幼保健院,公立,自设儿科,是,120,40,90,否,否,否,0,0,0,0,是,否,2025-01-15
`

func importString(t *testing.T, s *store.Store, name, content string, opts importer.Options) (*importer.Report, error) {
	t.Helper()
	return importer.Import(context.Background(), s, tree, facility.Hospitals, name, strings.NewReader(content), opts)
}

func export(t *testing.T, s *store.Store, f table.Format, lang string) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := importer.Export(context.Background(), s, facility.Hospitals, store.Query{AsOf: asOf}, &b, f, lang); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		rep, err := importString(t, s, "医院.csv", seedCSV, importer.Options{})
		if err != nil {
			t.Fatalf("seed import: %v %v", err, rep.Errors())
		}
		if rep.New != 5 || !rep.Committed {
			t.Fatalf("seed import: %+v", rep)
		}
		for _, lang := range []string{"zh", "en"} {
			csv1 := export(t, s, table.CSV, lang)
			if lang == "zh" && string(csv1) != seedCSV {
				t.Errorf("export differs from the imported file:\n%s\nwant\n%s", csv1, seedCSV)
			}
			for _, f := range []table.Format{table.CSV, table.XLSX} {
				file := export(t, s, f, lang)
				rep, err := importer.Import(ctx, s, tree, facility.Hospitals, "export."+f.String(), bytes.NewReader(file), importer.Options{})
				if err != nil {
					t.Fatalf("%s %s re-import: %v %v", lang, f, err, rep.Errors())
				}
				if rep.Unchanged != 5 || rep.New+rep.Changed != 0 {
					t.Errorf("%s %s re-import changed something: new %d changed %d unchanged %d %+v", lang, f, rep.New, rep.Changed, rep.Unchanged, rep.Changes)
				}
				if csv2 := export(t, s, table.CSV, lang); !bytes.Equal(csv1, csv2) {
					t.Errorf("%s %s: export → import → export differs", lang, f)
				}
			}
		}
	})
}

// TestLibreOfficeXLSX imports a workbook that LibreOffice wrote
// (`libreoffice --headless --convert-to xlsx` of testdata/libreoffice.csv):
// its numbers are numeric cells and its dates date cells, unlike ours.
func TestLibreOfficeXLSX(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f, err := os.Open(filepath.Join("testdata", "libreoffice.xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rep, err := importer.Import(context.Background(), s, tree, facility.Hospitals, "libreoffice.xlsx", f, importer.Options{})
		if err != nil {
			t.Fatalf("%v %v", err, rep.Errors())
		}
		if rep.New != 5 {
			t.Fatalf("new = %d, want 5", rep.New)
		}
		if got := string(export(t, s, table.CSV, "zh")); got != seedCSV {
			t.Errorf("LibreOffice workbook imported as\n%s\nwant\n%s", got, seedCSV)
		}
	})
}

func TestBadRows(t *testing.T) {
	lines := strings.Split(strings.TrimSpace(seedCSV), "\n")
	cases := []struct {
		name      string
		line      string // replaces data row 2 (file row 3)
		column    string
		wantInMsg string
	}{
		{"not a number", strings.Replace(lines[2], ",40,6,20,2,", ",四十,6,20,2,", 1), "血液透析机", "not a whole number"},
		{"negative", strings.Replace(lines[2], ",40,6,20,2,", ",-4,6,20,2,", 1), "血液透析机", "below 0"},
		{"unknown region", strings.Replace(lines[2], ",410102,", ",410199,", 1), "所在县区代码", "unknown region"},
		{"prefecture instead of county", strings.Replace(lines[2], ",410102,", ",410100,", 1), "所在县区代码", "not a county-level unit"},
		{"bad enum", strings.Replace(lines[2], ",三级,", ",特级,", 1), "等级", "must be one of"},
		{"bad date", strings.Replace(lines[2], "2025-03-01", "2025-02-30", 1), "生效日期", "not a date"},
		{"bad code", strings.Replace(lines[2], "H002,", "H 002,", 1), "机构代码", "letters, digits"},
		{"cross-field", strings.Replace(lines[2], ",40,6,20,2,", ",0,6,20,2,", 1), "血液透析机", "no dialysis machines"},
		{"duplicate version", lines[1], "机构代码", "same code and valid-from date as row 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				bad := append([]string{}, lines...)
				bad[2] = c.line
				file := strings.Join(bad, "\n") + "\n"
				rep, err := importString(t, s, "医院.csv", file, importer.Options{})
				if !errors.Is(err, importer.ErrRejected) {
					t.Fatalf("err = %v, want ErrRejected", err)
				}
				if n, _ := s.Count(context.Background(), facility.Hospitals); n != 0 {
					t.Fatalf("store changed: %d rows after a rejected import", n)
				}
				errs := rep.Errors()
				if len(errs) != 1 {
					t.Fatalf("errors %v, want one", errs)
				}
				e := errs[0]
				if e.File != "医院.csv" || e.Row != 3 || e.Column != c.column || !strings.Contains(e.Error(), c.wantInMsg) {
					t.Errorf("error %q (row %d, column %q), want row 3, column %q, containing %q", e.Error(), e.Row, e.Column, c.column, c.wantInMsg)
				}

				// Partial: the four good rows are stored, the rejects file
				// holds exactly the bad row, and once fixed it imports.
				rep, err = importString(t, s, "医院.csv", file, importer.Options{Partial: true})
				if err != nil || !rep.Committed || rep.New+rep.Changed != 4 {
					t.Fatalf("partial: %v %+v", err, rep)
				}
				var rejects bytes.Buffer
				if err := importer.WriteRejects(&rejects, rep, table.CSV, "zh"); err != nil {
					t.Fatal(err)
				}
				rd, err := table.NewReader("rejects.csv", &rejects, table.CSV)
				if err != nil {
					t.Fatal(err)
				}
				row, _, err := rd.Next()
				if err != nil {
					t.Fatal(err)
				}
				want, _ := csv.NewReader(strings.NewReader(c.line)).Read()
				if !slices.Equal(row[:len(row)-3], want) || row[len(row)-3] != "3" || row[len(row)-2] != c.column {
					t.Errorf("rejects row %q, want the bad row with source row 3 and field %q", row, c.column)
				}
				if _, _, err := rd.Next(); err == nil {
					t.Errorf("rejects file has more than the bad row")
				}
			})
		})
	}
}

func TestRejectsFileReimports(t *testing.T) {
	s := storetest.OpenSQLite(t)
	lines := strings.Split(strings.TrimSpace(seedCSV), "\n")
	lines[4] = strings.Replace(lines[4], ",未定级,", ",九级,", 1)
	rep, err := importString(t, s, "医院.csv", strings.Join(lines, "\n"), importer.Options{Partial: true})
	if err != nil || len(rep.Rejected) != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	var rejects bytes.Buffer
	if err := importer.WriteRejects(&rejects, rep, table.XLSX, "zh"); err != nil {
		t.Fatal(err)
	}
	// The user fixes the grade in Excel; here: re-read, fix, re-write.
	rd, err := table.NewReader("rejects.xlsx", &rejects, table.XLSX)
	if err != nil {
		t.Fatal(err)
	}
	var fixed bytes.Buffer
	w, _ := table.NewWriter(&fixed, table.XLSX, "")
	w.Write(rd.Header())
	row, _, _ := rd.Next()
	row[3] = "未定级"
	w.Write(row)
	w.Close()
	rep, err = importer.Import(context.Background(), s, tree, facility.Hospitals, "fixed.xlsx", &fixed, importer.Options{})
	if err != nil || rep.New != 1 {
		t.Fatalf("fixed rejects: %v %+v %v", err, rep, rep.Errors())
	}
}

func TestDryRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		if _, err := importString(t, s, "医院.csv", seedCSV, importer.Options{}); err != nil {
			t.Fatal(err)
		}
		changed := strings.Replace(seedCSV, "H001,中牟县人民医院,410122,二级", "H001,中牟县人民医院,410122,三级", 1)
		changed += "H006,新郑市人民医院,410184,二级,综合医院,公立,无,否,0,0,0,否,否,否,0,0,0,0,否,否,2025-06-01\n"
		rep, err := importString(t, s, "医院.csv", changed, importer.Options{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if rep.New != 1 || rep.Changed != 1 || rep.Unchanged != 4 || rep.Committed {
			t.Fatalf("dry run: %+v", rep)
		}
		var grade *facility.FieldChange
		for _, c := range rep.Changes {
			for i := range c.Diff {
				if c.Code == "H001" && c.Diff[i].Field == "grade" {
					grade = &c.Diff[i]
				}
			}
		}
		if grade == nil || grade.From != "2" || grade.To != "3" {
			t.Errorf("dry run diff of H001: %+v", rep.Changes)
		}
		if got := string(export(t, s, table.CSV, "zh")); got != seedCSV {
			t.Errorf("dry run wrote to the store")
		}
	})
}

func TestFileErrors(t *testing.T) {
	s := storetest.OpenSQLite(t)
	cases := []struct{ name, content, want string }{
		{"医院.csv", "", "empty"},
		{"医院.csv", "机构代码,机构名称\n", "missing columns"},
		{"医院.csv", strings.Replace(seedCSV, "等级", "级别别", 1), "unknown columns"},
		{"医院.xls", "x", ".xls"},
		{"医院.xlsx", "PK\x03\x04 definitely not a workbook", "医院.xlsx"},
		{"医院.csv", strings.SplitN(seedCSV, "\n", 2)[0] + "\n", "no rows"},
	}
	for _, c := range cases {
		_, err := importString(t, s, c.name, c.content, importer.Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %q: err %v, want it to mention %q", c.name, c.content[:min(len(c.content), 20)], err, c.want)
		}
	}
}

func TestGBKFile(t *testing.T) {
	s := storetest.OpenSQLite(t)
	gbk, err := os.ReadFile(filepath.Join("testdata", "gbk.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := importer.Import(context.Background(), s, tree, facility.Hospitals, "gbk.csv", bytes.NewReader(gbk), importer.Options{})
	if err != nil {
		t.Fatalf("%v %v", err, rep.Errors())
	}
	if rep.Encoding != "GB18030" || rep.New != 5 {
		t.Errorf("encoding %q new %d", rep.Encoding, rep.New)
	}
	if got := string(export(t, s, table.CSV, "zh")); got != seedCSV {
		t.Errorf("GBK file imported as\n%s", got)
	}
}

func TestExportRegions(t *testing.T) {
	var b bytes.Buffer
	n, err := importer.ExportRegions(tree, region.CountryCode, &b, table.CSV, "en")
	if err != nil {
		t.Fatal(err)
	}
	if n != 3210 {
		t.Errorf("%d regions, want 3210", n)
	}
	rd, err := table.NewReader("regions.csv", &b, table.CSV)
	if err != nil {
		t.Fatal(err)
	}
	levels := map[string]int{}
	missing := 0
	for {
		row, _, err := rd.Next()
		if err != nil {
			break
		}
		levels[row[3]]++
		if row[6] == "" {
			missing++
		}
	}
	if fmt.Sprint(levels) != "map[County-level:2846 Prefecture-level:333 Province-level:31]" || missing != 14 {
		t.Errorf("levels %v, missing populations %d", levels, missing)
	}
}

// TestImportScope: a user may import only facilities of their area, and
// may not take over a facility registered elsewhere by re-using its code.
func TestImportScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		header := strings.SplitN(seedCSV, "\n", 2)[0]
		elsewhere := header + "\nX1,武汉市第一医院,420102,二级,综合医院,公立,无,否,0,0,0,否,否,否,0,0,0,0,否,否,2024-01-01\n"
		if _, err := importString(t, s, "武汉.csv", elsewhere, importer.Options{}); err != nil {
			t.Fatal(err)
		}
		zhengzhou := func(code, region string) bool { return strings.HasPrefix(region, "4101") }
		file := header + "\n" +
			"Z1,中原区医院,410102,二级,综合医院,公立,无,否,0,0,0,否,否,否,0,0,0,0,否,否,2024-01-01\n" +
			"Z2,洪山区医院,420111,二级,综合医院,公立,无,否,0,0,0,否,否,否,0,0,0,0,否,否,2024-01-01\n" +
			"X1,武汉市第一医院,410102,二级,综合医院,公立,无,否,0,0,0,否,否,否,0,0,0,0,否,否,2025-01-01\n"
		rep, err := importString(t, s, "郑州.csv", file, importer.Options{Allow: zhengzhou})
		if !errors.Is(err, importer.ErrRejected) {
			t.Fatalf("err = %v, want ErrRejected", err)
		}
		errs := rep.Errors()
		if len(errs) != 2 || errs[0].Row != 3 || errs[0].Column != "所在县区代码" || errs[1].Row != 4 || errs[1].Column != "机构代码" {
			t.Fatalf("errors %v, want row 3 (region) and row 4 (code)", errs)
		}
		rep, err = importString(t, s, "郑州.csv", file, importer.Options{Allow: zhengzhou, Partial: true})
		if err != nil || rep.New != 1 || len(rep.Rejected) != 2 {
			t.Fatalf("partial: %v new %d rejected %d", err, rep.New, len(rep.Rejected))
		}
		h, err := s.History(ctx, facility.Hospitals, "X1")
		if err != nil || len(h) != 1 || h[0].Region(facility.Hospitals) != "420102" {
			t.Errorf("X1 was changed from outside its area: %v %v", h, err)
		}
	})
}
