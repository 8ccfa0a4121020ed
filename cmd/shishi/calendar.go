package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/shishi-health/shishi/calendar"
	"github.com/shishi-health/shishi/table"
)

// cmdCalendar answers working-day questions from the embedded State
// Council holiday notices (节假日安排): no store, no network. It is the
// dispatcher's entry; runCalendar does the work.
func cmdCalendar(_ context.Context, env *cliEnv, args []string) int {
	err := calendarMain(args, env.stdout, env.stderr)
	var ue calendarUsageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		return exitUsage
	}
	return fail(env, "%v", err)
}

// runCalendar runs "shishi calendar" with args (after "calendar") and
// writes its answer to stdout. Usage and warnings go to the process's
// standard error; cmdCalendar, which the dispatcher calls, sends them to
// the CLI's own stream instead. Errors are returned, not printed.
func runCalendar(args []string, stdout io.Writer) error {
	return calendarMain(args, stdout, os.Stderr)
}

// calendarUsageError is a wrong command line whose usage has been shown
// on stderr already: exit 2 without another message.
type calendarUsageError struct{ msg string }

func (e calendarUsageError) Error() string { return e.msg }

// calendarSubcommand is one "shishi calendar" subcommand.
type calendarSubcommand struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) error
}

func calendarSubcommands() []calendarSubcommand {
	return []calendarSubcommand{
		{"workdays", "the date N working days after a date, or the working days between two dates", calendarWorkdays},
		{"holidays", "list a year's holidays and adjusted working days (调休上班)", calendarHolidays},
		{"terms", "list a year's 24 solar terms (二十四节气) in Beijing time", calendarTerms},
	}
}

// calendarNote ends the usage of the group: where the days come from.
const calendarNote = `
Working days follow the State Council's yearly holiday notices, embedded
for 2007–2026 (holiday-cn): Monday to Friday except the days off, plus the
weekend days worked in exchange. A year without a notice is refused, never
guessed; "workdays --plain-weekends" counts it as plain Monday–Friday weeks,
with a warning.
`

// calendarMain dispatches "shishi calendar <command>", like
// cliEnv.dispatchGroup, but returns errors so that runCalendar can.
func calendarMain(args []string, stdout, stderr io.Writer) error {
	cmds := calendarSubcommands()
	usage := func() {
		fmt.Fprint(stderr, "Usage: shishi calendar <command> [flags]\n\nCommands:\n")
		for _, c := range cmds {
			fmt.Fprintf(stderr, "  %-9s %s\n", c.name, c.summary)
		}
		fmt.Fprint(stderr, calendarNote)
	}
	if len(args) == 0 {
		usage()
		return calendarUsageError{"calendar: no command"}
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage()
		return nil
	}
	for _, c := range cmds {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "shishi calendar: unknown command %q\n\n", args[0])
	usage()
	return calendarUsageError{fmt.Sprintf("calendar: unknown command %q", args[0])}
}

// calendarFlags makes a subcommand's flag set whose --help shows usage,
// what the command does, then its flags.
func calendarFlags(stderr io.Writer, name, usage, about string) *flag.FlagSet {
	fs := flag.NewFlagSet("calendar "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: shishi calendar %s %s\n\n%s\nFlags:\n", name, usage, about)
		fs.PrintDefaults()
	}
	return fs
}

// parseCalendarFlags parses args and wants no positional argument; a
// nil error with done set means --help was answered.
func parseCalendarFlags(fs *flag.FlagSet, args []string) (done bool, err error) {
	pos, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return true, nil
	}
	if err != nil {
		return true, calendarUsageError{err.Error()}
	}
	if len(pos) != 0 {
		return true, usageShown(fs, "unexpected argument %q", pos[0])
	}
	return false, nil
}

// usageShown reports a command-line mistake with the usage.
func usageShown(fs *flag.FlagSet, format string, args ...any) error {
	msg := fmt.Sprintf("%s: %s", fs.Name(), fmt.Sprintf(format, args...))
	fmt.Fprintf(fs.Output(), "shishi %s\n", msg)
	fs.Usage()
	return calendarUsageError{msg}
}

// officialCalendar loads the embedded notices, refusing or falling back
// for other years as asked.
func officialCalendar(plainWeekends bool) (*calendar.Calendar, error) {
	cal, err := calendar.Official()
	if err != nil {
		return nil, fmt.Errorf("holiday notices: %w", err)
	}
	if plainWeekends {
		cal = cal.WithPlainWeekends()
	}
	return cal, nil
}

// explainRefusal adds what the user can do to a refusal for a year
// without a notice.
func explainRefusal(cal *calendar.Calendar, err error) error {
	if !errors.Is(err, calendar.ErrNoOfficialCalendar) {
		return err
	}
	years := cal.Years()
	return fmt.Errorf("%w (the embedded notices cover %d–%d; --plain-weekends counts plain Monday–Friday weeks instead)",
		err, years[0], years[len(years)-1])
}

func calendarWorkdays(args []string, stdout, stderr io.Writer) error {
	fs := calendarFlags(stderr, "workdays", "--from DATE (--add N | --to DATE) [--plain-weekends] [--verbose]",
		`With --add, prints the date N working days after --from: the N-th working
day strictly after it (2025-09-30 --add 3 is 2025-10-11, a Saturday worked
after National Day); a negative N counts back, strictly before. With --to,
prints the number of working days after --from up to and including --to.
Dates are written YYYY-MM-DD.
`)
	fromFlag := fs.String("from", "", "the date to count from, YYYY-MM-DD")
	add := fs.Int("add", 0, "the number of working days to add (negative: subtract)")
	toFlag := fs.String("to", "", "count the working days after --from up to and including this date")
	plain := fs.Bool("plain-weekends", false, "count a year without a notice as plain Monday–Friday weeks (warns) instead of refusing")
	verbose := fs.Bool("verbose", false, "also say what the resulting day is, or which days were counted")
	if done, err := parseCalendarFlags(fs, args); done {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *fromFlag == "" {
		return usageShown(fs, "--from is required")
	}
	if set["add"] == set["to"] {
		return usageShown(fs, "give either --add or --to")
	}
	from, err := calendar.ParseDate(*fromFlag)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	cal, err := officialCalendar(*plain)
	if err != nil {
		return err
	}
	if set["to"] {
		to, err := calendar.ParseDate(*toFlag)
		if err != nil {
			return fmt.Errorf("--to: %w", err)
		}
		cnt, err := cal.WorkdaysBetween(from, to)
		if err != nil {
			return explainRefusal(cal, err)
		}
		printFallbackWarning(stderr, cnt.Warning())
		fmt.Fprintln(stdout, cnt.Workdays)
		if *verbose {
			fmt.Fprintf(stdout, "working days after %s up to and including %s\n", from, to)
		}
		return nil
	}
	r, err := cal.AddWorkdays(from, *add)
	if err != nil {
		return explainRefusal(cal, err)
	}
	printFallbackWarning(stderr, r.Warning())
	fmt.Fprintln(stdout, r.Date)
	if *verbose {
		day, err := cal.Day(r.Date)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, describeCalendarDay(day))
	}
	return nil
}

// describeCalendarDay says what a day is: "Saturday, adjusted workday
// (国庆节、中秋节)".
func describeCalendarDay(day calendar.Day) string {
	s := fmt.Sprintf("%s, %s", day.Date.Weekday(), day.Kind)
	if day.Holiday != "" {
		s += " (" + day.Holiday + ")"
	}
	if day.Fallback {
		s += ", assumed: no notice for its year"
	}
	return s
}

// printFallbackWarning shows a result's fallback warning, if any, on stderr:
// the answer on stdout stays one clean line for scripts.
func printFallbackWarning(stderr io.Writer, warning string) {
	if warning != "" {
		fmt.Fprintf(stderr, "shishi: warning: %s\n", warning)
	}
}

// holidayJSON is a break in --format json.
type holidayJSON struct {
	Name             string          `json:"name"`
	From             calendar.Date   `json:"from"`
	To               calendar.Date   `json:"to"`
	Days             int             `json:"days"`
	AdjustedWorkdays []calendar.Date `json:"adjusted_workdays"`
}

func calendarHolidays(args []string, stdout, stderr io.Writer) error {
	fs := calendarFlags(stderr, "holidays", "--year YEAR [--format table|csv|json]",
		`Lists the holidays the year's notice arranges: name, first and last day off
(inclusive), length in days, and the weekend days worked in exchange
(调休上班). A New Year's break may begin in the December before.
`)
	year := fs.Int("year", 0, "the year of the notice, e.g. 2026")
	format := fs.String("format", "table", "table (aligned text), csv or json")
	if done, err := parseCalendarFlags(fs, args); done {
		return err
	}
	if *year == 0 {
		return usageShown(fs, "--year is required")
	}
	if *format != "table" && *format != "csv" && *format != "json" {
		return fmt.Errorf("--format: %q: want table, csv or json", *format)
	}
	cal, err := officialCalendar(false)
	if err != nil {
		return err
	}
	periods, err := cal.Holidays(*year)
	if err != nil {
		if errors.Is(err, calendar.ErrNoOfficialCalendar) {
			years := cal.Years()
			return fmt.Errorf("%w (the embedded notices cover %d–%d)", err, years[0], years[len(years)-1])
		}
		return err
	}
	switch *format {
	case "json":
		out := struct {
			Year     int           `json:"year"`
			Holidays []holidayJSON `json:"holidays"`
		}{Year: *year, Holidays: []holidayJSON{}}
		for _, p := range periods {
			out.Holidays = append(out.Holidays, holidayJSON{Name: p.Name, From: p.From, To: p.To, Days: p.Days(),
				AdjustedWorkdays: append([]calendar.Date{}, p.AdjustedWorkdays...)})
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "csv":
		tw, err := table.NewWriter(stdout, table.CSV, "")
		if err != nil {
			return err
		}
		if err := tw.Write([]string{"name", "from", "to", "days", "adjusted_workdays"}); err != nil {
			return err
		}
		for _, p := range periods {
			if err := tw.Write([]string{p.Name, p.From.String(), p.To.String(), fmt.Sprint(p.Days()), joinHolidayDates(p.AdjustedWorkdays, false)}); err != nil {
				return err
			}
		}
		return tw.Close()
	}
	rows := [][]string{{"HOLIDAY", "FROM", "TO", "DAYS", "ADJUSTED WORKDAYS (调休上班)"}}
	adjusted := 0
	for _, p := range periods {
		rows = append(rows, []string{p.Name, dateWithWeekday(p.From), dateWithWeekday(p.To), fmt.Sprint(p.Days()), joinHolidayDates(p.AdjustedWorkdays, true)})
		adjusted += len(p.AdjustedWorkdays)
	}
	writeColumns(stdout, rows)
	fmt.Fprintf(stderr, "%d holidays, %d adjusted working days\n", len(periods), adjusted)
	return nil
}

// dateWithWeekday writes a date with its weekday: "2026-02-14 Sat".
func dateWithWeekday(d calendar.Date) string {
	return d.String() + " " + d.Weekday().String()[:3]
}

// joinHolidayDates writes dates separated by spaces (table: by ", " with their
// weekdays); "—" in a table when there are none.
func joinHolidayDates(ds []calendar.Date, forTable bool) string {
	if forTable && len(ds) == 0 {
		return "—"
	}
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = d.String()
		if forTable {
			s[i] = dateWithWeekday(d)
		}
	}
	if forTable {
		return strings.Join(s, ", ")
	}
	return strings.Join(s, " ")
}
