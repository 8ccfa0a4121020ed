package web_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/demo"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store/storetest"
)

// TestLecturesBrowser opens the lecture quota list and the log of 河南 in
// headless Chromium over the national demo data, as a national supervisor:
// the quota list shows the teams and hospitals short of quota (none of them
// at or above it), the log its first page. Screenshots go to
// testdata/screenshots/lecture-quota.png and lectures.png.
func TestLecturesBrowser(t *testing.T) {
	exe := chromiumPath(t)
	st := storetest.OpenSQLite(t)
	if _, err := demo.Load(context.Background(), st, tree, demo.Options{}, nil); err != nil {
		t.Fatal(err)
	}
	ensureUser(t, st, "national-lec", testPassword, auth.NationalSupervisor, region.CountryCode, "", "")
	srv := httptest.NewServer(newServer(t, st).Handler())
	defer srv.Close()
	browser := startBrowser(t, exe)
	shots := filepath.Join("testdata", "screenshots")
	must(t, os.MkdirAll(shots, 0o755))

	ctx, cancel := chromedp.NewContext(browser)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTimeout()
	must(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)))
	_, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{})
	must(t, err)
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/login?next=/lectures/quota%3Fregion%3D000000%26year%3D2025"),
		chromedp.SetValue(chromedp.ID("l-username"), "national-lec"),
		chromedp.SetValue(chromedp.ID("l-password"), testPassword),
	))
	_, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form.login button[type="submit"]`), chromedp.NodeVisible))
	must(t, err)
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("table.lecture-quota tbody tr")].map(r => r.className + "|" + r.cells[7].innerText)`))
	must(t, err)
	// The demo leaves 12 teams and 92 hospitals short (demo.TestLoad).
	if len(rows) < 50 {
		t.Errorf("the quota list shows %d rows, want the ~100 short of quota", len(rows))
	}
	for _, r := range rows {
		if r == "flagged|0" || r[:8] != "flagged|" {
			t.Errorf("a row not short of quota in the default list: %q", r)
			break
		}
	}
	// The first screen: the totals and the top of the list.
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	must(t, err)
	must(t, os.WriteFile(filepath.Join(shots, "lecture-quota.png"), png, 0o644))

	must(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/lectures?region=410000")))
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("main table tbody tr").length`))
	must(t, err)
	if n < 10 {
		t.Errorf("the log of 河南 shows %d rows", n)
	}
	png, err = chromedp.Run(ctx, chromedp.CaptureScreenshot())
	must(t, err)
	must(t, os.WriteFile(filepath.Join(shots, "lectures.png"), png, 0o644))
}
