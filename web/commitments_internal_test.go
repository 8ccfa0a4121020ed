package web

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shishi-health/shishi/commitment"
)

// TestCommitmentCache checks the evaluation cache: one computation for
// many concurrent requests, a new one when the write count moves or the
// entry grows too old, failures not kept, the least recently used entry
// dropped first.
func TestCommitmentCache(t *testing.T) {
	clock := time.Date(2025, 12, 31, 10, 0, 0, 0, chinaTime)
	c := newEvalCache(2)
	c.clock = func() time.Time { return clock }
	var calls atomic.Int32
	release := make(chan struct{})
	compute := func(v string) func(context.Context) (any, error) {
		return func(context.Context) (any, error) {
			calls.Add(1)
			<-release
			return v, nil
		}
	}
	ctx := context.Background()
	a := cacheKey{set: "2025", date: "2025-12-31", part: "all"}

	var wg sync.WaitGroup
	got := make([]any, 8)
	for i := range got {
		wg.Go(func() { got[i], _ = c.get(ctx, a, 1, compute("a")) })
	}
	time.Sleep(50 * time.Millisecond) // let them all ask
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("8 concurrent requests computed %d times, want 1", n)
	}
	for _, v := range got {
		if v != "a" {
			t.Fatalf("values %v", got)
		}
	}
	if v, ok := c.peek(a, 1); !ok || v != "a" {
		t.Errorf("peek: %v %v", v, ok)
	}
	if _, ok := c.peek(a, 2); ok {
		t.Error("peek serves a value of an older write count")
	}

	calls.Store(0)
	if v, _ := c.get(ctx, a, 2, compute("a2")); v != "a2" || calls.Load() != 1 {
		t.Errorf("after a write: %v, %d computations", v, calls.Load())
	}
	clock = clock.Add(evalTTL + time.Second)
	if v, _ := c.get(ctx, a, 2, compute("a3")); v != "a3" || calls.Load() != 2 {
		t.Errorf("after evalTTL: %v, %d computations", v, calls.Load())
	}

	fail := errors.New("store gone")
	b := cacheKey{set: "2025", date: "2025-06-30", part: "all"}
	if _, err := c.get(ctx, b, 2, func(context.Context) (any, error) { return nil, fail }); !errors.Is(err, fail) {
		t.Errorf("failure: %v", err)
	}
	if v, err := c.get(ctx, b, 2, compute("b")); err != nil || v != "b" {
		t.Errorf("a failure was kept: %v %v", v, err)
	}

	// Full with a and b; a used last, so b goes when d comes.
	clock = clock.Add(time.Second)
	c.get(ctx, a, 2, compute("x"))
	d := cacheKey{set: "2025", date: "2025-03-31", part: "all"}
	c.get(ctx, d, 2, compute("d"))
	if _, ok := c.peek(b, 2); ok {
		t.Error("the least recently used entry is still there")
	}
	if _, ok := c.peek(a, 2); !ok {
		t.Error("the recently used entry was dropped")
	}
	if len(c.items) != 2 {
		t.Errorf("%d entries, want at most 2", len(c.items))
	}

	// A request that gives up does not stop the computation others wait
	// for.
	e := cacheKey{set: "2025", date: "2025-01-31", part: "all"}
	started, done := make(chan struct{}), make(chan struct{})
	cctx, cancel := context.WithCancel(ctx)
	go func() {
		c.get(cctx, e, 2, func(ctx context.Context) (any, error) {
			close(started)
			<-done
			return "e", ctx.Err()
		})
	}()
	<-started
	cancel()
	close(done)
	time.Sleep(20 * time.Millisecond)
	if v, ok := c.peek(e, 2); !ok || v != "e" {
		t.Errorf("a computation was cut short with its request: %v %v", v, ok)
	}
}

// TestCommitmentDates checks the dates a set is shown on: the default
// (latest) date, the clamping of ?as_of=, and the trend's stops.
func TestCommitmentDates(t *testing.T) {
	sets, err := commitment.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	y2025, _ := commitment.Find(sets, "2025")
	plan, _ := commitment.Find(sets, "2025-2027")
	for _, c := range []struct {
		set   *commitment.Set
		today string
		want  string
	}{
		{y2025, "2026-11-23", "2025-12-31"},
		{y2025, "2025-07-15", "2025-07-15"},
		{y2025, "2024-12-01", "2025-01-01"},
		{plan, "2026-11-23", "2026-11-23"},
	} {
		if got := latestDate(c.set, c.today); got != c.want {
			t.Errorf("latestDate(%s, %s) = %s, want %s", c.set.ID, c.today, got, c.want)
		}
	}
	if got := periodDates(y2025, "2026-11-23"); len(got) != 12 || got[0] != "2025-01-31" || got[10] != "2025-11-30" || got[11] != "2025-12-31" {
		t.Errorf("2025 in 2026: %v", got)
	}
	if got := periodDates(y2025, "2025-03-15"); !slices.Equal(got, []string{"2025-01-31", "2025-02-28", "2025-03-15"}) {
		t.Errorf("2025 in March: %v", got)
	}
	if got := periodDates(y2025, "2025-01-10"); !slices.Equal(got, []string{"2025-01-10"}) {
		t.Errorf("2025 in its first month: %v", got)
	}
	// The plan's 22 month ends before 2026-11-23, every second one.
	got := periodDates(plan, "2026-11-23")
	if len(got) != 12 || got[len(got)-1] != "2026-11-23" || got[len(got)-2] != "2026-09-30" || got[0] != "2025-01-31" {
		t.Errorf("2025-2027 in November 2026: %v", got)
	}
	if !slices.IsSorted(got) {
		t.Errorf("dates out of order: %v", got)
	}
}
