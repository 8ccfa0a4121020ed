package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/demo"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store/storetest"
)

// TestDashboardBrowser drives the commitments dashboard in headless
// Chromium over the national demo data: the map colours the provinces by
// the target's status (read back from the canvas, not only from what the
// script says it drew), a click on 河南 drills down to its prefectures, the
// slider's first stop recolours them, the trend chart draws; and the public
// page fits a phone. Screenshots go to testdata/screenshots.
func TestDashboardBrowser(t *testing.T) {
	exe := chromiumPath(t)
	st := storetest.OpenSQLite(t)
	if _, err := demo.Load(context.Background(), st, tree, demo.Options{}, nil); err != nil {
		t.Fatal(err)
	}
	ensureUser(t, st, "national-cn", testPassword, auth.NationalSupervisor, region.CountryCode, "", "")
	srv := httptest.NewServer(newServer(t, st).Handler())
	defer srv.Close()
	browser := startBrowser(t, exe)
	shots := filepath.Join("testdata", "screenshots")
	must(t, os.MkdirAll(shots, 0o755))
	henan := centroid(t, "410000")

	ctx, cancel := chromedp.NewContext(browser)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 150*time.Second)
	defer cancelTimeout()
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspRecorder})
	must(t, err)
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		must(t, err)
		must(t, os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644))
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
	// drawn waits for the map of region on date and returns its colours
	// by region code.
	drawn := func(code, date string) map[string]string {
		t.Helper()
		sel := fmt.Sprintf(`#commit-map[data-state="ready"][data-region="%s"][data-as-of="%s"]`, code, date)
		must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(sel))))
		raw, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), "data-colours"))
		must(t, err)
		var c map[string]string
		must(t, json.Unmarshal([]byte(raw.Value), &c))
		return c
	}
	// pixel returns the map canvas's colour at a point (longitude,
	// latitude), dy pixels below it, and where that is in the page.
	pixel := func(lnglat [2]float64, dy int) (rgb [3]int, x, y float64) {
		t.Helper()
		type point struct {
			X, Y float64
			RGB  []int
		}
		js := fmt.Sprintf(`(() => {
			const el = document.getElementById("commit-map");
			const [px, py0] = echarts.getInstanceByDom(el).convertToPixel({seriesIndex: 0}, [%f, %f]);
			const py = py0 + %d;
			const c = el.querySelector("canvas");
			const k = c.width / c.clientWidth;
			const d = c.getContext("2d").getImageData(Math.round(px * k), Math.round(py * k), 1, 1).data;
			const r = el.getBoundingClientRect();
			return {X: r.left + px, Y: r.top + py, RGB: [d[0], d[1], d[2]]};
		})()`, lnglat[0], lnglat[1], dy)
		out, err := chromedp.Run(ctx, chromedp.Evaluate[point](js))
		must(t, err)
		if len(out.RGB) != 3 {
			t.Fatalf("no pixel at %v", lnglat)
		}
		return [3]int{out.RGB[0], out.RGB[1], out.RGB[2]}, out.X, out.Y
	}

	must(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)))
	_, err = chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{})
	must(t, err)
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.SetValue(chromedp.ID("l-username"), "national-cn"),
		chromedp.SetValue(chromedp.ID("l-password"), testPassword),
	))
	_, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form.login button[type="submit"]`), chromedp.NodeVisible))
	must(t, err)

	// The country in mid-year, when provinces stand at every status.
	must(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/?as_of=2025-06-30")))
	country := drawn("000000", "2025-06-30")
	if len(country) != 31 {
		t.Errorf("the map colours %d provinces, want 31: %v", len(country), country)
	}
	distinct := map[string]bool{}
	for _, c := range country {
		distinct[c] = true
	}
	if len(distinct) < 2 {
		t.Errorf("every province has the same colour: %v", country)
	}
	got, x, y := pixel(henan, 0)
	if !sameColour(got, country["410000"]) {
		t.Errorf("河南 is drawn %v, want %s", got, country["410000"])
	}
	if n, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("#commit-children tbody tr"))); err != nil || len(n) != 31 {
		t.Errorf("the table beside the map has %d rows (%v), want 31", len(n), err)
	}
	must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#commit-trend[data-state="ready"]`))))
	if s := text(".map-notice"); !strings.Contains(s, "示意底图，非审图号地图") {
		t.Errorf("map notice %q", s)
	}
	shot("dashboard-country")

	// A click on 河南 drills down to its prefectures.
	must(t, chromedp.Do(ctx, chromedp.MouseClickXY(x, y)))
	prov := drawn("410000", "2025-06-30")
	if _, ok := prov["410100"]; !ok || len(prov) != 18 {
		t.Errorf("河南's map colours %v, want its 18 prefecture-level units", prov)
	}
	if s := text("#commit-here"); s != "河南省" {
		t.Errorf("breadcrumb ends in %q after the click", s)
	}
	must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#commit-trend[data-state="ready"]`))))
	shot("dashboard-province")

	// The slider's first stop: January, when more of them were behind.
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const s = document.getElementById("c-slider");
		s.value = "0";
		s.dispatchEvent(new Event("input"));
		s.dispatchEvent(new Event("change"));
		return true;
	})()`))
	must(t, err)
	jan := drawn("410000", "2025-01-31")
	changed := 0
	for code, c := range prov {
		if jan[code] != c {
			changed++
		}
	}
	if changed == 0 {
		t.Errorf("the colours did not change with the date: %v", jan)
	}
	// 12 px below the centroid: the prefectures' names are drawn there.
	if got, _, _ := pixel(centroid(t, "410100"), 12); !sameColour(got, jan["410100"]) {
		t.Errorf("郑州 is drawn %v in January, want %s", got, jan["410100"])
	}
	if s, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("c-asof"))); s != "2025-01-31" {
		t.Errorf("date field %q after the slider moved", s)
	}
	shot("dashboard-date")

	// The target's page with its gap list, and the report card.
	must(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/commitments/2025/pediatrics-general?region=410000&as_of=2025-06-30")))
	if s := text("table.gaps tbody"); !strings.Contains(s, "河南省") {
		t.Errorf("gap list %.200q", s)
	}
	shot("commitments-target")
	must(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/commitments/2025/report?region=410000")))
	if s := text("h1"); s != "2025年卫生健康系统为民服务实事项目成绩单" {
		t.Errorf("report card h1 %q", s)
	}
	shot("commitments-report")

	// The dashboard on a phone: the map above the table, nothing wider
	// than the screen.
	must(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait),
		chromedp.Navigate(srv.URL+"/?region=410000"),
	))
	drawn("410000", "2025-12-31")
	if width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || width > 390 {
		t.Errorf("the dashboard is %d px wide on a 390 px phone (%v)", width, err)
	}
	shot("dashboard-phone")

	// The public page on a phone, without a login.
	_, err = chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{})
	must(t, err)
	must(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/public/2025/410000")))
	if s := text("h1"); s != "河南省" {
		t.Errorf("public page h1 %q", s)
	}
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	must(t, err)
	if width > 390 {
		t.Errorf("the public page is %d px wide on a 390 px phone", width)
	}
	shot("public-phone")
}

// centroid returns a unit's centroid from the demo boundaries: the
// country's file for a province, the province's for a prefecture.
func centroid(t *testing.T, code string) [2]float64 {
	t.Helper()
	file := filepath.Join("geo", "china_provinces.geojson")
	if !strings.HasSuffix(code, "0000") {
		file = filepath.Join("geo", "provinces", code[:2]+"0000.geojson")
	}
	b, err := os.ReadFile(file)
	must(t, err)
	var fc struct {
		Features []struct {
			Properties struct {
				Adcode   string     `json:"adcode"`
				Centroid [2]float64 `json:"centroid"`
			} `json:"properties"`
		} `json:"features"`
	}
	must(t, json.Unmarshal(b, &fc))
	for _, f := range fc.Features {
		if f.Properties.Adcode == code {
			return f.Properties.Centroid
		}
	}
	t.Fatalf("%s: no feature %s", file, code)
	return [2]float64{}
}

// sameColour compares a canvas pixel with a CSS colour (#rrggbb or
// rgb(r,g,b)), allowing for the blending of the canvas.
func sameColour(got [3]int, css string) bool {
	var want [3]int
	switch {
	case strings.HasPrefix(css, "#") && len(css) == 7:
		for i := range 3 {
			v, err := strconv.ParseInt(css[1+2*i:3+2*i], 16, 32)
			if err != nil {
				return false
			}
			want[i] = int(v)
		}
	case strings.HasPrefix(css, "rgb("):
		parts := strings.Split(strings.TrimSuffix(strings.TrimPrefix(css, "rgb("), ")"), ",")
		if len(parts) != 3 {
			return false
		}
		for i, p := range parts {
			v, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil {
				return false
			}
			want[i] = v
		}
	default:
		return false
	}
	for i := range 3 {
		if math.Abs(float64(got[i]-want[i])) > 8 {
			return false
		}
	}
	return true
}
