package personal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// EnvDataKeys is the environment variable from which the product reads its
// key ring: "k2:base64key,k1:base64key", current key first. See the package
// documentation for the rotation procedure.
const EnvDataKeys = "SHISHI_DATA_KEYS"

// KeySize is the length of every key in a ring: 256 bits.
const KeySize = 32

// Errors of the key ring. Open wraps them, so callers can tell a value
// written under a key since dropped (ErrUnknownKey) from one damaged or moved
// to another row (ErrDecrypt).
var (
	ErrNoKeys     = errors.New("key ring is empty")
	ErrUnknownKey = errors.New("sealed with a key not in the key ring")
	ErrMalformed  = errors.New("sealed value is malformed")
	ErrDecrypt    = errors.New("sealed value does not authenticate: wrong key, wrong associated data or tampered")
)

// Subkey labels for HKDF. Changing one makes every stored value unreadable.
const (
	sealInfo = "shishi/personal/seal/v1"
	hashInfo = "shishi/personal/id-hash/v1"
)

// KeyRing holds named 256-bit keys, one of them current. It encrypts contact
// data at rest (Seal, Open) and is the source of a Hasher's keys. A KeyRing
// is immutable and safe for concurrent use; the zero KeyRing is empty and
// refuses to seal.
//
// It prints as its key ids only, never key material, whatever the verb and
// wherever it sits in a struct.
type KeyRing struct {
	r *ring // behind a pointer so that reflection-based printers show an address
}

type ring struct {
	keys []ringKey // keys[0] is current
}

type ringKey struct {
	id     string
	secret *[KeySize]byte // as configured; subkeys are derived from it
	aead   cipher.AEAD    // AES-256-GCM under the seal subkey, random nonces
}

// Key material sits behind pointers (ring, secret) and inside cipher.AEAD:
// fmt prints a pointer it meets below the top level as an address, and a
// wrong verb such as %s on a struct holding a KeyRing expands only one
// level, so no printer reaches the bytes.

// ParseKeyRing reads a key ring from configuration text of the form
// "k2:base64key,k1:base64key". The first key is current. Ids are 1 to 32
// letters, digits, '.', '_' or '-', and unique; keys are 32 bytes in standard
// or URL-safe base64, with or without padding. White space around entries is
// ignored, so the value may be split over lines. Errors name the entry by
// position and id, never the key.
func ParseKeyRing(s string) (KeyRing, error) {
	if strings.TrimSpace(s) == "" {
		return KeyRing{}, fmt.Errorf("parse key ring: %w", ErrNoKeys)
	}
	r := &ring{}
	seen := map[string]bool{}
	for i, entry := range strings.Split(s, ",") {
		id, enc, ok := strings.Cut(strings.TrimSpace(entry), ":")
		if !ok {
			return KeyRing{}, fmt.Errorf("parse key ring: entry %d: want id:base64key", i+1)
		}
		if !validKeyID(id) {
			return KeyRing{}, fmt.Errorf("parse key ring: entry %d: key id must be 1 to 32 letters, digits, '.', '_' or '-'", i+1)
		}
		if seen[id] {
			return KeyRing{}, fmt.Errorf("parse key ring: entry %d: key id %q appears twice", i+1, id)
		}
		seen[id] = true
		secret, ok := decodeKey(enc)
		if !ok {
			return KeyRing{}, fmt.Errorf("parse key ring: key %q: want %d bytes in base64", id, KeySize)
		}
		k, err := newRingKey(id, secret)
		if err != nil {
			return KeyRing{}, fmt.Errorf("parse key ring: key %q: %w", id, err)
		}
		r.keys = append(r.keys, k)
	}
	return KeyRing{r: r}, nil
}

// GenerateKey returns a fresh ring entry "id:base64key" with a random key,
// to put in front of SHISHI_DATA_KEYS.
func GenerateKey(id string) (string, error) {
	if !validKeyID(id) {
		return "", fmt.Errorf("generate key: key id must be 1 to 32 letters, digits, '.', '_' or '-'")
	}
	key := make([]byte, KeySize)
	rand.Read(key) // never fails since Go 1.24: it crashes the program instead
	return id + ":" + base64.StdEncoding.EncodeToString(key), nil
}

func validKeyID(id string) bool {
	if len(id) == 0 || len(id) > 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// decodeKey accepts the base64 forms people paste: openssl and coreutils
// write padded standard base64, Go's URL encodings are common too.
func decodeKey(s string) ([]byte, bool) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, len(b) == KeySize
		}
	}
	return nil, false
}

func newRingKey(id string, key []byte) (ringKey, error) {
	secret := (*[KeySize]byte)(key)
	sub, err := hkdf.Key(sha256.New, secret[:], nil, sealInfo, KeySize)
	if err != nil {
		return ringKey{}, err
	}
	block, err := aes.NewCipher(sub)
	if err != nil {
		return ringKey{}, err
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return ringKey{}, err
	}
	return ringKey{id: id, secret: secret, aead: aead}, nil
}

// Current returns the id of the key new values are sealed with; "" for an
// empty ring.
func (k KeyRing) Current() string {
	if k.r == nil {
		return ""
	}
	return k.r.keys[0].id
}

// IDs returns the key ids, current first.
func (k KeyRing) IDs() []string {
	if k.r == nil {
		return nil
	}
	ids := make([]string, len(k.r.keys))
	for i, key := range k.r.keys {
		ids[i] = key.id
	}
	return ids
}

func (k KeyRing) find(id string) (ringKey, bool) {
	if k.r == nil {
		return ringKey{}, false
	}
	for _, key := range k.r.keys {
		if key.id == id {
			return key, true
		}
	}
	return ringKey{}, false
}

// Seal encrypts plaintext with the current key and returns
// "keyid:" + base64url(nonce || ciphertext || tag), unpadded, ready for a
// text column.
//
// associatedData is authenticated but not stored: pass what identifies the
// value's place, such as AssociatedData("refund", "phone", rowID), and pass
// the same to Open. A value copied into another row or column then fails to
// open instead of showing one person's phone number on another's record.
func (k KeyRing) Seal(plaintext, associatedData []byte) (string, error) {
	if k.r == nil {
		return "", fmt.Errorf("seal: %w", ErrNoKeys)
	}
	key := k.r.keys[0]
	sealed := key.aead.Seal(nil, nil, plaintext, associatedData)
	return key.id + ":" + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// Open decrypts a value made by Seal under any key of the ring, so rows
// sealed before a rotation stay readable. associatedData must be what was
// passed to Seal. Errors wrap ErrUnknownKey, ErrMalformed or ErrDecrypt and
// never contain the value.
func (k KeyRing) Open(s string, associatedData []byte) ([]byte, error) {
	id, enc, ok := strings.Cut(s, ":")
	if !ok || !validKeyID(id) {
		return nil, fmt.Errorf("open: %w", ErrMalformed)
	}
	key, ok := k.find(id)
	if !ok {
		return nil, fmt.Errorf("open: key %q: %w", id, ErrUnknownKey)
	}
	// Strict: one sealed value has one text form. The decoder skips CR and
	// LF even in strict mode, so they are refused first (found by FuzzOpen).
	if strings.ContainsAny(enc, "\r\n") {
		return nil, fmt.Errorf("open: %w", ErrMalformed)
	}
	sealed, err := base64.RawURLEncoding.Strict().DecodeString(enc)
	if err != nil || len(sealed) < key.aead.Overhead() {
		return nil, fmt.Errorf("open: %w", ErrMalformed)
	}
	plaintext, err := key.aead.Open(nil, nil, sealed, associatedData)
	if err != nil {
		return nil, fmt.Errorf("open: key %q: %w", id, ErrDecrypt)
	}
	return plaintext, nil
}

// NeedsRotation reports whether s was sealed with a key other than the
// current one and should be opened and sealed again (step 2 of the rotation
// in the package documentation). A value without a key id is malformed, not
// due for rotation: it reports false.
func (k KeyRing) NeedsRotation(s string) bool {
	id, _, ok := strings.Cut(s, ":")
	return ok && validKeyID(id) && id != k.Current()
}

// AssociatedData builds the associated data that binds a sealed value to its
// place, such as table "refund", column "phone" and the row's key. Each part
// is length-prefixed, so ("a:b", "c") and ("a", "b:c") differ.
func AssociatedData(parts ...string) []byte {
	var b []byte
	for _, p := range parts {
		b = fmt.Appendf(b, "%d:%s;", len(p), p)
	}
	return b
}

// String lists the key ids, current first; never key material.
func (k KeyRing) String() string {
	return "KeyRing[" + strings.Join(k.IDs(), ",") + "]"
}

// GoString is String, for %#v.
func (k KeyRing) GoString() string { return "personal." + k.String() }

// Format prints the key ids whatever the verb.
func (k KeyRing) Format(f fmt.State, verb rune) { formatMasked(f, verb, k.GoString(), k.String()) }

// LogValue makes slog print the key ids.
func (k KeyRing) LogValue() slog.Value {
	return slog.GroupValue(slog.String("current", k.Current()), slog.Any("ids", k.IDs()))
}
