package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/demo"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
)

// testNow is the clock of cli.
var testNow = time.Date(2025, 12, 31, 12, 0, 0, 0, time.UTC)

// cliIn is cli with stdin.
func cliIn(t *testing.T, env map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errw bytes.Buffer
	e := &cliEnv{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errw,
		getenv: func(k string) string { return env[k] }, now: func() time.Time { return testNow }}
	code = e.dispatch(context.Background(), args)
	return code, out.String(), errw.String()
}

// openStore opens the store the CLI uses under env, for checking what it
// wrote.
func openStore(t *testing.T, env map[string]string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), store.Config{URL: env["SHISHI_DB"], DataDir: env["SHISHI_DATA_DIR"]})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// syncBuffer is a bytes.Buffer that serve may write while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func mustTree(t *testing.T) *region.Tree {
	t.Helper()
	tr, err := region.Load()
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// oneTimePassword finds the one-time passwords printed in out.
var oneTimePassword = regexp.MustCompile(`[3-9a-zA-Z]{4}(-[3-9a-zA-Z]{4}){4}`)

// serveUntilReady runs serve with the extra arguments until /healthz
// answers, stops it and returns what it wrote on stderr.
func serveUntilReady(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int)
	var errw syncBuffer
	go func() {
		e := &cliEnv{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &errw,
			getenv: func(k string) string { return env[k] }, now: time.Now}
		done <- e.dispatch(ctx, append([]string{"serve", "--addr", addr}, args...))
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s", code, errw.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no /healthz: %v\n%s", err, errw.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, errw.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not shut down")
	}
	return errw.String()
}

// TestFirstAdministrator: the first start creates admin and shows its
// one-time password once, on the console and not in a log line; the
// password works and must be changed; later starts show nothing.
func TestFirstAdministrator(t *testing.T) {
	for name, env := range stores(t) {
		t.Run(name, func(t *testing.T) {
			first := serveUntilReady(t, env)
			if !strings.Contains(first, "首次启动：管理员 admin 的一次性密码") || !strings.Contains(first, "仅显示这一次") {
				t.Fatalf("first start shows no one-time password:\n%s", first)
			}
			pws := oneTimePassword.FindAllString(first, -1)
			if len(pws) != 2 || pws[0] != pws[1] || strings.Count(first, "首次启动") != 1 {
				t.Fatalf("want one box with the password (zh and en lines), got %q:\n%s", pws, first)
			}
			for _, line := range strings.Split(first, "\n") {
				if strings.HasPrefix(line, "time=") && strings.Contains(line, pws[0]) {
					t.Errorf("password in a log line: %s", line)
				}
			}
			st := openStore(t, env)
			u, err := st.UserByUsername(context.Background(), "admin")
			if err != nil {
				t.Fatal(err)
			}
			if ok, _ := auth.CheckPassword(u.PasswordHash, pws[0]); !ok || !u.MustChange || u.Role != auth.Administrator || u.Region != "000000" {
				t.Errorf("admin: password ok %v, %+v", ok, u)
			}
			es, _, err := st.AuditEntries(context.Background(), store.AuditQuery{Action: audit.UserChanged})
			if err != nil || len(es) != 1 || es[0].Actor != "system" || es[0].Object != "users/admin" || strings.Contains(string(es[0].After), "argon2") {
				t.Errorf("audit of the first administrator: %v %+v", err, es)
			}
			second := serveUntilReady(t, env)
			if strings.Contains(second, "首次启动") || oneTimePassword.MatchString(second) {
				t.Errorf("second start shows a password:\n%s", second)
			}
			if code, out, errs := cli(t, env, "user", "list"); code != 0 || strings.Contains(errs, "首次启动") || !strings.Contains(out, "admin") {
				t.Errorf("user list after first start: %d %s %s", code, out, errs)
			}
			if n, _ := st.CountUsers(context.Background()); n != 1 {
				t.Errorf("%d users, want 1", n)
			}
		})
	}
}

func TestUserCommands(t *testing.T) {
	ctx := context.Background()
	for name, env := range stores(t) {
		t.Run(name, func(t *testing.T) {
			// The first user command on an empty store creates admin too.
			code, out, errs := cli(t, env, "user", "add", "Zhang", "--role", "county_supervisor", "--region", "410122", "--display-name", "张三")
			if code != 0 || !strings.Contains(out, "user zhang created") || !strings.Contains(errs, "首次启动：管理员 admin") ||
				!strings.Contains(errs, "用户 zhang 的一次性密码") {
				t.Fatalf("user add: %d %s %s", code, out, errs)
			}
			pws := oneTimePassword.FindAllString(errs, -1)
			if len(pws) != 4 {
				t.Fatalf("passwords shown: %q", pws)
			}
			zhangPW := pws[2]
			st := openStore(t, env)
			zhang, err := st.UserByUsername(ctx, "zhang")
			if err != nil {
				t.Fatal(err)
			}
			if ok, _ := auth.CheckPassword(zhang.PasswordHash, zhangPW); !ok || !zhang.MustChange || zhang.DisplayName != "张三" {
				t.Errorf("zhang: password ok %v, %+v", ok, zhang)
			}

			fails := []struct {
				stdin string
				args  []string
				msg   string
			}{
				{"", []string{"user", "add", "zhang", "--role", "reporter", "--region", "410122"}, `username "zhang" already exists`},
				{"", []string{"user", "add", "li", "--role", "provincial_supervisor", "--region", "410122"}, "is county, want province"},
				{"", []string{"user", "add", "li", "--role", "reporter", "--region", "999999"}, "no such unit"},
				{"", []string{"user", "add", "li", "--role", "cook", "--region", "410122"}, "no such role"},
				{"", []string{"user", "add", "doc", "--role", "doctor", "--region", "410122"}, "give --institution"},
				{"", []string{"user", "add", "doc", "--role", "doctor", "--institution", "H001"}, "H001 is not in the hospitals registry"},
				{"", []string{"user", "disable", "nobody"}, `no user "nobody"`},
			}
			for _, f := range fails {
				if code, _, errs := cliIn(t, env, f.stdin, f.args...); code != exitFailure || !strings.Contains(errs, f.msg) {
					t.Errorf("%v: %d %s, want %q", f.args, code, errs, f.msg)
				}
			}

			// An institution role takes its region from the registry.
			dir := t.TempDir()
			file := filepath.Join(dir, "医院.csv")
			os.WriteFile(file, []byte(hospitalsCSV), 0o644)
			if code, _, errs := cli(t, env, "import", "hospitals", file); code != 0 {
				t.Fatal(errs)
			}
			if code, _, errs := cliIn(t, env, "short\n", "user", "add", "doc", "--role", "doctor", "--institution", "H001", "--password-stdin"); code != exitFailure ||
				!strings.Contains(errs, "密码至少需要 12 个字符") {
				t.Errorf("weak password: %d %s", code, errs)
			}
			code, out, errs = cliIn(t, env, "correct-horse-42\n", "user", "add", "doc", "--role", "doctor", "--institution", "H001", "--password-stdin")
			if code != 0 || oneTimePassword.MatchString(errs) || !strings.Contains(out, "hospitals H001 (410122 中牟县)") {
				t.Fatalf("add doctor: %d %s %s", code, out, errs)
			}
			doc, err := st.UserByUsername(ctx, "doc")
			if err != nil {
				t.Fatal(err)
			}
			if ok, _ := auth.CheckPassword(doc.PasswordHash, "correct-horse-42"); !ok || doc.MustChange || doc.InstitutionRegion != "410122" || doc.Region != "" {
				t.Errorf("doc: %v %+v", ok, doc)
			}

			// Lists: scoped, never a hash.
			code, out, _ = cli(t, env, "user", "list", "--region", "410100")
			if code != 0 || !strings.Contains(out, "zhang") || !strings.Contains(out, "doc") || strings.Contains(out, "admin") || strings.Contains(out, "argon2") {
				t.Errorf("user list 410100: %d\n%s", code, out)
			}
			code, out, _ = cli(t, env, "user", "list", "--format", "csv")
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if code != 0 || len(lines) != 4 || lines[0] != "username,display_name,role,region,institution,institution_region,must_change,disabled,created_at,updated_at" ||
				!strings.HasPrefix(lines[2], "doc,,doctor,,H001,410122,false,false,") || strings.Contains(out, "argon2") {
				t.Errorf("user list csv: %d\n%s", code, out)
			}
			if code, _, errs := cli(t, env, "user", "list", "--region", "410199"); code != exitFailure || !strings.Contains(errs, "unknown region") {
				t.Errorf("user list unknown region: %d %s", code, errs)
			}

			// Disable ends sessions; enable; reset gives a new one-time
			// password and ends sessions again.
			session := func() string {
				token, se := auth.DefaultSessionPolicy.NewSession(testNow, zhang.ID)
				if err := st.CreateSession(ctx, se); err != nil {
					t.Fatal(err)
				}
				return token
			}
			alive := func(token string) bool {
				_, _, err := st.SessionByToken(ctx, token, auth.DefaultSessionPolicy, testNow)
				return err == nil
			}
			tok := session()
			if code, out, errs := cli(t, env, "user", "disable", "zhang"); code != 0 || !strings.Contains(out, "disabled") {
				t.Fatalf("disable: %d %s %s", code, out, errs)
			}
			if u, _ := st.UserByUsername(ctx, "zhang"); !u.Disabled || alive(tok) {
				t.Errorf("after disable: disabled %v, session alive %v", u.Disabled, alive(tok))
			}
			if code, out, _ := cli(t, env, "user", "disable", "zhang"); code != 0 || !strings.Contains(out, "nothing changed") {
				t.Errorf("disable twice: %d %s", code, out)
			}
			if code, out, _ := cli(t, env, "user", "enable", "zhang"); code != 0 || !strings.Contains(out, "enabled") {
				t.Errorf("enable: %d %s", code, out)
			}
			tok = session()
			code, out, errs = cli(t, env, "user", "reset", "ZHANG")
			pws = oneTimePassword.FindAllString(errs, -1)
			if code != 0 || !strings.Contains(out, "password reset") || len(pws) != 2 || pws[0] == zhangPW {
				t.Fatalf("reset: %d %s %s", code, out, errs)
			}
			u, _ := st.UserByUsername(ctx, "zhang")
			if ok, _ := auth.CheckPassword(u.PasswordHash, pws[0]); !ok || !u.MustChange || u.Disabled || alive(tok) {
				t.Errorf("after reset: password ok %v, %+v, session alive %v", ok, u, alive(tok))
			}

			// Every change is audited, by the operator, without hashes.
			es, _, err := st.AuditEntries(ctx, store.AuditQuery{Action: audit.UserChanged})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range es {
				got = append([]string{e.Actor[:min(4, len(e.Actor))] + " " + e.Object + " " + e.Region}, got...)
				if strings.Contains(string(e.Before)+string(e.After), "argon2") {
					t.Errorf("hash in audit entry %d", e.Seq)
				}
			}
			want := []string{"syst users/admin 000000", "cli: users/zhang 410122", "cli: users/doc 410122",
				"cli: users/zhang 410122", "cli: users/zhang 410122", "cli: users/zhang 410122"}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("audit entries:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if !strings.Contains(string(es[0].After), `"change":"password_reset"`) || !strings.Contains(string(es[1].Before), `"disabled":true`) ||
				!strings.Contains(string(es[1].After), `"disabled":false`) {
				t.Errorf("reset entry %s, enable entry %s → %s", es[0].After, es[1].Before, es[1].After)
			}
		})
	}
}

// TestAuditCLI: verify passes on a fresh log and names the entry an
// operator edited behind the application's back; export filters.
func TestAuditCLI(t *testing.T) {
	for name, env := range stores(t) {
		t.Run(name, func(t *testing.T) {
			if code, out, errs := cli(t, env, "audit", "verify"); code != 0 || !strings.HasPrefix(out, "audit trail intact: 0 entries") {
				t.Fatalf("verify empty: %d %s %s", code, out, errs)
			}
			cli(t, env, "user", "add", "zhang", "--role", "county_supervisor", "--region", "410122")
			cli(t, env, "user", "add", "wang", "--role", "auditor", "--region", "440000")
			cli(t, env, "user", "disable", "wang")
			code, out, errs := cli(t, env, "audit", "verify")
			if code != 0 || !strings.HasPrefix(out, "audit trail intact: 4 entries\nhead: entry #4 ") {
				t.Fatalf("verify: %d %s %s", code, out, errs)
			}

			// Export: CSV filtered by region, XLSX to a file.
			code, out, errs = cli(t, env, "audit", "export", "--format", "csv", "--region", "440000", "--lang", "en")
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "Seq,Time (Beijing),Actor") ||
				!strings.HasPrefix(lines[1], "3,2025-12-31 20:00:00.000000,cli:") || !strings.Contains(lines[2], "users/wang") {
				t.Fatalf("export csv: %d %s\n%s", code, errs, out)
			}
			code, out, _ = cli(t, env, "audit", "export", "--format", "csv", "--actor", "system", "--from", "2025-12-31", "--to", "2025-12-31")
			if lines := strings.Split(strings.TrimSpace(out), "\n"); code != 0 || len(lines) != 2 || !strings.Contains(lines[1], "users/admin") {
				t.Errorf("export by actor: %d\n%s", code, out)
			}
			if code, out, _ := cli(t, env, "audit", "export", "--format", "csv", "--to", "2025-12-30"); code != 0 || strings.Count(out, "\n") != 1 {
				t.Errorf("export before the entries: %d\n%s", code, out)
			}
			xlsx := filepath.Join(t.TempDir(), "audit.xlsx")
			if code, _, errs := cli(t, env, "audit", "export", "--out", xlsx); code != 0 || !strings.Contains(errs, "written to") {
				t.Errorf("export xlsx: %d %s", code, errs)
			}
			if b, err := os.ReadFile(xlsx); err != nil || !bytes.HasPrefix(b, []byte("PK")) {
				t.Errorf("xlsx: %v", err)
			}
			if code, _, errs := cli(t, env, "audit", "export", "--from", "yesterday"); code != exitFailure || !strings.Contains(errs, "--from") {
				t.Errorf("bad --from: %d %s", code, errs)
			}
			// Each export is audited: 4 + 4 entries, still intact.
			if code, out, _ := cli(t, env, "audit", "verify"); code != 0 || !strings.HasPrefix(out, "audit trail intact: 8 entries") {
				t.Fatalf("verify after exports: %d %s", code, out)
			}

			// An operator drops the guard and edits entry 2 in SQL.
			tamper(t, env, `UPDATE audit_log SET object = 'users/mallory' WHERE seq = 2`)
			code, out, errs = cli(t, env, "audit", "verify")
			if code != exitFailure || out != "" || !strings.Contains(errs, "audit trail broken at entry #2 (edited): ") {
				t.Fatalf("verify after edit: %d %q %s", code, out, errs)
			}
			// Deleting entry 5 is named too (the edit at 2 comes first, so
			// undo it by restoring the object).
			tamper(t, env, `UPDATE audit_log SET object = 'users/zhang' WHERE seq = 2`)
			tamper(t, env, `DELETE FROM audit_log WHERE seq = 5`)
			if code, _, errs := cli(t, env, "audit", "verify"); code != exitFailure || !strings.Contains(errs, "audit trail broken at entry #5 (deleted)") {
				t.Fatalf("verify after delete: %d %s", code, errs)
			}
		})
	}
}

// tamper runs a statement on the store's database directly, as an
// operator with access to it would, after dropping the triggers that keep
// audit_log append-only.
func tamper(t *testing.T, env map[string]string, stmt string) {
	t.Helper()
	var db *sql.DB
	var err error
	drop := []string{`DROP TRIGGER IF EXISTS audit_log_no_update`, `DROP TRIGGER IF EXISTS audit_log_no_delete`}
	if u := env["SHISHI_DB"]; u != "" {
		db, err = sql.Open("pgx", u)
		drop = []string{`DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log`}
	} else {
		db, err = sql.Open("sqlite", "file:"+filepath.Join(env["SHISHI_DATA_DIR"], "shishi.db")+"?_pragma=busy_timeout(10000)")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range append(drop, stmt) {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// TestDemoAccounts: serve --demo on an empty store loads the demo data and
// creates one account per role after admin; they log in with the
// published password and are bound where the README says.
func TestDemoAccounts(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the national demo data set")
	}
	for name, env := range stores(t) {
		t.Run(name, func(t *testing.T) { testDemoAccounts(t, env) })
	}
}

func testDemoAccounts(t *testing.T, env map[string]string) {
	errs := serveUntilReady(t, env, "--demo")
	if !strings.Contains(errs, "首次启动：管理员 admin") || !strings.Contains(errs, "demo accounts (password "+demo.Password+")") {
		t.Fatalf("serve --demo:\n%s", errs)
	}
	st := openStore(t, env)
	ctx := context.Background()
	doc, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range demo.Accounts(mustTree(t)) {
		u, err := st.UserByUsername(ctx, a.Username)
		if err != nil {
			t.Errorf("%s: %v", a.Username, err)
			continue
		}
		if u.Role != a.Role || u.Region != a.Region || u.Institution != a.Institution || u.InstitutionRegion != a.InstitutionRegion || u.MustChange || u.Disabled {
			t.Errorf("%s: %+v, want %+v", a.Username, u, a)
		}
		if !strings.Contains(errs, a.Username) || !strings.Contains(string(doc), "| `"+a.Username+"` |") {
			t.Errorf("%s not in the printed list or the README", a.Username)
		}
		if a.Institution != "" && !strings.Contains(string(doc), a.Institution) {
			t.Errorf("%s: institution %s not in the README", a.Username, a.Institution)
		}
	}
	u, _ := st.UserByUsername(ctx, "demo-county")
	if ok, _ := auth.CheckPassword(u.PasswordHash, demo.Password); !ok {
		t.Error("demo-county: the demo password does not work")
	}
	if !strings.Contains(string(doc), demo.Password) {
		t.Error("the README does not give the password")
	}

	// `shishi demo` again: the accounts exist, nothing is added; the
	// audit trail holds admin + one entry per account and is intact.
	n, _ := st.CountUsers(ctx)
	code, out, errs := cli(t, env, "demo")
	if code != 0 || !strings.Contains(out, "demo-county") || !strings.Contains(out, "exists") {
		t.Fatalf("demo again: %d %s %s", code, out, errs)
	}
	if m, _ := st.CountUsers(ctx); m != n || n != 1+len(demo.Accounts(mustTree(t))) {
		t.Errorf("users: %d then %d", n, m)
	}
	// Twelve account creations (the administrator and the demo
	// accounts), and the demo's figures with their approvals; the second
	// demo run added none.
	code, out, _ = cli(t, env, "audit", "verify")
	var entries int
	if _, err := fmt.Sscanf(out, "audit trail intact: %d entries", &entries); code != 0 || err != nil || entries < 12 {
		t.Errorf("verify: %d %s", code, out)
	}

	if _, err := st.UserByUsername(ctx, "demo-nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}
}
