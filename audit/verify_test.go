package audit_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"testing"
	"time"

	"github.com/shishi-health/shishi/audit"
)

// chain builds an intact log of n entries.
func chain(n int) []audit.Entry {
	out := make([]audit.Entry, 0, n)
	prev := audit.Genesis
	t0 := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		e := audit.Entry{
			Seq:       int64(i + 1),
			At:        t0.Add(time.Duration(i) * time.Second),
			Actor:     fmt.Sprintf("u-%d", i%7),
			ActorRole: "reporter",
			Region:    "410102",
			Action:    audit.Update,
			Object:    fmt.Sprintf("hospitals/H41010200%02d", i%50),
			Before:    json.RawMessage(fmt.Sprintf(`{"ped_beds":%d}`, i)),
			After:     json.RawMessage(fmt.Sprintf(`{"ped_beds":%d}`, i+1)),
			RequestID: fmt.Sprintf("req-%d", i),
		}
		e = audit.Chain(prev, e)
		out = append(out, e)
		prev = e.Hash
	}
	return out
}

func seq(es []audit.Entry) iter.Seq2[audit.Entry, error] {
	return func(yield func(audit.Entry, error) bool) {
		for _, e := range es {
			if !yield(e, nil) {
				return
			}
		}
	}
}

// forged is an entry a forger writes at seq, chained to prev with a
// correctly recomputed hash.
func forged(seq int64, prev string) audit.Entry {
	return audit.Chain(prev, audit.Entry{Seq: seq, At: time.Date(2025, 3, 1, 0, 0, 5, 0, time.UTC), Actor: "u-0",
		Action: audit.ReadPersonal, Object: "patients/P1"})
}

// renumber returns es with Seq shifted by d, hashes left as they were.
func renumber(es []audit.Entry, d int64) []audit.Entry {
	out := slices.Clone(es)
	for i := range out {
		out[i].Seq += d
	}
	return out
}

func TestVerify(t *testing.T) {
	const n = 20
	tests := []struct {
		name   string
		tamper func(es []audit.Entry) []audit.Entry
		want   *audit.Break // Detail not compared
	}{
		{"intact", func(es []audit.Entry) []audit.Entry { return es }, nil},
		{"empty", func([]audit.Entry) []audit.Entry { return nil }, nil},
		{"newest entries lost (not detectable)", func(es []audit.Entry) []audit.Entry { return es[:15] }, nil},
		{"after edited", func(es []audit.Entry) []audit.Entry {
			es[6].After = json.RawMessage(`{"ped_beds":99}`)
			return es
		}, &audit.Break{Seq: 7, Kind: audit.Edited}},
		{"actor edited", func(es []audit.Entry) []audit.Entry { es[0].Actor = "u-9"; return es }, &audit.Break{Seq: 1, Kind: audit.Edited}},
		{"hash edited", func(es []audit.Entry) []audit.Entry { es[9].Hash = es[8].Hash; return es }, &audit.Break{Seq: 10, Kind: audit.Edited}},
		{"prev hash edited", func(es []audit.Entry) []audit.Entry { es[9].PrevHash = audit.Genesis; return es }, &audit.Break{Seq: 10, Kind: audit.Edited}},
		{"time edited", func(es []audit.Entry) []audit.Entry {
			es[19].At = es[19].At.Add(-time.Hour)
			return es
		}, &audit.Break{Seq: 20, Kind: audit.Edited}},
		{"one deleted", func(es []audit.Entry) []audit.Entry { return slices.Delete(es, 6, 7) }, &audit.Break{Seq: 7, Kind: audit.Deleted}},
		{"three deleted", func(es []audit.Entry) []audit.Entry { return slices.Delete(es, 6, 9) }, &audit.Break{Seq: 7, Kind: audit.Deleted}},
		{"first deleted", func(es []audit.Entry) []audit.Entry { return es[1:] }, &audit.Break{Seq: 1, Kind: audit.Deleted}},
		{"deleted and renumbered", func(es []audit.Entry) []audit.Entry {
			return append(es[:6:6], renumber(es[7:], -1)...)
		}, &audit.Break{Seq: 7, Kind: audit.Deleted}},
		{"two deleted and renumbered", func(es []audit.Entry) []audit.Entry {
			return append(es[:6:6], renumber(es[8:], -2)...)
		}, &audit.Break{Seq: 7, Kind: audit.Deleted}},
		{"inserted and renumbered", func(es []audit.Entry) []audit.Entry {
			out := append(es[:6:6], forged(7, es[5].Hash))
			return append(out, renumber(es[6:], 1)...)
		}, &audit.Break{Seq: 7, Kind: audit.Inserted}},
		{"three inserted and renumbered", func(es []audit.Entry) []audit.Entry {
			f1 := forged(7, es[5].Hash)
			f2 := forged(8, f1.Hash)
			f3 := forged(9, f2.Hash)
			out := append(es[:6:6], f1, f2, f3)
			return append(out, renumber(es[6:], 3)...)
		}, &audit.Break{Seq: 7, Kind: audit.Inserted}},
		{"inserted, later entries renumbered and rehashed", func(es []audit.Entry) []audit.Entry {
			out := append(es[:6:6], forged(7, es[5].Hash))
			for _, e := range renumber(es[6:], 1) {
				e.Hash = e.ComputeHash()
				out = append(out, e)
			}
			return out
		}, &audit.Break{Seq: 7, Kind: audit.Inserted}},
		{"replaced by a forgery with its own hash", func(es []audit.Entry) []audit.Entry {
			es[6] = forged(7, es[5].Hash)
			return es
		}, &audit.Break{Seq: 7, Kind: audit.Inserted}},
		{"edited with a recomputed hash", func(es []audit.Entry) []audit.Entry {
			es[6].After = json.RawMessage(`{"ped_beds":99}`)
			es[6].Hash = es[6].ComputeHash()
			return es
		}, &audit.Break{Seq: 7, Kind: audit.Inserted}},
		{"forged first entry", func(es []audit.Entry) []audit.Entry {
			es[0] = forged(1, "ff"+audit.Genesis[2:])
			return es
		}, &audit.Break{Seq: 1, Kind: audit.Inserted}},
		{"duplicated", func(es []audit.Entry) []audit.Entry { return slices.Insert(es, 7, es[6]) }, &audit.Break{Seq: 7, Kind: audit.Inserted}},
		{"out of order", func(es []audit.Entry) []audit.Entry {
			es[6], es[7] = es[7], es[6]
			return es
		}, &audit.Break{Seq: 7, Kind: audit.Deleted}},
		{"appended forgery chained to a lost entry", func(es []audit.Entry) []audit.Entry {
			return append(es, forged(21, audit.Genesis))
		}, &audit.Break{Seq: 20, Kind: audit.Inserted}},
		{"two breaks: the first is named", func(es []audit.Entry) []audit.Entry {
			es[12].Actor = "x"
			return slices.Delete(es, 4, 5)
		}, &audit.Break{Seq: 5, Kind: audit.Deleted}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es := tt.tamper(chain(n))
			got, checked, err := audit.Verify(seq(es))
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == nil {
				if got != nil {
					t.Fatalf("Verify = %v, want intact", got)
				}
				if checked != int64(len(es)) {
					t.Errorf("checked %d, want %d", checked, len(es))
				}
				return
			}
			if got == nil {
				t.Fatalf("Verify found no break, want %v at %d", tt.want.Kind, tt.want.Seq)
			}
			if got.Seq != tt.want.Seq || got.Kind != tt.want.Kind {
				t.Errorf("Verify = %v, want %v at %d", got, tt.want.Kind, tt.want.Seq)
			}
			if got.Detail == "" {
				t.Error("no detail")
			}
		})
	}
}

func TestVerifyStopsAtBreakAndError(t *testing.T) {
	es := chain(100)
	es[9].Actor = "x"
	read := 0
	entries := func(yield func(audit.Entry, error) bool) {
		for _, e := range es {
			read++
			if !yield(e, nil) {
				return
			}
		}
	}
	b, checked, err := audit.Verify(entries)
	if err != nil || b == nil || b.Seq != 10 || checked != 10 || read != 10 {
		t.Errorf("Verify = %v, %d, %v after reading %d; want entry 10 after 10", b, checked, err, read)
	}

	boom := errors.New("connection lost")
	failing := func(yield func(audit.Entry, error) bool) {
		for _, e := range chain(5) {
			if !yield(e, nil) {
				return
			}
		}
		yield(audit.Entry{}, boom)
	}
	b, checked, err = audit.Verify(failing)
	if !errors.Is(err, boom) || b != nil || checked != 5 {
		t.Errorf("Verify = %v, %d, %v; want the iterator's error after 5", b, checked, err)
	}
}

func TestBreakKind(t *testing.T) {
	for _, k := range []audit.BreakKind{audit.Edited, audit.Deleted, audit.Inserted} {
		if k.Label("zh") == "" || k.Label("en") == "" || k.String() == "" {
			t.Errorf("%d: missing name", k)
		}
	}
	b := &audit.Break{Seq: 7, Kind: audit.Deleted, Detail: "entry 7 is missing"}
	if b.String() != "entry 7: deleted: entry 7 is missing" {
		t.Errorf("String = %q", b.String())
	}
}

// BenchmarkVerify checks a log of 100,000 entries held in memory: the
// hashing alone, without a store.
func BenchmarkVerify(b *testing.B) {
	es := chain(100_000)
	b.ReportAllocs()
	for b.Loop() {
		br, n, err := audit.Verify(seq(es))
		if err != nil || br != nil || n != int64(len(es)) {
			b.Fatal(br, n, err)
		}
	}
}
