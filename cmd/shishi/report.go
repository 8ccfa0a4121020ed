package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"

	"github.com/shishi-health/shishi/commitment"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/table"
)

// evalFlags are the flags eval, report, gaps and dispatch share.
type evalFlags struct {
	storeFlags
	set, region, asOf, out string
	trendDays              int
}

func (ef *evalFlags) register(fs *flag.FlagSet, env *cliEnv) {
	fs.StringVar(&ef.set, "commitments", "2025", "a shipped set (2025, 2025-2027) or a commitments YAML file")
	fs.StringVar(&ef.region, "region", region.CountryCode, "the region (GB/T 2260 code; 000000 is the country)")
	fs.StringVar(&ef.asOf, "as-of", "", "evaluate on this date, YYYY-MM-DD (default today)")
	fs.StringVar(&ef.out, "out", "", "write to this file instead of standard output")
	fs.IntVar(&ef.trendDays, "trend-days", defaultTrendDays, "days back the trend that projects completion is drawn from (0: none)")
}

// evaluate opens the store and evaluates the set for the flags.
func (ef *evalFlags) evaluate(ctx context.Context, env *cliEnv) (*store.Store, *commitment.Evaluation, error) {
	set, err := loadSet(ef.set)
	if err != nil {
		return nil, nil, fmt.Errorf("--commitments: %w", err)
	}
	date := chinaToday(env.now())
	if ef.asOf != "" {
		if date, err = facility.ParseDate(ef.asOf); err != nil {
			return nil, nil, fmt.Errorf("--as-of: %w", err)
		}
	}
	st, err := ef.open(ctx, ef.logger(env))
	if err != nil {
		return nil, nil, err
	}
	tree, err := loadTree(ctx, st)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	if _, ok := tree.Get(ef.region); !ok {
		st.Close()
		return nil, nil, fmt.Errorf("--region: unknown region code %q", ef.region)
	}
	ev, err := st.Evaluate(ctx, set, tree, date, ef.trendDays)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, ev, nil
}

func cmdReport(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "report", "--commitments 2025 [--region CODE] [--as-of DATE] --format md|html|xlsx [--out FILE]")
	var ef evalFlags
	ef.storeFlags.register(fs, env)
	ef.register(fs, env)
	format := fs.String("format", "md", "md, html or xlsx")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(pos) > 0 {
		fs.Usage()
		return exitUsage
	}
	if *format != "md" && *format != "html" && *format != "xlsx" {
		return fail(env, "--format: %q (want md, html or xlsx)", *format)
	}
	st, ev, err := ef.evaluate(ctx, env)
	if err != nil {
		return fail(env, "%v", err)
	}
	defer st.Close()
	rc, err := commitment.NewReportCard(ev, ef.region)
	if err != nil {
		return fail(env, "%v", err)
	}
	w, closeOut, err := output(env, ef.out)
	if err != nil {
		return fail(env, "%v", err)
	}
	bw := bufio.NewWriter(w)
	switch *format {
	case "md":
		err = rc.Markdown(bw)
	case "html":
		err = rc.HTML(bw)
	case "xlsx":
		err = table.WriteRows(bw, table.XLSX, "成绩单", rc.Rows())
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return fail(env, "report: %v", err)
	}
	return exitOK
}
