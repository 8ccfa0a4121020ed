package personal

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// Test keys: bytes 0..31 and 32..63 in standard base64, 200..231 in
// unpadded URL-safe base64.
const (
	key1 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	key2 = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="
	key3 = "yMnKy8zNzs_Q0dLT1NXW19jZ2tvc3d7f4OHi4-Tl5uc"
)

func mustRing(t testing.TB, s string) KeyRing {
	t.Helper()
	r, err := ParseKeyRing(s)
	if err != nil {
		t.Fatalf("ParseKeyRing: %v", err)
	}
	return r
}

func TestParseKeyRing(t *testing.T) {
	r := mustRing(t, " k2:"+key2+",\n  k1:"+key1+" ,k3:"+key3)
	if r.Current() != "k2" || strings.Join(r.IDs(), ",") != "k2,k1,k3" {
		t.Errorf("Current %q, IDs %v", r.Current(), r.IDs())
	}
	bad := []struct{ in, want string }{
		{"", "empty"},
		{"   ", "empty"},
		{"k1" + key1, "entry 1: want id:base64key"},
		{"k1:" + key1 + ",", "entry 2: want id:base64key"},
		{":" + key1, "entry 1: key id"},
		{"k 1:" + key1, "entry 1: key id"},
		{"k1:" + key1 + ",k1:" + key2, `entry 2: key id "k1" appears twice`},
		{"k1:c2hvcnQ=", `key "k1": want 32 bytes`},
		{"k1:" + key1 + "AAAA", `key "k1": want 32 bytes`},
		{"k1:not*base64*at*all*not*base64*at*all*not*", `key "k1": want 32 bytes`},
		{strings.Repeat("k", 33) + ":" + key1, "entry 1: key id"},
	}
	for _, tc := range bad {
		_, err := ParseKeyRing(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseKeyRing(%q) = %v, want error containing %q", tc.in, err, tc.want)
			continue
		}
		for _, k := range []string{key1, key2, "c2hvcnQ", "not*base64"} {
			if strings.Contains(err.Error(), k) {
				t.Errorf("error %q contains key material", err)
			}
		}
	}
}

func TestGenerateKey(t *testing.T) {
	a, err := GenerateKey("k9")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := GenerateKey("k8")
	r := mustRing(t, a+","+b)
	if r.Current() != "k9" || a[3:] == b[3:] {
		t.Errorf("GenerateKey: %v", r)
	}
	if _, err := GenerateKey("bad id"); err == nil {
		t.Error("GenerateKey accepted a bad id")
	}
}

func TestSealOpen(t *testing.T) {
	r := mustRing(t, "k1:"+key1)
	ad := AssociatedData("refund", "phone", "42")
	for _, plain := range []string{"13800138000", "北京市东城区某街道1号", ""} {
		s, err := r.Seal([]byte(plain), ad)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(s, "k1:") || strings.ContainsAny(s[3:], "+/=:") || strings.Contains(s, plain) && plain != "" {
			t.Errorf("sealed form %q", s)
		}
		got, err := r.Open(s, ad)
		if err != nil || string(got) != plain {
			t.Errorf("Open = %q, %v; want %q", got, err, plain)
		}
		again, _ := r.Seal([]byte(plain), ad)
		if again == s {
			t.Error("two seals of the same value are equal: nonce reused")
		}
	}
}

// TestAssociatedDataBindsRow moves a sealed phone number to another row and
// to another column: it must not open there.
func TestAssociatedDataBindsRow(t *testing.T) {
	r := mustRing(t, "k1:"+key1)
	s, err := r.Seal([]byte("13800138000"), AssociatedData("refund", "phone", "42"))
	if err != nil {
		t.Fatal(err)
	}
	for _, ad := range [][]byte{
		AssociatedData("refund", "phone", "43"),
		AssociatedData("refund", "address", "42"),
		AssociatedData("donor", "phone", "42"),
		AssociatedData("refund", "phone", "4", "2"),
		nil,
	} {
		if got, err := r.Open(s, ad); !errors.Is(err, ErrDecrypt) || got != nil {
			t.Errorf("Open with %q = %q, %v; want ErrDecrypt", ad, got, err)
		}
	}
	if bytes.Equal(AssociatedData("a:b", "c"), AssociatedData("a", "b:c")) {
		t.Error("AssociatedData is ambiguous")
	}
}

func TestRotation(t *testing.T) {
	old := mustRing(t, "k1:"+key1)
	ad := AssociatedData("donor", "address", "7")
	s1, _ := old.Seal([]byte("old address"), ad)

	rotated := mustRing(t, "k2:"+key2+",k1:"+key1)
	if old.NeedsRotation(s1) || !rotated.NeedsRotation(s1) {
		t.Error("NeedsRotation before/after adding k2")
	}
	got, err := rotated.Open(s1, ad)
	if err != nil || string(got) != "old address" {
		t.Fatalf("old row unreadable after rotation: %q, %v", got, err)
	}
	s2, _ := rotated.Seal(got, ad)
	if !strings.HasPrefix(s2, "k2:") || rotated.NeedsRotation(s2) {
		t.Errorf("re-sealed %q still needs rotation", s2)
	}

	dropped := mustRing(t, "k2:"+key2)
	if _, err := dropped.Open(s1, ad); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Open after dropping k1: %v, want ErrUnknownKey", err)
	}
	if got, err := dropped.Open(s2, ad); err != nil || string(got) != "old address" {
		t.Errorf("re-sealed row after dropping k1: %q, %v", got, err)
	}
	if rotated.NeedsRotation("garbage") || rotated.NeedsRotation("") {
		t.Error("malformed values reported as due for rotation")
	}

	// A key id names a key: the same id with another key does not open.
	impostor := mustRing(t, "k1:"+key2)
	if _, err := impostor.Open(s1, ad); !errors.Is(err, ErrDecrypt) {
		t.Errorf("Open with another key under the same id: %v", err)
	}
}

func TestOpenMalformed(t *testing.T) {
	r := mustRing(t, "k1:"+key1)
	good, _ := r.Seal([]byte("x"), nil)
	for _, s := range []string{
		"", "k1", "k1:", ":abc", "k 1:abc", "k1:!!!!", "k1:" + good[3:] + "=", "k1:AAAA",
		good[:len(good)-1], good + "A", " " + good,
	} {
		if got, err := r.Open(s, nil); err == nil || got != nil {
			t.Errorf("Open(%q) = %q, %v", s, got, err)
		} else if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrDecrypt) {
			t.Errorf("Open(%q): %v, want ErrMalformed or ErrDecrypt", s, err)
		}
	}
	var empty KeyRing
	if _, err := empty.Seal([]byte("x"), nil); !errors.Is(err, ErrNoKeys) {
		t.Errorf("Seal with empty ring: %v", err)
	}
	if _, err := empty.Open(good, nil); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Open with empty ring: %v", err)
	}
}

// TestKeyRingNeverPrinted: a config struct holding the ring may be logged
// whole; the keys must not come out.
func TestKeyRingNeverPrinted(t *testing.T) {
	r := mustRing(t, "k2:"+key2+",k1:"+key1)
	h, err := NewHasher(r)
	if err != nil {
		t.Fatal(err)
	}
	type config struct {
		Keys   KeyRing
		keys   KeyRing
		hasher *Hasher
		Hasher *Hasher
	}
	c := config{r, r, h, h}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("start", "config", c, "keys", r, "hasher", h)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("start", "config", c, "keys", r, "hasher", h)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x"} {
		fmt.Fprintf(&buf, verb+"\n", c)
		fmt.Fprintf(&buf, verb+"\n", r)
		fmt.Fprintf(&buf, verb+"\n", h)
	}
	out := buf.String()
	// Key bytes 0..31 would show as "[0 1 2 3" or as a run of hex.
	for _, leak := range []string{"[0 1 2 3", "[32 33 34", "000102030405", "202122232425", "AAECAwQF", "ICEiIyQl"} {
		if strings.Contains(out, leak) {
			t.Errorf("key material printed (%s):\n%s", leak, out)
		}
	}
	if !strings.Contains(out, "KeyRing[k2,k1]") || !strings.Contains(out, "Hasher[k2,k1]") {
		t.Errorf("key ids not printed:\n%s", out)
	}
}

// knownSealed was sealed once under key1 with AssociatedData("t", "1"), so
// the fuzz target has a value that must open.
const knownSealed = "k1:5jxipKoxWhehmoq5aPbAFplr021ntPcnicQc9tFB1PVSmWevgiOn"

func FuzzOpen(f *testing.F) {
	r := mustRing(f, "k2:"+key2+",k1:"+key1)
	ad := AssociatedData("t", "1")
	if got, err := r.Open(knownSealed, ad); err != nil || string(got) != "13800138000" {
		f.Fatalf("known sealed value: %q, %v", got, err)
	}
	for _, s := range []string{knownSealed, "k1:", "k2:AAAA", ":", "", "k3:" + knownSealed[3:], knownSealed[:20]} {
		f.Add(s, []byte("1:t;1:1;"))
		f.Add(s, []byte(nil))
	}
	f.Fuzz(func(t *testing.T, s string, ad []byte) {
		got, err := r.Open(s, ad)
		if err == nil {
			// Only the known value authenticates, and only with its
			// associated data. (A value sealed here would differ in every
			// fuzz worker: nonces are random.)
			if s != knownSealed || !bytes.Equal(ad, AssociatedData("t", "1")) || string(got) != "13800138000" {
				t.Fatalf("Open(%q, %q) succeeded: %q", s, ad, got)
			}
			return
		}
		if got != nil {
			t.Fatal("plaintext returned with an error")
		}
		if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrDecrypt) && !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("unexpected error %v", err)
		}
	})
}

func BenchmarkSeal(b *testing.B) {
	r := mustRing(b, "k1:"+key1)
	plain := []byte("13800138000")
	ad := AssociatedData("refund", "phone", "42")
	for b.Loop() {
		if _, err := r.Seal(plain, ad); err != nil {
			b.Fatal(err)
		}
	}
}
