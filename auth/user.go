package auth

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/shishi-health/shishi/region"
)

// User is an account (用户账号).
type User struct {
	ID string
	// Username is the login name, normalised by NormalizeUsername and
	// unique.
	Username    string
	DisplayName string
	Role        Role
	// Region, Institution and InstitutionRegion bind the role; see
	// Principal.
	Region            string
	Institution       string
	InstitutionRegion string
	// PasswordHash is the PHC string of HashPassword.
	PasswordHash string
	// MustChange forces a new password at the next login: set for
	// one-time passwords (the first administrator, a reset).
	MustChange bool
	// Disabled accounts cannot log in, and their sessions and tokens stop
	// working. Accounts are disabled, never deleted, so the audit trail
	// keeps naming someone.
	Disabled bool
	// Login is the lock-out state (失败次数, 锁定至).
	Login     AccountState
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Principal returns the user's binding as a Principal for Allow.
func (u User) Principal() Principal {
	return Principal{
		UserID:            u.ID,
		Role:              u.Role,
		Region:            u.Region,
		Institution:       u.Institution,
		InstitutionRegion: u.InstitutionRegion,
	}
}

// NormalizeUsername returns the form a username is stored and looked up in:
// trimmed and lower-cased, so "ZhangSan" and "zhangsan" are one account. A
// username is 2-64 characters: letters (Chinese ones too), digits, and
// . _ - @ after the first character.
func NormalizeUsername(s string) (string, error) {
	u := strings.ToLower(strings.TrimSpace(s))
	n := utf8.RuneCountInString(u)
	if n < 2 || n > 64 {
		return "", fmt.Errorf("username %q: want 2 to 64 characters", s)
	}
	for i, r := range u {
		ok := unicode.IsLetter(r) || r >= '0' && r <= '9' || i > 0 && strings.ContainsRune("._-@", r)
		if !ok {
			return "", fmt.Errorf("username %q: only letters, digits and . _ - @ (not first) are allowed", s)
		}
	}
	return u, nil
}

// NewFirstAdministrator makes the administrator an empty store starts
// with: bound to the whole country, with a one-time password that must be
// changed at first login. It returns the user to store and the password to
// show once (on the console of whoever started the server).
func NewFirstAdministrator(username string, now time.Time) (User, string, error) {
	name, err := NormalizeUsername(username)
	if err != nil {
		return User{}, "", err
	}
	pw := NewOneTimePassword()
	hash, err := HashPassword(pw)
	if err != nil {
		return User{}, "", err
	}
	return User{
		ID:           NewID(),
		Username:     name,
		DisplayName:  "系统管理员",
		Role:         Administrator,
		Region:       region.CountryCode,
		PasswordHash: hash,
		MustChange:   true,
		CreatedAt:    now,
		UpdatedAt:    now,
	}, pw, nil
}
