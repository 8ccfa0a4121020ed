package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// otherwise the module version or VCS revision is shown.
var version = ""

// exit codes
const (
	exitOK       = 0
	exitFailure  = 1 // the command ran and failed (rows rejected, store down)
	exitUsage    = 2 // the command line was wrong
	exitSignaled = 130
)

// command is one subcommand.
type command struct {
	name, summary string
	run           func(ctx context.Context, env *cliEnv, args []string) int
}

// cliEnv is what every subcommand gets from main: its streams, the
// environment and the clock. No globals: tests run the CLI in-process.
type cliEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	now            func() time.Time
}

func commands() []command {
	return []command{
		{"serve", "start the web server (页面与 API)", cmdServe},
		{"import", "import a registry file, CSV or XLSX (导入)", cmdImport},
		{"export", "export a registry or the regions as CSV or XLSX (导出)", cmdExport},
		{"template", "write an empty registry file with its header (模板)", cmdTemplate},
		{"eval", "evaluate a set of commitments for a region and the units under it (评估)", cmdEval},
		{"report", "write the report card of a set of commitments, md, html or xlsx (成绩单)", cmdReport},
		{"gaps", "list the units or facilities behind on a target, table, csv or xlsx (梳理名单)", cmdGaps},
		{"dispatch", "what changed between two dates: targets met, units fixed or newly behind (调度)", cmdDispatch},
		{"calendar", "working days and holidays, with adjusted working days (工作日)", cmdCalendar},
		{"demo", "fill the store with the national demo data set and demo accounts (演示数据)", cmdDemo},
		{"user", "add, list, disable, enable user accounts, reset passwords (用户)", cmdUser},
		{"token", "issue, list and revoke API tokens for scripts (API令牌)", cmdToken},
		{"audit", "verify or export the audit trail (审计日志)", cmdAudit},
		{"backup", "write an online backup of the SQLite store (备份)", cmdBackup},
		{"restore", "replace the SQLite store with a backup; stop the server first (恢复)", cmdRestore},
		{"version", "print the version", cmdVersion},
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &cliEnv{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv, now: time.Now}
	return env.dispatch(ctx, args)
}

func (env *cliEnv) dispatch(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		env.usage(env.stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	fmt.Fprintf(env.stderr, "shishi: unknown command %q\n\n", args[0])
	env.usage(env.stderr)
	return exitUsage
}

// dispatchGroup runs a subcommand of a command group ("shishi user add"):
// its usage lists the group's commands, followed by extra.
func (env *cliEnv) dispatchGroup(ctx context.Context, group string, cmds []command, extra string, args []string) int {
	usage := func(w io.Writer) {
		fmt.Fprintf(w, "Usage: shishi %s <command> [flags]\n\nCommands:\n", group)
		for _, c := range cmds {
			fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
		}
		fmt.Fprint(w, extra)
	}
	if len(args) == 0 {
		usage(env.stderr)
		return exitUsage
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.stderr)
		return exitOK
	}
	for _, c := range cmds {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	fmt.Fprintf(env.stderr, "shishi %s: unknown command %q\n\n", group, args[0])
	usage(env.stderr)
	return exitUsage
}

func (env *cliEnv) usage(w io.Writer) {
	fmt.Fprint(w, `shishi (实事): deliver and monitor public health-service commitments.

Usage: shishi <command> [flags] [arguments]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Every command that touches data takes --data-dir (SHISHI_DATA_DIR, default
./shishi-data, holds the SQLite file) and --db (SHISHI_DB, a postgres:// URL
selects PostgreSQL). Run "shishi <command> --help" for its flags.
`)
}

// storeFlags are the flags of every command that opens the store.
type storeFlags struct {
	dataDir, db string
	logLevel    string
}

func (sf *storeFlags) register(fs *flag.FlagSet, env *cliEnv) {
	fs.StringVar(&sf.dataDir, "data-dir", envOr(env, "SHISHI_DATA_DIR", "./shishi-data"), "directory of the embedded SQLite store (env SHISHI_DATA_DIR)")
	fs.StringVar(&sf.db, "db", env.getenv("SHISHI_DB"), "postgres:// URL of a PostgreSQL store instead of SQLite (env SHISHI_DB)")
	fs.StringVar(&sf.logLevel, "log-level", envOr(env, "SHISHI_LOG_LEVEL", "info"), "debug, info, warn or error (env SHISHI_LOG_LEVEL)")
}

func envOr(env *cliEnv, key, def string) string {
	if v := env.getenv(key); v != "" {
		return v
	}
	return def
}

func (sf *storeFlags) logger(env *cliEnv) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(sf.logLevel)); err != nil {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: level}))
}

func (sf *storeFlags) open(ctx context.Context, log *slog.Logger) (*store.Store, error) {
	return store.Open(ctx, store.Config{URL: sf.db, DataDir: sf.dataDir, Logger: log})
}

// newFlagSet makes a subcommand's flag set whose --help lists its flags
// under a usage line.
func newFlagSet(env *cliEnv, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: shishi %s %s\n\nFlags:\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses flags anywhere among the arguments (users write
// "shishi import hospitals a.csv --partial"), which flag.Parse alone stops
// at the first non-flag for. It returns the positional arguments.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// oneArg parses the flags of a command that takes exactly one argument
// (a registry, a file, a user name) and returns it; when ok is false the
// command returns code (usage shown, or --help answered).
func oneArg(fs *flag.FlagSet, args []string) (arg string, code int, ok bool) {
	pos, err := parseArgs(fs, args)
	if err != nil {
		return "", flagExit(err), false
	}
	if len(pos) != 1 {
		fs.Usage()
		return "", exitUsage, false
	}
	return pos[0], exitOK, true
}

// flagExit turns a flag parsing error into an exit code: --help is not a
// failure.
func flagExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

func cmdVersion(_ context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "version", "")
	if _, err := parseArgs(fs, args); err != nil {
		return flagExit(err)
	}
	fmt.Fprintln(env.stdout, "shishi", versionString())
	return exitOK
}

func versionString() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := info.Main.Version
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		v += " " + rev[:min(12, len(rev))]
		if settings["vcs.modified"] == "true" {
			v += "+dirty"
		}
	}
	return strings.TrimSpace(v + " " + info.GoVersion)
}

// loadTree loads the embedded administrative hierarchy, copies it into
// the store's regions table when it changed, and applies the population
// figures users imported.
func loadTree(ctx context.Context, st *store.Store) (*region.Tree, error) {
	t, err := region.Load()
	if err != nil {
		return nil, fmt.Errorf("load regions: %w", err)
	}
	if t, err = st.TreeWithFigures(ctx, t); err != nil {
		return nil, err
	}
	return t, st.SyncRegions(ctx, t)
}

func fail(env *cliEnv, format string, args ...any) int {
	fmt.Fprintf(env.stderr, "shishi: "+format+"\n", args...)
	return exitFailure
}
