package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/importer"
	"github.com/shishi-health/shishi/region"
)

// buildBinary builds cmd/shishi once for the tests that run it as a real
// process.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "shishi")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// writeBigHospitals writes n valid hospital rows over every county.
func writeBigHospitals(t *testing.T, path string, n int) {
	t.Helper()
	tree, err := region.Load()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, strings.Join(importer.Header(facility.Hospitals, "zh"), ","))
	counties := tree.Under(region.CountryCode, region.County)
	for i := range n {
		c := counties[i%len(counties)]
		fmt.Fprintf(w, "K%07d,%s第%d人民医院,%s,二级,综合医院,公立,自设儿科,是,%d,%d,%d,否,是,否,%d,2,5,1,是,否,2025-01-01\n",
			i, c.Name, i%97+1, c.Code, i%60, i%20+1, i%40, i%30+1)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// TestKillDuringImport kills the importing process with SIGKILL part-way
// and checks that the store holds nothing of the import (one transaction),
// then that the retried import gives the same state as an import that was
// never interrupted.
func TestKillDuringImport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and imports 600,000 rows")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "hospitals.csv")
	const rows = 600_000
	writeBigHospitals(t, file, rows)
	// The state an import that was never interrupted leaves.
	cleanDir := t.TempDir()
	if out, err := exec.Command(bin, "import", "hospitals", file, "--data-dir", cleanDir).CombinedOutput(); err != nil {
		t.Fatalf("clean import: %v %s", err, out)
	}
	clean, err := exec.Command(bin, "export", "hospitals", "--as-of", "2025-12-31", "--data-dir", cleanDir).Output()
	if err != nil || strings.Count(string(clean), "\n") != rows+1 {
		t.Fatalf("clean export: %v, %d lines", err, strings.Count(string(clean), "\n"))
	}
	for name, env := range stores(t) {
		t.Run(name, func(t *testing.T) {
			flags := []string{"--data-dir", env["SHISHI_DATA_DIR"]}
			if env["SHISHI_DB"] != "" {
				flags = []string{"--db", env["SHISHI_DB"]}
			}
			run := func(args ...string) *exec.Cmd {
				return exec.Command(bin, append(args, flags...)...)
			}
			// The store exists before the import starts, so that the kill
			// lands in the import and not in the first migration.
			if out, err := run("export", "hospitals").CombinedOutput(); err != nil {
				t.Fatalf("create store: %v %s", err, out)
			}
			imp := run("import", "hospitals", file)
			if err := imp.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(1500 * time.Millisecond)
			if err := imp.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatalf("the import ended before the kill: %v", err)
			}
			state, _ := imp.Process.Wait()
			if state.Success() {
				t.Fatal("the import finished within 1.5 s: the kill did not interrupt it; use a larger file")
			}
			out, err := run("export", "hospitals", "--as-of", "2025-12-31").Output()
			if err != nil {
				t.Fatalf("export after the kill: %v", err)
			}
			if lines := strings.Count(string(out), "\n"); lines != 1 {
				t.Fatalf("after the kill the store holds %d rows of the import, want none", lines-1)
			}
			// Retry: the whole file, the same state as an uninterrupted import.
			if out, err := run("import", "hospitals", file).CombinedOutput(); err != nil {
				t.Fatalf("retry: %v %s", err, out)
			}
			retried, err := run("export", "hospitals", "--as-of", "2025-12-31").Output()
			if err != nil {
				t.Fatal(err)
			}
			if string(retried) != string(clean) {
				t.Errorf("retried import differs from a clean one (%d vs %d lines)", strings.Count(string(retried), "\n"), strings.Count(string(clean), "\n"))
			}
		})
	}
}
