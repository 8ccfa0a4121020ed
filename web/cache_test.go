package web

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/store/storetest"
)

// TestCountCacheInvalidation checks that the region counts follow every
// kind of write at once, including a write of another process on the same
// database (`shishi import` while the server runs): the cache must never
// serve counts older than the last write.
func TestCountCacheInvalidation(t *testing.T) {
	tree, err := region.Load()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	open := func(t *testing.T, cfg store.Config) *store.Store {
		st, err := store.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	check := func(t *testing.T, st, other *store.Store) {
		s := New(Config{Store: st, Tree: tree, Now: func() time.Time { return time.Date(2025, 12, 31, 10, 0, 0, 0, chinaTime) }})
		hospital := func(code, from, reg string) facility.Record {
			sc := facility.Hospitals
			r := sc.Zero(code, from)
			for k, v := range map[string]any{"name": code + "医院", "region": reg, "grade": "2", "type": "general", "ownership": "public", "pediatrics": "none"} {
				r.Values[sc.Index(k)] = v
			}
			return r
		}
		want := func(what string, n int) {
			t.Helper()
			for range 2 { // computed, then from the cache
				c, err := s.countFacilities(ctx, s.tree(), region.CountryCode, "2025-12-31")
				if err != nil {
					t.Fatal(err)
				}
				var henan int
				if h := c.child["410000"]; h != nil {
					henan = h[0]
				}
				if c.total[0] != n || henan != n {
					t.Fatalf("%s: the country counts %d hospitals, Henan %d; want %d", what, c.total[0], henan, n)
				}
			}
		}
		want("empty", 0)
		if _, err := st.Put(ctx, facility.Hospitals, hospital("H1", "2024-01-01", "410102")); err != nil {
			t.Fatal(err)
		}
		want("a new hospital", 1)
		if _, err := st.Put(ctx, facility.Hospitals, hospital("H2", "2024-01-01", "410122")); err != nil {
			t.Fatal(err)
		}
		want("a second one", 2)
		if err := st.CloseFacility(ctx, facility.Hospitals, "H1", "2025-06-01"); err != nil {
			t.Fatal(err)
		}
		want("closing one", 1)
		if err := st.Purge(ctx, facility.Hospitals, "H2"); err != nil {
			t.Fatal(err)
		}
		want("purging the other", 0)
		if _, err := other.Put(ctx, facility.Hospitals, hospital("H3", "2024-01-01", "410102")); err != nil {
			t.Fatal(err)
		}
		want("a write of another process", 1)
	}
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		check(t, open(t, store.Config{DataDir: dir}), open(t, store.Config{DataDir: dir}))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		url := storetest.PostgresURL(t)
		check(t, open(t, store.Config{URL: url}), open(t, store.Config{URL: url}))
	})
}

func TestCountCacheBounded(t *testing.T) {
	var c countCache
	ctx := context.Background()
	computed := 0
	get := func(i int, writes int64) *regionCounts {
		rc, err := c.get(ctx, countKey{region: "000000", asOf: fmt.Sprint(i)}, writes, func() (*regionCounts, error) {
			computed++
			return &regionCounts{total: []int{i}}, nil
		})
		if err != nil || rc.total[0] != i {
			t.Fatalf("get %d: %v %v", i, rc, err)
		}
		return rc
	}
	for i := range countCacheSize + 100 {
		get(i, 1)
	}
	if n := c.len(); n != countCacheSize {
		t.Errorf("%d entries after %d dates, want %d", n, countCacheSize+100, countCacheSize)
	}
	computed = 0
	get(countCacheSize+99, 1) // the newest: kept
	if computed != 0 {
		t.Errorf("the most recent entry was evicted")
	}
	get(0, 1) // the oldest: evicted
	if computed != 1 {
		t.Errorf("the least recently used entry was kept")
	}
	get(countCacheSize+99, 2) // a write since: computed again
	if computed != 2 {
		t.Errorf("an entry of an older write count was served")
	}
}

// TestCountCacheOneComputation checks that requests arriving while the
// counts are being computed wait for that computation rather than each
// running their own, and that a failed computation is not cached.
func TestCountCacheOneComputation(t *testing.T) {
	var c countCache
	ctx := context.Background()
	key := countKey{region: "000000", asOf: "2025-12-31"}
	var runs atomic.Int32
	release := make(chan struct{})
	compute := func() (*regionCounts, error) {
		runs.Add(1)
		<-release
		return &regionCounts{total: []int{7}}, nil
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			rc, err := c.get(ctx, key, 1, compute)
			if err != nil || rc.total[0] != 7 {
				t.Errorf("get: %v %v", rc, err)
			}
		})
	}
	time.Sleep(50 * time.Millisecond) // let them queue behind the first
	close(release)
	wg.Wait()
	if n := runs.Load(); n != 1 {
		t.Errorf("%d computations for 20 concurrent requests, want 1", n)
	}

	failing := countKey{region: "410000", asOf: "2025-12-31"}
	boom := errors.New("boom")
	if _, err := c.get(ctx, failing, 1, func() (*regionCounts, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("error %v, want boom", err)
	}
	rc, err := c.get(ctx, failing, 1, func() (*regionCounts, error) { return &regionCounts{total: []int{3}}, nil })
	if err != nil || rc.total[0] != 3 {
		t.Errorf("after a failure: %v %v, want a new computation", rc, err)
	}
}
