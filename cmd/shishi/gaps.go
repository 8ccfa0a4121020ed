package main

import (
	"bufio"
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/shishi-health/shishi/commitment"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/table"
)

func cmdGaps(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "gaps", "--commitments 2025 --target ID [--region CODE] [--as-of DATE] [--format table|csv|xlsx] [--out FILE]")
	var ef evalFlags
	ef.storeFlags.register(fs, env)
	ef.register(fs, env)
	target := fs.String("target", "", "the target whose gap list (梳理名单) to write; see shishi eval for ids")
	format := fs.String("format", "table", "table, csv or xlsx")
	lang := fs.String("lang", "zh", "header: zh or en")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(pos) > 0 || *target == "" {
		fs.Usage()
		return exitUsage
	}
	st, ev, err := ef.evaluate(ctx, env)
	if err != nil {
		return fail(env, "%v", err)
	}
	defer st.Close()
	t, ok := ev.Set.Target(*target)
	if !ok {
		return fail(env, "--target: no target %q in commitments %s", *target, ev.Set.ID)
	}
	gaps, err := gapList(ctx, st, ev, t, ef.region)
	if err != nil {
		return fail(env, "%v", err)
	}
	codes := []string{region.CountryCode}
	for _, d := range ev.Tree().All() {
		codes = append(codes, d.Code)
	}
	resp, err := st.Responsibles(ctx, ev.Set.ID, codes, nil)
	if err != nil {
		return fail(env, "%v", err)
	}
	header, rows := commitment.GapTable(ev, t, gaps, *lang, resp)
	w, closeOut, err := output(env, ef.out)
	if err != nil {
		return fail(env, "%v", err)
	}
	bw := bufio.NewWriter(w)
	if *format == "table" {
		tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "%s\t%d\n", t.GapLabel(*lang), len(rows))
		for _, row := range append([][]string{header}, rows...) {
			for i, c := range row {
				if i > 0 {
					fmt.Fprint(tw, "\t")
				}
				fmt.Fprint(tw, c)
			}
			fmt.Fprintln(tw)
		}
		err = tw.Flush()
	} else {
		f, ferr := table.ParseFormat(*format)
		if ferr != nil {
			return fail(env, "--format: %v", ferr)
		}
		err = table.WriteRows(bw, f, "梳理名单", append([][]string{header}, rows...))
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return fail(env, "gaps: %v", err)
	}
	if ef.out != "" {
		fmt.Fprintf(env.stderr, "%d entries written to %s\n", len(rows), ef.out)
	}
	return exitOK
}

// gapList returns a target's gap list within code: the facilities behind,
// read from the registry on the evaluation date, or the units behind.
func gapList(ctx context.Context, st *store.Store, ev *commitment.Evaluation, t *commitment.Target, code string) ([]commitment.Gap, error) {
	if !t.ListsFacilities() {
		return commitment.UnitGaps(ev, t, code), nil
	}
	recs, _, err := st.Facilities(ctx, t.Registry, store.Query{Region: code, AsOf: ev.AsOf})
	if err != nil {
		return nil, err
	}
	return commitment.FacilityGaps(ev, t, recs)
}
