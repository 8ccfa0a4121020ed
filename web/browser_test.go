package web_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store/storetest"
)

// chromiumPath returns the browser to drive: SHISHI_CHROMIUM or
// /usr/bin/chromium. Without one the test skips, unless
// SHISHI_REQUIRE_BROWSER=1 (CI) makes that a failure.
func chromiumPath(t *testing.T) string {
	t.Helper()
	exe := os.Getenv("SHISHI_CHROMIUM")
	if exe == "" {
		exe = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(exe); err != nil {
		if os.Getenv("SHISHI_REQUIRE_BROWSER") == "1" {
			t.Fatalf("SHISHI_REQUIRE_BROWSER=1 but there is no browser at %s: %v", exe, err)
		}
		t.Skipf("no browser at %s (set SHISHI_CHROMIUM): %v", exe, err)
	}
	return exe
}

// startBrowser starts a headless Chromium with a fresh profile and returns
// its context; the browser is stopped, and waited for, when the test ends.
func startBrowser(t *testing.T, exe string) context.Context {
	t.Helper()
	profile := t.TempDir()
	ctx, cancelTimeout := context.WithTimeout(context.Background(), 3*time.Minute)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
	)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	// Registered after t.TempDir, so it runs before the profile is
	// removed: the browser must be gone by then.
	t.Cleanup(func() {
		cancelBrowser()
		if a, ok := chromedp.FromContext(allocCtx).Allocator.(*chromedp.ExecAllocator); ok {
			cancelAlloc()
			a.Wait()
		}
		cancelAlloc()
		cancelTimeout()
	})
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	return bctx
}

// TestBrowser drives the real handler in headless Chromium, on a desktop
// and on a phone screen: drill down from the country to a prefecture, then
// upload a file with a bad row and find the row error on the preview.
// Screenshots go to testdata/screenshots.
func TestBrowser(t *testing.T) {
	exe := chromiumPath(t)
	st := storetest.OpenSQLite(t)
	seed(t, st)
	ensureUser(t, st, "reporter-cn", testPassword, auth.Reporter, region.CountryCode, "", "")
	srv := httptest.NewServer(newServer(t, st).Handler()) // a random loopback port
	defer srv.Close()
	browser := startBrowser(t, exe)

	upload := filepath.Join(t.TempDir(), "新增医院.csv")
	if err := os.WriteFile(upload, []byte(badUpload), 0o600); err != nil {
		t.Fatal(err)
	}
	shots := filepath.Join("testdata", "screenshots")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	for _, vp := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{
		{"desktop", 1280, 900, false},
		{"phone", 390, 844, true},
	} {
		t.Run(vp.name, func(t *testing.T) {
			ctx, cancel := chromedp.NewContext(browser)
			defer cancel()
			opts := []chromedp.EmulateViewportOption{}
			if vp.mobile {
				opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
			}
			must(t, chromedp.Do(ctx, chromedp.EmulateViewport(vp.width, vp.height, opts...)))
			// Every page records the Content-Security-Policy violations
			// it meets (an inline style or script, a foreign image);
			// shot fails on any.
			if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspRecorder}); err != nil {
				t.Fatal(err)
			}
			shot := func(name string) {
				t.Helper()
				png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
				must(t, err)
				must(t, os.WriteFile(filepath.Join(shots, name+"-"+vp.name+".png"), png, 0o644))
				v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(window.cspViolations || []).join("\n")`))
				must(t, err)
				if v != "" {
					t.Errorf("%s: Content-Security-Policy violations:\n%s", name, v)
				}
			}
			text := func(sel string) string {
				t.Helper()
				s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
				must(t, err)
				return s
			}
			follow := func(sel string) {
				t.Helper()
				resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
				must(t, err)
				if resp.Status != 200 {
					t.Fatalf("%s: status %d", sel, resp.Status)
				}
			}

			// Anonymous visitors are sent to the login page, which sends
			// them back where they wanted to go. (The tabs share cookies:
			// start each viewport logged out.)
			must(t, chromedp.Do(ctx, chromedp.Navigate("about:blank")))
			_, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{})
			must(t, err)
			must(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/regions/000000")))
			if h1 := text("h1"); h1 != "登录" {
				t.Fatalf("anonymous visitor sees %q, want the login page", h1)
			}
			shot("login")
			must(t, chromedp.Do(ctx,
				chromedp.SetValue(chromedp.ID("l-username"), "reporter-cn"),
				chromedp.SetValue(chromedp.ID("l-password"), testPassword),
			))
			follow(`form.login button[type="submit"]`)
			if s := text("header .user"); !strings.Contains(s, "reporter-cn") || !strings.Contains(s, "填报员") {
				t.Errorf("header names %q, want the user and role", s)
			}

			// The country: 31 province-level units.
			if h1 := text("h1"); h1 != "全国" {
				t.Errorf("country page h1 %q", h1)
			}
			rows, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("table.children tbody tr")))
			must(t, err)
			if len(rows) != 31 {
				t.Errorf("country lists %d units, want 31", len(rows))
			}
			if s := text("table.children tbody"); !strings.Contains(s, "河南省") || !strings.Contains(s, "西藏自治区") {
				t.Errorf("provinces missing from the table: %.200s", s)
			}
			shot("regions-country")

			// Drill down: a province, then a prefecture.
			follow(`table.children a[href="/regions/410000"]`)
			if h1 := text("h1"); h1 != "河南省" {
				t.Errorf("province page h1 %q", h1)
			}
			follow(`table.children a[href="/regions/410100"]`)
			if h1 := text("h1"); h1 != "郑州市" {
				t.Errorf("prefecture page h1 %q", h1)
			}
			if s := text(".crumbs"); !strings.Contains(s, "全国") || !strings.Contains(s, "河南省") {
				t.Errorf("breadcrumb %q", s)
			}
			if s := text("table.children tbody"); !strings.Contains(s, "中牟县") {
				t.Errorf("Zhongmu county missing: %.200s", s)
			}
			shot("regions-prefecture")

			// The hospitals of the province.
			must(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/facilities/hospitals?region=410000")))
			if s := text("p.total"); !strings.Contains(s, "共 3 家") {
				t.Errorf("hospital list total %q", s)
			}
			shot("facilities")
			follow(`table.data a[href="/facilities/hospitals/H001"]`)
			if h1 := text("h1"); h1 != "中牟县人民医院" {
				t.Errorf("facility page h1 %q", h1)
			}
			shot("facility")

			// Import a file with one bad row: the preview names row and column.
			must(t, chromedp.Do(ctx,
				chromedp.Navigate(srv.URL+"/import"),
				chromedp.SetValue(chromedp.ID("i-registry"), "hospitals"),
				chromedp.SetUploadFiles(chromedp.ID("i-file"), []string{upload}),
			))
			shot("import-form")
			follow(`form.upload button[type="submit"]`)
			row := text("table.errors tbody tr")
			for _, want := range []string{"新增医院.csv", "4", "儿科床位", "(I)", "很多", "不是整数"} {
				if !strings.Contains(row, want) {
					t.Errorf("row error %q lacks %q", row, want)
				}
			}
			if s := text("table.errors td.row"); s != "4" {
				t.Errorf("row number %q, want 4", s)
			}
			if s := text("table.errors td.column"); !strings.HasPrefix(s, "儿科床位") {
				t.Errorf("column %q, want 儿科床位", s)
			}
			shot("import-preview")

			// The same province in English, then back to Chinese (the
			// choice is a cookie, shared by the tabs).
			if !vp.mobile {
				must(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/regions/410000?lang=en")))
				if s := text("table.children thead"); !strings.Contains(s, "Population") {
					t.Errorf("English table head %q", s)
				}
				shot("regions-province-en")
				must(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/regions/410000?lang=zh")))
			}
		})
	}
}

// cspRecorder collects a page's Content-Security-Policy violations in
// window.cspViolations. It is injected by the browser's protocol, which the
// policy does not restrict.
const cspRecorder = `window.cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
	window.cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber);
});`

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
