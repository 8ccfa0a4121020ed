package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/shishi-health/shishi/store"
)

func cmdBackup(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "backup", "[--out FILE]")
	var sf storeFlags
	sf.register(fs, env)
	out := fs.String("out", "", "backup file (default: shishi-backup-YYYYMMDD-HHMMSS.db in the data directory)")
	if _, err := parseArgs(fs, args); err != nil {
		return flagExit(err)
	}
	st, err := sf.open(ctx, sf.logger(env))
	if err != nil {
		return fail(env, "%v", err)
	}
	defer st.Close()
	path := *out
	if path == "" {
		path = filepath.Join(sf.dataDir, "shishi-backup-"+env.now().UTC().Format("20060102-150405")+".db")
	}
	start := env.now()
	if err := st.Backup(ctx, path); err != nil {
		if errors.Is(err, store.ErrBackupPostgres) {
			fmt.Fprintln(env.stderr, "shishi backup:", err)
			return exitUsage
		}
		return fail(env, "%v", err)
	}
	fmt.Fprintf(env.stdout, "backup written to %s in %s\n", path, env.now().Sub(start).Round(time.Millisecond))
	return exitOK
}

func cmdRestore(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "restore", "FILE (stop the server first)")
	var sf storeFlags
	sf.register(fs, env)
	file, code, ok := oneArg(fs, args)
	if !ok {
		return code
	}
	if store.IsPostgresURL(sf.db) {
		fmt.Fprintln(env.stderr, "shishi restore:", store.ErrBackupPostgres)
		return exitUsage
	}
	if err := store.Restore(ctx, sf.dataDir, file); err != nil {
		return fail(env, "%v", err)
	}
	// Opening applies any migration the backup predates.
	st, err := sf.open(ctx, sf.logger(env))
	if err != nil {
		return fail(env, "restored, but the store does not open: %v", err)
	}
	st.Close()
	fmt.Fprintf(env.stdout, "restored %s into %s (the previous database is kept as shishi.db.before-restore)\n", file, sf.dataDir)
	return exitOK
}
