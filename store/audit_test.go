package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/store/storetest"
)

var t0 = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

// entry is the i-th entry of a test log, before the store chains it.
func entry(i int) audit.Entry {
	actions := []audit.Action{audit.Create, audit.Update, audit.ReadPersonal, audit.Close}
	e := audit.Entry{
		At:        t0.Add(time.Duration(i)*time.Second + 123456*time.Nanosecond),
		Actor:     fmt.Sprintf("u-%d", i%7),
		ActorRole: "reporter",
		Region:    []string{"410102", "410922", "110101"}[i%3],
		Action:    actions[i%len(actions)],
		Object:    fmt.Sprintf("hospitals/H41010200%02d", i%50),
		RequestID: fmt.Sprintf("req-%d", i),
	}
	if e.Action != audit.Create {
		e.Before = json.RawMessage(fmt.Sprintf(`{"ped_beds": %d}`, i))
	}
	if e.Action != audit.ReadPersonal {
		e.After = json.RawMessage(fmt.Sprintf(`{"ped_beds":%d,"name":"郑州市第%d人民医院"}`, i+1, i))
	}
	return e
}

// all reads the whole log.
func all(t *testing.T, s *store.Store) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	if err := s.StreamAudit(context.Background(), func(e audit.Entry) error {
		out = append(out, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// verify runs audit.Verify over the store's log.
func verify(t *testing.T, s *store.Store) (*audit.Break, int64) {
	t.Helper()
	b, n, err := audit.Verify(s.AuditLog(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	return b, n
}

// insertRaw writes e as a row, as an operator would with SQL.
func insertRaw(t *testing.T, s *store.Store, e audit.Entry) {
	t.Helper()
	var before, after any
	if e.Before != nil {
		before = string(e.Before)
	}
	if e.After != nil {
		after = string(e.After)
	}
	if err := s.ExecForTest(context.Background(), `INSERT INTO audit_log (seq, at, actor, actor_role, region, action, object,
		before_json, after_json, request_id, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.At.UTC().Format(audit.TimeLayout), e.Actor, e.ActorRole, e.Region, e.Action.String(), e.Object,
		before, after, e.RequestID, e.PrevHash, e.Hash); err != nil {
		t.Fatal(err)
	}
}

// shift adds d to the seq of every entry from seq from on, in two steps so
// that no intermediate row collides with another on either engine.
func shift(t *testing.T, s *store.Store, from, d int64) {
	t.Helper()
	ctx := context.Background()
	if err := s.ExecForTest(ctx, `UPDATE audit_log SET seq = -(seq + ?) WHERE seq >= ?`, d, from); err != nil {
		t.Fatal(err)
	}
	if err := s.ExecForTest(ctx, `UPDATE audit_log SET seq = -seq WHERE seq < 0`); err != nil {
		t.Fatal(err)
	}
}

func TestAuditAppendVerifyTamper(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const n = 1000
		var appended []audit.Entry
		prev := audit.Genesis
		for i := range n {
			e, err := s.AppendAudit(ctx, entry(i))
			if err != nil {
				t.Fatal(err)
			}
			if e.Seq != int64(i+1) || e.PrevHash != prev || e.Hash != e.ComputeHash() {
				t.Fatalf("append %d: seq %d prev %s hash %s", i, e.Seq, e.PrevHash, e.Hash)
			}
			prev = e.Hash
			appended = append(appended, e)
		}
		if seq, hash, err := s.AuditHead(ctx); err != nil || seq != n || hash != prev {
			t.Errorf("AuditHead = %d, %s, %v; want %d, %s", seq, hash, err, n, prev)
		}
		if got := all(t, s); !reflect.DeepEqual(got, appended) {
			t.Fatalf("StreamAudit differs from what was appended; first: %+v / %+v", got[0], appended[0])
		}
		if b, checked := verify(t, s); b != nil || checked != n {
			t.Fatalf("Verify = %v after %d, want intact after %d", b, checked, n)
		}

		// Through the store's connections the log cannot change.
		refused := []string{
			`UPDATE audit_log SET after_json = '{}' WHERE seq = 10`,
			`UPDATE audit_log SET actor = actor`,
			`DELETE FROM audit_log WHERE seq = 10`,
			`DELETE FROM audit_log`,
		}
		if s.Dialect() == store.Postgres {
			refused = append(refused, `TRUNCATE audit_log`, `UPDATE audit_log SET actor = 'x' WHERE seq = -1`)
		}
		for _, q := range refused {
			err := s.ExecForTest(ctx, q)
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: err = %v, want append-only", q, err)
			}
		}
		if b, checked := verify(t, s); b != nil || checked != n {
			t.Fatalf("after refused edits: Verify = %v after %d", b, checked)
		}

		// An operator who drops the triggers can change rows; Verify
		// names the first entry changed, and undoing the change mends it.
		if err := s.DropAuditGuardForTest(ctx); err != nil {
			t.Fatal(err)
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if err := s.ExecForTest(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		forged := func(seq int64) audit.Entry {
			f := audit.Entry{Seq: seq, At: appended[seq-1].At, Actor: "u-3", ActorRole: "supervisor", Region: "410102",
				Action: audit.ReadPersonal, Object: "patients/P7", RequestID: "req-forged"}
			return audit.Chain(appended[seq-2].Hash, f)
		}
		steps := []struct {
			name         string
			tamper, undo func()
			wantSeq      int64
			wantKind     audit.BreakKind
		}{
			{"edited after_json",
				func() { exec(`UPDATE audit_log SET after_json = ? WHERE seq = 500`, `{"ped_beds":999}`) },
				func() { exec(`UPDATE audit_log SET after_json = ? WHERE seq = 500`, string(appended[499].After)) },
				500, audit.Edited},
			{"deleted row",
				func() { exec(`DELETE FROM audit_log WHERE seq = 300`) },
				func() { insertRaw(t, s, appended[299]) },
				300, audit.Deleted},
			{"forged row spliced in, later rows renumbered",
				func() { shift(t, s, 700, 1); insertRaw(t, s, forged(700)) },
				func() { exec(`DELETE FROM audit_log WHERE seq = 700`); shift(t, s, 701, -1) },
				700, audit.Inserted},
			{"row replaced by a forgery with its own hash",
				func() { exec(`DELETE FROM audit_log WHERE seq = 800`); insertRaw(t, s, forged(800)) },
				func() { exec(`DELETE FROM audit_log WHERE seq = 800`); insertRaw(t, s, appended[799]) },
				800, audit.Inserted},
			{"first row deleted",
				func() { exec(`DELETE FROM audit_log WHERE seq = 1`) },
				func() { insertRaw(t, s, appended[0]) },
				1, audit.Deleted},
		}
		for _, st := range steps {
			st.tamper()
			b, _ := verify(t, s)
			if b == nil || b.Seq != st.wantSeq || b.Kind != st.wantKind {
				t.Errorf("%s: Verify = %v, want %v at %d", st.name, b, st.wantKind, st.wantSeq)
			}
			st.undo()
			if b, checked := verify(t, s); b != nil || checked != n {
				t.Fatalf("%s undone: Verify = %v after %d, want intact", st.name, b, checked)
			}
		}
	})
}

func TestAuditConcurrentAppend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const workers, each = 8, 125
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		seqs := make([][]int64, workers)
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					e := entry(w*each + i)
					e.At = time.Time{} // stamped by the store
					got, err := s.AppendAudit(ctx, e)
					if err != nil {
						errs <- err
						return
					}
					seqs[w] = append(seqs[w], got.Seq)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		var got []int64
		for w, ss := range seqs {
			if !slices.IsSorted(ss) {
				t.Errorf("worker %d got seqs out of order: %v", w, ss)
			}
			got = append(got, ss...)
		}
		slices.Sort(got)
		for i, seq := range got {
			if seq != int64(i+1) {
				t.Fatalf("seqs handed out: %d at position %d (duplicate or gap)", seq, i)
			}
		}
		if b, checked := verify(t, s); b != nil || checked != workers*each {
			t.Fatalf("Verify = %v after %d, want intact after %d", b, checked, workers*each)
		}
		for _, e := range all(t, s) {
			if e.At.IsZero() || time.Since(e.At) > time.Hour {
				t.Fatalf("entry %d: At %v, want now", e.Seq, e.At)
			}
		}
	})
}

func TestAuditEntries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		add := func(at time.Time, actor, reg string, a audit.Action, obj string) {
			t.Helper()
			if _, err := s.AppendAudit(ctx, audit.Entry{At: at, Actor: actor, ActorRole: "r", Region: reg, Action: a, Object: obj}); err != nil {
				t.Fatal(err)
			}
		}
		day := func(d int) time.Time { return t0.AddDate(0, 0, d) }
		add(day(0), "alice", "410102", audit.Create, "hospitals/H1") // 1
		add(day(1), "bob", "410922", audit.Update, "hospitals/H2")   // 2: 濮阳 (4109), a prefix ending in 9
		add(day(2), "alice", "410100", audit.Update, "hospitals/H1") // 3
		add(day(3), "carol", "411000", audit.ReadPersonal, "patients/P1")
		add(day(4), "alice", "110101", audit.Export, "hospitals")
		add(day(5), "system", "", audit.Login, "users/alice")
		add(day(6), "alice", "410000", audit.Update, "hospitals/H1") // 7

		tests := []struct {
			name  string
			q     store.AuditQuery
			seqs  []int64 // newest first
			total int
		}{
			{"all", store.AuditQuery{}, []int64{7, 6, 5, 4, 3, 2, 1}, 7},
			{"actor", store.AuditQuery{Actor: "alice"}, []int64{7, 5, 3, 1}, 4},
			{"object", store.AuditQuery{Object: "hospitals/H1"}, []int64{7, 3, 1}, 3},
			{"action", store.AuditQuery{Action: audit.Update}, []int64{7, 3, 2}, 3},
			{"province", store.AuditQuery{Region: "410000"}, []int64{7, 4, 3, 2, 1}, 5},
			{"prefecture", store.AuditQuery{Region: "410100"}, []int64{3, 1}, 2},
			{"prefecture ending in 9", store.AuditQuery{Region: "410900"}, []int64{2}, 1},
			{"county", store.AuditQuery{Region: "410102"}, []int64{1}, 1},
			{"country", store.AuditQuery{Region: "000000"}, []int64{7, 6, 5, 4, 3, 2, 1}, 7},
			{"code prefix", store.AuditQuery{Region: "4109"}, []int64{2}, 1},
			{"from", store.AuditQuery{From: day(5)}, []int64{7, 6}, 2},
			{"to", store.AuditQuery{To: day(1)}, []int64{1}, 1},
			{"range in another zone", store.AuditQuery{From: day(1).In(time.FixedZone("CST", 8*3600)), To: day(3)}, []int64{3, 2}, 2},
			{"combined", store.AuditQuery{Actor: "alice", Action: audit.Update, Region: "410000"}, []int64{7, 3}, 2},
			{"page", store.AuditQuery{Limit: 2, Offset: 2}, []int64{5, 4}, 7},
			{"none", store.AuditQuery{Actor: "mallory"}, nil, 0},
		}
		for _, tt := range tests {
			es, total, err := s.AuditEntries(ctx, tt.q)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			var seqs []int64
			for _, e := range es {
				seqs = append(seqs, e.Seq)
			}
			if !slices.Equal(seqs, tt.seqs) || total != tt.total {
				t.Errorf("%s: seqs %v total %d, want %v total %d", tt.name, seqs, total, tt.seqs, tt.total)
			}
		}
		es, _, err := s.AuditEntries(ctx, store.AuditQuery{Limit: 1})
		if err != nil || len(es) != 1 || es[0].Hash != es[0].ComputeHash() || !es[0].At.Equal(day(6)) {
			t.Errorf("newest entry as read: %+v, %v", es, err)
		}
	})
}

func TestAuditAppendInImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := audit.Entry{Actor: "alice", ActorRole: "reporter", Region: "410102", Action: audit.Import, Object: "hospitals/机构.xlsx"}
		for _, commit := range []bool{false, true} {
			tx, err := s.BeginImport(ctx, facility.Hospitals)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Apply(ctx, []facility.Record{hospital("H1", "2024-01-01", "甲县人民医院", "none")}); err != nil {
				t.Fatal(err)
			}
			got, err := tx.AppendAudit(ctx, e)
			if err != nil {
				t.Fatal(err)
			}
			if got.Seq != 1 {
				t.Errorf("seq %d, want 1", got.Seq)
			}
			if commit {
				err = tx.Commit(ctx)
			} else {
				err = tx.Rollback()
			}
			if err != nil {
				t.Fatal(err)
			}
			seq, _, err := s.AuditHead(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int64{false: 0, true: 1}[commit]; seq != want {
				t.Errorf("commit %v: head %d, want %d", commit, seq, want)
			}
			if _, err := tx.AppendAudit(ctx, e); err == nil {
				t.Error("AppendAudit after the import ended succeeded")
			}
		}
		// The store's own appends continue the chain.
		if got, err := s.AppendAudit(ctx, e); err != nil || got.Seq != 2 {
			t.Errorf("AppendAudit = %d, %v; want seq 2", got.Seq, err)
		}
		if b, n := verify(t, s); b != nil || n != 2 {
			t.Errorf("Verify = %v after %d", b, n)
		}
	})
}

func TestAuditAppendRejects(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := entry(1)
		e.After = json.RawMessage(`{"contact":"13812345678"}`)
		if _, err := s.AppendAudit(ctx, e); !errors.Is(err, audit.ErrPersonalData) {
			t.Errorf("AppendAudit with a phone number: %v, want ErrPersonalData", err)
		}
		e = entry(1)
		e.Action = 0
		if _, err := s.AppendAudit(ctx, e); err == nil {
			t.Error("AppendAudit without an action succeeded")
		}
		if seq, hash, err := s.AuditHead(ctx); err != nil || seq != 0 || hash != audit.Genesis {
			t.Errorf("AuditHead = %d, %s, %v; want empty", seq, hash, err)
		}
		if ok, err := s.MigrationsCurrent(ctx); err != nil || !ok {
			t.Errorf("MigrationsCurrent = %v, %v", ok, err)
		}
	})
}

func TestStreamAuditStops(t *testing.T) {
	s := storetest.OpenSQLite(t)
	ctx := context.Background()
	es := chainOf(4500)
	if err := s.LoadAuditForTest(ctx, es); err != nil {
		t.Fatal(err)
	}
	stop := errors.New("enough")
	n := 0
	err := s.StreamAudit(ctx, func(e audit.Entry) error {
		n++
		if e.Seq == 2500 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 2500 {
		t.Errorf("StreamAudit = %v after %d, want the callback's error after 2500", err, n)
	}
	if b, checked := verify(t, s); b != nil || checked != 4500 {
		t.Errorf("Verify across pages = %v after %d", b, checked)
	}
}

// chainOf builds n chained entries in memory.
func chainOf(n int) []audit.Entry {
	es := make([]audit.Entry, n)
	prev := audit.Genesis
	for i := range es {
		e := entry(i)
		e.Seq = int64(i + 1)
		es[i] = audit.Chain(prev, e)
		prev = es[i].Hash
	}
	return es
}

func eachStore(b *testing.B, fn func(b *testing.B, s *store.Store)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, storetest.OpenSQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, storetest.OpenPostgres(b)) })
}

// BenchmarkAppendAudit appends one entry per iteration, each in its own
// transaction, to a growing log.
func BenchmarkAppendAudit(b *testing.B) {
	eachStore(b, func(b *testing.B, s *store.Store) {
		ctx := context.Background()
		i := 0
		for b.Loop() {
			if _, err := s.AppendAudit(ctx, entry(i)); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkVerify reads and checks a log of 100,000 entries from the store.
func BenchmarkVerify(b *testing.B) {
	const n = 100_000
	es := chainOf(n)
	eachStore(b, func(b *testing.B, s *store.Store) {
		ctx := context.Background()
		if err := s.LoadAuditForTest(ctx, es); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			br, checked, err := audit.Verify(s.AuditLog(ctx))
			if err != nil || br != nil || checked != n {
				b.Fatal(br, checked, err)
			}
		}
	})
}
