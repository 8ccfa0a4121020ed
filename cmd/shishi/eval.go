package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/shishi-health/shishi/commitment"
	"github.com/shishi-health/shishi/region"
)

// defaultTrendDays is how far back the trend that projects completion
// dates looks: a quarter smooths out single updates without hiding a
// change of pace.
const defaultTrendDays = 90

// loadSet returns the commitments named on the command line: a shipped
// set's id ("2025") or the path of a YAML file.
func loadSet(name string) (*commitment.Set, error) {
	if strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml") {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		return commitment.Parse(name, data)
	}
	sets, err := commitment.Builtin()
	if err != nil {
		return nil, err
	}
	return commitment.Find(sets, name)
}

// evalRow is one target in one region, as eval prints it.
type evalRow struct {
	Commitment  int      `json:"commitment"`
	Target      string   `json:"target"`
	Title       string   `json:"title"`
	Region      string   `json:"region"`
	RegionName  string   `json:"region_name"`
	Value       *float64 `json:"value"`
	Display     string   `json:"display"`
	Numerator   float64  `json:"numerator"`
	Denominator float64  `json:"denominator"`
	Goal        string   `json:"target_value,omitempty"`
	Deadline    string   `json:"deadline,omitempty"`
	Status      string   `json:"status"`
	Gap         int64    `json:"gap"`
	Projected   string   `json:"projected,omitempty"`
}

func cmdEval(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "eval", "--commitments 2025|FILE.yaml [--region CODE] [--as-of DATE] [--format table|json]")
	var ef evalFlags
	ef.storeFlags.register(fs, env)
	ef.register(fs, env)
	format := fs.String("format", "table", "table or json")
	lang := fs.String("lang", "zh", "titles and statuses: zh or en")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(pos) > 0 {
		fs.Usage()
		return exitUsage
	}
	if *format != "table" && *format != "json" {
		return fail(env, "--format: %q (want table or json)", *format)
	}
	st, ev, err := ef.evaluate(ctx, env)
	if err != nil {
		return fail(env, "%v", err)
	}
	defer st.Close()
	set, date, tree := ev.Set, ev.AsOf, ev.Tree()
	top, _ := tree.Get(ef.region)
	codes := []string{top.Code}
	for _, c := range tree.Children(top.Code) {
		codes = append(codes, c.Code)
	}
	var rows []evalRow
	for _, c := range set.Commitments {
		for _, t := range c.Targets {
			for _, r := range ev.Results(t, codes) {
				row := evalRow{Commitment: c.No, Target: t.ID, Title: t.Label(*lang), Region: r.Region.Code,
					RegionName: r.Region.Name, Display: r.FormatValue(), Numerator: r.Num, Denominator: r.Den,
					Goal: r.FormatGoal(), Status: r.Status.String(), Gap: r.Gap, Projected: r.Projected}
				if r.HasGoal {
					row.Deadline = t.Deadline
				}
				if r.HasValue {
					v := r.Value
					row.Value = &v
				}
				rows = append(rows, row)
			}
		}
	}
	for _, p := range ev.Problems {
		fmt.Fprintf(env.stderr, "warning: %s\n", p)
	}
	w, closeOut, err := output(env, ef.out)
	if err != nil {
		return fail(env, "%v", err)
	}
	if err := writeEval(w, *format, *lang, set, top, date, rows); err != nil {
		closeOut()
		return fail(env, "%v", err)
	}
	if err := closeOut(); err != nil {
		return fail(env, "%v", err)
	}
	return exitOK
}

// writeEval writes eval's rows as JSON or as a table.
func writeEval(w io.Writer, format, lang string, set *commitment.Set, top region.Division, date string, rows []evalRow) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"commitments": set.ID, "region": top.Code, "as_of": date, "results": rows})
	}
	fmt.Fprintf(w, "%s — %s, %s %s\n\n", set.Label(lang), top.Name, map[bool]string{true: "截至", false: "as of"}[strings.HasPrefix(lang, "zh")], date)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\ttarget\tregion\tvalue\ttarget value\tdeadline\tstatus\tgap\tprojected")
	for _, r := range rows {
		status := r.Status
		if st, err := commitment.ParseStatus(r.Status); err == nil {
			status = st.Label(lang)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s %s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.Commitment, r.Target, r.Region, r.RegionName,
			r.Display, r.Goal, r.Deadline, status, r.Gap, r.Projected)
	}
	return tw.Flush()
}
