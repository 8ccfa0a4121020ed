package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shishi-health/shishi/auth"
)

// ErrConflict is what a ConflictError unwraps to, for errors.Is.
var ErrConflict = errors.New("conflict")

// ConflictError is returned when a thing to be created exists already,
// such as a user with the same username.
type ConflictError struct {
	What string // "username"
	Key  string // the value that exists
}

// Error implements error.
func (e *ConflictError) Error() string { return fmt.Sprintf("%s %q already exists", e.What, e.Key) }

// Unwrap makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Unwrap() error { return ErrConflict }

// authTimeLayout is how user, session and token times are stored: UTC,
// fixed width, so that text order is time order on both engines.
const authTimeLayout = "2006-01-02T15:04:05.000000Z"

// touchEvery is how stale last_seen and last_used may get before a request
// writes them again. Writing on every request would put a write on the
// single SQLite writer for every page view; the idle timeout then ends a
// session up to a minute early, never late.
const touchEvery = time.Minute

func authTime(t time.Time) string { return t.UTC().Format(authTimeLayout) }

func authNullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return authTime(t)
}

func parseAuthTime(s sql.NullString) (time.Time, error) {
	if !s.Valid || s.String == "" {
		return time.Time{}, nil
	}
	return time.Parse(authTimeLayout, s.String)
}

// rowLock is the clause that locks the rows a read-modify-write reads:
// FOR UPDATE on PostgreSQL; nothing on SQLite, whose write transactions
// begin IMMEDIATE and so exclude each other already.
func (s *Store) rowLock() string {
	if s.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

const userColumns = `id, username, display_name, role, region, institution, institution_region, password_hash,
	must_change, disabled, failed_count, failed_since, lockouts, locked_until, created_at, updated_at`

type rowScanner interface{ Scan(dest ...any) error }

// userRow receives the userColumns of one row; joins scan it after the
// other table's columns.
type userRow struct {
	u                                      auth.User
	role                                   string
	mustChange, disabled                   int64
	failedSince, lockedUntil, created, upd sql.NullString
}

func (r *userRow) dest() []any {
	u := &r.u
	return []any{&u.ID, &u.Username, &u.DisplayName, &r.role, &u.Region, &u.Institution, &u.InstitutionRegion, &u.PasswordHash,
		&r.mustChange, &r.disabled, &u.Login.Failures, &r.failedSince, &u.Login.Lockouts, &r.lockedUntil, &r.created, &r.upd}
}

func (r *userRow) user() (auth.User, error) {
	u := r.u
	u.MustChange, u.Disabled = r.mustChange != 0, r.disabled != 0
	var err error
	if u.Role, err = auth.ParseRole(r.role); err != nil {
		return u, fmt.Errorf("user %s: %w", u.ID, err)
	}
	for _, f := range []struct {
		dst *time.Time
		src sql.NullString
	}{{&u.Login.WindowStart, r.failedSince}, {&u.Login.LockedUntil, r.lockedUntil}, {&u.CreatedAt, r.created}, {&u.UpdatedAt, r.upd}} {
		if *f.dst, err = parseAuthTime(f.src); err != nil {
			return u, fmt.Errorf("user %s: %w", u.ID, err)
		}
	}
	return u, nil
}

func scanUser(sc rowScanner) (auth.User, error) {
	var r userRow
	if err := sc.Scan(r.dest()...); err != nil {
		return auth.User{}, err
	}
	return r.user()
}

// checkBinding checks what the store can check of a user's role binding
// without the hierarchy: a known role, bound to a region or to an
// institution as the role says. Callers check the codes against the tree
// with auth.Principal.Validate first.
func checkBinding(u auth.User) error {
	switch u.Role.Binding() {
	case auth.BoundToRegion:
		if u.Region == "" || u.Institution != "" || u.InstitutionRegion != "" {
			return fmt.Errorf("user %s: %s must be bound to a region alone", u.Username, u.Role)
		}
	case auth.BoundToInstitution:
		if u.Region != "" || u.Institution == "" || u.InstitutionRegion == "" {
			return fmt.Errorf("user %s: %s must be bound to an institution and its region", u.Username, u.Role)
		}
	default:
		return fmt.Errorf("user %s: role %d: no such role", u.Username, int(u.Role))
	}
	return nil
}

// prepareUser normalises and checks a user before it is inserted and fills
// in its ID and times when they are unset.
func prepareUser(u auth.User) (auth.User, error) {
	name, err := auth.NormalizeUsername(u.Username)
	if err != nil {
		return u, fmt.Errorf("create user: %w", err)
	}
	u.Username = name
	if err := checkBinding(u); err != nil {
		return u, fmt.Errorf("create user: %w", err)
	}
	if u.PasswordHash == "" {
		return u, fmt.Errorf("create user %s: no password hash", u.Username)
	}
	if u.ID == "" {
		u.ID = auth.NewID()
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = time.Now()
	}
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = u.CreatedAt
	}
	u.Login = auth.AccountState{}
	return u, nil
}

// insertUser inserts u unless its username is taken, which it reports as a
// *ConflictError. ON CONFLICT DO NOTHING rather than parsing each driver's
// unique-violation error.
func (s *Store) insertUser(ctx context.Context, tx *sql.Tx, u auth.User) error {
	res, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO users (id, username, display_name, role, region, institution,
		institution_region, password_hash, must_change, disabled, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING`),
		u.ID, u.Username, u.DisplayName, u.Role.String(), u.Region, u.Institution, u.InstitutionRegion, u.PasswordHash,
		boolInt(u.MustChange), boolInt(u.Disabled), authTime(u.CreatedAt), authTime(u.UpdatedAt))
	if err != nil {
		return fmt.Errorf("create user %s: %w", u.Username, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("create user %s: %w", u.Username, err)
	} else if n == 0 {
		return &ConflictError{What: "username", Key: u.Username}
	}
	return nil
}

// CreateUser stores a new user and returns it as stored: username
// normalised (auth.NormalizeUsername), ID and times filled in when unset,
// no failed logins. A taken username is a *ConflictError.
func (s *Store) CreateUser(ctx context.Context, u auth.User) (auth.User, error) {
	u, err := prepareUser(u)
	if err != nil {
		return auth.User{}, err
	}
	if err := s.inTx(ctx, func(tx *sql.Tx) error { return s.insertUser(ctx, tx, u) }); err != nil {
		return auth.User{}, err
	}
	return u, nil
}

// CreateFirstUser stores u only if the store has no user yet: the first
// administrator of an empty store (auth.NewFirstAdministrator). If any
// user exists it returns a *ConflictError and stores nothing, so two
// instances starting on one empty database create one administrator.
func (s *Store) CreateFirstUser(ctx context.Context, u auth.User) (auth.User, error) {
	u, err := prepareUser(u)
	if err != nil {
		return auth.User{}, err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if s.dialect == Postgres {
			// Blocks concurrent inserts (and itself) until commit, so the
			// count below stays true; SQLite's IMMEDIATE transaction
			// already does.
			if _, err := tx.ExecContext(ctx, `LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				return fmt.Errorf("create first user: %w", err)
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
			return fmt.Errorf("create first user: %w", err)
		}
		if n > 0 {
			return &ConflictError{What: "first user", Key: u.Username}
		}
		return s.insertUser(ctx, tx, u)
	})
	if err != nil {
		return auth.User{}, err
	}
	return u, nil
}

// CountUsers returns how many users exist, disabled ones included; 0 means
// a first start, which creates the first administrator.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// UserByUsername returns the user with the given username, normalised the
// way CreateUser stores it; ErrNotFound if there is none.
func (s *Store) UserByUsername(ctx context.Context, username string) (auth.User, error) {
	name, err := auth.NormalizeUsername(username)
	if err != nil {
		return auth.User{}, fmt.Errorf("user %q: %w", username, ErrNotFound)
	}
	return s.userWhere(ctx, s.read, "username = ?", name)
}

// UserByID returns the user with the given ID; ErrNotFound if there is
// none.
func (s *Store) UserByID(ctx context.Context, id string) (auth.User, error) {
	return s.userWhere(ctx, s.read, "id = ?", id)
}

type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) userWhere(ctx context.Context, q rowQuerier, cond string, arg any) (auth.User, error) {
	lock := ""
	if _, ok := q.(*sql.Tx); ok {
		lock = s.rowLock()
	}
	u, err := scanUser(q.QueryRowContext(ctx, s.rebind(`SELECT `+userColumns+` FROM users WHERE `+cond+lock), arg))
	if errors.Is(err, sql.ErrNoRows) {
		return auth.User{}, fmt.Errorf("user %v: %w", arg, ErrNotFound)
	}
	if err != nil {
		return auth.User{}, fmt.Errorf("user %v: %w", arg, err)
	}
	return u, nil
}

// ListUsers returns, ordered by username, the users bound within scope, a
// region code (region.CountryCode for all): region-bound users whose
// region lies within it and institution-bound users whose institution
// does. Users bound above or beside scope are not listed: an administrator
// sees the accounts they may manage. An empty scope is an error rather
// than "everything", so a caller that lost the scope fails closed. Codes
// nest by digits (RegionPrefix), so one range per column answers it.
func (s *Store) ListUsers(ctx context.Context, scope string) ([]auth.User, error) {
	if scope == "" {
		return nil, errors.New("list users: no scope")
	}
	q := `SELECT ` + userColumns + ` FROM users`
	var args []any
	if lo, hi := regionRange(scope); lo != "" {
		q += ` WHERE (region >= ? AND region < ?) OR (institution_region >= ? AND institution_region < ?)`
		args = []any{lo, hi, lo, hi}
	}
	rows, err := s.read.QueryContext(ctx, s.rebind(q+` ORDER BY username`), args...)
	if err != nil {
		return nil, fmt.Errorf("list users in %s: %w", scope, err)
	}
	defer rows.Close()
	var out []auth.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users in %s: %w", scope, err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UserChange is a change to a user; nil fields stay as they are.
type UserChange struct {
	DisplayName *string
	// Binding replaces role, region, institution and institution region
	// together (its UserID and Limit are ignored).
	Binding *auth.Principal
	// PasswordHash sets a new password: a reset by an administrator
	// (with MustChange true) or a change by the user (MustChange false).
	PasswordHash *string
	MustChange   *bool
	Disabled     *bool
	// Unlock forgets failed logins and lifts a lock-out.
	Unlock bool
}

// UpdateUser applies ch to the user with the given id at now and returns
// the user as stored; ErrNotFound if there is none. A change of role or
// binding, of password, or disabling ends all the user's sessions in the
// same transaction: whoever held them must log in again under the new
// terms (a user changing their own password gets a fresh session from the
// caller). API tokens need no such step: they act with their owner's
// current role and are refused once the owner is disabled.
func (s *Store) UpdateUser(ctx context.Context, id string, ch UserChange, now time.Time) (auth.User, error) {
	var u auth.User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = s.userWhere(ctx, tx, "id = ?", id); err != nil {
			return err
		}
		endSessions := false
		if ch.DisplayName != nil {
			u.DisplayName = *ch.DisplayName
		}
		if b := ch.Binding; b != nil {
			endSessions = endSessions || b.Role != u.Role || b.Region != u.Region || b.Institution != u.Institution || b.InstitutionRegion != u.InstitutionRegion
			u.Role, u.Region, u.Institution, u.InstitutionRegion = b.Role, b.Region, b.Institution, b.InstitutionRegion
			if err := checkBinding(u); err != nil {
				return err
			}
		}
		if ch.PasswordHash != nil {
			if *ch.PasswordHash == "" {
				return fmt.Errorf("user %s: empty password hash", u.Username)
			}
			u.PasswordHash = *ch.PasswordHash
			endSessions = true
		}
		if ch.MustChange != nil {
			u.MustChange = *ch.MustChange
		}
		if ch.Disabled != nil {
			endSessions = endSessions || *ch.Disabled
			u.Disabled = *ch.Disabled
		}
		if ch.Unlock {
			u.Login = auth.AccountState{}
		}
		u.UpdatedAt = now
		_, err = tx.ExecContext(ctx, s.rebind(`UPDATE users SET display_name = ?, role = ?, region = ?, institution = ?,
			institution_region = ?, password_hash = ?, must_change = ?, disabled = ?, failed_count = ?, failed_since = ?,
			lockouts = ?, locked_until = ?, updated_at = ? WHERE id = ?`),
			u.DisplayName, u.Role.String(), u.Region, u.Institution, u.InstitutionRegion, u.PasswordHash,
			boolInt(u.MustChange), boolInt(u.Disabled), u.Login.Failures, authNullTime(u.Login.WindowStart),
			u.Login.Lockouts, authNullTime(u.Login.LockedUntil), authTime(u.UpdatedAt), u.ID)
		if err != nil {
			return err
		}
		if endSessions {
			_, err = tx.ExecContext(ctx, s.rebind(`DELETE FROM sessions WHERE user_id = ?`), u.ID)
		}
		return err
	})
	if err != nil {
		return auth.User{}, fmt.Errorf("update user %s: %w", id, err)
	}
	return u, nil
}

// RecordLoginFailure counts a failed login of the user at now under
// policy and returns the account's new state (locked when
// state.LockedUntil is after now). Reading and writing the state happen in
// one transaction with the row locked, so concurrent failures are all
// counted.
func (s *Store) RecordLoginFailure(ctx context.Context, id string, policy auth.Lockout, now time.Time) (auth.AccountState, error) {
	var st auth.AccountState
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		u, err := s.userWhere(ctx, tx, "id = ?", id)
		if err != nil {
			return err
		}
		st = policy.Fail(now, u.Login)
		return s.setLoginState(ctx, tx, id, st)
	})
	if err != nil {
		return auth.AccountState{}, fmt.Errorf("record login failure of %s: %w", id, err)
	}
	return st, nil
}

// RecordLoginSuccess forgets the user's failed logins. The caller checks
// the lock-out before the password, so a success never lifts a lock early.
func (s *Store) RecordLoginSuccess(ctx context.Context, id string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		return s.setLoginState(ctx, tx, id, auth.AccountState{})
	})
	if err != nil {
		return fmt.Errorf("record login success of %s: %w", id, err)
	}
	return nil
}

func (s *Store) setLoginState(ctx context.Context, tx *sql.Tx, id string, st auth.AccountState) error {
	res, err := tx.ExecContext(ctx, s.rebind(`UPDATE users SET failed_count = ?, failed_since = ?, lockouts = ?, locked_until = ?
		WHERE id = ?`), st.Failures, authNullTime(st.WindowStart), st.Lockouts, authNullTime(st.LockedUntil), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// CreateSession stores a session made by auth.SessionPolicy.NewSession.
func (s *Store) CreateSession(ctx context.Context, se auth.Session) error {
	if se.ID == "" || se.CSRF == "" {
		return fmt.Errorf("create session for %s: no id or csrf token", se.UserID)
	}
	_, err := s.write.ExecContext(ctx, s.rebind(`INSERT INTO sessions (id, user_id, created_at, expires_at, last_seen, csrf)
		VALUES (?, ?, ?, ?, ?, ?)`), se.ID, se.UserID, authTime(se.CreatedAt), authTime(se.ExpiresAt), authTime(se.LastSeen), se.CSRF)
	if err != nil {
		return fmt.Errorf("create session for %s: %w", se.UserID, err)
	}
	return nil
}

// SessionByToken returns the session whose token (the cookie's value) is
// given, with its user, and marks it used at now. A session past
// policy's idle or absolute timeout, or of a disabled user, is
// ErrNotFound (and an expired one is deleted).
func (s *Store) SessionByToken(ctx context.Context, token string, policy auth.SessionPolicy, now time.Time) (auth.Session, auth.User, error) {
	var se auth.Session
	var created, expires, seen sql.NullString
	var ur userRow
	row := s.read.QueryRowContext(ctx, s.rebind(`SELECT s.id, s.user_id, s.created_at, s.expires_at, s.last_seen, s.csrf, `+
		prefixed("u.", userColumns)+` FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`), auth.HashToken(token))
	err := row.Scan(append([]any{&se.ID, &se.UserID, &created, &expires, &seen, &se.CSRF}, ur.dest()...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Session{}, auth.User{}, fmt.Errorf("session: %w", ErrNotFound)
	}
	if err != nil {
		return auth.Session{}, auth.User{}, fmt.Errorf("session: %w", err)
	}
	u, err := ur.user()
	if err != nil {
		return auth.Session{}, auth.User{}, fmt.Errorf("session: %w", err)
	}
	if se.CreatedAt, err = parseAuthTime(created); err == nil {
		if se.ExpiresAt, err = parseAuthTime(expires); err == nil {
			se.LastSeen, err = parseAuthTime(seen)
		}
	}
	if err != nil {
		return auth.Session{}, auth.User{}, fmt.Errorf("session: %w", err)
	}
	if u.Disabled {
		return auth.Session{}, auth.User{}, fmt.Errorf("session: %w", ErrNotFound)
	}
	if !policy.Valid(now, se) {
		if err := s.DeleteSession(ctx, se.ID); err != nil && !errors.Is(err, ErrNotFound) {
			return auth.Session{}, auth.User{}, err
		}
		return auth.Session{}, auth.User{}, fmt.Errorf("session: %w", ErrNotFound)
	}
	if now.Sub(se.LastSeen) >= touchEvery {
		if _, err := s.write.ExecContext(ctx, s.rebind(`UPDATE sessions SET last_seen = ? WHERE id = ?`), authTime(now), se.ID); err != nil {
			return auth.Session{}, auth.User{}, fmt.Errorf("touch session: %w", err)
		}
		se.LastSeen = now
	}
	return se, u, nil
}

// DeleteSession ends the session with the given id (auth.Session.ID, the
// token's hash): a logout. ErrNotFound if there is none.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	res, err := s.write.ExecContext(ctx, s.rebind(`DELETE FROM sessions WHERE id = ?`), id)
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("session: %w", ErrNotFound)
	}
	return nil
}

// DeleteUserSessions ends every session of the user ("log out everywhere")
// and returns how many there were.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) (int, error) {
	res, err := s.write.ExecContext(ctx, s.rebind(`DELETE FROM sessions WHERE user_id = ?`), userID)
	if err != nil {
		return 0, fmt.Errorf("delete sessions of %s: %w", userID, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// DeleteExpiredSessions removes the sessions past policy's timeouts at now,
// for a periodic clean-up, and returns how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context, policy auth.SessionPolicy, now time.Time) (int, error) {
	res, err := s.write.ExecContext(ctx, s.rebind(`DELETE FROM sessions WHERE expires_at <= ? OR last_seen <= ?`),
		authTime(now), authTime(now.Add(-policy.Idle)))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

const apiTokenColumns = `id, hash, user_id, name, rights, region, created_at, expires_at, revoked_at, last_used`

// tokenRow receives the apiTokenColumns of one row.
type tokenRow struct {
	t                               auth.APIToken
	rights                          string
	created, expires, revoked, used sql.NullString
}

func (r *tokenRow) dest() []any {
	t := &r.t
	return []any{&t.ID, &t.Hash, &t.UserID, &t.Name, &r.rights, &t.Region, &r.created, &r.expires, &r.revoked, &r.used}
}

func (r *tokenRow) token() (auth.APIToken, error) {
	t := r.t
	for _, name := range strings.Split(r.rights, ",") {
		if name == "" {
			continue
		}
		right, err := auth.ParseRight(name)
		if err != nil {
			return t, fmt.Errorf("api token %s: %w", t.ID, err)
		}
		t.Rights = append(t.Rights, right)
	}
	var err error
	for _, f := range []struct {
		dst *time.Time
		src sql.NullString
	}{{&t.CreatedAt, r.created}, {&t.ExpiresAt, r.expires}, {&t.RevokedAt, r.revoked}, {&t.LastUsed, r.used}} {
		if *f.dst, err = parseAuthTime(f.src); err != nil {
			return t, fmt.Errorf("api token %s: %w", t.ID, err)
		}
	}
	return t, nil
}

func scanAPIToken(sc rowScanner) (auth.APIToken, error) {
	var r tokenRow
	if err := sc.Scan(r.dest()...); err != nil {
		return auth.APIToken{}, err
	}
	return r.token()
}

// CreateAPIToken stores a token made by auth.NewAPIToken (which checked it
// against its owner).
func (s *Store) CreateAPIToken(ctx context.Context, t auth.APIToken) error {
	if t.ID == "" || t.Hash == "" || len(t.Rights) == 0 {
		return fmt.Errorf("create api token for %s: no id, hash or rights", t.UserID)
	}
	names := make([]string, len(t.Rights))
	for i, r := range t.Rights {
		names[i] = r.String()
	}
	_, err := s.write.ExecContext(ctx, s.rebind(`INSERT INTO api_tokens (id, hash, user_id, name, rights, region, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		t.ID, t.Hash, t.UserID, t.Name, strings.Join(names, ","), t.Region, authTime(t.CreatedAt), authTime(t.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create api token for %s: %w", t.UserID, err)
	}
	return nil
}

// APITokenByToken returns the token whose secret is given, with its owner,
// and marks it used at now. A revoked or expired token, or one whose owner
// is disabled, is ErrNotFound. Acting through it is
// tok.Principal(owner.Principal()).
func (s *Store) APITokenByToken(ctx context.Context, secret string, now time.Time) (auth.APIToken, auth.User, error) {
	row := s.read.QueryRowContext(ctx, s.rebind(`SELECT `+prefixed("t.", apiTokenColumns)+`, `+prefixed("u.", userColumns)+`
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`), auth.HashToken(secret))
	var tr tokenRow
	var ur userRow
	err := row.Scan(append(tr.dest(), ur.dest()...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.APIToken{}, auth.User{}, fmt.Errorf("api token: %w", ErrNotFound)
	}
	if err != nil {
		return auth.APIToken{}, auth.User{}, fmt.Errorf("api token: %w", err)
	}
	t, err := tr.token()
	if err != nil {
		return auth.APIToken{}, auth.User{}, err
	}
	u, err := ur.user()
	if err != nil {
		return auth.APIToken{}, auth.User{}, err
	}
	if u.Disabled || !t.Active(now) {
		return auth.APIToken{}, auth.User{}, fmt.Errorf("api token: %w", ErrNotFound)
	}
	if now.Sub(t.LastUsed) >= touchEvery {
		if _, err := s.write.ExecContext(ctx, s.rebind(`UPDATE api_tokens SET last_used = ? WHERE id = ?`), authTime(now), t.ID); err != nil {
			return auth.APIToken{}, auth.User{}, fmt.Errorf("touch api token: %w", err)
		}
		t.LastUsed = now
	}
	return t, u, nil
}

// APITokenByID returns the token with the given id (not the secret), for
// showing and revoking it; ErrNotFound if there is none.
func (s *Store) APITokenByID(ctx context.Context, id string) (auth.APIToken, error) {
	t, err := scanAPIToken(s.read.QueryRowContext(ctx, s.rebind(`SELECT `+apiTokenColumns+` FROM api_tokens WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return auth.APIToken{}, fmt.Errorf("api token %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return auth.APIToken{}, fmt.Errorf("api token %s: %w", id, err)
	}
	return t, nil
}

// RevokeAPIToken revokes the token with the given id at now; revoking a
// revoked token changes nothing. ErrNotFound if there is none.
func (s *Store) RevokeAPIToken(ctx context.Context, id string, now time.Time) error {
	res, err := s.write.ExecContext(ctx, s.rebind(`UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`), authTime(now), id)
	if err != nil {
		return fmt.Errorf("revoke api token %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		_, err := s.APITokenByID(ctx, id)
		return err
	}
	return nil
}

// ListAPITokens returns the user's tokens, revoked and expired ones
// included, newest first.
func (s *Store) ListAPITokens(ctx context.Context, userID string) ([]auth.APIToken, error) {
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT `+apiTokenColumns+` FROM api_tokens WHERE user_id = ?
		ORDER BY created_at DESC, id`), userID)
	if err != nil {
		return nil, fmt.Errorf("list api tokens of %s: %w", userID, err)
	}
	defer rows.Close()
	var out []auth.APIToken
	for rows.Next() {
		t, err := scanAPIToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list api tokens of %s: %w", userID, err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// prefixed qualifies each column of a comma-separated list with a table
// alias: prefixed("u.", "id, name") is "u.id, u.name".
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = alias + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}
