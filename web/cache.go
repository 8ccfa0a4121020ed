package web

import (
	"container/list"
	"context"
	"errors"
	"sync"
)

// countCacheSize bounds how many (unit, date) pairs the count cache holds.
// An entry is a few kilobytes at most (the country's: 31 provinces × 5
// registries), so the cache stays within a few megabytes however many
// dates users ask for; the pages everyone opens (the country and the
// provinces today) stay in it.
const countCacheSize = 1024

// countKey names the facility counts of one unit as of one date.
type countKey struct{ region, asOf string }

// countCache keeps the facility counts of the region page and the children
// API (regionCounts) per unit and date. Counting the country's facilities
// reads every version in effect (about 100 ms on the national data), and
// every user's first page is the same few units on the same date.
//
// Each entry is stamped with the store's write count it was computed under
// (store.Store.WriteCount) and serves only while that count is current:
// any facility write, import, purge or regions import raises the count in
// its transaction, so no page shows figures older than the last write,
// whichever process wrote. The least recently used entry goes first when
// the cache is full. Concurrent requests for the same counts wait for one
// computation rather than each running it: after a write, a hundred
// sessions opening the country page cost one count, not a hundred.
//
// The zero value is an empty cache. Counts handed out are shared: callers
// must not modify them.
type countCache struct {
	mu      sync.Mutex
	entries map[countKey]*list.Element // of *countEntry, in lru
	lru     list.List                  // most recently used first
	flights map[countKey]*countFlight
}

type countEntry struct {
	key    countKey
	writes int64
	counts *regionCounts
}

// countFlight is a computation of counts under way.
type countFlight struct {
	writes int64
	done   chan struct{}
	counts *regionCounts
	err    error
}

// get returns the counts of key under the store's write count writes: the
// cached ones when they were computed under the same count, else those of
// a computation already under way for it, else compute's, which it caches.
func (c *countCache) get(ctx context.Context, key countKey, writes int64, compute func() (*regionCounts, error)) (*regionCounts, error) {
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[countKey]*list.Element{}
		c.flights = map[countKey]*countFlight{}
	}
	if el, ok := c.entries[key]; ok && el.Value.(*countEntry).writes == writes {
		c.lru.MoveToFront(el)
		c.mu.Unlock()
		return el.Value.(*countEntry).counts, nil
	}
	if f, ok := c.flights[key]; ok && f.writes == writes {
		c.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if f.err == nil {
			return f.counts, nil
		}
		// The computation failed, perhaps only because its own client
		// went away: this request computes for itself.
		return c.fill(key, writes, compute)
	}
	// Until compute returns, the flight holds an error: waiters woken by
	// a panic in it compute for themselves.
	f := &countFlight{writes: writes, done: make(chan struct{}), err: errNotCounted}
	c.flights[key] = f
	c.mu.Unlock()
	defer func() {
		// Also after a panic, so that no waiter waits for ever.
		c.mu.Lock()
		if c.flights[key] == f {
			delete(c.flights, key)
		}
		c.mu.Unlock()
		close(f.done)
	}()
	counts, err := c.fill(key, writes, compute)
	f.counts, f.err = counts, err
	return counts, err
}

// errNotCounted is the error of a computation that did not return.
var errNotCounted = errors.New("facility counts not computed")

// fill runs compute and caches its result under key and writes.
func (c *countCache) fill(key countKey, writes int64, compute func() (*regionCounts, error)) (*regionCounts, error) {
	counts, err := compute()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.put(key, writes, counts)
	c.mu.Unlock()
	return counts, nil
}

// put caches counts under key and writes, evicting the least recently used
// entry when the cache is full. An entry of a later write count is kept: a
// request that read the count just before a write may finish after one
// that read it just after.
func (c *countCache) put(key countKey, writes int64, counts *regionCounts) {
	if el, ok := c.entries[key]; ok {
		e := el.Value.(*countEntry)
		if e.writes <= writes {
			e.writes, e.counts = writes, counts
		}
		c.lru.MoveToFront(el)
		return
	}
	c.entries[key] = c.lru.PushFront(&countEntry{key: key, writes: writes, counts: counts})
	for c.lru.Len() > countCacheSize {
		last := c.lru.Back()
		c.lru.Remove(last)
		delete(c.entries, last.Value.(*countEntry).key)
	}
}

// len returns the number of cached entries.
func (c *countCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}
