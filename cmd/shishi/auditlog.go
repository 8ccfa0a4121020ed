package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/table"
)

func auditCommands() []command {
	return []command{
		{"verify", "check the hash chain of the whole audit trail", cmdAuditVerify},
		{"export", "write the audit trail, or a part of it, as XLSX or CSV", cmdAuditExport},
	}
}

// cmdAudit reads the audit trail (审计日志) from the shell. It never
// creates the first administrator: reading the trail must not write to it.
func cmdAudit(ctx context.Context, env *cliEnv, args []string) int {
	return env.dispatchGroup(ctx, "audit", auditCommands(), "", args)
}

func cmdAuditVerify(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "audit verify", "")
	var sf storeFlags
	sf.register(fs, env)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(pos) != 0 {
		fs.Usage()
		return exitUsage
	}
	st, err := sf.open(ctx, sf.logger(env))
	if err != nil {
		return fail(env, "%v", err)
	}
	defer st.Close()
	// Verify streams the log a page at a time: memory stays flat however
	// long the trail.
	b, n, err := audit.Verify(st.AuditLog(ctx))
	if err != nil {
		return fail(env, "audit verify after %d entries: %v", n, err)
	}
	if b != nil {
		fmt.Fprintf(env.stderr, "audit trail broken at entry #%d (%s): %s\n", b.Seq, b.Kind, b.Detail)
		return exitFailure
	}
	fmt.Fprintf(env.stdout, "audit trail intact: %d entries\n", n)
	if n > 0 {
		// The chain cannot show that its newest entries were removed; a
		// copy of the head kept elsewhere can.
		seq, hash, err := st.AuditHead(ctx)
		if err != nil {
			return fail(env, "%v", err)
		}
		fmt.Fprintf(env.stdout, "head: entry #%d %s (keep a copy elsewhere to detect a truncated trail)\n", seq, hash)
	}
	return exitOK
}

// beijing is China Standard Time, in which the CLI reads and shows dates:
// audit --from and --to, token expiry.
var beijing = time.FixedZone("CST", 8*3600)

func cmdAuditExport(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "audit export", "[--format xlsx|csv] [--out FILE] [--actor ID] [--region CODE] [--from DATE] [--to DATE] [--lang zh|en]")
	var sf storeFlags
	sf.register(fs, env)
	format := fs.String("format", "", "xlsx or csv (default: xlsx into --out, csv on standard output)")
	out := fs.String("out", "", "write to this file instead of standard output")
	actor := fs.String("actor", "", "only entries of this actor (a user ID, \"system\" or \"cli:<os user>\")")
	regionCode := fs.String("region", region.CountryCode, "only entries about this region and the units under it (GB/T 2260 code)")
	from := fs.String("from", "", "only entries from this day on, YYYY-MM-DD in Beijing time")
	to := fs.String("to", "", "only entries up to and including this day, YYYY-MM-DD in Beijing time")
	lang := fs.String("lang", "zh", "headers and action labels: zh or en")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(pos) != 0 {
		fs.Usage()
		return exitUsage
	}
	if *format == "" {
		*format = "csv"
		if *out != "" {
			*format = "xlsx"
		}
	}
	f, err := table.ParseFormat(*format)
	if err != nil {
		return fail(env, "%v", err)
	}
	var fromAt, toAt time.Time
	for _, d := range []struct {
		flag, value string
		dst         *time.Time
		days        int
	}{{"--from", *from, &fromAt, 0}, {"--to", *to, &toAt, 1}} {
		if d.value == "" {
			continue
		}
		day, err := facility.ParseDate(d.value)
		if err != nil {
			return fail(env, "%s: %v", d.flag, err)
		}
		t, _ := time.ParseInLocation(facility.DateLayout, day, beijing)
		*d.dst = t.AddDate(0, 0, d.days)
	}
	tree, err := region.Load()
	if err != nil {
		return fail(env, "load regions: %v", err)
	}
	if _, ok := tree.Get(*regionCode); !ok {
		return fail(env, "--region: unknown region code %q", *regionCode)
	}
	st, err := sf.open(ctx, sf.logger(env))
	if err != nil {
		return fail(env, "%v", err)
	}
	defer st.Close()
	w, closeOut, err := output(env, *out)
	if err != nil {
		return fail(env, "%v", err)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	prefix := store.RegionPrefix(*regionCode)
	n := 0
	tw, err := table.NewWriter(bw, f, map[bool]string{true: "Audit trail", false: "审计日志"}[strings.HasPrefix(*lang, "en")],
		table.WithNumericColumns([]bool{true}))
	if err == nil {
		err = tw.Write(audit.Header(*lang))
	}
	if err == nil {
		err = st.StreamAudit(ctx, func(e audit.Entry) error {
			if *actor != "" && e.Actor != *actor || !strings.HasPrefix(e.Region, prefix) ||
				!fromAt.IsZero() && e.At.Before(fromAt) || !toAt.IsZero() && !e.At.Before(toAt) {
				return nil
			}
			n++
			return tw.Write(audit.Row(e, *lang))
		})
	}
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return fail(env, "audit export: %v", err)
	}
	// Exporting the trail is itself audited: who took a copy, and of what.
	filter, _ := json.Marshal(map[string]any{"format": f.String(), "actor": *actor, "region": *regionCode, "from": *from, "to": *to, "rows": n})
	if _, err := st.AppendAudit(ctx, audit.Entry{At: env.now(), Actor: env.operator(), Region: *regionCode,
		Action: audit.Export, Object: "audit_log", After: filter}); err != nil {
		return fail(env, "audit export written, but its audit entry failed: %v", err)
	}
	if *out != "" {
		fmt.Fprintf(env.stderr, "%d entries written to %s\n", n, *out)
	}
	return exitOK
}
