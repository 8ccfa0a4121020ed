package auth

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// cheap are parameters for tests that hash many times.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

var phc = regexp.MustCompile(`^\$argon2id\$v=19\$m=65536,t=3,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashPassword(t *testing.T) {
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !phc.MatchString(h) {
		t.Errorf("hash %q is not a PHC argon2id string with the default parameters", h)
	}
	if NeedsRehash(h) {
		t.Error("a fresh default hash needs rehash")
	}
	for pw, want := range map[string]bool{"correct horse battery staple": true, "correct horse battery stapl": false, "": false} {
		ok, err := CheckPassword(h, pw)
		if err != nil || ok != want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	h2, _ := HashPassword("correct horse battery staple")
	if h2 == h {
		t.Error("two hashes of one password are equal: salt not random")
	}
}

// TestCheckPasswordReference checks interoperability with the reference C
// implementation: echo -n password | argon2 somesalt -id -t 2 -m 16 -p 4 -l 32 -e.
func TestCheckPasswordReference(t *testing.T) {
	const ref = "$argon2id$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$GpZ3sK/oH9p7VIiV56G/64Zo/8GaUw434IimaPqxwCo"
	ok, err := CheckPassword(ref, "password")
	if err != nil || !ok {
		t.Fatalf("reference vector: %v, %v", ok, err)
	}
	if ok, _ := CheckPassword(ref, "Password"); ok {
		t.Error("reference vector matches a wrong password")
	}
	if !NeedsRehash(ref) {
		t.Error("t=2,p=4 hash does not need rehash")
	}
}

func TestNeedsRehash(t *testing.T) {
	h, err := HashPasswordWith(cheap, "some password 1")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := CheckPassword(h, "some password 1"); !ok || err != nil {
		t.Fatalf("cheap hash: %v, %v", ok, err)
	}
	if !NeedsRehash(h) || !NeedsRehash("garbage") {
		t.Error("NeedsRehash false for weak or unreadable hash")
	}
}

func TestMalformedHash(t *testing.T) {
	salt, key := "c29tZXNhbHQ", "GpZ3sK/oH9p7VIiV56G/64Zo/8GaUw434IimaPqxwCo"
	bad := []string{
		"",
		"plain",
		"$argon2i$v=19$m=65536,t=2,p=4$" + salt + "$" + key,
		"$argon2id$v=16$m=65536,t=2,p=4$" + salt + "$" + key,
		"$argon2id$m=65536,t=2,p=4$" + salt + "$" + key,
		"$argon2id$v=19$m=4194304,t=2,p=4$" + salt + "$" + key, // 4 GiB
		"$argon2id$v=19$m=65536,t=0,p=4$" + salt + "$" + key,
		"$argon2id$v=19$m=65536,t=1000,p=4$" + salt + "$" + key,
		"$argon2id$v=19$m=65536,t=2,p=0$" + salt + "$" + key,
		"$argon2id$v=19$m=65536,t=2,p=300$" + salt + "$" + key,
		"$argon2id$v=19$m=065536,t=2,p=4$" + salt + "$" + key,
		"$argon2id$v=19$m=65536,t=2,p=4,x=1$" + salt + "$" + key,
		"$argon2id$v=19$m=65536,t=2,p=4$" + salt + "==$" + key,
		"$argon2id$v=19$m=65536,t=2,p=4$c2FsdA$" + key, // 4-byte salt
		"$argon2id$v=19$m=65536,t=2,p=4$" + salt + "$AAAA",
		"$argon2id$v=19$m=65536,t=2,p=4$" + salt + "$" + key + "$",
	}
	for _, h := range bad {
		ok, err := CheckPassword(h, "password")
		if ok || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("CheckPassword(%q) = %v, %v; want ErrMalformedHash", h, ok, err)
		}
	}
	if _, err := HashPasswordWith(Params{}, "x"); err == nil {
		t.Error("HashPasswordWith zero params succeeded")
	}
	if _, err := HashPasswordWith(cheap, strings.Repeat("x", 2000)); err == nil {
		t.Error("HashPasswordWith accepted a 2,000-byte password")
	}
}

func TestCheckNoUser(t *testing.T) {
	if CheckNoUser("anything") {
		t.Error("CheckNoUser returned true")
	}
	if _, _, _, err := decodeHash(dummyHash); err != nil {
		t.Errorf("dummy hash unreadable: %v", err)
	}
}

func TestPasswordPolicy(t *testing.T) {
	cases := []struct {
		pw, user string
		ok       bool
		zh       string
	}{
		{"Tr0ub4dor&3x", "zhangsan", true, ""},
		{"correct horse battery staple", "zhangsan", true, ""}, // letters and spaces
		{"长城长江黄河泰山华山衡山12", "li", true, ""},                     // Chinese characters count one each
		{"short1A!", "zhangsan", false, "至少"},
		{"abcdefghijkl", "zhangsan", false, "一类"},
		{"123456789012", "zhangsan", false, "一类"},
		{"长城长江黄河泰山华山衡山恒山", "li", false, "一类"},
		{"ZhangSan2025!", "zhangsan", false, "用户名"},
		{"zhangsan1234", "ZhangSan", false, "用户名"},
		{"li-1234567890", "li", true, ""}, // a two-letter username may occur by chance
		{"li", "li", false, "至少"},
		{strings.Repeat("aB", 600), "x", false, "过长"},
		{"abcdefghijk\xff", "x", false, "无效"},
	}
	for _, c := range cases {
		err := CheckPasswordPolicy(c.pw, c.user)
		if (err == nil) != c.ok {
			t.Errorf("CheckPasswordPolicy(%q, %q) = %v, want ok=%v", c.pw, c.user, err, c.ok)
			continue
		}
		if err == nil {
			continue
		}
		var pe *PolicyError
		if !errors.As(err, &pe) || !strings.Contains(pe.Msg.In("zh-CN"), c.zh) || pe.Msg.In("en") == "" || pe.Msg.In("en") == pe.Msg.In("zh") {
			t.Errorf("CheckPasswordPolicy(%q): message %+v, want zh containing %q and an English text", c.pw, err, c.zh)
		}
	}
}

func TestOneTimePassword(t *testing.T) {
	shape := regexp.MustCompile(`^([` + otpAlphabet + `]{4}-){4}[` + otpAlphabet + `]{4}$`)
	seen := map[string]bool{}
	for range 200 {
		pw := NewOneTimePassword()
		if !shape.MatchString(pw) || len(pw) < 20 {
			t.Fatalf("one-time password %q has the wrong shape", pw)
		}
		if err := CheckPasswordPolicy(pw, "admin"); err != nil {
			t.Fatalf("one-time password %q fails the policy: %v", pw, err)
		}
		if seen[pw] {
			t.Fatalf("one-time password %q repeated", pw)
		}
		seen[pw] = true
	}
	for _, c := range "0O1lI5SZ2oszB" {
		if strings.ContainsRune(otpAlphabet, c) {
			t.Errorf("alphabet holds look-alike %q", c)
		}
	}
}

func TestFirstAdministrator(t *testing.T) {
	tr := loadTree(t)
	u, pw, err := NewFirstAdministrator(" Admin ", fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	if u.Username != "admin" || u.Role != Administrator || !u.MustChange || u.ID == "" {
		t.Errorf("first administrator %+v", u)
	}
	if err := u.Principal().Validate(tr); err != nil {
		t.Error(err)
	}
	if ok, _ := CheckPassword(u.PasswordHash, pw); !ok {
		t.Error("one-time password does not match the stored hash")
	}
	if u.Principal().Role.Has(ReadPersonal) {
		t.Error("the first administrator can read personal data")
	}
}

func TestNormalizeUsername(t *testing.T) {
	good := map[string]string{" ZhangSan ": "zhangsan", "张三": "张三", "li.si-2@hb": "li.si-2@hb", "ab": "ab"}
	for in, want := range good {
		if got, err := NormalizeUsername(in); err != nil || got != want {
			t.Errorf("NormalizeUsername(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "a", "-ab", "a b", "a/b", "a'b", strings.Repeat("x", 65), "a\x00b"} {
		if got, err := NormalizeUsername(in); err == nil {
			t.Errorf("NormalizeUsername(%q) = %q, want an error", in, got)
		}
	}
}

// BenchmarkHashPassword measures one argon2id hash at 64 MiB and 2 lanes
// with 1 and 3 passes: the numbers behind DefaultParams. On the 2-core
// reference server t=1 takes about 61 ms and t=3 about 173 ms.
func BenchmarkHashPassword(b *testing.B) {
	for _, tm := range []uint32{1, 3} {
		p := DefaultParams
		p.Time = tm
		b.Run(fmt.Sprintf("m=64MiB,t=%d,p=2", tm), func(b *testing.B) {
			for b.Loop() {
				if _, err := HashPasswordWith(p, "correct horse battery staple"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCheckPasswordParallel measures logins hashing at once on all
// cores: the throughput a login burst gets.
func BenchmarkCheckPasswordParallel(b *testing.B) {
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			CheckPassword(h, "correct horse battery staple")
		}
	})
}
