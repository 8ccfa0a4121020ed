// Package ratelimit throttles public and login routes per client with a
// token bucket per key.
//
// Keys are client addresses. IPv4 clients are keyed by address; IPv6
// clients by their /64, because one subscriber usually holds a whole /64
// and could otherwise rotate through 2^64 addresses, a fresh bucket each.
// X-Forwarded-For is trusted only when the direct peer is one of the
// configured proxies (KeyFrom); otherwise any client could name itself.
//
// Memory is bounded: a Limiter tracks at most maxKeys buckets and evicts
// the least recently used one to admit a new key. An evicted key comes
// back with a full bucket, so maxKeys should comfortably exceed the number
// of distinct clients seen in the time a bucket takes to refill
// (burst/rate); a flood of new addresses can then only reset the buckets of
// clients that have been idle longest.
package ratelimit

import (
	"container/list"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limiter is a set of token buckets, one per key, each holding up to burst
// tokens and refilled at rate tokens per second. It is safe for concurrent
// use.
//
// Each bucket is stored as the time it will next be full (the generic cell
// rate algorithm's "theoretical arrival time"), which behaves exactly like a
// token bucket but keeps the arithmetic in integer nanoseconds: a float
// token count drifts, and Retry-After of 1.000000001 s rounds up to 2.
type Limiter struct {
	interval  time.Duration // one token's refill time, 1/rate
	tolerance time.Duration // (burst-1) * interval: how far ahead a key may borrow
	maxKeys   int
	now       func() time.Time

	mu      sync.Mutex
	buckets map[string]*list.Element // values are *bucket
	lru     list.List                // front: most recently used
}

type bucket struct {
	key  string
	full time.Time // when the bucket is full again; at or before now: full
}

// New returns a Limiter allowing burst requests at once per key and rate
// requests per second after that, tracking at most maxKeys keys. now is the
// clock (time.Now when nil; tests inject their own) and should not step
// backwards: a clock that does makes clients wait the difference. New
// panics unless rate > 0 (and no slower than about one per century),
// burst >= 1 and maxKeys >= 1: these come from configuration, which main
// validates before wiring.
func New(rate float64, burst int, maxKeys int, now func() time.Time) *Limiter {
	interval := float64(time.Second) / rate
	if !(rate > 0) || burst < 1 || maxKeys < 1 || interval*float64(burst) > float64(math.MaxInt64)/2 {
		panic(fmt.Sprintf("ratelimit.New(%v, %d, %d): need rate > 0, burst >= 1, maxKeys >= 1", rate, burst, maxKeys))
	}
	if now == nil {
		now = time.Now
	}
	iv := time.Duration(math.Round(interval))
	return &Limiter{
		interval:  iv,
		tolerance: time.Duration(burst-1) * iv,
		maxKeys:   maxKeys,
		now:       now,
		buckets:   make(map[string]*list.Element, maxKeys),
	}
}

// Allow takes a token from key's bucket. When the bucket is empty it
// reports false and how long until a token will be available.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()

	var b *bucket
	if e, found := l.buckets[key]; found {
		l.lru.MoveToFront(e)
		b = e.Value.(*bucket)
	} else {
		if l.lru.Len() >= l.maxKeys {
			oldest := l.lru.Back()
			l.lru.Remove(oldest)
			delete(l.buckets, oldest.Value.(*bucket).key)
		}
		b = &bucket{key: key, full: now}
		l.buckets[key] = l.lru.PushFront(b)
	}

	full := b.full
	if full.Before(now) {
		full = now // a full bucket holds burst tokens, no more
	}
	if owed := full.Sub(now); owed > l.tolerance {
		return false, owed - l.tolerance
	}
	b.full = full.Add(l.interval)
	return true, 0
}

// Len reports how many keys the Limiter tracks, at most maxKeys.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// Key returns the rate-limit key for a client address in r.RemoteAddr form
// ("192.0.2.1:5123", "[2001:db8::1]:5123") or a bare address. IPv6
// addresses are reduced to their /64 ("2001:db8::/64"); IPv4-mapped IPv6
// addresses count as IPv4. An address that does not parse is returned as
// is, so odd listeners (unix sockets) still share one bucket per peer name.
func Key(remoteAddr string) string {
	addr, ok := parseAddr(remoteAddr)
	if !ok {
		return remoteAddr
	}
	return addrKey(addr)
}

func addrKey(addr netip.Addr) string {
	if addr.Is4() {
		return addr.String()
	}
	return netip.PrefixFrom(addr, 64).Masked().String()
}

// parseAddr accepts "ip", "ip:port" and "[ipv6]:port", dropping any zone
// and unmapping IPv4-in-IPv6.
func parseAddr(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return addr.WithZone("").Unmap(), true
}

// KeyFrom returns the rate-limit key of r's client. X-Forwarded-For is read
// only when the direct peer (r.RemoteAddr) lies in trustedProxies; the
// header is then walked from the right, skipping trusted proxies, and the
// first address not in trustedProxies is the client. Entries to its left
// were written by the client itself and are ignored. With no trusted
// proxies KeyFrom is Key(r.RemoteAddr). The Forwarded header (RFC 7239) is
// not read.
func KeyFrom(r *http.Request, trustedProxies []netip.Prefix) string {
	peer, ok := parseAddr(r.RemoteAddr)
	if !ok || !trusted(peer, trustedProxies) {
		return Key(r.RemoteAddr)
	}
	client := peer
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		fields := strings.Split(hops[i], ",")
		for j := len(fields) - 1; j >= 0; j-- {
			addr, ok := parseAddr(fields[j])
			if !ok {
				// A trusted proxy wrote something unreadable; the last
				// address we can vouch for is that proxy's.
				return addrKey(client)
			}
			client = addr
			if !trusted(addr, trustedProxies) {
				return addrKey(client)
			}
		}
	}
	// Every hop was a trusted proxy: the leftmost one is the best we know.
	return addrKey(client)
}

func trusted(addr netip.Addr, prefixes []netip.Prefix) bool {
	for _, p := range prefixes {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// Middleware serves next only when l allows the key keyFn derives from the
// request (KeyFrom with the configured proxies, typically). Refused requests
// get 429 Too Many Requests with Retry-After in whole seconds, rounded up.
// A nil keyFn keys by r.RemoteAddr.
func Middleware(l *Limiter, keyFn func(*http.Request) string, next http.Handler) http.Handler {
	if keyFn == nil {
		keyFn = func(r *http.Request) string { return Key(r.RemoteAddr) }
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, wait := l.Allow(keyFn(r))
		if !ok {
			secs := max(1, int64(math.Ceil(wait.Seconds())))
			w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
			http.Error(w, http.StatusText(http.StatusTooManyRequests), http.StatusTooManyRequests)
			return
		}
		next.ServeHTTP(w, r)
	})
}
