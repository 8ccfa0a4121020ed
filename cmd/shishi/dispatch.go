package main

import (
	"bufio"
	"context"

	"github.com/shishi-health/shishi/commitment"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/table"
)

func cmdDispatch(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "dispatch", "--commitments 2025 [--region CODE] --from DATE --to DATE [--format md|xlsx] [--out FILE]")
	var ef evalFlags
	ef.storeFlags.register(fs, env)
	ef.register(fs, env)
	from := fs.String("from", "", "the earlier date, YYYY-MM-DD")
	format := fs.String("format", "md", "md or xlsx")
	lang := fs.String("lang", "zh", "xlsx headers: zh or en")
	fs.Lookup("as-of").Usage = "the later date, YYYY-MM-DD (default today); --to is the same"
	fs.StringVar(&ef.asOf, "to", "", "the later date, YYYY-MM-DD (default today)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(pos) > 0 || *from == "" {
		fs.Usage()
		return exitUsage
	}
	if *format != "md" && *format != "xlsx" {
		return fail(env, "--format: %q (want md or xlsx)", *format)
	}
	fromDate, err := facility.ParseDate(*from)
	if err != nil {
		return fail(env, "--from: %v", err)
	}
	st, after, err := ef.evaluate(ctx, env)
	if err != nil {
		return fail(env, "%v", err)
	}
	defer st.Close()
	if fromDate >= after.AsOf {
		return fail(env, "--from %s is not before --to %s", fromDate, after.AsOf)
	}
	before, err := st.Evaluate(ctx, after.Set, after.Tree(), fromDate, 0)
	if err != nil {
		return fail(env, "%v", err)
	}
	gaps := map[*commitment.Target][2][]commitment.Gap{}
	for _, t := range after.Set.Targets() {
		var pair [2][]commitment.Gap
		for i, ev := range []*commitment.Evaluation{before, after} {
			if pair[i], err = gapList(ctx, st, ev, t, ef.region); err != nil {
				return fail(env, "%v", err)
			}
		}
		gaps[t] = pair
	}
	d, err := commitment.NewDispatch(before, after, ef.region, gaps)
	if err != nil {
		return fail(env, "%v", err)
	}
	w, closeOut, err := output(env, ef.out)
	if err != nil {
		return fail(env, "%v", err)
	}
	bw := bufio.NewWriter(w)
	if *format == "md" {
		err = d.Markdown(bw)
	} else {
		header, rows := d.Rows(*lang)
		err = table.WriteRows(bw, table.XLSX, "调度", append([][]string{header}, rows...))
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return fail(env, "dispatch: %v", err)
	}
	return exitOK
}
