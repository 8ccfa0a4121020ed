package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "rewrite the golden files of the report tests")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file; diff against:\n%s", name, got)
	}
}

// TestReportCommands runs eval, report, gaps and dispatch on the demo data
// on both stores: the same golden files hold for both, so the two stores
// compute the same figures.
func TestReportCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the national demo data")
	}
	for name, env := range stores(t) {
		t.Run(name, func(t *testing.T) {
			if code, _, errs := cli(t, env, "demo"); code != 0 {
				t.Fatalf("demo: %d %s", code, errs)
			}
			run := func(args ...string) string {
				t.Helper()
				code, out, errs := cli(t, env, args...)
				if code != 0 {
					t.Fatalf("%v: %d %s", args, code, errs)
				}
				return out
			}
			golden(t, "report-2025-country.md", run("report", "--commitments", "2025", "--as-of", "2025-12-31", "--format", "md"))
			golden(t, "report-2025-henan-2025-09-11.md", run("report", "--commitments", "2025", "--region", "410000", "--as-of", "2025-09-11"))
			golden(t, "report-2025-2027-country.md", run("report", "--commitments", "2025-2027", "--as-of", "2025-12-31"))
			golden(t, "dispatch-henan.md", run("dispatch", "--region", "410000", "--from", "2025-09-11", "--to", "2025-12-31"))
			golden(t, "eval-henan-2025-09-11.txt", run("eval", "--region", "410000", "--as-of", "2025-09-11"))
			html := run("report", "--as-of", "2025-12-31", "--format", "html")
			for _, want := range []string{"<h1>2025年卫生健康系统为民服务实事项目成绩单</h1>", "全国4845所二、三级公立综合医院均能提供儿科服务", "千人口托位数达到4.73个"} {
				if !strings.Contains(html, want) {
					t.Errorf("html report card lacks %q", want)
				}
			}
			xlsx := run("report", "--as-of", "2025-12-31", "--format", "xlsx")
			f, err := excelize.OpenReader(bytes.NewReader([]byte(xlsx)))
			if err != nil {
				t.Fatal(err)
			}
			rows, err := f.GetRows("成绩单")
			if err != nil || len(rows) < 20 || rows[0][0] != "2025年卫生健康系统为民服务实事项目成绩单" {
				t.Errorf("xlsx report card: %d rows %v", len(rows), err)
			}
			gaps := run("gaps", "--target", "dialysis-counties", "--as-of", "2025-09-11", "--format", "csv")
			if n := strings.Count(gaps, "\n"); n < 2 {
				t.Errorf("dialysis gap list on 2025-09-11 has %d lines", n)
			}
			golden(t, "gaps-dialysis-2025-09-11.csv", gaps)
		})
	}
}
