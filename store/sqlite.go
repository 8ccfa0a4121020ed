package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"runtime"

	_ "modernc.org/sqlite" // registers the "sqlite" driver: pure Go, so CGO_ENABLED=0 builds work
)

// sqliteDSN builds the connection string. busy_timeout comes first so that
// it is in force while the later pragmas run (journal_mode needs a lock);
// WAL lets readers go on while the writer writes; synchronous=NORMAL is
// safe with WAL (a power cut may lose the last commits, never corrupt).
func sqliteDSN(path string, txlock string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", fmt.Sprintf("cache_size(%d)", defaultCacheKiB))
	if txlock != "" {
		q.Add("_txlock", txlock)
	}
	return "file:" + path + "?" + q.Encode()
}

func openSQLite(ctx context.Context, path string) (*Store, error) {
	// The writer takes its lock at BEGIN (IMMEDIATE), so a transaction
	// never fails half-way when it upgrades from reading to writing.
	write, err := sql.Open("sqlite", sqliteDSN(path, "immediate"))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", sqliteDSN(path, ""))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	read.SetMaxOpenConns(max(4, runtime.NumCPU()*2))
	return &Store{dialect: SQLite, read: read, write: write, path: path}, nil
}
