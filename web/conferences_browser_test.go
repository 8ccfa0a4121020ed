package web_test

import (
	"context"
	"net/http/httptest"
	"os"
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

// TestConferencesBrowser opens the public conference page in headless
// Chromium without a login, on 2025-11-23 (小雪 current), at desktop width
// and on a 375 px phone, in Chinese and English: the current term and its
// advice are visible first, the list shows the year's conferences, and
// nothing is wider than the screen. Screenshots go to
// testdata/screenshots/public-conferences.png and
// public-conferences-phone.png (and -en); the register and the form of a
// logged-in reporter to conferences-register.png and conferences-form.png.
func TestConferencesBrowser(t *testing.T) {
	exe := chromiumPath(t)
	st := storetest.OpenSQLite(t)
	seedConferences(t, st)
	srv := httptest.NewServer(confServer(t, st, snowDay).Handler())
	defer srv.Close()
	browser := startBrowser(t, exe)
	shots := filepath.Join("testdata", "screenshots")
	must(t, os.MkdirAll(shots, 0o755))

	t.Run("register", func(t *testing.T) {
		ensureUser(t, st, "reporter-cn", testPassword, auth.Reporter, region.CountryCode, "", "")
		ctx, cancel := chromedp.NewContext(browser)
		defer cancel()
		ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
		defer cancelTimeout()
		must(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)))
		_, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{})
		must(t, err)
		must(t, chromedp.Do(ctx,
			chromedp.Navigate(srv.URL+"/login?next=/conferences%3Fyear%3D2025"),
			chromedp.SetValue(chromedp.ID("l-username"), "reporter-cn"),
			chromedp.SetValue(chromedp.ID("l-password"), testPassword),
		))
		_, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form.login button[type="submit"]`), chromedp.NodeVisible))
		must(t, err)
		rows, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("table.conf-table tbody tr")))
		must(t, err)
		if len(rows) != 24 {
			t.Errorf("the register lists %d terms, want 24", len(rows))
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		must(t, err)
		must(t, os.WriteFile(filepath.Join(shots, "conferences-register.png"), png, 0o644))
		must(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/conferences/2025/22")))
		if s, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("cf-theme"))); err != nil || s != "小雪防寒保暖与呼吸道疾病防治" {
			t.Errorf("form theme %q, %v", s, err)
		}
		png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
		must(t, err)
		must(t, os.WriteFile(filepath.Join(shots, "conferences-form.png"), png, 0o644))
	})

	for _, vp := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{
		{"", 1280, 900, false},
		{"-phone", 375, 812, true},
	} {
		for _, lang := range []string{"zh", "en"} {
			t.Run(strings.TrimPrefix(vp.name+"-"+lang, "-"), func(t *testing.T) {
				ctx, cancel := chromedp.NewContext(browser)
				defer cancel()
				ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
				defer cancelTimeout()
				opts := []chromedp.EmulateViewportOption{}
				if vp.mobile {
					opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
				}
				must(t, chromedp.Do(ctx, chromedp.EmulateViewport(vp.width, vp.height, opts...)))
				_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspRecorder})
				must(t, err)
				must(t, chromedp.Do(ctx, chromedp.Navigate("about:blank")))
				_, err = chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{})
				must(t, err)
				resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(srv.URL+"/public/conferences?lang="+lang))
				must(t, err)
				if resp.Status != 200 {
					t.Fatalf("status %d", resp.Status)
				}
				text := func(sel string) string {
					t.Helper()
					s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
					must(t, err)
					return s
				}
				if s := text(".conf-now-name"); s != "小雪" {
					t.Errorf("current term %q, want 小雪", s)
				}
				if s := text(".conf-now-pinyin"); s != "xiǎoxuě" {
					t.Errorf("pinyin %q", s)
				}
				wantAdvice, wantNext := "气温骤降，注意防寒保暖", "距大雪还有 14 天"
				if lang == "en" {
					wantAdvice, wantNext = "Temperatures drop: keep warm", "Next term: dàxuě, in 14 days"
				}
				if s := text(".conf-advice-text"); !strings.HasPrefix(s, wantAdvice) {
					t.Errorf("advice %q, want %q", s, wantAdvice)
				}
				if s := text(".conf-now-next"); !strings.Contains(s, wantNext) {
					t.Errorf("next term %q, want %q", s, wantNext)
				}
				// The current term comes first: its box starts above the
				// list, within the first screen.
				top, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector(".conf-advice").getBoundingClientRect().bottom`))
				must(t, err)
				if top > float64(vp.height) {
					t.Errorf("the advice ends at %.0f px, below the first screen (%d px)", top, vp.height)
				}
				items, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("ol.conf-list > li"), chromedp.AtLeast(0)))
				must(t, err)
				if len(items) != 5 {
					t.Errorf("the list shows %d conferences, want 5", len(items))
				}
				list := text("ol.conf-list")
				for _, want := range []string{"王强", "2025-11-21", "2,340,000"} {
					if !strings.Contains(list, want) {
						t.Errorf("the list lacks %q", want)
					}
				}
				width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
				must(t, err)
				if width > int(vp.width) {
					t.Errorf("the page is %d px wide on a %d px screen", width, vp.width)
				}
				png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
				must(t, err)
				name := "public-conferences" + vp.name
				if lang == "en" {
					name += "-en"
				}
				must(t, os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644))
				v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(window.cspViolations || []).join("\n")`))
				must(t, err)
				if v != "" {
					t.Errorf("Content-Security-Policy violations:\n%s", v)
				}
			})
		}
	}
}
