package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"testing"

	"github.com/shishi-health/shishi/audit"
)

// Hooks for the tests of package store_test, which play an operator with
// direct database access: the application itself has no way to change or
// remove an audit entry.

// ExecForTest runs a statement (? placeholders) on the write connection.
func (s *Store) ExecForTest(ctx context.Context, query string, args ...any) error {
	_, err := s.write.ExecContext(ctx, s.rebind(query), args...)
	return err
}

// DropAuditGuardForTest drops the triggers that make audit_log
// append-only.
func (s *Store) DropAuditGuardForTest(ctx context.Context) error {
	stmts := []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}
	if s.dialect == Postgres {
		stmts = []string{`DROP TRIGGER audit_log_append_only ON audit_log`}
	}
	for _, q := range stmts {
		if _, err := s.write.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// LoadAuditForTest writes a chain of entries, already chained, in one
// transaction of multi-row INSERTs: a fast way to fill a log for
// benchmarks.
func (s *Store) LoadAuditForTest(ctx context.Context, es []audit.Entry) error {
	const batch = 500
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", 12), ", ") + ")"
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for chunk := range slices.Chunk(es, batch) {
			args := make([]any, 0, len(chunk)*12)
			for _, e := range chunk {
				args = append(args, e.Seq, e.At.UTC().Format(audit.TimeLayout), e.Actor, e.ActorRole, e.Region, e.Action.String(),
					e.Object, nullJSON(e.Before), nullJSON(e.After), e.RequestID, e.PrevHash, e.Hash)
			}
			q := `INSERT INTO audit_log (` + auditColumns + `) VALUES ` + strings.TrimSuffix(strings.Repeat(one+", ", len(chunk)), ", ")
			if _, err := tx.ExecContext(ctx, s.rebind(q), args...); err != nil {
				return err
			}
		}
		return nil
	})
}

func TestSplitMigration(t *testing.T) {
	src := `-- header comment
-- statement
CREATE TRIGGER t BEFORE UPDATE ON x
BEGIN
    SELECT RAISE(ABORT, 'no; never');
END;
-- statement
-- only a comment
-- statement
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'no';
END;
$$;
`
	got := splitMigration(src)
	want := []string{
		"CREATE TRIGGER t BEFORE UPDATE ON x\nBEGIN\n    SELECT RAISE(ABORT, 'no; never');\nEND",
		"CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    RAISE EXCEPTION 'no';\nEND;\n$$",
	}
	if !slices.Equal(got, want) {
		t.Errorf("splitMigration =\n%q\nwant\n%q", got, want)
	}
	// A file without the mark splits as before.
	plain := "-- c\nCREATE TABLE a (x TEXT);\nCREATE INDEX a_x\n  ON a (x);\n"
	if got, want := splitMigration(plain), splitStatements(plain); !slices.Equal(got, want) || len(got) != 2 {
		t.Errorf("splitMigration(plain) = %q, want %q", got, want)
	}
}

func TestMigrationsByEngine(t *testing.T) {
	for _, d := range []Dialect{SQLite, Postgres} {
		ms, err := migrations(d)
		if err != nil {
			t.Fatal(err)
		}
		var audit *migration
		for i, m := range ms {
			if i > 0 && ms[i-1].version >= m.version {
				t.Errorf("%v: versions out of order: %d after %d", d, m.version, ms[i-1].version)
			}
			if m.version == 3 {
				audit = &ms[i]
			}
		}
		if audit == nil {
			t.Fatalf("%v: no migration 3", d)
		}
		if want := "003_audit.sql 003_audit." + d.String() + ".sql"; audit.name != want {
			t.Errorf("%v: migration 3 is %q, want %q", d, audit.name, want)
		}
		var triggers int
		for _, st := range audit.stmts {
			if strings.Contains(st, "CREATE TRIGGER") {
				triggers++
			}
		}
		if want := map[Dialect]int{SQLite: 2, Postgres: 1}[d]; triggers != want {
			t.Errorf("%v: %d triggers, want %d", d, triggers, want)
		}
	}
}

func TestRegionRange(t *testing.T) {
	cases := []struct{ in, lo, hi string }{
		{"000000", "", ""}, {"", "", ""},
		{"410000", "41", "42"}, {"410100", "4101", "4102"}, {"410900", "4109", "411"},
		{"419001", "419001", "419002"}, {"659012", "659012", "659013"}, {"490000", "49", "5"},
	}
	for _, c := range cases {
		if lo, hi := regionRange(c.in); lo != c.lo || hi != c.hi {
			t.Errorf("regionRange(%q) = %q, %q; want %q, %q", c.in, lo, hi, c.lo, c.hi)
		}
	}
}
