package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/shishi-health/shishi/season"
	"github.com/shishi-health/shishi/table"
)

// cmdTerms runs "shishi calendar terms" with args (after "terms"): the 24
// solar terms (二十四节气) of a year, from embedded data and computation,
// no store, no network.
func cmdTerms(_ context.Context, env *cliEnv, args []string) int {
	err := calendarTerms(args, env.stdout, env.stderr)
	var ue calendarUsageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		return exitUsage
	}
	return fail(env, "%v", err)
}

// termJSON is a term in --format json.
type termJSON struct {
	Index       int       `json:"index"`
	Name        string    `json:"name"`
	Pinyin      string    `json:"pinyin"`
	Longitude   int       `json:"longitude"`
	BeijingTime time.Time `json:"beijing_time"`
	Source      string    `json:"source"`
}

// termSourceKey is a moment's source in csv and json: one word a script
// can match, "official" or "computed" (computed means ±1 minute).
func termSourceKey(s season.Source) string {
	if s == season.Official {
		return "official"
	}
	return "computed"
}

// termTimeLayout is Beijing time to the minute, as the observatory
// publishes it.
const termTimeLayout = "2006-01-02 15:04"

func calendarTerms(args []string, stdout, stderr io.Writer) error {
	fs := calendarFlags(stderr, "terms", "--year YEAR [--format table|csv|json]",
		fmt.Sprintf(`Lists the 24 solar terms (二十四节气) of a calendar year, 小寒 in January to
冬至 in December: name, pinyin, the Sun's ecliptic longitude, and the moment
the term begins in Beijing time (UTC+8) to the minute. "official" is the
Purple Mountain Observatory's published minute, shipped as data; "computed"
comes from an ephemeris (lunar-go) rounded the same way and may differ from
the published minute by one. Years %d–%d.
`, season.MinYear, season.MaxYear))
	year := fs.Int("year", 0, "the calendar year, e.g. 2025")
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
	moments, err := season.Terms(*year)
	if err != nil {
		return err
	}
	switch *format {
	case "json":
		out := struct {
			Year  int        `json:"year"`
			Terms []termJSON `json:"terms"`
		}{Year: *year}
		for _, m := range moments {
			out.Terms = append(out.Terms, termJSON{Index: m.Term.Index, Name: m.Term.Name, Pinyin: m.Term.Pinyin,
				Longitude: m.Term.Longitude, BeijingTime: m.At, Source: termSourceKey(m.Source)})
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "csv":
		tw, err := table.NewWriter(stdout, table.CSV, "")
		if err != nil {
			return err
		}
		if err := tw.Write([]string{"index", "name", "pinyin", "longitude", "beijing_time", "source"}); err != nil {
			return err
		}
		for _, m := range moments {
			if err := tw.Write([]string{fmt.Sprint(m.Term.Index), m.Term.Name, m.Term.Pinyin, fmt.Sprint(m.Term.Longitude),
				m.At.Format(termTimeLayout), termSourceKey(m.Source)}); err != nil {
				return err
			}
		}
		return tw.Close()
	}
	rows := [][]string{{"TERM", "PINYIN", "LONGITUDE", "BEIJING TIME (UTC+8)", "SOURCE"}}
	official := 0
	for _, m := range moments {
		rows = append(rows, []string{m.Term.Name, m.Term.Pinyin, fmt.Sprintf("%d°", m.Term.Longitude),
			m.At.Format(termTimeLayout), m.Source.String()})
		if m.Source == season.Official {
			official++
		}
	}
	writeColumns(stdout, rows)
	fmt.Fprintf(stderr, "%d terms: %d official, %d computed (±1 min)\n", len(moments), official, len(moments)-official)
	return nil
}
