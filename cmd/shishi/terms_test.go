package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// termsCLI runs "shishi calendar terms" through cmdTerms and returns its
// exit code and streams.
func termsCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errw bytes.Buffer
	env := &cliEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errw,
		getenv: func(string) string { return "" }, now: func() time.Time { return testNow }}
	code = cmdTerms(context.Background(), env, args)
	return code, out.String(), errw.String()
}

func TestTermsTable2025(t *testing.T) {
	code, stdout, stderr := termsCLI(t, "--year", "2025")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != 25 || !strings.HasPrefix(lines[0], "TERM") {
		t.Fatalf("%d lines:\n%s", len(lines), stdout)
	}
	want := map[string][]string{
		"小寒": {"xiǎohán", "285°", "2025-01-05", "10:33", "official"},
		"清明": {"qīngmíng", "15°", "2025-04-04", "20:49", "official"},
		"芒种": {"mángzhòng", "75°", "2025-06-05", "17:57", "computed", "±1", "min"},
		"冬至": {"dōngzhì", "270°", "2025-12-21", "23:03", "official"},
	}
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		if w, ok := want[f[0]]; ok {
			if strings.Join(f[1:], " ") != strings.Join(w, " ") {
				t.Errorf("row %q, want %s %s", line, f[0], strings.Join(w, " "))
			}
			delete(want, f[0])
		}
	}
	if len(want) != 0 {
		t.Errorf("rows missing for %v:\n%s", want, stdout)
	}
	if !strings.Contains(stderr, "24 terms: 23 official, 1 computed (±1 min)") {
		t.Errorf("stderr %q", stderr)
	}
}

func TestTermsThroughCalendar(t *testing.T) {
	code, stdout, _ := calendarCLI(t, "terms", "--year", "2025", "--format", "csv")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, row := range []string{
		"index,name,pinyin,longitude,beijing_time,source\n",
		"7,清明,qīngmíng,15,2025-04-04 20:49,official\n",
		"11,芒种,mángzhòng,75,2025-06-05 17:57,computed\n",
		"24,冬至,dōngzhì,270,2025-12-21 23:03,official\n",
	} {
		if !strings.Contains(stdout, row) {
			t.Errorf("no %q in\n%s", row, stdout)
		}
	}
}

func TestTermsJSON(t *testing.T) {
	code, stdout, stderr := termsCLI(t, "--year", "2025", "--format", "json")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var out struct {
		Year  int        `json:"year"`
		Terms []termJSON `json:"terms"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	if out.Year != 2025 || len(out.Terms) != 24 {
		t.Fatalf("%+v", out)
	}
	got := out.Terms[6]
	if got.Name != "清明" || got.Longitude != 15 || got.Source != "official" ||
		!got.BeijingTime.Equal(time.Date(2025, 4, 4, 12, 49, 0, 0, time.UTC)) {
		t.Errorf("清明: %+v", got)
	}
	if !strings.Contains(stdout, `"beijing_time": "2025-04-04T20:49:00+08:00"`) {
		t.Errorf("time not written in UTC+8:\n%s", stdout)
	}
}

func TestTermsErrors(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{nil, exitUsage, "--year is required"},
		{[]string{"--year", "2025", "extra"}, exitUsage, `unexpected argument "extra"`},
		{[]string{"--year", "2025", "--format", "xml"}, exitFailure, `--format: "xml": want table, csv or json`},
		{[]string{"--year", "1899"}, exitFailure, "shishi: solar terms for 1899: year out of range (1900–2100)"},
		{[]string{"--year", "2101"}, exitFailure, "year out of range"},
	}
	for _, tt := range tests {
		code, stdout, stderr := termsCLI(t, tt.args...)
		if code != tt.code || stdout != "" || !strings.Contains(stderr, tt.stderr) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", tt.args, code, stdout, stderr)
		}
	}
	if code, _, stderr := termsCLI(t, "--help"); code != exitOK || !strings.Contains(stderr, "Purple Mountain Observatory") {
		t.Errorf("--help: exit %d, stderr %q", code, stderr)
	}
}
