package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shishi-health/shishi/store/storetest"
)

// cli runs the command in-process with the environment given.
func cli(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errw bytes.Buffer
	e := &cliEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errw,
		getenv: func(k string) string { return env[k] }, now: func() time.Time { return time.Date(2025, 12, 31, 12, 0, 0, 0, time.UTC) }}
	code = e.dispatch(context.Background(), args)
	return code, out.String(), errw.String()
}

const hospitalsCSV = `机构代码,机构名称,所在县区代码,等级,类别,所有制,儿科服务,儿科门诊,儿科床位,儿科医师,儿科护士,精神科,心理门诊,睡眠门诊,血液透析机,透析医师,透析护士,水处理设备,0-3岁危重症绿色通道,仍收门诊预交金,生效日期
H002,郑州市第一人民医院,410102,三级,综合医院,公立,医联体派驻,是,0,0,0,是,是,是,40,6,20,2,是,否,2025-03-01
H001,中牟县人民医院,410122,二级,综合医院,公立,自设儿科,是,30,8,20,否,是,否,12,2,6,1,是,否,2024-01-01
`

func stores(t *testing.T) map[string]map[string]string {
	m := map[string]map[string]string{"sqlite": {"SHISHI_DATA_DIR": t.TempDir()}}
	if os.Getenv(storetest.EnvPostgres) != "" {
		m["postgres"] = map[string]string{"SHISHI_DB": storetest.PostgresURL(t)}
	}
	return m
}

func TestImportExportCLI(t *testing.T) {
	for name, env := range stores(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "医院.csv")
			os.WriteFile(file, []byte(hospitalsCSV), 0o644)
			if code, out, errs := cli(t, env, "import", "hospitals", file); code != 0 || !strings.Contains(out, "2 new") {
				t.Fatalf("import: %d %s %s", code, out, errs)
			}
			code, exported, errs := cli(t, env, "export", "hospitals", "--format", "csv")
			if code != 0 || exported != hospitalsCSV {
				t.Fatalf("export: %d %s\n%s", code, errs, exported)
			}
			xlsx := filepath.Join(dir, "h.xlsx")
			if code, _, errs := cli(t, env, "export", "hospitals", "--format", "xlsx", "--out", xlsx); code != 0 {
				t.Fatalf("export xlsx: %s", errs)
			}
			if code, out, errs := cli(t, env, "import", "hospitals", xlsx); code != 0 || !strings.Contains(out, "2 unchanged") {
				t.Fatalf("re-import xlsx: %d %s %s", code, out, errs)
			}
			// One bad row: nothing stored, the error names file, row and column.
			bad := strings.Replace(hospitalsCSV, ",30,8,20,", ",三十,8,20,", 1) + "H003,新郑市人民医院,410184,二级,综合医院,公立,无,否,0,0,0,否,否,否,0,0,0,0,否,否,2025-06-01\n"
			badFile := filepath.Join(dir, "bad.csv")
			os.WriteFile(badFile, []byte(bad), 0o644)
			code, _, errs = cli(t, env, "import", "hospitals", badFile)
			if code != exitFailure || !strings.Contains(errs, "bad.csv: 第3行: 儿科床位 \"三十\"") || !strings.Contains(errs, "nothing stored") {
				t.Fatalf("bad import: %d %s", code, errs)
			}
			if _, out, _ := cli(t, env, "export", "hospitals"); out != hospitalsCSV {
				t.Fatalf("store changed by a rejected import:\n%s", out)
			}
			// Partial: the good new row is stored, the rejects file holds the bad one.
			code, out, errs := cli(t, env, "import", "hospitals", badFile, "--partial", "--rejects", filepath.Join(dir, "rej.csv"))
			if code != 0 || !strings.Contains(out, "1 new") {
				t.Fatalf("partial: %d %s %s", code, out, errs)
			}
			rej, _ := os.ReadFile(filepath.Join(dir, "rej.csv"))
			if lines := strings.Split(strings.TrimSpace(string(rej)), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], "H001,") || !strings.HasSuffix(lines[1], ",3,儿科床位,\"\"\"三十\"\": 不是整数\"") {
				t.Fatalf("rejects file:\n%s", rej)
			}
			// Dry run lists the change field by field and stores nothing.
			changed := strings.Replace(hospitalsCSV, "H001,中牟县人民医院,410122,二级", "H001,中牟县人民医院,410122,三级", 1)
			os.WriteFile(file, []byte(changed), 0o644)
			code, out, _ = cli(t, env, "import", "hospitals", file, "--dry-run")
			if code != 0 || !strings.Contains(out, "grade: 2 → 3") || !strings.Contains(out, "dry run") {
				t.Fatalf("dry run: %d %s", code, out)
			}
		})
	}
}

func TestExportRegionsCLI(t *testing.T) {
	code, out, errs := cli(t, map[string]string{"SHISHI_DATA_DIR": t.TempDir()}, "export", "regions", "--region", "410000")
	if code != 0 {
		t.Fatal(errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1+1+17+157 || !strings.HasPrefix(lines[1], "410000,河南省,Henan,") {
		t.Errorf("河南 export: %d lines, first %q", len(lines), lines[1])
	}
}

func TestUsage(t *testing.T) {
	env := map[string]string{"SHISHI_DATA_DIR": t.TempDir()}
	for _, c := range commands() {
		if code, _, errs := cli(t, env, c.name, "--help"); code != 0 || !strings.Contains(errs, "Usage: shishi "+c.name) {
			t.Errorf("%s --help: %d %s", c.name, code, errs)
		}
	}
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{nil, exitUsage, ""},
		{[]string{"nonsense"}, exitUsage, "unknown command"},
		{[]string{"import", "hospitals"}, exitUsage, "Usage"},
		{[]string{"import", "widgets", "x.csv"}, exitFailure, "unknown registry"},
		{[]string{"export", "hospitals", "--format", "pdf"}, exitFailure, "pdf"},
		{[]string{"export", "hospitals", "--as-of", "2025-02-30"}, exitFailure, "--as-of"},
		{[]string{"export", "hospitals", "--region", "999999"}, exitFailure, "unknown region"},
		{[]string{"version"}, exitOK, ""},
	}
	for _, c := range cases {
		code, _, errs := cli(t, env, c.args...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: %d %q, want %d containing %q", c.args, code, errs, c.code, c.msg)
		}
	}
}

// TestServeShutsDown starts the server, waits for /healthz and stops it
// the way SIGTERM does (the context is cancelled): it must exit cleanly.
func TestServeShutsDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var errw bytes.Buffer
	go func() {
		e := &cliEnv{stdout: &bytes.Buffer{}, stderr: &errw, getenv: func(string) string { return "" }, now: time.Now}
		done <- e.dispatch(ctx, []string{"serve", "--data-dir", t.TempDir(), "--addr", addr})
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
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
}

func TestBackupRestore(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SHISHI_DATA_DIR": filepath.Join(dir, "data")}
	file := filepath.Join(dir, "医院.csv")
	os.WriteFile(file, []byte(hospitalsCSV), 0o644)
	if code, _, errs := cli(t, env, "import", "hospitals", file); code != 0 {
		t.Fatal(errs)
	}
	backup := filepath.Join(dir, "b.db")
	if code, out, errs := cli(t, env, "backup", "--out", backup); code != 0 || !strings.Contains(out, "backup written") {
		t.Fatalf("backup: %d %s %s", code, out, errs)
	}
	// A change after the backup disappears with the restore.
	changed := strings.Replace(hospitalsCSV, ",二级,", ",三级,", 1)
	os.WriteFile(file, []byte(changed), 0o644)
	if code, _, errs := cli(t, env, "import", "hospitals", file); code != 0 {
		t.Fatal(errs)
	}
	if code, out, errs := cli(t, env, "restore", backup); code != 0 || !strings.Contains(out, "restored") {
		t.Fatalf("restore: %d %s %s", code, out, errs)
	}
	if _, out, _ := cli(t, env, "export", "hospitals"); out != hospitalsCSV {
		t.Errorf("after restore:\n%s", out)
	}
	// Not a database: refused, the store untouched.
	os.WriteFile(filepath.Join(dir, "junk.db"), []byte("not sqlite"), 0o644)
	if code, _, errs := cli(t, env, "restore", filepath.Join(dir, "junk.db")); code != exitFailure || !strings.Contains(errs, "not a shishi database") {
		t.Errorf("junk restore: %d %s", code, errs)
	}
	if code, _, errs := cli(t, map[string]string{"SHISHI_DB": "postgres://x@127.0.0.1/none"}, "restore", backup); code != exitUsage || !strings.Contains(errs, "pg_restore") {
		t.Errorf("postgres restore: %d %s", code, errs)
	}
}

func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeSelfSigned(t, certFile, keyFile)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var errw bytes.Buffer
	go func() {
		e := &cliEnv{stdout: &bytes.Buffer{}, stderr: &errw, getenv: func(string) string { return "" }, now: time.Now}
		done <- e.dispatch(ctx, []string{"serve", "--data-dir", filepath.Join(dir, "data"), "--addr", addr, "--tls-cert", certFile, "--tls-key", keyFile})
	}()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := client.Get("https://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 && resp.TLS != nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no HTTPS /healthz: %v\n%s", err, errw.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d: %s", code, errw.String())
	}
}

func writeSelfSigned(t *testing.T, certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
}
