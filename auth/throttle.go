package auth

import (
	"net/netip"
	"slices"
	"sync"
	"time"
)

// Lockout is the account lock-out policy (登录失败处理, 等保 2.0): after
// Threshold failed logins within Window the account is locked for Base;
// each further lock-out doubles the time, up to Max. The count of
// lock-outs is forgotten after a successful login or after Max without a
// new lock-out.
//
// The account's state is persisted by the store (so a restart does not lift
// a lock) and updated there in one transaction with Fail, so concurrent
// failures are all counted.
type Lockout struct {
	Threshold int
	Window    time.Duration
	Base      time.Duration
	Max       time.Duration
}

// DefaultLockout locks an account for 15 minutes after 5 failures within 15
// minutes, 30 after the next 5, then 1 h, 2 h, ... up to 24 h.
var DefaultLockout = Lockout{Threshold: 5, Window: 15 * time.Minute, Base: 15 * time.Minute, Max: 24 * time.Hour}

// AccountState is an account's record of failed logins, as the store keeps
// it in the users table.
type AccountState struct {
	// Failures counts failed logins since WindowStart.
	Failures int
	// WindowStart is the time of the first failure counted; zero when
	// Failures is 0.
	WindowStart time.Time
	// LockedUntil is the end of the current or last lock-out; zero when
	// the account was never locked since its last success.
	LockedUntil time.Time
	// Lockouts counts lock-outs since the last success, for the doubling.
	Lockouts int
}

// Wait returns how long the account stays locked at now; 0 when it is not
// locked.
func (l Lockout) Wait(now time.Time, st AccountState) time.Duration {
	return max(st.LockedUntil.Sub(now), 0)
}

// Fail returns the state after one more failed login at now. A login
// attempted while the account is locked is refused without checking the
// password and must not be passed to Fail: guesses during a lock-out teach
// the attacker nothing and do not lengthen the lock.
func (l Lockout) Fail(now time.Time, st AccountState) AccountState {
	if st.Lockouts > 0 && now.Sub(st.LockedUntil) >= l.Max {
		st.Lockouts = 0
	}
	if st.Failures == 0 || now.Sub(st.WindowStart) >= l.Window || now.Before(st.WindowStart) {
		st.Failures, st.WindowStart = 0, now
	}
	st.Failures++
	if st.Failures >= l.Threshold {
		d := l.Base
		for i := 0; i < st.Lockouts && d < l.Max; i++ {
			d *= 2
		}
		st.Lockouts++
		st.LockedUntil = now.Add(min(d, l.Max))
		st.Failures, st.WindowStart = 0, time.Time{}
	}
	return st
}

// Succeed returns the state after a successful login: everything forgotten.
func (l Lockout) Succeed() AccountState {
	return AccountState{}
}

// Backoff is the per-address policy: an address may fail Free times; after
// that each failure doubles the wait before its next attempt, starting at
// Base and capped at Max. A pause of Window without failures forgets the
// address. Free is generous because a county
// bureau or a hospital puts hundreds of people behind one NAT address; the
// back-off is there against password spraying across many accounts, which
// the account lock-out does not see.
type Backoff struct {
	Free   int
	Window time.Duration
	Base   time.Duration
	Max    time.Duration
	// Entries bounds the addresses remembered; beyond it the oldest are
	// forgotten, so a flood of addresses cannot exhaust memory.
	Entries int
}

// DefaultBackoff lets an address fail 20 times, then makes it wait 1 s,
// 2 s, 4 s, ... up to 15 minutes between attempts; 15 minutes without a
// failure forget it.
var DefaultBackoff = Backoff{Free: 20, Window: 15 * time.Minute, Base: time.Second, Max: 15 * time.Minute, Entries: 100_000}

// Throttle is the login throttle: per-address back-off held in memory
// (an address's history is worthless after a restart) and the per-account
// lock-out policy, whose state the caller loads from and saves to the
// store. It is safe for concurrent use.
//
// A login does: wait := Check(now, acct, ip); if wait > 0, refuse (same
// answer as a wrong password, with the wait); else check the password; on
// failure call Fail and store.RecordLoginFailure (which applies
// Account.Fail); on success store.RecordLoginSuccess.
type Throttle struct {
	Account Lockout
	Address Backoff

	mu  sync.Mutex
	ips map[netip.Prefix]*ipState
}

type ipState struct {
	failures int
	last     time.Time // last failure
}

// NewThrottle returns a throttle with the given policies. A Throttle
// literal works as well.
func NewThrottle(account Lockout, address Backoff) *Throttle {
	return &Throttle{Account: account, Address: address, ips: map[netip.Prefix]*ipState{}}
}

// Check returns how long a login for the account from ip must wait: the
// longer of the account's lock-out and the address's back-off; 0 means go
// ahead. acct is the zero AccountState for an unknown username, so unknown
// and known names are throttled alike per address.
func (t *Throttle) Check(now time.Time, acct AccountState, ip string) time.Duration {
	wait := t.Account.Wait(now, acct)
	t.mu.Lock()
	defer t.mu.Unlock()
	if s := t.ips[addressKey(ip)]; s != nil {
		wait = max(wait, t.addressWait(now, s))
	}
	return wait
}

// Fail records a failed login from ip. The account's failure is recorded by
// the store with Account.Fail.
func (t *Throttle) Fail(now time.Time, ip string) {
	k := addressKey(ip)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ips == nil {
		t.ips = map[netip.Prefix]*ipState{}
	}
	s := t.ips[k]
	if s == nil {
		if t.Address.Entries > 0 && len(t.ips) >= t.Address.Entries {
			t.prune(now)
		}
		s = &ipState{}
		t.ips[k] = s
	}
	if s.failures == 0 || now.Sub(s.last) >= t.Address.Window {
		s.failures = 0
	}
	s.failures++
	s.last = now
}

// addressWait is the wait still due for an address at now.
func (t *Throttle) addressWait(now time.Time, s *ipState) time.Duration {
	if now.Sub(s.last) >= t.Address.Window || s.failures <= t.Address.Free {
		return 0
	}
	d := t.Address.Base
	for i := t.Address.Free + 1; i < s.failures && d < t.Address.Max; i++ {
		d *= 2
	}
	return max(s.last.Add(min(d, t.Address.Max)).Sub(now), 0)
}

// prune forgets addresses whose window has passed and, if that is not
// enough, the least recently failed half.
func (t *Throttle) prune(now time.Time) {
	for k, s := range t.ips {
		if now.Sub(s.last) >= t.Address.Window {
			delete(t.ips, k)
		}
	}
	if len(t.ips) < t.Address.Entries {
		return
	}
	// Rare (a flood of distinct addresses): drop those older than the
	// median last failure.
	lasts := make([]time.Time, 0, len(t.ips))
	for _, s := range t.ips {
		lasts = append(lasts, s.last)
	}
	slices.SortFunc(lasts, time.Time.Compare)
	cut := lasts[len(lasts)/2]
	for k, s := range t.ips {
		if !s.last.After(cut) {
			delete(t.ips, k)
		}
	}
}

// addressKey groups addresses as one client: an IPv4 address alone, an IPv6
// address by its /64, because one IPv6 host gets a whole /64 and could
// otherwise step around the back-off. An unparsable ip (no address known)
// is one shared key.
func addressKey(ip string) netip.Prefix {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return netip.Prefix{}
	}
	a = a.Unmap()
	bits := 32
	if a.Is6() {
		bits = 64
	}
	p, _ := a.WithZone("").Prefix(bits)
	return p
}
