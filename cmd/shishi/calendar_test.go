package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shishi-health/shishi/calendar"
)

// calendarCLI runs "shishi calendar" through cmdCalendar, as the
// dispatcher does, and returns its exit code and streams.
func calendarCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errw bytes.Buffer
	env := &cliEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errw,
		getenv: func(string) string { return "" }, now: func() time.Time { return testNow }}
	code = cmdCalendar(context.Background(), env, args)
	return code, out.String(), errw.String()
}

func TestCalendarWorkdays(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"workdays", "--from", "2025-09-30", "--add", "3"}, "2025-10-11\n"},
		{[]string{"workdays", "--add=-1", "--from=2025-10-09"}, "2025-09-30\n"},
		{[]string{"workdays", "--from", "2025-01-27", "--add", "1"}, "2025-02-05\n"},
		{[]string{"workdays", "--from", "2025-12-31", "--add", "1"}, "2026-01-04\n"},
		{[]string{"workdays", "--from", "2025-10-01", "--add", "0"}, "2025-10-01\n"},
		{[]string{"workdays", "--from", "2025-09-30", "--to", "2025-10-11"}, "3\n"},
		{[]string{"workdays", "--from", "2025-10-11", "--to", "2025-09-30"}, "-3\n"},
		{[]string{"workdays", "--from", "2025-09-30", "--add", "3", "--verbose"},
			"2025-10-11\nSaturday, adjusted workday (国庆节、中秋节)\n"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		if err := runCalendar(tt.args, &out); err != nil {
			t.Errorf("%v: %v", tt.args, err)
			continue
		}
		if out.String() != tt.want {
			t.Errorf("%v: printed %q, want %q", tt.args, out.String(), tt.want)
		}
	}
}

func TestCalendarRefusesYearWithoutNotice(t *testing.T) {
	var out bytes.Buffer
	err := runCalendar([]string{"workdays", "--from", "2026-12-30", "--add", "3"}, &out)
	if !errors.Is(err, calendar.ErrNoOfficialCalendar) || !strings.Contains(err.Error(), "no official calendar for 2027") ||
		!strings.Contains(err.Error(), "--plain-weekends") {
		t.Errorf("error %v", err)
	}
	if out.Len() != 0 {
		t.Errorf("printed %q", out.String())
	}
	code, stdout, stderr := calendarCLI(t, "workdays", "--from", "2026-12-30", "--add", "3")
	if code != exitFailure || stdout != "" || !strings.HasPrefix(stderr, "shishi: 2026-12-30 +3 working days: no official calendar for 2027") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, _, stderr = calendarCLI(t, "holidays", "--year", "2027")
	if code != exitFailure || !strings.Contains(stderr, "no official calendar for 2027 (the embedded notices cover 2007–2026)") {
		t.Errorf("holidays 2027: exit %d, stderr %q", code, stderr)
	}
}

func TestCalendarPlainWeekends(t *testing.T) {
	code, stdout, stderr := calendarCLI(t, "workdays", "--from", "2026-12-30", "--add", "3", "--plain-weekends")
	if code != exitOK || stdout != "2027-01-04\n" {
		t.Errorf("exit %d, stdout %q", code, stdout)
	}
	if !strings.Contains(stderr, "warning: no official calendar for 2027") {
		t.Errorf("no warning on stderr: %q", stderr)
	}
	code, stdout, stderr = calendarCLI(t, "workdays", "--from", "2026-12-31", "--to", "2027-01-08", "--plain-weekends", "--verbose")
	if code != exitOK || !strings.HasPrefix(stdout, "6\n") || !strings.Contains(stderr, "warning") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	// A covered date gives no warning.
	code, stdout, stderr = calendarCLI(t, "workdays", "--from", "2025-09-30", "--add", "3", "--plain-weekends")
	if code != exitOK || stdout != "2025-10-11\n" || stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestCalendarHolidays(t *testing.T) {
	var out bytes.Buffer
	if err := runCalendar([]string{"holidays", "--year", "2026", "--format", "csv"}, &out); err != nil {
		t.Fatal(err)
	}
	want := `name,from,to,days,adjusted_workdays
元旦,2026-01-01,2026-01-03,3,2026-01-04
春节,2026-02-15,2026-02-23,9,2026-02-14 2026-02-28
清明节,2026-04-04,2026-04-06,3,
劳动节,2026-05-01,2026-05-05,5,2026-05-09
端午节,2026-06-19,2026-06-21,3,
中秋节,2026-09-25,2026-09-27,3,
国庆节,2026-10-01,2026-10-07,7,2026-09-20 2026-10-10
`
	if out.String() != want {
		t.Errorf("csv:\n%s\nwant:\n%s", out.String(), want)
	}

	code, stdout, stderr := calendarCLI(t, "holidays", "--year", "2025")
	if code != exitOK {
		t.Fatalf("table: exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 7 || !strings.HasPrefix(lines[0], "HOLIDAY") ||
		!strings.Contains(lines[2], "春节") || !strings.Contains(lines[2], "2025-01-28 Tue") || !strings.Contains(lines[2], "2025-01-26 Sun, 2025-02-08 Sat") ||
		!strings.HasSuffix(lines[1], "—") {
		t.Errorf("table:\n%s", stdout)
	}
	if stderr != "6 holidays, 5 adjusted working days\n" {
		t.Errorf("table stderr %q", stderr)
	}

	out.Reset()
	if err := runCalendar([]string{"holidays", "--format=json", "--year=2025"}, &out); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Year     int
		Holidays []struct {
			Name             string
			From, To         string
			Days             int
			AdjustedWorkdays []string `json:"adjusted_workdays"`
		}
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("json: %v\n%s", err, out.String())
	}
	if got.Year != 2025 || len(got.Holidays) != 6 {
		t.Fatalf("json: %+v", got)
	}
	if h := got.Holidays[5]; h.Name != "国庆节、中秋节" || h.From != "2025-10-01" || h.To != "2025-10-08" || h.Days != 8 ||
		strings.Join(h.AdjustedWorkdays, " ") != "2025-09-28 2025-10-11" {
		t.Errorf("json National Day: %+v", h)
	}
	if !strings.Contains(out.String(), `"adjusted_workdays": []`) {
		t.Errorf("json: a holiday without adjusted working days is not []:\n%s", out.String())
	}
}

func TestCalendarUsage(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{nil, exitUsage, "Usage: shishi calendar <command>"},
		{[]string{"--help"}, exitOK, "workdays"},
		{[]string{"workdays", "--help"}, exitOK, "Usage: shishi calendar workdays --from DATE"},
		{[]string{"holidays", "-h"}, exitOK, "--format"},
		{[]string{"moon"}, exitUsage, `unknown command "moon"`},
		{[]string{"workdays", "--add", "3"}, exitUsage, "--from is required"},
		{[]string{"workdays", "--from", "2025-09-30"}, exitUsage, "give either --add or --to"},
		{[]string{"workdays", "--from", "2025-09-30", "--add", "1", "--to", "2025-10-11"}, exitUsage, "give either --add or --to"},
		{[]string{"workdays", "--from", "2025-09-30", "--add", "x"}, exitUsage, "invalid value"},
		{[]string{"workdays", "--from", "2025-09-30", "--add", "1", "extra"}, exitUsage, `unexpected argument "extra"`},
		{[]string{"workdays", "--from", "2025-9-30", "--add", "1"}, exitFailure, `--from: date "2025-9-30"`},
		{[]string{"holidays"}, exitUsage, "--year is required"},
		{[]string{"holidays", "--year", "2025", "--format", "xlsx"}, exitFailure, `--format: "xlsx"`},
	}
	for _, tt := range tests {
		code, stdout, stderr := calendarCLI(t, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.stderr) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tt.args, code, stderr, tt.code, tt.stderr)
		}
		if stdout != "" {
			t.Errorf("%v: stdout %q", tt.args, stdout)
		}
	}
}
