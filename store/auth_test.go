package store_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/store/storetest"
)

// authT0 is the tests' clock: whole seconds, which the store keeps exactly.
var authT0 = time.Date(2025, 11, 3, 9, 0, 0, 0, time.UTC)

// authFakeHash stands in for a password hash: the store keeps it, never
// checks it, and real ones cost 170 ms each.
const authFakeHash = "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$GpZ3sK/oH9p7VIiV56G/64Zo/8GaUw434IimaPqxwCo"

func authRegionUser(name string, role auth.Role, code string) auth.User {
	return auth.User{Username: name, DisplayName: name, Role: role, Region: code, PasswordHash: authFakeHash, CreatedAt: authT0}
}

func authInstitutionUser(name string, role auth.Role, code, reg string) auth.User {
	return auth.User{Username: name, DisplayName: name, Role: role, Institution: code, InstitutionRegion: reg, PasswordHash: authFakeHash, CreatedAt: authT0}
}

func authCreateUser(t *testing.T, s *store.Store, u auth.User) auth.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func authUsernames(us []auth.User) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.Username)
	}
	return out
}

func TestUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if n, err := s.CountUsers(ctx); err != nil || n != 0 {
			t.Fatalf("CountUsers on an empty store = %d, %v", n, err)
		}
		admin, pw, err := auth.NewFirstAdministrator("Admin", authT0)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.CreateFirstUser(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != admin.ID {
			t.Errorf("first user id %q, want %q", got.ID, admin.ID)
		}
		second, _, _ := auth.NewFirstAdministrator("admin2", authT0)
		if _, err := s.CreateFirstUser(ctx, second); !errors.Is(err, store.ErrConflict) {
			t.Errorf("second CreateFirstUser: %v, want a conflict", err)
		}
		stored, err := s.UserByUsername(ctx, " ADMIN ")
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := auth.CheckPassword(stored.PasswordHash, pw); !ok || !stored.MustChange || stored.Role != auth.Administrator || stored.Region != region.CountryCode {
			t.Errorf("first administrator stored as %+v", stored)
		}

		users := []auth.User{
			authRegionUser("national", auth.NationalSupervisor, region.CountryCode),
			authRegionUser("hubei", auth.ProvincialSupervisor, "420000"),
			authRegionUser("wuhan-reporter", auth.Reporter, "420100"),
			authRegionUser("jiangan", auth.CountySupervisor, "420102"),
			authRegionUser("xiantao", auth.CountySupervisor, "429004"),
			authRegionUser("zhongyuan", auth.CountySupervisor, "410102"),
			authInstitutionUser("h1-staff", auth.HospitalStaff, "H420102001", "420102"),
			authInstitutionUser("h9-doctor", auth.Doctor, "H410102009", "410102"),
			authInstitutionUser("张医生", auth.Doctor, "H420103001", "420103"),
		}
		for _, u := range users {
			authCreateUser(t, s, u)
		}
		if n, _ := s.CountUsers(ctx); n != len(users)+1 {
			t.Errorf("CountUsers = %d, want %d", n, len(users)+1)
		}

		_, err = s.CreateUser(ctx, authRegionUser("JiangAn", auth.Approver, "420102"))
		var ce *store.ConflictError
		if !errors.As(err, &ce) || ce.What != "username" || ce.Key != "jiangan" || !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate username: %v, want a ConflictError on jiangan", err)
		}

		u, err := s.UserByUsername(ctx, "H1-Staff")
		if err != nil {
			t.Fatal(err)
		}
		want := users[6]
		want.ID, want.Username, want.UpdatedAt = u.ID, "h1-staff", authT0
		if u.Username != want.Username || u.Role != want.Role || u.Institution != want.Institution ||
			u.InstitutionRegion != want.InstitutionRegion || u.Region != "" || !u.CreatedAt.Equal(authT0) || !u.UpdatedAt.Equal(authT0) ||
			u.PasswordHash != authFakeHash || u.MustChange || u.Disabled || u.Login != (auth.AccountState{}) {
			t.Errorf("round trip: got %+v, want %+v", u, want)
		}
		if byID, err := s.UserByID(ctx, u.ID); err != nil || byID.Username != u.Username {
			t.Errorf("UserByID = %+v, %v", byID, err)
		}
		for _, name := range []string{"nobody", "", "a b"} {
			if _, err := s.UserByUsername(ctx, name); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("UserByUsername(%q): %v, want ErrNotFound", name, err)
			}
		}
		if _, err := s.UserByID(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UserByID(nope): %v, want ErrNotFound", err)
		}

		scopes := []struct {
			scope string
			want  []string
		}{
			{region.CountryCode, []string{"admin", "h1-staff", "h9-doctor", "hubei", "jiangan", "national", "wuhan-reporter", "xiantao", "zhongyuan", "张医生"}},
			{"420000", []string{"h1-staff", "hubei", "jiangan", "wuhan-reporter", "xiantao", "张医生"}},
			{"420100", []string{"h1-staff", "jiangan", "wuhan-reporter", "张医生"}},
			{"420102", []string{"h1-staff", "jiangan"}},
			{"420103", []string{"张医生"}},
			{"429004", []string{"xiantao"}},
			{"410000", []string{"h9-doctor", "zhongyuan"}},
			{"110000", nil},
		}
		for _, sc := range scopes {
			got, err := s.ListUsers(ctx, sc.scope)
			if err != nil {
				t.Fatal(err)
			}
			if names := authUsernames(got); !slices.Equal(names, sc.want) {
				t.Errorf("ListUsers(%s) = %q, want %q", sc.scope, names, sc.want)
			}
		}
		if _, err := s.ListUsers(ctx, ""); err == nil {
			t.Error("ListUsers with no scope succeeded")
		}

		bad := []auth.User{
			{Username: "x1", Role: auth.Reporter, PasswordHash: authFakeHash},                                            // no region
			{Username: "x2", Role: auth.Reporter, Region: "420102", Institution: "H1", PasswordHash: authFakeHash},       // both
			{Username: "x3", Role: auth.Doctor, Institution: "H1", PasswordHash: authFakeHash},                           // no institution region
			{Username: "x4", Role: auth.Doctor, Region: "420102", PasswordHash: authFakeHash},                            // region role shape
			{Username: "x5", Role: auth.Role(0), Region: "420102", PasswordHash: authFakeHash},                           // no role
			{Username: "x6", Role: auth.Reporter, Region: "420102"},                                                      // no password
			{Username: "x 7", Role: auth.Reporter, Region: "420102", PasswordHash: authFakeHash},                         // bad username
			{Username: "x8", Role: auth.HospitalStaff, Institution: "H1", InstitutionRegion: "420102", PasswordHash: ""}, // no password
		}
		for _, u := range bad {
			if _, err := s.CreateUser(ctx, u); err == nil || errors.Is(err, store.ErrConflict) {
				t.Errorf("CreateUser(%+v) = %v, want a validation error", u, err)
			}
		}
	})
}

func TestUpdateUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := authCreateUser(t, s, authRegionUser("jiangan", auth.CountySupervisor, "420102"))
		pol := auth.DefaultSessionPolicy
		login := func() string {
			t.Helper()
			tok, se := pol.NewSession(authT0, u.ID)
			if err := s.CreateSession(ctx, se); err != nil {
				t.Fatal(err)
			}
			return tok
		}
		alive := func(tok string) bool {
			_, _, err := s.SessionByToken(ctx, tok, pol, authT0.Add(time.Minute))
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatal(err)
			}
			return err == nil
		}
		t1 := authT0.Add(time.Hour)

		tok := login()
		name := "江岸区卫健局 张三"
		got, err := s.UpdateUser(ctx, u.ID, store.UserChange{DisplayName: &name}, t1)
		if err != nil || got.DisplayName != name || !got.UpdatedAt.Equal(t1) {
			t.Fatalf("rename: %+v, %v", got, err)
		}
		if !alive(tok) {
			t.Error("a rename ended the session")
		}

		yes, no := true, false
		if _, err := s.UpdateUser(ctx, u.ID, store.UserChange{Disabled: &yes}, t1); err != nil {
			t.Fatal(err)
		}
		if alive(tok) {
			t.Error("session survives disabling")
		}
		tok = login()
		if alive(tok) {
			t.Error("a disabled user's new session works")
		}
		if got, _ := s.UpdateUser(ctx, u.ID, store.UserChange{Disabled: &no}, t1); got.Disabled {
			t.Error("re-enabling failed")
		}
		if !alive(tok) {
			t.Error("session made while disabled does not work after re-enabling")
		}

		hash := "$argon2id$v=19$m=65536,t=3,p=2$bmV3c2FsdG5ld3NhbHQ$bmV3aGFzaG5ld2hhc2huZXdoYXNobmV3aGFzaG5ldw"
		got, err = s.UpdateUser(ctx, u.ID, store.UserChange{PasswordHash: &hash, MustChange: &yes, Unlock: true}, t1)
		if err != nil || got.PasswordHash != hash || !got.MustChange {
			t.Fatalf("reset: %+v, %v", got, err)
		}
		if alive(tok) {
			t.Error("session survives a password reset")
		}

		tok = login()
		b := auth.Principal{Role: auth.Approver, Region: "420100"}
		got, err = s.UpdateUser(ctx, u.ID, store.UserChange{Binding: &b}, t1)
		if err != nil || got.Role != auth.Approver || got.Region != "420100" {
			t.Fatalf("role change: %+v, %v", got, err)
		}
		if alive(tok) {
			t.Error("session survives a role change")
		}
		stored, _ := s.UserByID(ctx, u.ID)
		if stored.Role != auth.Approver || stored.Region != "420100" || stored.DisplayName != name || stored.PasswordHash != hash {
			t.Errorf("stored after changes: %+v", stored)
		}

		bad := auth.Principal{Role: auth.Doctor, Region: "420100"}
		if _, err := s.UpdateUser(ctx, u.ID, store.UserChange{Binding: &bad, DisplayName: new(string)}, t1); err == nil {
			t.Error("a doctor bound to a region was accepted")
		}
		if stored, _ := s.UserByID(ctx, u.ID); stored.Role != auth.Approver || stored.DisplayName != name {
			t.Errorf("a refused change was partly applied: %+v", stored)
		}
		empty := ""
		if _, err := s.UpdateUser(ctx, u.ID, store.UserChange{PasswordHash: &empty}, t1); err == nil {
			t.Error("empty password hash accepted")
		}
		if _, err := s.UpdateUser(ctx, "nope", store.UserChange{Disabled: &yes}, t1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UpdateUser(nope): %v, want ErrNotFound", err)
		}
	})
}

func TestLoginFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := authCreateUser(t, s, authRegionUser("jiangan", auth.CountySupervisor, "420102"))
		pol := auth.DefaultLockout
		var st auth.AccountState
		var err error
		for i := range 5 {
			if st, err = s.RecordLoginFailure(ctx, u.ID, pol, authT0.Add(time.Duration(i)*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		lockedAt := authT0.Add(4 * time.Minute)
		if !st.LockedUntil.Equal(lockedAt.Add(15*time.Minute)) || st.Lockouts != 1 {
			t.Fatalf("after 5 failures: %+v", st)
		}
		stored, _ := s.UserByID(ctx, u.ID)
		if stored.Login != st {
			t.Errorf("stored state %+v, want %+v", stored.Login, st)
		}
		if w := pol.Wait(lockedAt.Add(time.Minute), stored.Login); w != 14*time.Minute {
			t.Errorf("wait %v, want 14m", w)
		}
		// Two failures of a new window keep the count of lock-outs.
		st, _ = s.RecordLoginFailure(ctx, u.ID, pol, lockedAt.Add(20*time.Minute))
		if st.Failures != 1 || st.Lockouts != 1 {
			t.Errorf("after the lock: %+v", st)
		}
		if err := s.RecordLoginSuccess(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if stored, _ := s.UserByID(ctx, u.ID); stored.Login != (auth.AccountState{}) {
			t.Errorf("after success: %+v", stored.Login)
		}
		if _, err := s.RecordLoginFailure(ctx, "nope", pol, authT0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("failure of unknown user: %v", err)
		}
		if err := s.RecordLoginSuccess(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("success of unknown user: %v", err)
		}

		// Concurrent failures are all counted: the row is locked for the
		// read-modify-write.
		wide := auth.Lockout{Threshold: 1000, Window: time.Hour, Base: time.Minute, Max: time.Hour}
		var wg sync.WaitGroup
		for range 12 {
			wg.Go(func() {
				if _, err := s.RecordLoginFailure(ctx, u.ID, wide, authT0); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if stored, _ := s.UserByID(ctx, u.ID); stored.Login.Failures != 12 {
			t.Errorf("12 concurrent failures counted as %d", stored.Login.Failures)
		}

		// Unlock by an administrator.
		for range 5 {
			s.RecordLoginFailure(ctx, u.ID, pol, authT0)
		}
		got, err := s.UpdateUser(ctx, u.ID, store.UserChange{Unlock: true}, authT0)
		if err != nil || got.Login != (auth.AccountState{}) {
			t.Errorf("unlock: %+v, %v", got.Login, err)
		}
	})
}

// TestLockoutSurvivesRestart: the lock-out is in the database, so a new
// Store on the same data still sees it.
func TestLockoutSurvivesRestart(t *testing.T) {
	open := map[string]func(t *testing.T) store.Config{
		"sqlite":   func(t *testing.T) store.Config { return store.Config{DataDir: t.TempDir()} },
		"postgres": func(t *testing.T) store.Config { return store.Config{URL: storetest.PostgresURL(t)} },
	}
	for name, cfg := range open {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			c := cfg(t)
			s, err := store.Open(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			u := authCreateUser(t, s, authRegionUser("jiangan", auth.CountySupervisor, "420102"))
			for range 5 {
				if _, err := s.RecordLoginFailure(ctx, u.ID, auth.DefaultLockout, authT0); err != nil {
					t.Fatal(err)
				}
			}
			s.Close()
			s, err = store.Open(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			got, err := s.UserByID(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if w := auth.DefaultLockout.Wait(authT0, got.Login); w != 15*time.Minute {
				t.Errorf("after restart: wait %v, want 15m", w)
			}
		})
	}
}

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := authCreateUser(t, s, authInstitutionUser("h1-staff", auth.HospitalStaff, "H1", "420102"))
		pol := auth.DefaultSessionPolicy
		tok, se := pol.NewSession(authT0, u.ID)
		if err := s.CreateSession(ctx, se); err != nil {
			t.Fatal(err)
		}
		got, owner, err := s.SessionByToken(ctx, tok, pol, authT0.Add(30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != se.ID || got.CSRF != se.CSRF || !got.CreatedAt.Equal(authT0) || !got.ExpiresAt.Equal(authT0.Add(12*time.Hour)) || owner.ID != u.ID || owner.Institution != "H1" {
			t.Errorf("session %+v of %+v", got, owner)
		}
		if !got.LastSeen.Equal(authT0) {
			t.Errorf("a request 30 s later wrote last_seen: %v", got.LastSeen)
		}
		// Used every 20 minutes, the session outlives the idle timeout.
		for i := 1; i <= 5; i++ {
			now := authT0.Add(time.Duration(i) * 20 * time.Minute)
			got, _, err = s.SessionByToken(ctx, tok, pol, now)
			if err != nil {
				t.Fatalf("use %d: %v", i, err)
			}
			if !got.LastSeen.Equal(now) {
				t.Errorf("use %d: last seen %v, want %v", i, got.LastSeen, now)
			}
		}
		// Idle 30 minutes: gone, and deleted.
		if _, _, err := s.SessionByToken(ctx, tok, pol, got.LastSeen.Add(30*time.Minute)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("idle session: %v, want ErrNotFound", err)
		}
		if err := s.DeleteSession(ctx, se.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("idle session still stored: %v", err)
		}

		// The absolute timeout holds however busy the session is.
		tok, se = pol.NewSession(authT0, u.ID)
		s.CreateSession(ctx, se)
		for now := authT0.Add(25 * time.Minute); now.Before(authT0.Add(12 * time.Hour)); now = now.Add(25 * time.Minute) {
			if _, _, err := s.SessionByToken(ctx, tok, pol, now); err != nil {
				t.Fatalf("busy session at %v: %v", now.Sub(authT0), err)
			}
		}
		if _, _, err := s.SessionByToken(ctx, tok, pol, authT0.Add(12*time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("session after 12 h: %v, want ErrNotFound", err)
		}

		for _, bad := range []string{"", "nope", se.ID} { // the hash is not the token
			if _, _, err := s.SessionByToken(ctx, bad, pol, authT0); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("SessionByToken(%q): %v, want ErrNotFound", bad, err)
			}
		}

		var toks []string
		for i := range 3 {
			tok, se := pol.NewSession(authT0.Add(time.Duration(i)*time.Hour), u.ID)
			if err := s.CreateSession(ctx, se); err != nil {
				t.Fatal(err)
			}
			toks = append(toks, tok)
		}
		se0, _, _ := s.SessionByToken(ctx, toks[0], pol, authT0)
		if err := s.DeleteSession(ctx, se0.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.SessionByToken(ctx, toks[0], pol, authT0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("after logout: %v", err)
		}
		// At authT0+2h10m, the session of authT0+1h is idle and that of authT0+2h is not.
		if n, err := s.DeleteExpiredSessions(ctx, pol, authT0.Add(2*time.Hour+10*time.Minute)); err != nil || n != 1 {
			t.Errorf("DeleteExpiredSessions = %d, %v; want 1", n, err)
		}
		if n, err := s.DeleteUserSessions(ctx, u.ID); err != nil || n != 1 {
			t.Errorf("DeleteUserSessions = %d, %v; want 1", n, err)
		}
		if err := s.CreateSession(ctx, auth.Session{UserID: u.ID}); err == nil {
			t.Error("session without id stored")
		}
		_, ghost := pol.NewSession(authT0, "no-such-user")
		if err := s.CreateSession(ctx, ghost); err == nil {
			t.Error("session of an unknown user stored")
		}
	})
}

func TestAPITokens(t *testing.T) {
	tree, err := region.Load()
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := authCreateUser(t, s, authRegionUser("hubei", auth.ProvincialSupervisor, "420000"))
		exp := authT0.Add(90 * 24 * time.Hour)
		secret, tok, err := auth.NewAPIToken(tree, u.Principal(), authT0, "national federation", []auth.Right{auth.ReadAggregates, auth.Export}, "420100", exp)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.CreateAPIToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		got, owner, err := s.APITokenByToken(ctx, secret, authT0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != tok.ID || got.Name != tok.Name || !slices.Equal(got.Rights, tok.Rights) || got.Region != "420100" ||
			!got.ExpiresAt.Equal(exp) || !got.CreatedAt.Equal(authT0) || !got.LastUsed.Equal(authT0.Add(time.Hour)) || owner.ID != u.ID {
			t.Errorf("token %+v, owner %+v", got, owner)
		}
		p := got.Principal(owner.Principal())
		if !auth.Allow(tree, p, auth.Export, auth.Target{Region: "420102"}).Allowed || auth.Allow(tree, p, auth.Export, auth.Target{Region: "420200"}).Allowed {
			t.Error("token principal not narrowed to 420100")
		}
		if _, _, err := s.APITokenByToken(ctx, tok.Hash, authT0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the stored hash works as a token: %v", err)
		}

		secret2, tok2, _ := auth.NewAPIToken(tree, u.Principal(), authT0.Add(time.Minute), "exports", []auth.Right{auth.Export}, "", authT0.Add(24*time.Hour))
		if err := s.CreateAPIToken(ctx, tok2); err != nil {
			t.Fatal(err)
		}
		list, err := s.ListAPITokens(ctx, u.ID)
		if err != nil || len(list) != 2 || list[0].ID != tok2.ID || list[1].ID != tok.ID {
			t.Fatalf("ListAPITokens = %+v, %v", list, err)
		}
		if list[1].LastUsed.IsZero() || !list[0].LastUsed.IsZero() {
			t.Errorf("last used: %v, %v", list[1].LastUsed, list[0].LastUsed)
		}
		if _, _, err := s.APITokenByToken(ctx, secret2, authT0.Add(24*time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired token: %v, want ErrNotFound", err)
		}

		if err := s.RevokeAPIToken(ctx, tok.ID, authT0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.APITokenByToken(ctx, secret, authT0.Add(3*time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoked token: %v, want ErrNotFound", err)
		}
		if err := s.RevokeAPIToken(ctx, tok.ID, authT0.Add(4*time.Hour)); err != nil {
			t.Errorf("second revoke: %v", err)
		}
		if byID, err := s.APITokenByID(ctx, tok.ID); err != nil || !byID.RevokedAt.Equal(authT0.Add(2*time.Hour)) {
			t.Errorf("APITokenByID = %+v, %v", byID, err)
		}
		if err := s.RevokeAPIToken(ctx, "nope", authT0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoke unknown: %v", err)
		}
		if _, err := s.APITokenByID(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("APITokenByID(nope): %v", err)
		}

		// A disabled owner's tokens stop working.
		secret3, tok3, _ := auth.NewAPIToken(tree, u.Principal(), authT0, "third", []auth.Right{auth.ReadAggregates}, "", exp)
		s.CreateAPIToken(ctx, tok3)
		yes := true
		if _, err := s.UpdateUser(ctx, u.ID, store.UserChange{Disabled: &yes}, authT0); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.APITokenByToken(ctx, secret3, authT0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("token of a disabled user: %v, want ErrNotFound", err)
		}
		if err := s.CreateAPIToken(ctx, auth.APIToken{ID: "x", UserID: u.ID}); err == nil {
			t.Error("token without hash or rights stored")
		}
		if list, _ := s.ListAPITokens(ctx, "nobody"); len(list) != 0 {
			t.Errorf("tokens of nobody: %v", list)
		}
	})
}
