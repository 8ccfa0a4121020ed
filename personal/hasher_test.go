package personal

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
)

func TestHasher(t *testing.T) {
	h, err := NewHasher(mustRing(t, "k1:"+key1))
	if err != nil {
		t.Fatal(err)
	}
	a := mustID(t, "110101190001010014")
	b := mustID(t, " 110101190001010014 ")
	c := mustID(t, "110101200002290026")

	ha := h.Hash(a)
	if ha != h.Hash(b) {
		t.Error("same number, different hashes")
	}
	if ha == h.Hash(c) {
		t.Error("different numbers, same hash")
	}
	id, sum, ok := strings.Cut(ha, ":")
	raw, err := base64.RawURLEncoding.DecodeString(sum)
	if !ok || id != "k1" || err != nil || len(raw) != sha256.Size {
		t.Errorf("hash form %q", ha)
	}
	if strings.Contains(ha, a.Full()) {
		t.Error("hash contains the number")
	}
	// Not a plain SHA-256 of the number, nor HMAC under the ring key itself
	// (the subkey is derived).
	plain := sha256.Sum256([]byte(a.Full()))
	if sum == base64.RawURLEncoding.EncodeToString(plain[:]) {
		t.Error("hash is a plain SHA-256")
	}
	if h.Hash(IDNumber{}) != "" || h.Hashes(IDNumber{}) != nil {
		t.Error("zero IDNumber hashes to something")
	}

	// Another key, another hash; the same key under another ring, the same.
	other, _ := NewHasher(mustRing(t, "k1:"+key2))
	if other.Hash(a) == ha {
		t.Error("hash does not depend on the key")
	}
	same, _ := NewHasher(mustRing(t, "k1:"+key1+",k0:"+key2))
	if same.Hash(a) != ha {
		t.Error("hash depends on more than the current key")
	}

	if _, err := NewHasher(KeyRing{}); err == nil {
		t.Error("NewHasher accepted an empty ring")
	}
}

// TestHasherIsStable pins the hash of the worked example (checked against an
// independent HKDF + HMAC computation in Python): the store keeps
// these hashes, so a change here makes every stored person unfindable.
func TestHasherIsStable(t *testing.T) {
	h, _ := NewHasher(mustRing(t, "k1:"+key1))
	const want = "k1:pla7SFLRSS9WWR7siy8o1kvKt8ervkeIww6F8TfGY1I"
	if got := h.Hash(mustID(t, "110101190001010014")); got != want {
		t.Errorf("Hash = %q, want %q", got, want)
	}
}

func TestHasherRotation(t *testing.T) {
	n := mustID(t, "12010119010101003X")
	old, _ := NewHasher(mustRing(t, "k1:"+key1))
	stored := old.Hash(n)

	h, _ := NewHasher(mustRing(t, "k2:"+key2+",k1:"+key1))
	if !h.NeedsRotation(stored) || h.NeedsRotation(h.Hash(n)) || old.NeedsRotation(stored) {
		t.Error("NeedsRotation")
	}
	all := h.Hashes(n)
	if len(all) != 2 || all[0] != h.Hash(n) || all[1] != stored {
		t.Errorf("Hashes = %v, want [current, %s]", all, stored)
	}
}

func BenchmarkHash(b *testing.B) {
	h, err := NewHasher(mustRing(b, "k1:"+key1))
	if err != nil {
		b.Fatal(err)
	}
	n := mustID(b, "110101190001010014")
	for b.Loop() {
		h.Hash(n)
	}
}
