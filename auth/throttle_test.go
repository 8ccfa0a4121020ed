package auth

import (
	"fmt"
	"testing"
	"time"
)

var fixedNow = time.Date(2025, 11, 3, 9, 0, 0, 0, time.UTC)

func TestLockout(t *testing.T) {
	l := DefaultLockout
	now := fixedNow
	var st AccountState
	fail := func(n int, every time.Duration) {
		t.Helper()
		for range n {
			st = l.Fail(now, st)
			now = now.Add(every)
		}
	}
	fail(4, time.Minute)
	if w := l.Wait(now, st); w != 0 || st.Failures != 4 {
		t.Fatalf("after 4 failures: wait %v, state %+v", w, st)
	}
	fail(1, 0)
	if w := l.Wait(now, st); w != 15*time.Minute {
		t.Fatalf("after 5 failures in 15 min: wait %v, want 15m", w)
	}
	if w := l.Wait(now.Add(15*time.Minute-time.Second), st); w != time.Second {
		t.Errorf("a second before the end: wait %v", w)
	}
	if w := l.Wait(now.Add(15*time.Minute), st); w != 0 {
		t.Errorf("at the end: wait %v", w)
	}
	// Repeated lock-outs double: 30 min, 1 h, 2 h, ... capped at 24 h.
	want := []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 16 * time.Hour, 24 * time.Hour, 24 * time.Hour}
	for i, w := range want {
		now = st.LockedUntil
		fail(5, time.Second)
		now = now.Add(-time.Second)
		if got := l.Wait(now, st); got != w {
			t.Fatalf("lock-out %d: wait %v, want %v", i+2, got, w)
		}
	}
	st = l.Succeed()
	if st != (AccountState{}) {
		t.Errorf("Succeed left %+v", st)
	}
	fail(5, time.Second)
	if w := l.Wait(now, st); w > 15*time.Minute {
		t.Errorf("after a success the doubling starts over; wait %v", w)
	}
}

func TestLockoutWindow(t *testing.T) {
	l := DefaultLockout
	now := fixedNow
	var st AccountState
	// Five failures spread over more than the window never lock.
	for range 20 {
		st = l.Fail(now, st)
		now = now.Add(4 * time.Minute)
	}
	if !st.LockedUntil.IsZero() {
		t.Errorf("slow failures locked the account: %+v", st)
	}
	// The doubling is forgotten after Max without a lock-out.
	st = AccountState{}
	for range 10 {
		st = l.Fail(now, st)
	}
	if st.Lockouts != 2 {
		t.Fatalf("10 quick failures: %+v, want 2 lock-outs", st)
	}
	now = st.LockedUntil.Add(l.Max)
	for range 5 {
		st = l.Fail(now, st)
	}
	if w := l.Wait(now, st); w != l.Base {
		t.Errorf("after a quiet day: wait %v, want %v", w, l.Base)
	}
}

func TestThrottleAddress(t *testing.T) {
	th := NewThrottle(DefaultLockout, DefaultBackoff)
	now := fixedNow
	const ip = "203.0.113.7"
	for range 20 {
		if w := th.Check(now, AccountState{}, ip); w != 0 {
			t.Fatalf("within free failures: wait %v", w)
		}
		th.Fail(now, ip)
	}
	if w := th.Check(now, AccountState{}, ip); w != 0 {
		t.Fatalf("after 20 failures: wait %v", w)
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}
	for _, w := range want {
		th.Fail(now, ip)
		if got := th.Check(now, AccountState{}, ip); got != w {
			t.Fatalf("wait %v, want %v", got, w)
		}
		now = now.Add(w)
		if got := th.Check(now, AccountState{}, ip); got != 0 {
			t.Fatalf("after waiting: %v", got)
		}
	}
	for range 30 {
		th.Fail(now, ip)
	}
	if got := th.Check(now, AccountState{}, ip); got != DefaultBackoff.Max {
		t.Errorf("capped wait %v, want %v", got, DefaultBackoff.Max)
	}
	if got := th.Check(now, AccountState{}, "203.0.113.8"); got != 0 {
		t.Errorf("another address waits %v", got)
	}
	if got := th.Check(now, AccountState{}, "::ffff:203.0.113.7"); got == 0 {
		t.Error("IPv4-mapped form of the address is not throttled")
	}
	now = now.Add(DefaultBackoff.Window)
	if got := th.Check(now, AccountState{}, ip); got != 0 {
		t.Errorf("after a quiet window: wait %v", got)
	}
	// The account's lock-out shows through Check too.
	locked := AccountState{LockedUntil: now.Add(time.Hour)}
	if got := th.Check(now, locked, "198.51.100.1"); got != time.Hour {
		t.Errorf("locked account: wait %v", got)
	}
}

func TestThrottleIPv6(t *testing.T) {
	th := NewThrottle(DefaultLockout, Backoff{Free: 1, Window: time.Hour, Base: time.Minute, Max: time.Hour, Entries: 100})
	th.Fail(fixedNow, "2001:db8:1:2::1")
	th.Fail(fixedNow, "2001:db8:1:2:ffff::9") // same /64
	if got := th.Check(fixedNow, AccountState{}, "2001:db8:1:2::77"); got != time.Minute {
		t.Errorf("same /64: wait %v, want 1m", got)
	}
	if got := th.Check(fixedNow, AccountState{}, "2001:db8:1:3::1"); got != 0 {
		t.Errorf("other /64: wait %v", got)
	}
	th.Fail(fixedNow, "")
	th.Fail(fixedNow, "not an address")
	if got := th.Check(fixedNow, AccountState{}, "garbage"); got != time.Minute {
		t.Errorf("unknown addresses share one key: wait %v", got)
	}
}

func TestThrottleBounded(t *testing.T) {
	b := DefaultBackoff
	b.Entries = 100
	th := NewThrottle(DefaultLockout, b)
	now := fixedNow
	for i := range 1000 {
		th.Fail(now, fmt.Sprintf("10.0.%d.%d", i/256, i%256))
		now = now.Add(time.Millisecond)
	}
	if n := len(th.ips); n > b.Entries {
		t.Errorf("%d addresses remembered, limit %d", n, b.Entries)
	}
	// The most recent address is kept.
	if th.ips[addressKey("10.0.3.231")] == nil {
		t.Error("the latest address was forgotten")
	}
}
