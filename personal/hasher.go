package personal

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
)

// Hasher turns identity numbers into keyed hashes, so that the store can
// find a patient or donor by number without holding any number in clear:
// the same number gives the same hash under the same key.
//
// Why HMAC and not a plain hash: an identity number has little entropy. With
// the address codes in use, birth dates of the last hundred years and 1,000
// sequence numbers (the check character follows from the rest) there are
// about 3,000 × 36,500 × 1,000 ≈ 10^11 candidates, fewer once the region of a
// table is known. A GPU tries that many SHA-256 inputs in minutes, so a table
// of SHA-256(number) is a table of numbers. HMAC-SHA256 under a key that is
// not in the database leaves a stolen copy with nothing to try against.
//
// A Hasher is safe for concurrent use. Like KeyRing it prints its key ids
// only.
type Hasher struct {
	h *hashRing // behind a pointer so that reflection-based printers show an address
}

type hashRing struct {
	keys []hashKey // keys[0] is current
}

type hashKey struct {
	id  string
	key *[KeySize]byte // HKDF subkey of the ring key, used for nothing else; a pointer for the reason given at ringKey
}

// NewHasher derives a hashing key from every key of the ring. The hashing
// key is a subkey, not the ring key itself, so hashing and encryption never
// share a secret.
func NewHasher(keys KeyRing) (*Hasher, error) {
	if keys.r == nil {
		return nil, fmt.Errorf("new hasher: %w", ErrNoKeys)
	}
	h := &hashRing{}
	for _, k := range keys.r.keys {
		sub, err := hkdf.Key(sha256.New, k.secret[:], nil, hashInfo, KeySize)
		if err != nil {
			return nil, fmt.Errorf("new hasher: key %q: %w", k.id, err)
		}
		h.keys = append(h.keys, hashKey{id: k.id, key: (*[KeySize]byte)(sub)})
	}
	return &Hasher{h: h}, nil
}

// Hash returns "keyid:" + base64url(HMAC-SHA256(key, full number)), unpadded,
// under the current key: 46 characters plus the key id. The zero IDNumber
// hashes to "", so that "no number" never matches another "no number".
func (h *Hasher) Hash(n IDNumber) string {
	if n.IsZero() {
		return ""
	}
	return h.h.keys[0].sum(n.Full())
}

// Hashes returns the hash of n under every key of the ring, current first.
// During a rotation some rows still hold hashes under an older key; a lookup
// for any of these (WHERE id_hash = ANY($1)) finds them all.
func (h *Hasher) Hashes(n IDNumber) []string {
	if n.IsZero() {
		return nil
	}
	out := make([]string, len(h.h.keys))
	for i, k := range h.h.keys {
		out[i] = k.sum(n.Full())
	}
	return out
}

// NeedsRotation reports whether hash was made under a key other than the
// current one.
func (h *Hasher) NeedsRotation(hash string) bool {
	id, _, ok := strings.Cut(hash, ":")
	return ok && id != h.h.keys[0].id
}

func (k hashKey) sum(full string) string {
	m := hmac.New(sha256.New, k.key[:])
	m.Write([]byte(full))
	return k.id + ":" + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// String lists the key ids, current first; never key material.
func (h *Hasher) String() string {
	if h == nil || h.h == nil {
		return "Hasher[]"
	}
	ids := make([]string, len(h.h.keys))
	for i, k := range h.h.keys {
		ids[i] = k.id
	}
	return "Hasher[" + strings.Join(ids, ",") + "]"
}

// Format prints the key ids whatever the verb.
func (h *Hasher) Format(f fmt.State, verb rune) {
	formatMasked(f, verb, "personal."+h.String(), h.String())
}

// LogValue makes slog print the key ids.
func (h *Hasher) LogValue() slog.Value { return slog.StringValue(h.String()) }
