package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/shishi-health/shishi/demo"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/importer"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/table"
)

func registryList() []string {
	var names []string
	for _, sc := range facility.Registries() {
		names = append(names, sc.Name)
	}
	return names
}

func lookupRegistry(name string) (*facility.Schema, error) {
	sc, ok := facility.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("unknown registry %q: one of %s", name, strings.Join(registryList(), ", "))
	}
	return sc, nil
}

// chinaToday is today's date in China (UTC+8), the date the users mean.
func chinaToday(now time.Time) string {
	return now.In(time.FixedZone("CST", 8*3600)).Format(facility.DateLayout)
}

func cmdImport(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "import", "<"+strings.Join(registryList(), "|")+"|regions> FILE [--partial] [--dry-run] [--rejects FILE]")
	var sf storeFlags
	sf.register(fs, env)
	partial := fs.Bool("partial", false, "store the valid rows even when some are rejected; the rejected rows go to --rejects")
	dryRun := fs.Bool("dry-run", false, "show what the import would do (new, changed field by field, unchanged, rejected) without writing")
	rejects := fs.String("rejects", "", "where to write rejected rows (default: FILE.rejected.csv|xlsx beside FILE)")
	lang := fs.String("lang", "zh", "language of messages and of the rejects file: zh or en")
	verbose := fs.Int("show", 20, "how many changes and errors to print")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(pos) != 2 {
		fs.Usage()
		return exitUsage
	}
	var sc *facility.Schema
	if pos[0] != "regions" {
		if sc, err = lookupRegistry(pos[0]); err != nil {
			return fail(env, "%v", err)
		}
	}
	path := pos[1]
	f, err := os.Open(path)
	if err != nil {
		return fail(env, "%v", err)
	}
	defer f.Close()
	info, _ := f.Stat()
	log := sf.logger(env)
	st, err := sf.open(ctx, log)
	if err != nil {
		return fail(env, "%v", err)
	}
	defer st.Close()
	tree, err := loadTree(ctx, st)
	if err != nil {
		return fail(env, "%v", err)
	}
	counted := &countingReader{r: f}
	bar := newProgress(env.stderr, "import "+pos[0], info.Size(), env.now)
	opts := importer.Options{
		Partial: *partial, DryRun: *dryRun, Today: chinaToday(env.now()),
		Progress: func(rows int) { bar.update(counted.n, rows) },
	}
	in := bufio.NewReaderSize(counted, 1<<20)
	var rep *importer.Report
	if sc == nil {
		rep, err = importer.ImportRegions(ctx, st, tree, filepath.Base(path), in, opts)
	} else {
		rep, err = importer.Import(ctx, st, tree, sc, filepath.Base(path), in, opts)
	}
	bar.done()
	if rep == nil {
		return fail(env, "%v", err)
	}
	printReport(env.stdout, env.stderr, rep, *lang, *verbose)
	if len(rep.Rejected) > 0 && (*partial || errors.Is(err, importer.ErrRejected)) {
		out := *rejects
		if out == "" {
			ext := filepath.Ext(path)
			out = strings.TrimSuffix(path, ext) + ".rejected" + ext
		}
		if werr := writeRejects(out, rep, *lang); werr != nil {
			return fail(env, "write rejected rows: %v", werr)
		}
		fmt.Fprintf(env.stderr, "rejected rows written to %s (fix them and import that file again)\n", out)
	}
	if err != nil {
		if errors.Is(err, importer.ErrRejected) {
			fmt.Fprintf(env.stderr, "shishi: %d rows rejected: nothing stored (use --partial to store the valid rows)\n", len(rep.Rejected))
			return exitFailure
		}
		return fail(env, "%v", err)
	}
	return exitOK
}

func writeRejects(path string, rep *importer.Report, lang string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := importer.WriteRejects(f, rep, rep.Format, lang); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func printReport(out, errw io.Writer, rep *importer.Report, lang string, show int) {
	state := "stored"
	switch {
	case rep.DryRun:
		state = "dry run, nothing stored"
	case !rep.Committed:
		state = "nothing stored"
	}
	fmt.Fprintf(out, "%s → %s (%s): %d rows: %d new, %d changed, %d unchanged, %d rejected (%s, %s)\n",
		rep.File, rep.Registry, cmp.Or(rep.Encoding, rep.Format.String()), rep.Rows, rep.New, rep.Changed, rep.Unchanged, len(rep.Rejected), state, rep.Duration.Round(time.Millisecond))
	if rep.DryRun {
		for i, c := range rep.Changes {
			if i == show {
				fmt.Fprintf(out, "  … %d more\n", rep.New+rep.Changed-show)
				break
			}
			fmt.Fprintf(out, "  row %d %s %s", c.Row, c.Code, c.Change.Label(lang))
			for _, d := range c.Diff {
				fmt.Fprintf(out, "; %s: %v → %v", d.Field, d.From, d.To)
			}
			fmt.Fprintln(out)
		}
	}
	errs := rep.Errors()
	for i, e := range errs {
		if i == show {
			fmt.Fprintf(errw, "  … %d more errors\n", len(errs)-show)
			break
		}
		fmt.Fprintln(errw, e.In(lang))
	}
}

func cmdExport(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "export", "<"+strings.Join(registryList(), "|")+"|regions> [--format csv|xlsx] [--region CODE] [--as-of DATE] [--out FILE]")
	var sf storeFlags
	sf.register(fs, env)
	format := fs.String("format", "csv", "csv or xlsx")
	regionCode := fs.String("region", region.CountryCode, "only units or facilities within this region (GB/T 2260 code)")
	asOf := fs.String("as-of", "", "the state on this date, YYYY-MM-DD (default today)")
	out := fs.String("out", "", "write to this file instead of standard output")
	lang := fs.String("lang", "zh", "headers and labels: zh or en")
	what, code, ok := oneArg(fs, args)
	if !ok {
		return code
	}
	f, err := table.ParseFormat(*format)
	if err != nil {
		return fail(env, "%v", err)
	}
	date := chinaToday(env.now())
	if *asOf != "" {
		if date, err = facility.ParseDate(*asOf); err != nil {
			return fail(env, "--as-of: %v", err)
		}
	}
	st, err := sf.open(ctx, sf.logger(env))
	if err != nil {
		return fail(env, "%v", err)
	}
	defer st.Close()
	tree, err := loadTree(ctx, st)
	if err != nil {
		return fail(env, "%v", err)
	}
	if _, ok := tree.Get(*regionCode); !ok {
		return fail(env, "--region: unknown region code %q", *regionCode)
	}
	w, closeOut, err := output(env, *out)
	if err != nil {
		return fail(env, "%v", err)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var n int
	if what == "regions" {
		n, err = importer.ExportRegions(tree, *regionCode, bw, f, *lang)
	} else {
		var sc *facility.Schema
		if sc, err = lookupRegistry(what); err != nil {
			return fail(env, "%v", err)
		}
		n, err = importer.Export(ctx, st, sc, store.Query{Region: *regionCode, AsOf: date}, bw, f, *lang)
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return fail(env, "export %s: %v", what, err)
	}
	if *out != "" {
		fmt.Fprintf(env.stderr, "%d rows written to %s\n", n, *out)
	}
	return exitOK
}

func cmdTemplate(_ context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "template", "<"+strings.Join(registryList(), "|")+"> [--format csv|xlsx] [--lang zh|en] [--out FILE]")
	format := fs.String("format", "xlsx", "csv or xlsx")
	lang := fs.String("lang", "zh", "headers: zh or en")
	out := fs.String("out", "", "write to this file instead of standard output")
	registry, code, ok := oneArg(fs, args)
	if !ok {
		return code
	}
	sc, err := lookupRegistry(registry)
	if err != nil {
		return fail(env, "%v", err)
	}
	f, err := table.ParseFormat(*format)
	if err != nil {
		return fail(env, "%v", err)
	}
	w, closeOut, err := output(env, *out)
	if err != nil {
		return fail(env, "%v", err)
	}
	err = importer.Template(w, sc, f, *lang)
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return fail(env, "%v", err)
	}
	return exitOK
}

// output is the file named by --out, or standard output when it is empty.
func output(env *cliEnv, path string) (io.Writer, func() error, error) {
	if path == "" {
		return env.stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}

func cmdDemo(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "demo", "[--seed N] [--scale N]")
	var sf storeFlags
	sf.register(fs, env)
	seed := fs.Uint64("seed", 2025, "random seed: the same seed gives the same data")
	scale := fs.Int("scale", 1, "facility count multiplier (10 = ten times the national size, for benchmarks)")
	if _, err := parseArgs(fs, args); err != nil {
		return flagExit(err)
	}
	log := sf.logger(env)
	st, err := sf.open(ctx, log)
	if err != nil {
		return fail(env, "%v", err)
	}
	defer st.Close()
	tree, err := loadTree(ctx, st)
	if err != nil {
		return fail(env, "%v", err)
	}
	start := env.now()
	bar := newProgress(env.stderr, "demo data", 0, env.now)
	sum, err := demo.Load(ctx, st, tree, demo.Options{Seed: *seed, Scale: *scale}, func(done, total int) { bar.update(int64(done), 0, int64(total)) })
	bar.done()
	if err != nil {
		return fail(env, "demo: %v", err)
	}
	fmt.Fprintf(env.stdout, "demo data loaded in %s: %v\n", env.now().Sub(start).Round(time.Millisecond), sum)
	if err := ensureFirstAdmin(ctx, env, st, env.stderr); err != nil {
		return fail(env, "%v", err)
	}
	if err := demoAccounts(ctx, env, st, tree, demo.Options{Seed: *seed, Scale: *scale}, env.operator(), env.stdout); err != nil {
		return fail(env, "demo accounts: %v", err)
	}
	return exitOK
}

// countingReader counts the bytes read, for the progress bar.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
