// Package store keeps shishi's data in SQLite (embedded, the default) or
// PostgreSQL (production). All SQL lives here. Most statements run on both
// engines as written; the differences (placeholders, bulk loading, pool
// shape) are in sqlite.go and postgres.go.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ErrNotFound is returned when a thing asked for by key does not exist.
var ErrNotFound = errors.New("not found")

// Config says which store to open.
type Config struct {
	// URL selects PostgreSQL when it starts with postgres:// or
	// postgresql://; empty selects SQLite in DataDir.
	URL     string
	DataDir string
	Logger  *slog.Logger
}

// Dialect names the database engine.
type Dialect int

// Dialects.
const (
	SQLite Dialect = iota
	Postgres
)

// String returns the engine's name.
func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// Store is an open store.
type Store struct {
	dialect Dialect
	// read serves queries; write serves transactions that change data. For
	// SQLite write has a single connection, because SQLite allows one
	// writer at a time and a pool of writers only trades waiting for
	// SQLITE_BUSY errors. For PostgreSQL both are the same pool.
	read, write *sql.DB
	log         *slog.Logger
	path        string // SQLite file
}

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Open opens the store described by cfg and applies pending migrations.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var s *Store
	var err error
	if IsPostgresURL(cfg.URL) {
		s, err = openPostgres(ctx, cfg.URL)
	} else {
		if cfg.URL != "" {
			return nil, fmt.Errorf("open store: %q is not a postgres:// URL", redactURL(cfg.URL))
		}
		dir := cfg.DataDir
		if dir == "" {
			dir = "shishi-data"
		}
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		s, err = openSQLite(ctx, filepath.Join(dir, "shishi.db"))
	}
	if err != nil {
		return nil, err
	}
	s.log = log
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.warnUnindexedSearch(ctx)
	return s, nil
}

// IsPostgresURL reports whether u selects the PostgreSQL store.
func IsPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// redactURL hides a password in a connection URL for messages and logs.
func redactURL(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 {
		return u
	}
	userinfo := u[scheme+3 : at]
	if i := strings.Index(userinfo, ":"); i >= 0 {
		return u[:scheme+3] + userinfo[:i] + ":***" + u[at:]
	}
	return u
}

// Dialect returns the store's engine.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close closes the store.
func (s *Store) Close() error {
	err := s.read.Close()
	if s.write != s.read {
		err = errors.Join(err, s.write.Close())
	}
	return err
}

// Ping checks that the store answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.read.PingContext(ctx)
}

// migration is one numbered version of migrations/, as it applies to one
// engine.
//
// A version is a portable file NNN_name.sql, engine files
// NNN_name.sqlite.sql and NNN_name.postgres.sql that apply only to that
// engine, or both: the portable file runs first, then the engine's file,
// in one transaction, recorded as one row of schema_migrations (its
// version is the primary key) naming the files applied, "003_audit.sql
// 003_audit.sqlite.sql". A version with no file for an engine is skipped
// there.
type migration struct {
	version int
	name    string // the files, space-separated
	stmts   []string
}

// engineSuffix is the file name ending of files that apply to one engine.
var engineSuffix = map[Dialect]string{SQLite: ".sqlite.sql", Postgres: ".postgres.sql"}

func migrations(d Dialect) ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	type files struct{ portable, engine string }
	byVersion := map[int]*files{}
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and _", name)
		}
		f := byVersion[v]
		if f == nil {
			f = &files{}
			byVersion[v] = f
		}
		slot := &f.portable
		switch {
		case strings.HasSuffix(name, engineSuffix[d]):
			slot = &f.engine
		case strings.HasSuffix(name, engineSuffix[SQLite]), strings.HasSuffix(name, engineSuffix[Postgres]):
			continue // another engine's
		}
		if *slot != "" {
			return nil, fmt.Errorf("migrations %s and %s: same version", *slot, name)
		}
		*slot = name
	}
	var ms []migration
	for v, f := range byVersion {
		m := migration{version: v}
		for _, name := range []string{f.portable, f.engine} {
			if name == "" {
				continue
			}
			b, err := migrationFiles.ReadFile("migrations/" + name)
			if err != nil {
				return nil, err
			}
			m.name = strings.TrimSpace(m.name + " " + name)
			m.stmts = append(m.stmts, splitMigration(string(b))...)
		}
		if m.name != "" {
			ms = append(ms, m)
		}
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// migrate applies, each in its own transaction, the migrations not yet
// recorded in schema_migrations.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	ms, err := migrations(s.dialect)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	applied := map[int]bool{}
	rows, err := s.write.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("migrate: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			for _, stmt := range m.stmts {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("%s: %w", firstLine(stmt), err)
				}
			}
			_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
				m.version, m.name, time.Now().UTC().Format(time.RFC3339))
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		s.log.Info("migration applied", slog.String("name", m.name))
	}
	return nil
}

// MigrationsCurrent reports whether every shipped migration is applied
// (for /readyz).
func (s *Store) MigrationsCurrent(ctx context.Context) (bool, error) {
	ms, err := migrations(s.dialect)
	if err != nil {
		return false, err
	}
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		return false, err
	}
	return n == len(ms), nil
}

// statementMark is a line that, alone, separates the statements of a
// migration file whose statements hold semicolons (trigger and function
// bodies).
const statementMark = "-- statement"

// splitMigration splits a migration file into statements: at lines that
// are exactly "-- statement" when the file has any (one trailing semicolon
// of each statement dropped), otherwise with splitStatements.
func splitMigration(src string) []string {
	lines := strings.Split(src, "\n")
	if !slices.ContainsFunc(lines, func(l string) bool { return strings.TrimSpace(l) == statementMark }) {
		return splitStatements(src)
	}
	var out []string
	var b strings.Builder
	flush := func() {
		// Leading comments go, so that an error names the statement's
		// first line; a statement of comments only is none.
		stmt := strings.TrimSuffix(strings.TrimSpace(b.String()), ";")
		b.Reset()
		for stmt != "" {
			line, rest, _ := strings.Cut(stmt, "\n")
			if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "--") {
				out = append(out, stmt)
				return
			}
			stmt = strings.TrimSpace(rest)
		}
	}
	for _, line := range lines {
		if strings.TrimSpace(line) == statementMark {
			flush()
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	flush()
	return out
}

// splitStatements splits a migration file on semicolons at line ends; the
// files hold no semicolons inside literals.
func splitStatements(src string) []string {
	var out []string
	var b strings.Builder
	for _, line := range strings.Split(src, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "--") || t == "" {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(b.String()), ";"))
			b.Reset()
		}
	}
	if strings.TrimSpace(b.String()) != "" {
		out = append(out, b.String())
	}
	return out
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// inTx runs fn in a write transaction, committing when fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// rebind turns the ? placeholders the package writes into $n for
// PostgreSQL. No statement here has a ? inside a literal.
func (s *Store) rebind(q string) string {
	if s.dialect != Postgres {
		return q
	}
	return rebindDollar(q)
}

func rebindDollar(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// Meta returns a value of the meta table, ErrNotFound if unset.
func (s *Store) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := s.read.QueryRowContext(ctx, s.rebind(`SELECT value FROM meta WHERE key = ?`), key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return v, err
}

// SetMeta sets a value of the meta table.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	_, err := s.write.ExecContext(ctx, s.rebind(`INSERT INTO meta (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`), key, value)
	return err
}

// Backup writes a consistent copy of the SQLite store to path while the
// store stays in use (VACUUM INTO reads one snapshot; writers go on). The
// file must not exist. PostgreSQL is backed up with its own tools; see
// ErrBackupPostgres.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.dialect == Postgres {
		return ErrBackupPostgres
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s exists", path)
	}
	if _, err := s.read.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// ErrBackupPostgres says how to back up and restore a PostgreSQL store.
var ErrBackupPostgres = errors.New("a PostgreSQL store is backed up with pg_dump, online and consistent: " +
	"pg_dump --format=custom --file=shishi.dump \"$SHISHI_DB\"; restore into an empty database with " +
	"pg_restore --dbname=\"$SHISHI_DB\" --no-owner shishi.dump")

// Restore replaces the SQLite store in dataDir with the backup at path,
// after checking that the backup is an intact shishi database. The server
// must be stopped. The old database is kept beside it as shishi.db.before-restore.
func Restore(ctx context.Context, dataDir, path string) error {
	db, err := sql.Open("sqlite", sqliteDSN(path, ""))
	if err != nil {
		return fmt.Errorf("restore %s: %w", path, err)
	}
	var check string
	err = db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check)
	var n int
	if err == nil {
		err = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
	}
	db.Close()
	if err != nil {
		return fmt.Errorf("restore: %s is not a shishi database: %w", path, err)
	}
	if check != "ok" {
		return fmt.Errorf("restore: %s fails the integrity check: %s", path, check)
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return err
	}
	target := filepath.Join(dataDir, "shishi.db")
	tmp := target + ".restoring"
	if err := copyFile(path, tmp); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if _, err := os.Stat(target); err == nil {
		if err := os.Rename(target, target+".before-restore"); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
	}
	// The old write-ahead log belongs to the old database.
	os.Remove(target + "-wal")
	os.Remove(target + "-shm")
	if err := os.Rename(tmp, target); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
