package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shishi-health/shishi/region"
)

// TokenBytes is the number of random bytes in a session or API token: 256
// bits, beyond guessing however many requests an attacker makes.
const TokenBytes = 32

// APITokenPrefix starts every API token, so that secret scanners, log
// filters and people can recognise one that leaked into a file or a chat.
const APITokenPrefix = "shishi_"

// newSecret returns TokenBytes random bytes as unpadded base64url.
func newSecret() string {
	b := make([]byte, TokenBytes)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the hex SHA-256 of a token: the only form the store
// keeps. A plain hash suffices (no salt, no argon2) because the token is
// 256 random bits, not something a person chose; and it means a copy of
// the database holds no usable session or API token.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// NewID returns a random identifier for a user or an API token: 16 bytes
// as 32 hex digits. Identifiers are not secrets; they are random so that
// they reveal neither how many users there are nor in what order they came.
func NewID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// SessionPolicy says how long a login lasts.
type SessionPolicy struct {
	// Idle ends a session not used for this long.
	Idle time.Duration
	// Absolute ends a session this long after login, used or not.
	Absolute time.Duration
}

// DefaultSessionPolicy: 30 minutes idle, 12 hours at most (a working day
// with overtime, so nobody stays logged in overnight).
var DefaultSessionPolicy = SessionPolicy{Idle: 30 * time.Minute, Absolute: 12 * time.Hour}

// Session is a login (会话). The browser holds the token; the store holds
// its hash as ID.
type Session struct {
	// ID is HashToken of the session token.
	ID        string
	UserID    string
	CreatedAt time.Time
	// ExpiresAt is the absolute end: CreatedAt + SessionPolicy.Absolute.
	ExpiresAt time.Time
	// LastSeen is the last request; the session ends at LastSeen +
	// SessionPolicy.Idle.
	LastSeen time.Time
	// CSRF is the session's anti-forgery token, put into every form and
	// checked on every state-changing request.
	//
	// It is a random value made with the session and stored beside it,
	// not an HMAC of the session id: it then needs no server key to keep
	// secret, share between instances and rotate; it reveals nothing
	// about the session token; and it dies with the session. The cost is
	// one column.
	CSRF string
}

// NewSession starts a session for userID at now. It returns the token to
// set in the cookie (shown once, never stored) and the session to store.
func (p SessionPolicy) NewSession(now time.Time, userID string) (token string, s Session) {
	token = newSecret()
	return token, Session{
		ID:        HashToken(token),
		UserID:    userID,
		CreatedAt: now,
		ExpiresAt: now.Add(p.Absolute),
		LastSeen:  now,
		CSRF:      newSecret(),
	}
}

// Valid reports whether the session is still in force at now: before its
// absolute end and used within the idle timeout.
func (p SessionPolicy) Valid(now time.Time, s Session) bool {
	return now.Before(s.ExpiresAt) && now.Sub(s.LastSeen) < p.Idle
}

// CheckCSRF reports whether token is the session's anti-forgery token,
// comparing in constant time.
func (s Session) CheckCSRF(token string) bool {
	return s.CSRF != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.CSRF)) == 1
}

// MaxAPITokenLifetime is the longest an API token may live: a year, so
// that a forgotten token dies without anyone remembering it.
const MaxAPITokenLifetime = 366 * 24 * time.Hour

// APIToken is a credential for scripts and other instances (API令牌),
// acting as its owner narrowed to Rights and Region. The secret is shown
// once at creation; the store keeps only its hash.
type APIToken struct {
	// ID is a random identifier (NewID), used to list and revoke the token;
	// it does not authenticate.
	ID string
	// Hash is HashToken of the secret.
	Hash   string
	UserID string
	// Name says what the token is for ("省平台上报脚本").
	Name string
	// Rights is a subset of the owner's rights, without TokenForbidden.
	Rights []Right
	// Region is a unit within the owner's scope; "" for the whole scope.
	Region    string
	CreatedAt time.Time
	ExpiresAt time.Time
	// RevokedAt is zero while the token is not revoked.
	RevokedAt time.Time
	// LastUsed is zero until the token is first used.
	LastUsed time.Time
}

// NewAPIToken makes a token for owner at now after checking it
// (CheckAPIToken). It returns the secret to show once and the token to
// store.
func NewAPIToken(t *region.Tree, owner Principal, now time.Time, name string, rights []Right, reg string, expires time.Time) (string, APIToken, error) {
	tok := APIToken{
		ID:        NewID(),
		UserID:    owner.UserID,
		Name:      strings.TrimSpace(name),
		Rights:    slices.Clone(rights),
		Region:    reg,
		CreatedAt: now,
		ExpiresAt: expires,
	}
	slices.Sort(tok.Rights)
	tok.Rights = slices.Compact(tok.Rights)
	if err := CheckAPIToken(t, owner, now, tok); err != nil {
		return "", APIToken{}, err
	}
	secret := APITokenPrefix + newSecret()
	tok.Hash = HashToken(secret)
	return secret, tok, nil
}

// CheckAPIToken checks that owner may hold tok at now: the owner holds
// ManageTokens, the token has a name and at least one right, every right is
// the owner's and none is in TokenForbidden, its region lies in the owner's
// scope, and it expires after now and within MaxAPITokenLifetime.
func CheckAPIToken(t *region.Tree, owner Principal, now time.Time, tok APIToken) error {
	if err := owner.Validate(t); err != nil {
		return fmt.Errorf("api token: owner: %w", err)
	}
	if !owner.Role.Has(ManageTokens) || owner.Limit != nil {
		return fmt.Errorf("api token: %s may not create tokens", owner.Role)
	}
	if tok.Name == "" {
		return errors.New("api token: no name")
	}
	if len(tok.Rights) == 0 {
		return errors.New("api token: no rights")
	}
	for _, r := range tok.Rights {
		if !r.Valid() || !owner.Role.Has(r) {
			return fmt.Errorf("api token: %s is not a right of %s", r, owner.Role)
		}
		if slices.Contains(TokenForbidden, r) {
			return fmt.Errorf("api token: %s is never given to tokens", r)
		}
	}
	if tok.Region != "" && !t.Contains(owner.Scope().Region, tok.Region) {
		return fmt.Errorf("api token: region %s outside %s", tok.Region, owner.Scope().Region)
	}
	if !tok.ExpiresAt.After(now) || tok.ExpiresAt.Sub(now) > MaxAPITokenLifetime {
		return fmt.Errorf("api token: expiry must be within %d days", int(MaxAPITokenLifetime/(24*time.Hour)))
	}
	return nil
}

// Active reports whether the token may be used at now: not revoked and not
// expired.
func (tok APIToken) Active(now time.Time) bool {
	return tok.RevokedAt.IsZero() && now.Before(tok.ExpiresAt)
}

// Principal returns owner acting through the token: the owner's binding
// with the token's Limit. Allow then requires both the owner's role and
// the token to permit a request, so a token outlives neither a change of
// its owner's role nor of its region.
func (tok APIToken) Principal(owner Principal) Principal {
	owner.Limit = &Limit{Rights: slices.Clone(tok.Rights), Region: tok.Region}
	return owner
}
