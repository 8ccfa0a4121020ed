package importer_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/importer"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/store/storetest"
	"github.com/shishi-health/shishi/table"
)

// writeHospitalsCSV writes n valid hospital rows spread over every county.
func writeHospitalsCSV(tb testing.TB, path string, n int) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w, _ := table.NewWriter(bw, table.CSV, "")
	w.Write(importer.Header(facility.Hospitals, "zh"))
	counties := tree.Under(region.CountryCode, region.County)
	grades := []string{"三级", "二级", "一级", "未定级"}
	for i := range n {
		c := counties[i%len(counties)]
		w.Write([]string{fmt.Sprintf("H%08d", i), c.Name + "第" + fmt.Sprint(i%97+1) + "人民医院", c.Code, grades[i%4], "综合医院", "公立",
			"自设儿科", "是", fmt.Sprint(i % 60), fmt.Sprint(i % 20), fmt.Sprint(i % 40), "否", "是", "否",
			fmt.Sprint(i%30 + 1), "2", "5", "1", "是", "否", "2025-01-01"})
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
}

// BenchmarkImportCSV imports 1,000,000 hospital rows from CSV into an empty
// store: SQLite (batched multi-row INSERT) and PostgreSQL (COPY). Target ≥
// 200,000 rows/s each. Run:
//
//	SHISHI_TEST_POSTGRES=postgres://... go test ./importer -run '^$' -bench ImportCSV -benchtime 1x
func BenchmarkImportCSV(b *testing.B) {
	rows := benchRows()
	path := filepath.Join(b.TempDir(), "hospitals.csv")
	writeHospitalsCSV(b, path, rows)
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				var s *store.Store
				if engine == "sqlite" {
					s = storetest.OpenSQLite(b)
				} else {
					s = storetest.OpenPostgres(b)
				}
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				rep, err := importer.Import(context.Background(), s, tree, facility.Hospitals, "hospitals.csv", bufio.NewReaderSize(f, 1<<20), importer.Options{})
				b.StopTimer()
				f.Close()
				if err != nil {
					b.Fatal(err, len(rep.Rejected))
				}
				if rep.New != rows {
					b.Fatalf("new = %d", rep.New)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkExportXLSX exports 100,000 hospitals to .xlsx with the streaming
// writer. Target ≤ 3 s.
func BenchmarkExportXLSX(b *testing.B) {
	const rows = 100_000
	path := filepath.Join(b.TempDir(), "hospitals.csv")
	writeHospitalsCSV(b, path, rows)
	s := storetest.OpenSQLite(b)
	f, _ := os.Open(path)
	if _, err := importer.Import(context.Background(), s, tree, facility.Hospitals, "hospitals.csv", f, importer.Options{}); err != nil {
		b.Fatal(err)
	}
	f.Close()
	for b.Loop() {
		n, err := importer.Export(context.Background(), s, facility.Hospitals, store.Query{AsOf: "2025-12-31"}, io.Discard, table.XLSX, "zh")
		if err != nil || n != rows {
			b.Fatal(n, err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/export")
}

// FuzzImport feeds arbitrary bytes to the importer as a CSV and an XLSX
// file (a dry run into a real store): whatever comes in, it must return a
// report or an error, never panic.
func FuzzImport(f *testing.F) {
	f.Add([]byte(seedCSV), false)
	f.Add([]byte("机构代码,机构名称\nH1,x\n"), false)
	f.Add([]byte("code,name,region,grade,type,ownership,pediatrics\nH1,a,110101,3,general,public,own\n"), false)
	var x bytes.Buffer
	w, _ := table.NewWriter(&x, table.XLSX, "")
	for _, line := range bytes.Split([]byte(seedCSV), []byte("\n")) {
		w.Write([]string{string(line)})
	}
	w.Close()
	f.Add(x.Bytes(), true)
	s := storetest.OpenSQLite(f)
	f.Fuzz(func(t *testing.T, data []byte, xlsx bool) {
		name := "fuzz.csv"
		if xlsx {
			name = "fuzz.xlsx"
		}
		rep, err := importer.Import(context.Background(), s, tree, facility.Hospitals, name, bytes.NewReader(data), importer.Options{DryRun: true, Today: "2025-01-01"})
		if err == nil && rep == nil {
			t.Fatal("nil report without error")
		}
	})
}

// benchRows is 1,000,000 unless SHISHI_BENCH_ROWS says otherwise (for
// profiling on a smaller file).
func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("SHISHI_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}
