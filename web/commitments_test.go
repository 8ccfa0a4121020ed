package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/importer"
	"github.com/shishi-health/shishi/personal"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/store/storetest"
	"github.com/shishi-health/shishi/web"
)

// behindHospital is a public level-2 general hospital of 新郑市 (410184,
// under 郑州) without pediatrics: the one entry of 河南's gap list of the
// first target, so that the seed has a target not met.
const behindHospital = `机构代码,机构名称,所在县区代码,等级,类别,所有制,儿科服务,儿科门诊,儿科床位,儿科医师,儿科护士,精神科,心理门诊,睡眠门诊,血液透析机,透析医师,透析护士,水处理设备,0-3岁危重症绿色通道,仍收门诊预交金,生效日期
H009,新郑市第二人民医院,410184,二级,综合医院,公立,无,否,0,0,0,否,否,否,0,0,0,0,否,否,2025-01-01
`

func seedCommitments(t testing.TB, st *store.Store) {
	t.Helper()
	seed(t, st)
	rep, err := importer.Import(context.Background(), st, tree, facility.Hospitals, "behind.csv", strings.NewReader(behindHospital), importer.Options{Today: today})
	if err != nil {
		t.Fatalf("seed H009: %v %v", err, rep.Errors())
	}
}

// TestCommitmentPages requests the dashboard, the target and report pages
// and their downloads, and checks status, content and headers, on both
// stores. The seed's 河南 has three public level-2/3 general hospitals, one
// of them (H009) without pediatrics: 2 of 3, overdue on 2025-12-31.
func TestCommitmentPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seedCommitments(t, st)
		h := newHandler(t, st)
		tests := []struct {
			name   string
			path   string
			status int
			want   []string
			not    []string
			header map[string]string
		}{
			{name: "dashboard", path: "/", status: 200, want: []string{
				"2025年卫生健康系统为民服务实事项目", "截至 2025-12-31", "国卫办函〔2025〕25号",
				`<option value="2025-2027">`, `data-config="{`, "示意底图，非审图号地图",
				`data-map="/geo/000000.geojson?v=`, `<tr data-code="410000">`, `<tr data-code="650000">`,
				`href="/commitments/2025/pediatrics-general?region=000000"`, "/static/dashboard.js?v=",
				"/static/vendor/echarts/echarts.min.js?v=", `id="c-slider"`, "2025-11-30",
			}},
			{name: "dashboard of a province", path: "/?region=410000&target=pediatrics-general", status: 200, want: []string{
				`<a href="/?region=000000&amp;set=2025&amp;target=pediatrics-general">全国</a>`,
				`id="commit-here">河南省<`, `<tr data-code="410100">`, "66.7%", "逾期未完成",
				`href="/?region=410100&amp;set=2025&amp;target=pediatrics-general#map"`,
			}},
			{name: "dashboard of a county has no map", path: "/?region=410122", status: 200, want: []string{
				`id="commit-here">中牟县<`, "本单位没有下级区划", `data-map=""`,
			}},
			{name: "dashboard of the action plan", path: "/?set=2025-2027", status: 200, want: []string{
				"儿科和精神卫生服务年", `<option value="2025-2027" selected>`,
			}},
			{name: "dashboard on a date before the set clamps", path: "/?as_of=2024-06-30", status: 200, want: []string{
				`value="2025-01-01"`, "截至 2025-01-01",
			}},
			{name: "dashboard after today clamps", path: "/?as_of=2030-01-01", status: 200, want: []string{"截至 2025-12-31"}},
			{name: "dashboard in English", path: "/?lang=en", status: 200, want: []string{
				"Health-service commitments for 2025", "Demo base map, not an approved map", "as of 2025-12-31",
			}},
			{name: "dashboard bad date", path: "/?as_of=yesterday", status: 400},
			{name: "dashboard unknown set", path: "/?set=1999", status: 404, want: []string{"没有编号为 1999 的实事项目"}},
			{name: "dashboard unknown target", path: "/?target=nope", status: 404},
			{name: "dashboard unknown region", path: "/?region=999999", status: 400},

			{name: "target page", path: "/commitments/2025/pediatrics-general?region=410000", status: 200, want: []string{
				"提供儿科服务的二、三级公立综合医院占比", "尚未提供儿科服务的二、三级公立综合医院", "H009", "新郑市第二人民医院",
				"66.7%", "≥ 100%", "时限 2025-11-30", `<td>郑州市</td>`,
				`href="/commitments/2025/pediatrics-general/gaps.xlsx?region=410000"`,
				`href="/commitments/2025/pediatrics-general?region=410100"`,
			}, not: []string{"中牟县人民医院"}},
			{name: "target page of a register's figure", path: "/commitments/2025/lectures?region=410000", status: 200, want: []string{
				`href="/lectures/quota?region=410000&amp;year=2025"`, "讲座台账与配额",
			}},
			{name: "target page of the conferences", path: "/commitments/2025/press-conferences?region=000000", status: 200, want: []string{
				`href="/conferences?year=2025"`, "发布会计划与记录",
			}},
			{name: "target page of units", path: "/commitments/2025/psych-clinic-prefectures?region=410000", status: 200, want: []string{
				"尚无医院提供心理门诊的地级市", "开封市", "郑州市",
			}},
			{name: "target page on a date", path: "/commitments/2025/pediatrics-general?region=410000&as_of=2025-02-01", status: 200, want: []string{
				`value="2025-02-01"`, "50%", "gaps.xlsx?as_of=2025-02-01&amp;region=410000",
			}},
			{name: "target page unknown target", path: "/commitments/2025/nope", status: 404, want: []string{"没有编号为 nope 的指标"}},
			{name: "target page unknown set", path: "/commitments/1999/pediatrics-general", status: 404},
			{name: "gap list xlsx", path: "/commitments/2025/pediatrics-general/gaps.xlsx?region=410000", status: 200, want: []string{"PK"}, header: map[string]string{
				"Content-Type": "spreadsheetml", "Content-Disposition": `filename="gaps-pediatrics-general-410000-2025-12-31.xlsx"`,
			}},

			{name: "report card", path: "/commitments/2025/report?region=410000", status: 200, want: []string{
				"2025年卫生健康系统为民服务实事项目成绩单", "河南省 · 截至2025年12月31日", "一、全国二、三级公立综合医院均提供儿科服务",
				"format=md", "format=xlsx",
			}},
			{name: "report card markdown", path: "/commitments/2025/report?region=410000&format=md", status: 200, want: []string{
				"# 2025年卫生健康系统为民服务实事项目成绩单", "| 提供儿科服务的二、三级公立综合医院占比 | 66.7% |",
			}, header: map[string]string{"Content-Type": "text/markdown", "Content-Disposition": `filename="report-2025-410000-2025-12-31.md"`}},
			{name: "report card xlsx", path: "/commitments/2025/report?format=xlsx", status: 200, want: []string{"PK"}, header: map[string]string{
				"Content-Disposition": `filename="report-2025-000000-2025-12-31.xlsx"`,
			}},
			{name: "report card bad format", path: "/commitments/2025/report?format=pdf", status: 400},

			{name: "boundaries of the country", path: "/geo/000000.geojson", status: 200, want: []string{`"FeatureCollection"`, `"410000"`}, header: map[string]string{
				"Content-Type": "application/geo+json", "Cache-Control": "private",
			}},
			{name: "boundaries of a province", path: "/geo/410000.geojson", status: 200, want: []string{`"410100"`}},
			{name: "no boundaries of a prefecture", path: "/geo/410100.geojson", status: 404},
			{name: "no boundaries of an unknown unit", path: "/geo/999999.geojson", status: 404},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r := do(t, h, "GET", tc.path, nil)
				if r.status != tc.status {
					t.Fatalf("GET %s: status %d, want %d\n%s", tc.path, r.status, tc.status, excerpt(r.body))
				}
				for _, w := range tc.want {
					if !strings.Contains(r.body, w) {
						t.Errorf("GET %s: body lacks %q\n%s", tc.path, w, excerpt(r.body))
					}
				}
				for _, n := range tc.not {
					if strings.Contains(r.body, n) {
						t.Errorf("GET %s: body has %q", tc.path, n)
					}
				}
				for k, v := range tc.header {
					if got := r.header.Get(k); !strings.Contains(got, v) {
						t.Errorf("GET %s: header %s = %q, want it to contain %q", tc.path, k, got, v)
					}
				}
			})
		}
	})
}

// TestCommitmentAPI checks the JSON API of the dashboard: the sets, an
// evaluation with its children, one target, a date, the trend; and that a
// write shows in the next evaluation (the cache follows the store's write
// count).
func TestCommitmentAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seedCommitments(t, st)
		h := newHandler(t, st)

		r := do(t, h, "GET", "/api/commitments", nil)
		m := r.decode(t)
		if r.status != 200 || path(m, "sets", 0, "id") != "2025" || path(m, "sets", 1, "id") != "2025-2027" {
			t.Fatalf("sets: %d %.300s", r.status, r.body)
		}
		if path(m, "sets", 0, "default_as_of") != "2025-12-31" || path(m, "sets", 0, "commitments", 0, "targets", 0, "goal") != "≥ 100%" {
			t.Errorf("set 2025: %v", path(m, "sets", 0))
		}
		if dates := asSlice(path(m, "sets", 0, "dates")); len(dates) != 12 || dates[0] != "2025-01-31" || dates[11] != "2025-12-31" {
			t.Errorf("the 2025 set's dates %v, want the month ends of 2025", dates)
		}

		r = do(t, h, "GET", "/api/commitments/2025/evaluation?region=410000&target=pediatrics-general", nil)
		m = r.decode(t)
		if r.status != 200 {
			t.Fatalf("evaluation: %d %s", r.status, r.body)
		}
		for _, c := range []struct {
			keys []any
			want any
		}{
			{[]any{"set"}, "2025"},
			{[]any{"as_of"}, "2025-12-31"},
			{[]any{"trend_from"}, "2025-10-02"},
			{[]any{"region", "code"}, "410000"},
			{[]any{"region", "results", "pediatrics-general", "status"}, "overdue"},
			{[]any{"region", "results", "pediatrics-general", "numerator"}, 2.0},
			{[]any{"region", "results", "pediatrics-general", "denominator"}, 3.0},
			{[]any{"region", "results", "pediatrics-general", "display"}, "66.7%"},
			{[]any{"region", "results", "pediatrics-general", "goal"}, 1.0},
			{[]any{"region", "results", "pediatrics-general", "gap"}, 1.0},
			{[]any{"ancestors", 0, "code"}, "000000"},
			{[]any{"ancestors", 0, "in_scope"}, true},
			{[]any{"targets", 0, "lists_facilities"}, true},
			{[]any{"children", 0, "code"}, "410100"},
			{[]any{"children", 0, "has_children"}, true},
			{[]any{"children", 0, "results", "pediatrics-general", "display"}, "66.7%"},
		} {
			if got := path(m, c.keys...); got != c.want {
				t.Errorf("evaluation %v = %v, want %v", c.keys, got, c.want)
			}
		}
		if n := len(asSlice(path(m, "children"))); n != 18 {
			t.Errorf("河南 has %d children in the evaluation, want 18", n)
		}
		if s, _ := path(m, "map").(string); !strings.HasPrefix(s, "/geo/410000.geojson") {
			t.Errorf("map %q", s)
		}
		if len(path(m, "region", "results").(map[string]any)) != 1 {
			t.Errorf("?target= gives %d targets", len(path(m, "region", "results").(map[string]any)))
		}

		// Before H002 opened (2025-03-01): one of two.
		r = do(t, h, "GET", "/api/commitments/2025/evaluation?region=410000&as_of=2025-02-01", nil)
		m = r.decode(t)
		if path(m, "region", "results", "pediatrics-general", "display") != "50%" || path(m, "region", "results", "pediatrics-general", "status") != "at_risk" {
			t.Errorf("on 2025-02-01: %v", path(m, "region", "results", "pediatrics-general"))
		}
		if _, ok := path(m, "trend_from").(string); ok {
			t.Errorf("a trend from before the set's start: %v", path(m, "trend_from"))
		}
		if len(path(m, "region", "results").(map[string]any)) < 20 {
			t.Errorf("without ?target=, every target: %d", len(path(m, "region", "results").(map[string]any)))
		}

		r = do(t, h, "GET", "/api/commitments/2025/trend?region=410000&target=pediatrics-general", nil)
		m = r.decode(t)
		points := asSlice(path(m, "points"))
		if r.status != 200 || len(points) != 12 {
			t.Fatalf("trend: %d %.300s", r.status, r.body)
		}
		if path(m, "goal") != 1.0 || path(m, "points", 0, "date") != "2025-01-31" || path(m, "points", 0, "display") != "50%" ||
			path(m, "points", 11, "date") != "2025-12-31" || path(m, "points", 11, "display") != "66.7%" {
			t.Errorf("trend %.600s", r.body)
		}
		// A target without a value anywhere: null points.
		r = do(t, h, "GET", "/api/commitments/2025/trend?region=410000&target=lectures", nil)
		if m := r.decode(t); r.status != 200 || path(m, "points", 0, "value") != nil || path(m, "points", 0, "display") != "—" {
			t.Errorf("trend of a figure nobody reported: %d %.300s", r.status, r.body)
		}

		for _, c := range []struct {
			path   string
			status int
		}{
			{"/api/commitments/1999/evaluation", 404},
			{"/api/commitments/2025/evaluation?target=nope", 404},
			{"/api/commitments/2025/evaluation?as_of=soon", 400},
			{"/api/commitments/2025/evaluation?region=999999", 400},
			{"/api/commitments/2025/trend?target=nope", 404},
		} {
			if r := do(t, h, "GET", c.path, nil); r.status != c.status || !strings.Contains(r.header.Get("Content-Type"), "json") {
				t.Errorf("GET %s: %d %s, want %d JSON", c.path, r.status, r.header.Get("Content-Type"), c.status)
			}
		}

		// H009 adds pediatrics: the next evaluation has it, though the
		// last one is cached.
		if r := do(t, h, "PUT", "/api/hospitals/H009", map[string]any{"pediatrics": "own", "valid_from": "2025-12-01"}); r.status != 200 {
			t.Fatalf("update H009: %d %s", r.status, r.body)
		}
		r = do(t, h, "GET", "/api/commitments/2025/evaluation?region=410000&target=pediatrics-general", nil)
		if got := path(r.decode(t), "region", "results", "pediatrics-general", "status"); got != "met" {
			t.Errorf("after the write the status is %v, want met", got)
		}
		r = do(t, h, "GET", "/api/commitments/2025/trend?region=410000&target=pediatrics-general", nil)
		if got := path(r.decode(t), "points", 11, "display"); got != "100%" {
			t.Errorf("after the write the trend ends at %v, want 100%%", got)
		}
	})
}

// TestCommitmentScope checks that the commitments pages and API keep to
// the caller's scope like the rest: a county supervisor sees its county
// by default, gets 404 for a province beside it, and a hospital's staff
// keep their home page.
func TestCommitmentScope(t *testing.T) {
	st := storetest.OpenSQLite(t)
	seedCommitments(t, st)
	srv := newServer(t, st)
	county := asUser(t, st, roleUser(t, st, auth.CountySupervisor), srv.Handler())
	for _, c := range []struct {
		path   string
		status int
		want   string
	}{
		{"/", 200, `id="commit-here">中牟县<`},
		{"/?region=420000", 404, ""},
		{"/?region=410000", 404, ""},
		{"/api/commitments/2025/evaluation", 200, `"code":"410122"`},
		{"/api/commitments/2025/evaluation?region=420000", 404, ""},
		{"/api/commitments/2025/trend?region=410000", 404, ""},
		{"/commitments/2025/pediatrics-general?region=410100", 404, ""},
		{"/commitments/2025/pediatrics-general/gaps.xlsx?region=410100", 404, ""},
		{"/commitments/2025/report?region=410100&format=md", 404, ""},
		{"/commitments/2025/report", 200, "中牟县"},
	} {
		r := do(t, county, "GET", c.path, nil)
		if r.status != c.status || !strings.Contains(r.body, c.want) {
			t.Errorf("county supervisor GET %s: %d, want %d with %q\n%s", c.path, r.status, c.status, c.want, excerpt(r.body))
		}
	}
	// The county's breadcrumb names the units above without linking them.
	if r := do(t, county, "GET", "/", nil); strings.Contains(r.body, `href="/?region=410100`) || !strings.Contains(r.body, "<span>郑州市</span>") {
		t.Errorf("county breadcrumb links above its scope\n%s", excerpt(r.body))
	}
	// An approver may read but not export.
	approver := asUser(t, st, roleUser(t, st, auth.Approver), srv.Handler())
	if r := do(t, approver, "GET", "/commitments/2025/report?format=xlsx", nil); r.status != 404 {
		t.Errorf("approver's report download: %d, want 404", r.status)
	}
	if r := do(t, approver, "GET", "/commitments/2025/pediatrics-general", nil); r.status != 200 || strings.Contains(r.body, "gaps.xlsx") {
		t.Errorf("approver's target page: %d, with a download link: %v", r.status, strings.Contains(r.body, "gaps.xlsx"))
	}
	staff := asUser(t, st, roleUser(t, st, auth.HospitalStaff), srv.Handler())
	if r := do(t, staff, "GET", "/", nil); r.status != http.StatusFound || r.header.Get("Location") != "/facilities/hospitals/H001" {
		t.Errorf("home of hospital staff: %d %s", r.status, r.header.Get("Location"))
	}
	// Anonymous callers: the login page, 401 on the API, and no
	// boundaries.
	anon := srv.Handler()
	for p, want := range map[string]int{"/": 303, "/api/commitments": 401, "/geo/000000.geojson": 303, "/commitments/2025/report": 303} {
		if r := do(t, anon, "GET", p, nil); r.status != want {
			t.Errorf("anonymous GET %s: %d, want %d", p, r.status, want)
		}
	}
}

// TestPublicProgress checks the public page: open without a login, the
// region's standing, links down and up, nothing naming a facility.
func TestPublicProgress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seedCommitments(t, st)
		h := newServer(t, st).Handler() // no session: anonymous
		for _, c := range []struct {
			path   string
			status int
			want   []string
		}{
			{"/public", 200, []string{"<h1>全国</h1>", "数据截至2025年12月31日", `href="/public/2025/410000"`, `href="/public/2025-2027/000000"`,
				"提供儿科服务的二、三级公立综合医院占比", "不含个人信息"}},
			{"/public/2025/410000", 200, []string{"<h1>河南省</h1>", `<a href="/public/2025/000000">全国</a>`, "66.7%", "逾期未完成", "郑州市"}},
			{"/public/2025-2027/410100", 200, []string{"<h1>郑州市</h1>", "儿科和精神卫生服务年", `href="/public/2025-2027/410122"`}},
			{"/public/2025/410000?lang=en", 200, []string{"Henan: progress on the commitments", "overdue"}},
			{"/public/2025/999999", 404, nil},
			{"/public/1999/000000", 404, nil},
		} {
			r := do(t, h, "GET", c.path, nil)
			if r.status != c.status {
				t.Fatalf("GET %s: %d, want %d\n%s", c.path, r.status, c.status, excerpt(r.body))
			}
			for _, w := range c.want {
				if !strings.Contains(r.body, w) {
					t.Errorf("GET %s lacks %q\n%s", c.path, w, excerpt(r.body))
				}
			}
			for _, n := range []string{"H009", "新郑市第二人民医院", "梳理名单", "/geo/", "echarts"} {
				if strings.Contains(r.body, n) {
					t.Errorf("public page %s shows %q", c.path, n)
				}
			}
		}
	})
}

// TestCommitmentGeoDir checks --geo-dir: the deployment's files replace the
// demo map, a prefecture file adds a county map, and the notice changes.
func TestCommitmentGeoDir(t *testing.T) {
	st := storetest.OpenSQLite(t)
	seedCommitments(t, st)
	dir := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "prefectures"), 0o755))
	const own = `{"type":"FeatureCollection","features":[],"note":"approved"}`
	must(t, os.WriteFile(filepath.Join(dir, "china_provinces.geojson"), []byte(own), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "prefectures", "410100.geojson"), []byte(own), 0o644))
	srv := web.New(web.Config{Store: st, Tree: tree, Now: now, Version: "test", Logger: testLogger(t), UploadDir: t.TempDir(), GeoDir: dir})
	h := asUser(t, st, roleUser(t, st, auth.NationalSupervisor), srv.Handler())
	for p, want := range map[string]int{"/geo/000000.geojson": 200, "/geo/410100.geojson": 200, "/geo/410000.geojson": 404} {
		r := do(t, h, "GET", p, nil)
		if r.status != want || want == 200 && !strings.Contains(r.body, "approved") {
			t.Errorf("GET %s: %d %.80s, want %d from the deployment's files", p, r.status, r.body, want)
		}
	}
	r := do(t, h, "GET", "/?region=410100", nil)
	if !strings.Contains(r.body, `data-map="/geo/410100.geojson?v=`) || !strings.Contains(r.body, "底图由部署单位提供") || strings.Contains(r.body, "非审图号") {
		t.Errorf("dashboard with the deployment's map\n%s", excerpt(r.body))
	}
}

// TestPublicRateLimit: anonymous visitors of the public pages share their
// address's limit; a logged-in visitor is accountable and is not limited,
// so an office behind one address does not lock itself out.
func TestPublicRateLimit(t *testing.T) {
	st := storetest.OpenSQLite(t)
	srv := web.New(web.Config{Store: st, Tree: tree, Now: now, Version: "test", Logger: testLogger(t),
		UploadDir: t.TempDir(), AnonymousRate: 1, AnonymousBurst: 3})
	h := srv.Handler()
	user := asUser(t, st, ensureUser(t, st, "national-rl", testPassword, auth.NationalSupervisor, region.CountryCode, "", ""), h)
	statuses := func(h http.Handler) []int {
		var out []int
		for range 5 {
			out = append(out, do(t, h, "GET", "/public/2025/410000", nil).status)
		}
		return out
	}
	if got := statuses(h); got[0] != 200 || got[4] != http.StatusTooManyRequests {
		t.Errorf("anonymous: %v, want 200 first and 429 once over the burst", got)
	}
	for i, s := range statuses(user) {
		if s != 200 {
			t.Errorf("logged in, request %d: %d, want 200", i+1, s)
		}
	}
}

// TestDispatchPage: the dispatch report between two dates as a page, as
// Markdown and as Excel, limited to the caller's region.
func TestDispatchPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seedCommitments(t, st)
		h := newHandler(t, st)
		r := do(t, h, "GET", "/commitments/2025/dispatch?region=410000&from=2025-02-01&as_of=2025-12-31", nil)
		if r.status != 200 || !strings.Contains(r.body, "调度报告") || !strings.Contains(r.body, "2025-02-01 → 2025-12-31") {
			t.Fatalf("dispatch page: %d\n%s", r.status, excerpt(r.body))
		}
		md := do(t, h, "GET", "/commitments/2025/dispatch?region=410000&from=2025-02-01&as_of=2025-12-31&format=md", nil)
		if md.status != 200 || !strings.HasPrefix(md.body, "# 2025年卫生健康系统为民服务实事项目调度报告") {
			t.Errorf("dispatch md: %d\n%.300s", md.status, md.body)
		}
		x := do(t, h, "GET", "/commitments/2025/dispatch?region=410000&from=2025-02-01&as_of=2025-12-31&format=xlsx", nil)
		if x.status != 200 || !strings.HasPrefix(x.body, "PK") {
			t.Errorf("dispatch xlsx: %d", x.status)
		}
		if r := do(t, h, "GET", "/commitments/2025/dispatch?region=410000&from=2025-12-31&as_of=2025-09-11", nil); r.status != 400 {
			t.Errorf("from after to: %d", r.status)
		}

	})
}

// TestResponsiblesPage: a reporter names the responsible officials of a
// commitment for the region; the phone is sealed with the data key and
// shown back in full to the region's readers, and its showing audited.
func TestResponsiblesPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seed(t, st)
		key, err := personal.GenerateKey("t1")
		if err != nil {
			t.Fatal(err)
		}
		ring, err := personal.ParseKeyRing(key)
		if err != nil {
			t.Fatal(err)
		}
		srv := web.New(web.Config{Store: st, Tree: tree, Now: now, Version: "test", Logger: testLogger(t),
			UploadDir: t.TempDir(), DataKeys: ring})
		h := asUser(t, st, ensureUser(t, st, "reporter-hn", testPassword, auth.Reporter, "410000", "", ""), srv.Handler())
		form := url.Values{"commitment": {"dialysis"}, "leader": {"张副主任"}, "department": {"医政处"}, "contact": {"李科长"}, "phone": {"13812345678"}}
		formType := []string{"Content-Type", "application/x-www-form-urlencoded"}
		r := do(t, h, "POST", "/commitments/2025/responsibles?region=410000", form.Encode(), formType...)
		if r.status != http.StatusSeeOther {
			t.Fatalf("save: %d\n%s", r.status, excerpt(r.body))
		}
		r = do(t, h, "GET", "/commitments/2025/responsibles?region=410000", nil)
		if r.status != 200 || !strings.Contains(r.body, "张副主任") || !strings.Contains(r.body, "13812345678") {
			t.Errorf("page: %d\n%s", r.status, excerpt(r.body))
		}
		form.Set("contact", "王13812345678")
		if r := do(t, h, "POST", "/commitments/2025/responsibles?region=410000", form.Encode(), formType...); r.status != 400 {
			t.Errorf("a phone in the contact field: %d", r.status)
		}
		if r := do(t, h, "GET", "/commitments/2025/responsibles?region=420000", nil); r.status != 404 {
			t.Errorf("another province: %d", r.status)
		}
		entries, _, err := st.AuditEntries(context.Background(), store.AuditQuery{Action: audit.ReadPersonal})
		if err != nil || len(entries) == 0 {
			t.Errorf("reading the phone left no audit entry: %v", err)
		}
	})
}

// TestHotlineRegister: the 12356 register lists the region's lines with
// their flags, as a page and as Excel, within the caller's scope.
func TestHotlineRegister(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seed(t, st)
		h := newHandler(t, st)
		r := do(t, h, "GET", "/hotlines/register?region=410000&as_of=2025-12-31", nil)
		if r.status != 200 || !strings.Contains(r.body, "郑州市12356心理援助热线") || !strings.Contains(r.body, "共1条热线，其中0条需整改") {
			t.Errorf("register: %d\n%s", r.status, excerpt(r.body))
		}
		x := do(t, h, "GET", "/hotlines/register?region=410000&as_of=2025-12-31&format=xlsx", nil)
		if x.status != 200 || !strings.HasPrefix(x.body, "PK") {
			t.Errorf("register xlsx: %d", x.status)
		}
		if r := do(t, h, "GET", "/hotlines/register?region=420000&as_of=2025-12-31", nil); r.status != 200 || strings.Contains(r.body, "郑州市12356") {
			t.Errorf("another province lists Zhengzhou's line: %d", r.status)
		}
		hn := asUser(t, st, ensureUser(t, st, "county-hl", testPassword, auth.CountySupervisor, "410122", "", ""), newServer(t, st).Handler())
		if r := do(t, hn, "GET", "/hotlines/register?region=410000", nil); r.status != 404 {
			t.Errorf("a county supervisor reads the province's register: %d", r.status)
		}
	})
}
