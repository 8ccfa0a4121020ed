package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/web"
)

// tokenID finds the token ID in the issue command's description.
var tokenID = regexp.MustCompile(`token ([0-9a-f]{32}) issued`)

// TestTokenCommands: a token issued from the shell is checked against its
// owner, authenticates against the web server within its region and
// rights and nowhere else, is listed without its secret, and stops
// working once revoked; issue and revoke are audited.
func TestTokenCommands(t *testing.T) {
	ctx := context.Background()
	for name, env := range stores(t) {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "医院.csv")
			os.WriteFile(file, []byte(hospitalsCSV), 0o644)
			if code, _, errs := cli(t, env, "import", "hospitals", file); code != 0 {
				t.Fatal(errs)
			}
			if code, _, errs := cli(t, env, "user", "add", "zhao", "--role", "prefecture_supervisor", "--region", "410100"); code != 0 {
				t.Fatal(errs)
			}
			if code, _, errs := cli(t, env, "user", "add", "sun", "--role", "doctor", "--institution", "H001"); code != 0 {
				t.Fatal(errs)
			}

			fails := []struct {
				args []string
				msg  string
			}{
				{[]string{"zhao", "--rights", "write_facilities"}, "write_facilities is not a right of prefecture_supervisor"},
				{[]string{"zhao", "--rights", "read_facilities,manage_tokens"}, "manage_tokens is never given to tokens"},
				{[]string{"zhao", "--rights", "read_facilities", "--region", "440000"}, "region 440000 outside 410100"},
				{[]string{"zhao", "--rights", "read_facilities", "--region", "419999"}, "unknown region code"},
				{[]string{"zhao", "--rights", "read_facilities", "--expires", "400d"}, "expiry must be within 366 days"},
				{[]string{"zhao", "--rights", "read_facilities", "--expires", "soon"}, "--expires"},
				{[]string{"zhao", "--rights", "fly"}, "no such right"},
				{[]string{"sun", "--rights", "read_facilities"}, "doctor may not create tokens"},
				{[]string{"nobody", "--rights", "read_facilities"}, `no user "nobody"`},
			}
			for _, f := range fails {
				args := append([]string{"token", "issue", "--name", "test"}, f.args...)
				if code, out, errs := cli(t, env, args...); code != exitFailure || !strings.Contains(errs, f.msg) || out != "" {
					t.Errorf("%v: %d %q %s, want %q", f.args, code, out, errs, f.msg)
				}
			}

			code, out, errs := cli(t, env, "token", "issue", "zhao", "--name", "中牟县上报脚本", "--rights", "read_facilities,export",
				"--region", "410122", "--expires", "90d")
			secret := strings.TrimSpace(out)
			m := tokenID.FindStringSubmatch(errs)
			if code != 0 || !strings.HasPrefix(secret, auth.APITokenPrefix) || strings.Count(out, "\n") != 1 || m == nil ||
				!strings.Contains(errs, "read_facilities,export, 410122 中牟县, expires 2026-03-31 20:00 CST") {
				t.Fatalf("issue: %d %q %s", code, out, errs)
			}
			id := m[1]
			st := openStore(t, env)
			tok, err := st.APITokenByID(ctx, id)
			if err != nil || tok.Hash != auth.HashToken(secret) || tok.Region != "410122" || len(tok.Rights) != 2 {
				t.Fatalf("stored token: %v %+v", err, tok)
			}

			h := web.New(web.Config{Store: st, Tree: mustTree(t), Now: func() time.Time { return testNow }, UploadDir: t.TempDir()}).Handler()
			get := func(path string) (int, string) {
				r := httptest.NewRequest(http.MethodGet, path, nil)
				r.Header.Set("Authorization", "Bearer "+secret)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				return w.Code, w.Body.String()
			}
			if code, body := get("/api/hospitals?region=410122"); code != 200 || !strings.Contains(body, `"H001"`) || strings.Contains(body, `"H002"`) {
				t.Errorf("in scope: %d %s", code, body)
			}
			for _, path := range []string{
				"/api/hospitals?region=410102", // in the owner's scope, outside the token's region
				"/api/hospitals?region=440000", // outside the owner's scope
				"/api/hospitals/H002",
				"/api/regions/410122", // read_aggregates: the owner's, not the token's
			} {
				if code, body := get(path); code != http.StatusNotFound {
					t.Errorf("%s: %d %s, want 404", path, code, body)
				}
			}

			code, out, errs = cli(t, env, "token", "list", "zhao")
			if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "中牟县上报脚本") || !strings.Contains(out, "active") ||
				!strings.Contains(out, "2025-12-31 20:00") || strings.Contains(out, secret) || strings.Contains(out, tok.Hash) {
				t.Errorf("list: %d %s %s", code, out, errs)
			}

			if code, out, errs := cli(t, env, "token", "revoke", id); code != 0 || !strings.Contains(out, "revoked") {
				t.Fatalf("revoke: %d %s %s", code, out, errs)
			}
			if code, body := get("/api/hospitals?region=410122"); code != http.StatusUnauthorized {
				t.Errorf("revoked: %d %s, want 401", code, body)
			}
			if code, out, _ := cli(t, env, "token", "revoke", id); code != 0 || !strings.Contains(out, "nothing changed") {
				t.Errorf("revoke twice: %d %s", code, out)
			}
			if code, _, errs := cli(t, env, "token", "revoke", secret); code != exitFailure || !strings.Contains(errs, "no token") {
				t.Errorf("revoke by secret: %d %s", code, errs)
			}
			if code, out, _ := cli(t, env, "token", "list"); code != 0 || !strings.Contains(out, "revoked 2025-12-31 20:00") || !strings.Contains(out, "zhao") {
				t.Errorf("list all: %d %s", code, out)
			}

			for action, want := range map[audit.Action]string{audit.TokenIssued: `"revoked_at"`, audit.TokenRevoked: ""} {
				es, _, err := st.AuditEntries(ctx, store.AuditQuery{Action: action})
				if err != nil || len(es) != 1 {
					t.Fatalf("%s entries: %v %d", action, err, len(es))
				}
				e := es[0]
				all := string(e.Before) + string(e.After)
				if !strings.HasPrefix(e.Actor, "cli:") || e.Region != "410122" || e.Object != "users/zhao/tokens/"+id ||
					strings.Contains(all, secret) || strings.Contains(all, tok.Hash) || !strings.Contains(all, `"rights":["read_facilities","export"]`) {
					t.Errorf("%s entry: %+v %s", action, e, all)
				}
				if want != "" && strings.Contains(all, want) {
					t.Errorf("%s entry holds %s: %s", action, want, all)
				}
			}
			if code, out, _ := cli(t, env, "audit", "verify"); code != 0 || !strings.HasPrefix(out, "audit trail intact") {
				t.Errorf("verify: %d %s", code, out)
			}
		})
	}
}

func TestParseExpiry(t *testing.T) {
	for in, want := range map[string]string{
		"90d":        "2026-03-31T12:00:00Z",
		"36h":        "2026-01-02T00:00:00Z",
		"2026-06-30": "2026-06-30T16:00:00Z", // end of the day in China
	} {
		got, err := parseExpiry(in, testNow)
		if err != nil || got.UTC().Format(time.RFC3339) != want {
			t.Errorf("parseExpiry(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0d", "-3d", "-1h", "tomorrow", "2026-13-01"} {
		if _, err := parseExpiry(in, testNow); err == nil {
			t.Errorf("parseExpiry(%q) succeeded", in)
		}
	}
}
