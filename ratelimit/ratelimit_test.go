package ratelimit

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a settable time source, safe for the concurrency test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// step is one action against a limiter: advance the clock, then ask for key.
type step struct {
	advance   time.Duration
	key       string
	wantOK    bool
	wantRetry time.Duration
}

func TestAllow(t *testing.T) {
	tests := []struct {
		name    string
		rate    float64
		burst   int
		maxKeys int
		steps   []step
	}{
		{
			name: "burst then refusal", rate: 1, burst: 3, maxKeys: 10,
			steps: []step{
				{key: "a", wantOK: true},
				{key: "a", wantOK: true},
				{key: "a", wantOK: true},
				{key: "a", wantOK: false, wantRetry: time.Second},
				{key: "a", wantOK: false, wantRetry: time.Second},
			},
		},
		{
			name: "refill over time", rate: 2, burst: 2, maxKeys: 10,
			steps: []step{
				{key: "a", wantOK: true},
				{key: "a", wantOK: true},
				{key: "a", wantOK: false, wantRetry: 500 * time.Millisecond},
				{advance: 200 * time.Millisecond, key: "a", wantOK: false, wantRetry: 300 * time.Millisecond},
				{advance: 300 * time.Millisecond, key: "a", wantOK: true},
				{key: "a", wantOK: false, wantRetry: 500 * time.Millisecond},
				// A long idle spell refills only up to burst.
				{advance: time.Hour, key: "a", wantOK: true},
				{key: "a", wantOK: true},
				{key: "a", wantOK: false, wantRetry: 500 * time.Millisecond},
			},
		},
		{
			name: "slow rate", rate: 1.0 / 60, burst: 1, maxKeys: 10,
			steps: []step{
				{key: "login", wantOK: true},
				{key: "login", wantOK: false, wantRetry: time.Minute},
				{advance: 59 * time.Second, key: "login", wantOK: false, wantRetry: time.Second},
				{advance: time.Second, key: "login", wantOK: true},
			},
		},
		{
			name: "separate keys", rate: 1, burst: 1, maxKeys: 10,
			steps: []step{
				{key: "a", wantOK: true},
				{key: "a", wantOK: false, wantRetry: time.Second},
				{key: "b", wantOK: true},
				{key: "b", wantOK: false, wantRetry: time.Second},
				{key: "c", wantOK: true},
			},
		},
		{
			name: "evicted key returns with a full bucket", rate: 1, burst: 1, maxKeys: 2,
			steps: []step{
				{key: "a", wantOK: true},
				{key: "b", wantOK: true},
				{key: "c", wantOK: true}, // evicts a, the least recently used
				{key: "a", wantOK: true}, // evicts b
				{key: "c", wantOK: false, wantRetry: time.Second},
			},
		},
		{
			name: "recent use protects from eviction", rate: 1, burst: 1, maxKeys: 2,
			steps: []step{
				{key: "a", wantOK: true},
				{key: "b", wantOK: true},
				{key: "a", wantOK: false, wantRetry: time.Second}, // a is now most recent
				{key: "c", wantOK: true},                          // evicts b
				{key: "a", wantOK: false, wantRetry: time.Second}, // a kept its empty bucket
				{key: "b", wantOK: true},                          // b was forgotten
			},
		},
		{
			name: "fractional rate", rate: 3, burst: 1, maxKeys: 10,
			steps: []step{
				{key: "a", wantOK: true},
				{key: "a", wantOK: false, wantRetry: 333333333 * time.Nanosecond},
				{advance: 333333333 * time.Nanosecond, key: "a", wantOK: true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			l := New(tt.rate, tt.burst, tt.maxKeys, c.Now)
			for i, s := range tt.steps {
				c.Advance(s.advance)
				ok, retry := l.Allow(s.key)
				if ok != s.wantOK || retry != s.wantRetry {
					t.Errorf("step %d: Allow(%q) = %v, %v; want %v, %v", i, s.key, ok, retry, s.wantOK, s.wantRetry)
				}
			}
		})
	}
}

func TestEvictionBound(t *testing.T) {
	tests := []struct{ maxKeys, keys int }{
		{1, 5},
		{3, 3},
		{100, 10_000},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d of %d", tt.maxKeys, tt.keys), func(t *testing.T) {
			l := New(1, 1, tt.maxKeys, newClock().Now)
			for i := range tt.keys {
				if ok, _ := l.Allow(fmt.Sprintf("198.51.100.%d/%d", i%256, i)); !ok {
					t.Fatalf("new key %d refused", i)
				}
				if n := l.Len(); n > tt.maxKeys {
					t.Fatalf("after %d keys Len = %d, want <= %d", i+1, n, tt.maxKeys)
				}
			}
			if n, want := l.Len(), min(tt.maxKeys, tt.keys); n != want {
				t.Errorf("Len = %d, want %d", n, want)
			}
			if n := len(l.buckets); n != l.Len() {
				t.Errorf("map holds %d keys, list %d", n, l.Len())
			}
		})
	}
}

// With the clock stopped, however many goroutines ask, each key grants
// exactly burst tokens. Run with -race.
func TestConcurrent(t *testing.T) {
	const (
		burst      = 50
		keys       = 4
		goroutines = 32
		perG       = 100
	)
	c := newClock()
	l := New(1, burst, keys, c.Now)
	var granted [keys]atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perG {
				k := (g + i) % keys
				if ok, _ := l.Allow(fmt.Sprint("k", k)); ok {
					granted[k].Add(1)
				}
			}
		})
	}
	wg.Wait()
	for k := range keys {
		if got := granted[k].Load(); got != burst {
			t.Errorf("key %d granted %d, want %d", k, got, burst)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		rate           float64
		burst, maxKeys int
	}{
		{0, 1, 1}, {-1, 1, 1}, {1, 0, 1}, {1, 1, 0}, {1e-12, 1, 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt), func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("New(%v, %d, %d) did not panic", tt.rate, tt.burst, tt.maxKeys)
				}
			}()
			New(tt.rate, tt.burst, tt.maxKeys, nil)
		})
	}
}

func TestKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"192.0.2.1:5123", "192.0.2.1"},
		{"192.0.2.1", "192.0.2.1"},
		{"[2001:db8:1:2:aaaa::1]:443", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"},
		{"[2001:db8:1:3::1]:443", "2001:db8:1:3::/64"},
		{"[::ffff:192.0.2.7]:80", "192.0.2.7"},
		{"[fe80::1%eth0]:80", "fe80::/64"},
		{"@", "@"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Key(tt.in); got != tt.want {
			t.Errorf("Key(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestKeyFrom(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	tests := []struct {
		name    string
		remote  string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"no proxies configured ignores header", "203.0.113.9:1", []string{"198.51.100.1"}, nil, "203.0.113.9"},
		{"untrusted peer ignores header", "203.0.113.9:1", []string{"198.51.100.1"}, proxies, "203.0.113.9"},
		{"trusted peer without header", "10.0.0.2:1", nil, proxies, "10.0.0.2"},
		{"trusted peer names client", "10.0.0.2:1", []string{"198.51.100.1"}, proxies, "198.51.100.1"},
		{"spoofed entries left of the client are ignored", "10.0.0.2:1", []string{"1.2.3.4, 198.51.100.1"}, proxies, "198.51.100.1"},
		{"chain of trusted proxies is skipped", "10.0.0.2:1", []string{"198.51.100.1, 10.1.1.1", "10.2.2.2"}, proxies, "198.51.100.1"},
		{"ipv6 client grouped by /64", "[fd00::2]:1", []string{"2001:db8:5:6::77"}, proxies, "2001:db8:5:6::/64"},
		{"garbage from the proxy falls back to the proxy", "10.0.0.2:1", []string{"1.2.3.4, unknown"}, proxies, "10.0.0.2"},
		{"all hops trusted", "10.0.0.2:1", []string{"10.9.9.9, 10.1.1.1"}, proxies, "10.9.9.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := KeyFrom(r, tt.trusted); got != tt.want {
				t.Errorf("KeyFrom = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMiddleware(t *testing.T) {
	c := newClock()
	l := New(0.5, 2, 100, c.Now)
	h := Middleware(l, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	tests := []struct {
		advance   time.Duration
		remote    string
		wantCode  int
		wantRetry string
	}{
		{0, "192.0.2.1:1000", http.StatusNoContent, ""},
		{0, "192.0.2.1:1001", http.StatusNoContent, ""},
		{0, "192.0.2.1:1002", http.StatusTooManyRequests, "2"},
		{0, "192.0.2.2:1000", http.StatusNoContent, ""},
		{500 * time.Millisecond, "192.0.2.1:1003", http.StatusTooManyRequests, "2"}, // 1.5 s rounds up
		{1600 * time.Millisecond, "192.0.2.1:1004", http.StatusNoContent, ""},
		{1800 * time.Millisecond, "192.0.2.1:1005", http.StatusTooManyRequests, "1"}, // 0.1 s rounds up to 1
	}
	for i, tt := range tests {
		c.Advance(tt.advance)
		r := httptest.NewRequest("GET", "/login", nil)
		r.RemoteAddr = tt.remote
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != tt.wantCode || rec.Header().Get("Retry-After") != tt.wantRetry {
			t.Errorf("request %d from %s: %d Retry-After %q, want %d %q",
				i, tt.remote, rec.Code, rec.Header().Get("Retry-After"), tt.wantCode, tt.wantRetry)
		}
	}
}

func BenchmarkAllow(b *testing.B) {
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = Key(fmt.Sprintf("198.51.%d.%d:443", i/256, i%256))
	}
	b.Run("one key", func(b *testing.B) {
		l := New(1e9, 1<<30, 10_000, nil)
		for b.Loop() {
			l.Allow(keys[0])
		}
	})
	b.Run("parallel 1024 keys", func(b *testing.B) {
		l := New(1e9, 1<<30, 10_000, nil)
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				l.Allow(keys[i%len(keys)])
				i++
			}
		})
	})
	b.Run("evicting", func(b *testing.B) {
		l := New(1, 1, 512, nil) // every call past the first 512 keys evicts
		i := 0
		for b.Loop() {
			l.Allow(keys[i%len(keys)])
			i++
		}
	})
}
