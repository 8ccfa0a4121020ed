package main

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/importer"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/web"
)

const hospitalsCSV = `机构代码,机构名称,所在县区代码,等级,类别,所有制,儿科服务,儿科门诊,儿科床位,儿科医师,儿科护士,精神科,心理门诊,睡眠门诊,血液透析机,透析医师,透析护士,水处理设备,0-3岁危重症绿色通道,仍收门诊预交金,生效日期
H002,郑州市第一人民医院,410102,三级,综合医院,公立,医联体派驻,是,0,0,0,是,是,是,40,6,20,2,是,否,2025-03-01
H001,中牟县人民医院,410122,二级,综合医院,公立,自设儿科,是,30,8,20,否,是,否,12,2,6,1,是,否,2024-01-01
`

// TestLoadTest runs the load generator for a second against the real
// handler on a small SQLite store: every request succeeds, every kind is
// measured, and the brute force ends in a lock-out that refuses the
// correct password.
func TestLoadTest(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tree, err := region.Load()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SyncRegions(ctx, tree); err != nil {
		t.Fatal(err)
	}
	if _, err := importer.Import(ctx, st, tree, facility.Hospitals, "h.csv", strings.NewReader(hospitalsCSV), importer.Options{}); err != nil {
		t.Fatal(err)
	}
	const pw = "load-test-password-1"
	hash, err := auth.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	for name, reg := range map[string]string{"national": "000000", "county": "410122"} {
		role := auth.NationalSupervisor
		if reg != "000000" {
			role = auth.CountySupervisor
		}
		if _, err := st.CreateUser(ctx, auth.User{Username: name, Role: role, Region: reg, PasswordHash: hash}); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(web.New(web.Config{Store: st, Tree: tree, UploadDir: t.TempDir(), LoginRate: 6000, LoginBurst: 100}).Handler())
	defer srv.Close()

	var out, errw bytes.Buffer
	code := run(ctx, []string{"-base", srv.URL, "-sessions", "3", "-duration", "1500ms", "-user", "national", "-password", pw,
		"-login-parallel", "2", "-bruteforce-user", "county", "-bruteforce-attempts", "8"}, &out, &errw)
	o := out.String()
	if code != 0 || !strings.Contains(o, "errors      0\n") || !strings.Contains(o, "throttled: yes") ||
		!regexp.MustCompile(`401 Unauthorized +5\n`).MatchString(o) || !regexp.MustCompile(`\(account locked\) +3\n`).MatchString(o) ||
		!strings.Contains(o, "correct password afterwards: refused, 429, account locked") {
		t.Fatalf("loadtest: exit %d\n%s\n%s", code, o, errw.String())
	}
	for _, k := range kinds {
		if !strings.Contains(o, k.name) {
			t.Errorf("no figures for %s:\n%s", k.name, o)
		}
	}

	// A wrong password for the sessions fails the setup.
	out.Reset()
	errw.Reset()
	if code := run(ctx, []string{"-base", srv.URL, "-sessions", "1", "-user", "national", "-password", "wrong"}, &out, &errw); code != 2 ||
		!strings.Contains(errw.String(), "status 401") {
		t.Errorf("wrong password: exit %d %s", code, errw.String())
	}
}

func TestParseFlags(t *testing.T) {
	c, err := parseFlags([]string{"-mix", "search:3,api_history", "-base", "http://h:1/"}, io.Discard)
	if err != nil || len(c.mix) != 2 || c.mix[0] != (weighted{"search", 3}) || c.base.String() != "http://h:1" ||
		c.sessions != 200 || c.duration != 5*time.Minute || c.user != "demo-national" {
		t.Errorf("parseFlags: %+v %v", c, err)
	}
	for _, args := range [][]string{{"-mix", "dance"}, {"-mix", "search:x"}, {"-mix", "search:0"}, {"-base", "ftp://h"}, {"-sessions", "0"}, {"extra"}} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("parseFlags(%q) succeeded", args)
		}
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i))
	}
	for q, want := range map[float64]time.Duration{0.5: 50, 0.9: 90, 0.99: 99, 1: 100, 0: 1} {
		if got := percentile(d, q); got != want {
			t.Errorf("percentile(%v) = %v, want %v", q, got, want)
		}
	}
	if percentile(nil, 0.5) != 0 {
		t.Error("percentile of nothing")
	}
}
