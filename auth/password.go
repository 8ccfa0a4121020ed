package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id parameters of a password hash (RFC 9106).
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over the memory
	Threads uint8  // lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams are the parameters new hashes get: 64 MiB, 3 passes, 2
// lanes, 16-byte salt, 32-byte key. This is RFC 9106's second recommended
// option (§4: t=3, m=64 MiB) with the lanes cut from 4 to 2, because the
// servers have 2 cores and lanes beyond the core count only queue.
// Memory is the expensive thing for an attacker with GPUs; 64 MiB is what a
// small server can spend per login while two logins hash at once. With
// memory fixed, time is the remaining lever, and 3 passes keep a login near
// 170 ms on the 2-core reference server (BenchmarkHashPassword, AMD EPYC,
// Go 1.26: t=1 61 ms, t=3 173 ms per hash), within the 0.1-0.5 s users do
// not notice, and triple the cost of every guess against a stolen table.
//
// Each hash holds 64 MiB while it runs: the web layer must bound the number
// of hashes in flight (two on two cores), or a burst of logins exhausts
// memory. Stored hashes carry their parameters, so raising these later
// only makes NeedsRehash true and logins rehash.
var DefaultParams = Params{Memory: 64 * 1024, Time: 3, Threads: 2, SaltLen: 16, KeyLen: 32}

// Limits on parameters read from a stored hash, so that a tampered or
// corrupt hash cannot make a login allocate gigabytes or spin for minutes.
const (
	maxMemory  = 1 << 20 // KiB: 1 GiB
	maxTime    = 16
	maxThreads = 16
	// maxPasswordBytes bounds the input so hashing cost does not grow with
	// whatever a client posts.
	maxPasswordBytes = 1024
)

// ErrMalformedHash is returned for a stored hash that is not an argon2id
// PHC string this package can check.
var ErrMalformedHash = errors.New("malformed password hash")

var b64 = base64.RawStdEncoding

// HashPassword hashes password with DefaultParams and a fresh random salt
// and returns it in PHC string format:
// $argon2id$v=19$m=65536,t=3,p=2$<salt>$<hash> (unpadded standard base64).
func HashPassword(password string) (string, error) {
	return HashPasswordWith(DefaultParams, password)
}

// HashPasswordWith is HashPassword with chosen parameters (tests use
// cheap ones).
func HashPasswordWith(p Params, password string) (string, error) {
	if len(password) > maxPasswordBytes {
		return "", fmt.Errorf("hash password: longer than %d bytes", maxPasswordBytes)
	}
	if p.Time < 1 || p.Threads < 1 || p.Memory < 8*uint32(p.Threads) || p.SaltLen < 8 || p.KeyLen < 16 {
		return "", fmt.Errorf("hash password: parameters %+v out of range", p)
	}
	salt := make([]byte, p.SaltLen)
	rand.Read(salt) // never fails (crypto/rand, Go 1.24+)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches the PHC-encoded hash,
// comparing in constant time. It returns an error only for a hash it
// cannot read, never for a wrong password.
func CheckPassword(encoded, password string) (bool, error) {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	if len(password) > maxPasswordBytes {
		return false, nil
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// dummyHash is checked when a login names no known user, so that an
// unknown username takes as long to refuse as a wrong password and the
// timing does not tell which usernames exist. The salt is fixed and no
// password matches the all-zero key in practice.
var dummyHash = fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
	DefaultParams.Memory, DefaultParams.Time, DefaultParams.Threads,
	b64.EncodeToString(make([]byte, DefaultParams.SaltLen)), b64.EncodeToString(make([]byte, DefaultParams.KeyLen)))

// CheckNoUser spends the time of a password check and returns false: call
// it when the username is unknown.
func CheckNoUser(password string) bool {
	CheckPassword(dummyHash, password)
	return false
}

// NeedsRehash reports whether a stored hash was made with parameters other
// than DefaultParams (or cannot be read): after a successful login the
// caller hashes the password again and stores the new hash.
func NeedsRehash(encoded string) bool {
	p, _, _, err := decodeHash(encoded)
	return err != nil || p != DefaultParams
}

// decodeHash parses $argon2id$v=19$m=..,t=..,p=..$salt$hash.
func decodeHash(encoded string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrMalformedHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, fmt.Errorf("%w: version %q", ErrMalformedHash, parts[2])
	}
	var threads uint32
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); err != nil || n != 3 ||
		fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, threads) != parts[3] {
		return p, nil, nil, fmt.Errorf("%w: parameters %q", ErrMalformedHash, parts[3])
	}
	if p.Memory < 8 || p.Memory > maxMemory || p.Time < 1 || p.Time > maxTime || threads < 1 || threads > maxThreads ||
		p.Memory < 8*threads {
		return p, nil, nil, fmt.Errorf("%w: parameters %q out of range", ErrMalformedHash, parts[3])
	}
	p.Threads = uint8(threads)
	salt, err := b64.Strict().DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, fmt.Errorf("%w: salt", ErrMalformedHash)
	}
	key, err := b64.Strict().DecodeString(parts[5])
	if err != nil || len(key) < 16 {
		return p, nil, nil, fmt.Errorf("%w: hash", ErrMalformedHash)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// Message is a text in Chinese and English, shown to the user in their
// language.
type Message struct{ ZH, EN string }

// In returns the message in lang: Chinese when lang starts with "zh",
// English otherwise.
func (m Message) In(lang string) string {
	if isChinese(lang) {
		return m.ZH
	}
	return m.EN
}

// PolicyError says why a new password was refused.
type PolicyError struct{ Msg Message }

// Error implements error in English; pages use Msg.In(lang).
func (e *PolicyError) Error() string { return "password policy: " + e.Msg.EN }

// MinPasswordLength is the shortest password accepted, in characters
// (a Chinese character counts as one).
const MinPasswordLength = 12

// CheckPasswordPolicy checks a new password (密码策略): at least
// MinPasswordLength characters, at most 1,024 bytes, not all of one class
// of characters (lower-case letters, upper-case letters, digits, others),
// and not the username nor containing it. Length does most of the work; the
// class rule only stops "aaaaaaaaaaaa" and "123456789012". It returns a
// *PolicyError.
func CheckPasswordPolicy(password, username string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLength:
		return &PolicyError{Message{
			fmt.Sprintf("密码至少需要 %d 个字符", MinPasswordLength),
			fmt.Sprintf("the password must have at least %d characters", MinPasswordLength)}}
	case len(password) > maxPasswordBytes:
		return &PolicyError{Message{"密码过长", fmt.Sprintf("the password must not exceed %d bytes", maxPasswordBytes)}}
	case !utf8.ValidString(password):
		return &PolicyError{Message{"密码含有无效字符", "the password contains invalid characters"}}
	}
	classes := map[int]bool{}
	for _, r := range password {
		switch {
		case unicode.IsLower(r):
			classes[0] = true
		case unicode.IsUpper(r):
			classes[1] = true
		case unicode.IsDigit(r):
			classes[2] = true
		default:
			classes[3] = true
		}
	}
	if len(classes) < 2 {
		return &PolicyError{Message{
			"密码不能只由一类字符组成（请混合使用字母、数字或符号）",
			"the password must not consist of one kind of character only (mix letters, digits or symbols)"}}
	}
	u := strings.ToLower(strings.TrimSpace(username))
	if pw := strings.ToLower(password); u != "" && (pw == u || len(u) >= 4 && strings.Contains(pw, u)) {
		return &PolicyError{Message{"密码不能与用户名相同或包含用户名", "the password must not be or contain the username"}}
	}
	return nil
}

// otpAlphabet leaves out characters read alike (0 O o, 1 l I, 5 S, 2 Z), so
// a one-time password survives being read aloud or copied from paper.
const otpAlphabet = "346789abcdefghijkmnpqrtuvwxyACDEFGHJKLMNPQRTUVWXY"

// NewOneTimePassword returns a password for an account that must change it
// at first login (the first administrator, a reset): 20 characters from
// crypto/rand in five groups of four, "xxxx-xxxx-xxxx-xxxx-xxxx", about 112
// bits. The hyphens make it pass the class rule of CheckPasswordPolicy.
func NewOneTimePassword() string {
	const groups, per = 5, 4
	var b strings.Builder
	buf := make([]byte, 64)
	// Rejection sampling: bytes at or above the largest multiple of the
	// alphabet size are dropped, so every character is equally likely.
	limit := byte(256 - 256%len(otpAlphabet))
	for n := 0; n < groups*per; {
		rand.Read(buf) // never fails (crypto/rand, Go 1.24+)
		for _, c := range buf {
			if c >= limit || n == groups*per {
				continue
			}
			if n > 0 && n%per == 0 {
				b.WriteByte('-')
			}
			b.WriteByte(otpAlphabet[int(c)%len(otpAlphabet)])
			n++
		}
	}
	return b.String()
}
