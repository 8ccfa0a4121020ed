package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/importer"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/store/storetest"
	"github.com/shishi-health/shishi/web"
)

// Facilities outside Henan, so that every registry has one beside the
// scope of the Henan users: a blood centre of Hubei, a hotline of Wuhan, a
// childcare institution of a Wuhan district. The Beijing hospital H005 is
// in the seed.
const (
	outsideChildcare = `机构代码,机构名称,所在县区代码,托位数,普惠托位数,普惠认定日期,月收费(元),生效日期
C002,江岸区托育中心,420102,50,40,2025-02-01,1000,2025-02-01
`
	outsideBlood = `机构代码,机构名称,所在地区代码,类别,接入跨省血费减免平台,生效日期
B002,湖北省血液中心,420000,血液中心,是,2020-01-01
`
	morePrimaryCare = `机构代码,机构名称,所在县区代码,类别,能诊治儿童常见病,生效日期
P001,中牟县城关镇卫生院,410122,乡镇卫生院,是,2024-01-01
P002,江岸区社区卫生服务中心,420102,社区卫生服务中心,是,2024-01-01
`
	outsideHotlines = `机构代码,热线名称,所在地市代码,号码,坐席数,受训接线员,开通日期,生效日期
L002,武汉市心理援助热线,420100,12356,4,20,2025-03-01,2025-03-01
`
)

func seedOutside(t testing.TB, st *store.Store) {
	t.Helper()
	for _, f := range []struct {
		sc   *facility.Schema
		data string
	}{{facility.PrimaryCare, morePrimaryCare}, {facility.Childcare, outsideChildcare}, {facility.BloodStations, outsideBlood}, {facility.Hotlines, outsideHotlines}} {
		rep, err := importer.Import(context.Background(), st, tree, f.sc, "outside.csv", strings.NewReader(f.data), importer.Options{Today: today})
		if err != nil {
			t.Fatalf("seed %s: %v %v", f.sc.Name, err, rep.Errors())
		}
	}
}

// facilityRegion is where each seeded facility is registered.
var facilityRegion = map[string]map[string]string{
	"hospitals":     {"H001": "410122", "H002": "410102", "H005": "110101"},
	"childcare":     {"C001": "410122", "C002": "420102"},
	"primarycare":   {"P001": "410122", "P002": "420102"},
	"bloodstations": {"B001": "410000", "B002": "420000"},
	"hotlines":      {"L001": "410100", "L002": "420100"},
}

// roleUser is the test user of a role: region roles in Henan at the level
// that fits (the national supervisor at the country), institution roles at
// 中牟县人民医院 (410122) or the Henan blood centre.
func roleUser(t testing.TB, st *store.Store, role auth.Role) auth.User {
	t.Helper()
	reg, inst, instReg := "", "", ""
	switch role {
	case auth.NationalSupervisor:
		reg = "000000"
	case auth.ProvincialSupervisor, auth.Auditor:
		reg = "410000"
	case auth.PrefectureSupervisor, auth.Approver:
		reg = "410100"
	case auth.CountySupervisor, auth.Reporter, auth.Administrator:
		reg = "410122"
	case auth.HospitalStaff, auth.Doctor:
		inst, instReg = "H001", "410122"
	case auth.BloodCentreReviewer:
		inst, instReg = "B001", "410000"
	}
	return ensureUser(t, st, "u-"+role.String(), testPassword, role, reg, inst, instReg)
}

// concrete fills a route pattern's wildcards for a request: the region, the
// registry and facility code, the file, a well-formed upload token.
func concrete(pattern, reg, registry, code string) (method, target string) {
	method, p, ok := strings.Cut(pattern, " ")
	if !ok {
		method, p = "GET", pattern
	}
	p = strings.TrimSuffix(p, "{$}")
	if strings.Contains(p, "/regions/{code}") || strings.HasPrefix(p, "/api/regions/") || strings.HasPrefix(p, "/public/") {
		p = strings.Replace(p, "{code}", reg, 1)
	}
	if strings.HasPrefix(p, "/geo/") {
		p = strings.Replace(p, "{file}", reg+".geojson", 1)
	}
	r := strings.NewReplacer("{registry}", registry, "{code}", code, "{file}", registry+".csv",
		"{token}", "0123456789abcdef0123456789abcdef", "{set}", "2025", "{target}", "pediatrics-general",
		"{year}", "2025", "{term}", "22", "{id}", "1")
	p = r.Replace(p)
	switch {
	case p == "/static/":
		p = "/static/style.css"
	case p == "/api/":
		p = "/api/nothing"
	case p == "/" && pattern == "/":
		p = "/nothing"
	}
	return method, p
}

// expectation is what a route must decide for a principal and a target
// that lies in the principal's scope.
func allowedInScope(rt web.RouteInfo, u auth.User) bool {
	p := u.Principal()
	switch rt.Target {
	case "public", "user":
		return true
	}
	if !p.Role.Has(rt.Right) {
		return false
	}
	inst := p.Role.Binding() == auth.BoundToInstitution
	switch rt.Target {
	case "region-path":
		return !inst
	case "country":
		return p.Region == "000000"
	}
	return true
}

// TestRouteTable is the route-enumeration test: every route of the table,
// for every role, with a target in the role's scope and one outside it.
// Out of scope is always refused, and refused as 404 (401 or the login
// page for anonymous callers), exactly like a thing that does not exist;
// in scope is allowed exactly when the role holds the route's right.
func TestRouteTable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seed(t, st)
		seedOutside(t, st)
		srv := newServer(t, st)
		type decision struct {
			pattern string
			allowed bool
		}
		var mu sync.Mutex
		var last *decision
		srv.OnDecision(func(r *http.Request, pattern string, allowed bool) {
			mu.Lock()
			last = &decision{pattern, allowed}
			mu.Unlock()
		})
		h := srv.Handler()
		routes := srv.Routes()
		if len(routes) < 20 {
			t.Fatalf("route table has %d routes", len(routes))
		}
		send := func(method, target, cookie, csrf string) (response, *decision) {
			mu.Lock()
			last = nil
			mu.Unlock()
			hdr := []string{}
			if cookie != "" {
				hdr = append(hdr, "Cookie", "shishi_session="+cookie, "X-CSRF-Token", csrf)
			}
			if method != "GET" {
				hdr = append(hdr, "Content-Type", "application/json")
			}
			r := do(t, h, method, target, nil, hdr...)
			mu.Lock()
			defer mu.Unlock()
			return r, last
		}

		// Anonymous callers: 401 for the API, the login page for pages,
		// on every route that is not public.
		for _, rt := range routes {
			method, target := concrete(rt.Pattern, "410122", registryOf(rt), "H001")
			r, d := send(method, target, "", "")
			switch {
			case rt.Target == "public":
				if d == nil || !d.allowed {
					t.Errorf("anonymous %s: refused on a public route (%d)", target, r.status)
				}
			case rt.API && r.status != 401:
				t.Errorf("anonymous %s %s: %d, want 401", method, target, r.status)
			case !rt.API && (r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), "/login?next=")):
				t.Errorf("anonymous %s %s: %d %s, want 303 to the login page", method, target, r.status, r.header.Get("Location"))
			}
		}

		var allowed, refused int
		defer func() { t.Logf("%d routes: %d requests allowed, %d refused", len(routes), allowed, refused) }()
		for _, role := range auth.Roles() {
			u := roleUser(t, st, role)
			p := u.Principal()
			scope := p.Scope()
			t.Run(role.String(), func(t *testing.T) {
				for _, rt := range routes {
					reg := registryOf(rt)
					// In scope: the role's own unit; for facilities one
					// of the registry within the scope (for institution
					// roles their own institution), if any.
					inReg := scope.Region
					inCode := ""
					for code, cr := range facilityRegion[reg] {
						if p.Role.Binding() == auth.BoundToInstitution {
							if code == p.Institution && reg == p.Role.Registry() {
								inCode = code
							}
						} else if tree.Contains(scope.Region, cr) {
							inCode = code
						}
					}
					cases := []struct {
						name, region, code string
						in                 bool
					}{}
					if rt.Target != "facility" || inCode != "" {
						cases = append(cases, struct {
							name, region, code string
							in                 bool
						}{"in scope", inReg, inCode, true})
					}
					// Out of scope: Hubei and Beijing, for everyone but
					// the national supervisor, whose scope has no outside.
					outCode := map[string]string{"hospitals": "H005", "primarycare": "P002", "childcare": "C002", "bloodstations": "B002", "hotlines": "L002"}[reg]
					switch rt.Target {
					case "region-path", "region-query", "facility":
						if role != auth.NationalSupervisor {
							cases = append(cases, struct {
								name, region, code string
								in                 bool
							}{"out of scope", "420000", outCode, false})
						}
					}
					for _, c := range cases {
						method, target := concrete(rt.Pattern, c.region, reg, c.code)
						if rt.Target == "region-query" {
							target += "?region=" + c.region
						}
						if method == "DELETE" {
							target += "?date=not-a-date" // refused by the handler, after the guard: nothing closes
						}
						cookie, csrf := newSession(t, st, u)
						r, d := send(method, target, cookie, csrf)
						if d == nil || d.pattern != rt.Pattern {
							t.Errorf("%s %s (%s): the guard of %q decided nothing (%d)", method, target, c.name, rt.Pattern, r.status)
							continue
						}
						if d.allowed {
							allowed++
						} else {
							refused++
						}
						want := c.in && allowedInScope(rt, u)
						if d.allowed != want {
							t.Errorf("%s %s (%s): allowed %v, want %v (right %s)", method, target, c.name, d.allowed, want, rt.Right)
						}
						if !d.allowed && r.status != 404 {
							t.Errorf("%s %s (%s): refused with %d, want 404\n%s", method, target, c.name, r.status, excerpt(r.body))
						}
					}
				}
			})
		}
	})
}

func registryOf(rt web.RouteInfo) string {
	if rt.Registry != "" {
		return rt.Registry
	}
	return "hospitals"
}

// TestRouteRules checks that a route without a declared rule is caught,
// and that routes are registered through the table alone: the only call of
// mux.Handle in the package is the loop over the table.
func TestRouteRules(t *testing.T) {
	srv := newServer(t, storetest.OpenSQLite(t))
	if err := srv.CheckRouteWithoutRule(); err == nil || !strings.Contains(err.Error(), "GET /new") {
		t.Errorf("a route without a rule: %v, want an error naming it", err)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`\.(Handle|HandleFunc)\(`)
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllString(string(b), -1) {
			n++
			if f != "server.go" {
				t.Errorf("%s registers a route outside the table: %s", f, m)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d route registrations, want the one loop over the table", n)
	}
}

// TestScopeLists checks that lists, counts and search show only what is
// in scope.
func TestScopeLists(t *testing.T) {
	st := storetest.OpenSQLite(t)
	seed(t, st)
	seedOutside(t, st)
	srv := newServer(t, st)
	county := asUser(t, st, roleUser(t, st, auth.CountySupervisor), srv.Handler())
	staff := asUser(t, st, roleUser(t, st, auth.HospitalStaff), srv.Handler())

	if r := do(t, county, "GET", "/", nil); r.status != 200 || !strings.Contains(r.body, `id="commit-here">中牟县<`) {
		t.Errorf("home of a county clerk: %d %s, want the commitments dashboard of the county", r.status, r.header.Get("Location"))
	}
	if r := do(t, county, "GET", "/regions/000000", nil); r.status != 404 {
		t.Errorf("county clerk on the country page: %d, want 404", r.status)
	}
	r := do(t, county, "GET", "/api/hospitals", nil)
	if r.status != 200 || path(r.decode(t), "total") != 1.0 || path(r.decode(t), "items", 0, "code") != "H001" {
		t.Errorf("county clerk's hospital list: %d %s", r.status, r.body)
	}
	r = do(t, county, "GET", "/search?q=医院", nil)
	if r.status != 200 || !strings.Contains(r.body, "中牟县人民医院") || strings.Contains(r.body, "东城区儿童医院") || strings.Contains(r.body, "郑州市第一人民医院") {
		t.Errorf("county clerk's search shows facilities outside the county: %d\n%s", r.status, excerpt(r.body))
	}
	r = do(t, county, "GET", "/search?q=北京", nil)
	if strings.Contains(r.body, `href="/regions/110000"`) {
		t.Errorf("county clerk's search links Beijing")
	}
	if r := do(t, staff, "GET", "/", nil); r.status != 302 || r.header.Get("Location") != "/facilities/hospitals/H001" {
		t.Errorf("home of hospital staff: %d %s", r.status, r.header.Get("Location"))
	}
	r = do(t, staff, "GET", "/api/hospitals", nil)
	if r.status != 200 || path(r.decode(t), "total") != 1.0 || path(r.decode(t), "items", 0, "code") != "H001" {
		t.Errorf("hospital staff's list: %d %s", r.status, r.body)
	}
	if r := do(t, staff, "GET", "/api/childcare", nil); r.status != 200 || path(r.decode(t), "total") != 0.0 {
		t.Errorf("hospital staff's childcare list: %d %s", r.status, r.body)
	}
	// A county reporter cannot move its hospital out of the county.
	rep := asUser(t, st, roleUser(t, st, auth.Reporter), srv.Handler())
	if r := do(t, rep, "PUT", "/api/hospitals/H001", map[string]any{"region": "420102"}); r.status != 404 {
		t.Errorf("moving a hospital out of scope: %d %s", r.status, r.body)
	}
	if r := do(t, rep, "POST", "/api/hospitals", map[string]any{"code": "H009", "name": "外地医院", "region": "420102"}); r.status != 404 && r.status != 422 {
		t.Errorf("creating a hospital out of scope: %d %s", r.status, r.body)
	}
}

// loginHandler is a server with an adjustable clock, for the login tests.
func loginServer(t *testing.T, st *store.Store, clock *time.Time, secure bool) http.Handler {
	var mu sync.Mutex
	return web.New(web.Config{
		Store: st, Tree: tree, Version: "test", UploadDir: t.TempDir(), SecureCookies: secure,
		Now:    func() time.Time { mu.Lock(); defer mu.Unlock(); return *clock },
		Logger: testLogger(t),
	}).Handler()
}

func postForm(t testing.TB, h http.Handler, target string, form url.Values, cookie string) response {
	t.Helper()
	hdr := []string{"Content-Type", "application/x-www-form-urlencoded"}
	if cookie != "" {
		hdr = append(hdr, "Cookie", "shishi_session="+cookie)
	}
	return do(t, h, "POST", target, form.Encode(), hdr...)
}

func sessionOf(t testing.TB, r response) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == "shishi_session" {
			return c
		}
	}
	return nil
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// TestLogin checks the login flow: the form, a wrong password and an
// unknown user (the same answer), a login with a secure session cookie,
// CSRF refusals, the lock-out after five failures, logout, and the audit
// entries of it all.
func TestLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seed(t, st)
		clock := now()
		h := loginServer(t, st, &clock, true)
		u := roleUser(t, st, auth.Reporter)

		if r := do(t, h, "GET", "/regions/410122", nil); r.status != 303 || r.header.Get("Location") != "/login?next=%2Fregions%2F410122" {
			t.Fatalf("anonymous page: %d %s", r.status, r.header.Get("Location"))
		}
		if r := do(t, h, "GET", "/login?next=/regions/410122", nil); r.status != 200 || !strings.Contains(r.body, `name="password"`) {
			t.Fatalf("login form: %d", r.status)
		}
		wrong := postForm(t, h, "/login", url.Values{"username": {u.Username}, "password": {"wrong-password-1"}}, "")
		unknown := postForm(t, h, "/login", url.Values{"username": {"nobody"}, "password": {"wrong-password-1"}}, "")
		for _, r := range []response{wrong, unknown} {
			if r.status != 401 || !strings.Contains(r.body, "用户名或密码错误") || sessionOf(t, r) != nil {
				t.Errorf("failed login: %d\n%s", r.status, excerpt(r.body))
			}
		}
		r := postForm(t, h, "/login", url.Values{"username": {u.Username}, "password": {testPassword}, "next": {"/regions/410122"}}, "")
		c := sessionOf(t, r)
		if r.status != 303 || r.header.Get("Location") != "/regions/410122" || c == nil {
			t.Fatalf("login: %d %s", r.status, r.header.Get("Location"))
		}
		if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode {
			t.Errorf("session cookie %+v: want HttpOnly, Secure, SameSite=Lax", c)
		}
		page := do(t, h, "GET", "/regions/410122", nil, "Cookie", "shishi_session="+c.Value)
		if page.status != 200 || !strings.Contains(page.body, "u-reporter") || !strings.Contains(page.body, "填报员") {
			t.Fatalf("page after login: %d\n%s", page.status, excerpt(page.body))
		}
		m := csrfRE.FindStringSubmatch(page.body)
		if m == nil {
			t.Fatal("no CSRF value in the page's forms")
		}
		// The password was rehashed from the cheap test parameters.
		if nu, _ := st.UserByUsername(context.Background(), u.Username); auth.NeedsRehash(nu.PasswordHash) {
			t.Error("password not rehashed at login")
		}

		// CSRF: a cookie-authenticated write without the value is refused,
		// on pages and on the API; a bearer token needs none (TestAPIToken).
		if r := postForm(t, h, "/logout", url.Values{}, c.Value); r.status != 403 {
			t.Errorf("logout without CSRF: %d, want 403", r.status)
		}
		if r := postForm(t, h, "/logout", url.Values{"csrf": {"forged"}}, c.Value); r.status != 403 {
			t.Errorf("logout with a wrong CSRF value: %d, want 403", r.status)
		}
		if r := do(t, h, "PUT", "/api/hospitals/H001", map[string]any{"name": "改名"}, "Cookie", "shishi_session="+c.Value); r.status != 403 {
			t.Errorf("API write by cookie without X-CSRF-Token: %d, want 403", r.status)
		}
		if r := do(t, h, "PUT", "/api/hospitals/H001", map[string]any{"ped_beds": 31}, "Cookie", "shishi_session="+c.Value, "X-CSRF-Token", m[1]); r.status != 200 {
			t.Errorf("API write by cookie with X-CSRF-Token: %d %s", r.status, r.body)
		}
		r = postForm(t, h, "/logout", url.Values{"csrf": {m[1]}}, c.Value)
		if r.status != 303 {
			t.Errorf("logout: %d", r.status)
		}
		if r := do(t, h, "GET", "/regions/410122", nil, "Cookie", "shishi_session="+c.Value); r.status != 303 {
			t.Errorf("page after logout: %d, want 303 to the login page", r.status)
		}

		// Lock-out: five failures lock the account; the right password
		// then gets the wait message and no session, until the lock ends.
		v := roleUser(t, st, auth.Approver)
		for range 5 {
			postForm(t, h, "/login", url.Values{"username": {v.Username}, "password": {"wrong-password-1"}}, "")
			clock = clock.Add(time.Second)
		}
		r = postForm(t, h, "/login", url.Values{"username": {v.Username}, "password": {testPassword}}, "")
		if r.status != 429 || sessionOf(t, r) != nil || !strings.Contains(r.body, "分钟后再试") {
			t.Errorf("login while locked out: %d\n%s", r.status, excerpt(r.body))
		}
		clock = clock.Add(16 * time.Minute)
		r = postForm(t, h, "/login", url.Values{"username": {v.Username}, "password": {testPassword}}, "")
		if r.status != 303 || sessionOf(t, r) == nil {
			t.Errorf("login after the lock-out: %d\n%s", r.status, excerpt(r.body))
		}

		entries, _, err := st.AuditEntries(context.Background(), store.AuditQuery{})
		if err != nil {
			t.Fatal(err)
		}
		count := map[audit.Action]int{}
		for _, e := range entries {
			count[e.Action]++
			if e.RequestID == "" {
				t.Errorf("audit %s without a request id", e.Action)
			}
		}
		if count[audit.Login] != 2 || count[audit.LoginFailed] != 7 || count[audit.Logout] != 1 {
			t.Errorf("audit counts %v, want 2 logins, 7 failures, 1 logout", count)
		}
	})
}

// TestMustChange checks that a user with a one-time password is sent to
// the account page and may go on once the password is changed.
func TestMustChange(t *testing.T) {
	st := storetest.OpenSQLite(t)
	clock := now()
	h := loginServer(t, st, &clock, false)
	u := roleUser(t, st, auth.Administrator)
	yes := true
	if _, err := st.UpdateUser(context.Background(), u.ID, store.UserChange{MustChange: &yes}, now()); err != nil {
		t.Fatal(err)
	}
	r := postForm(t, h, "/login", url.Values{"username": {u.Username}, "password": {testPassword}}, "")
	c := sessionOf(t, r)
	if r.status != 303 || r.header.Get("Location") != "/account" || c == nil {
		t.Fatalf("login with must_change: %d %s", r.status, r.header.Get("Location"))
	}
	if r := do(t, h, "GET", "/regions/410122", nil, "Cookie", "shishi_session="+c.Value); r.status != 303 || r.header.Get("Location") != "/account" {
		t.Errorf("page before the change: %d %s", r.status, r.header.Get("Location"))
	}
	acc := do(t, h, "GET", "/account", nil, "Cookie", "shishi_session="+c.Value)
	m := csrfRE.FindStringSubmatch(acc.body)
	if acc.status != 200 || m == nil {
		t.Fatalf("account page: %d", acc.status)
	}
	if r := postForm(t, h, "/account", url.Values{"csrf": {m[1]}, "current": {testPassword}, "new": {"short"}, "confirm": {"short"}}, c.Value); r.status != 422 {
		t.Errorf("a password against the policy: %d", r.status)
	}
	newPW := "Another-Horse-42"
	r = postForm(t, h, "/account", url.Values{"csrf": {m[1]}, "current": {testPassword}, "new": {newPW}, "confirm": {newPW}}, c.Value)
	c2 := sessionOf(t, r)
	if r.status != 303 || c2 == nil {
		t.Fatalf("change password: %d\n%s", r.status, excerpt(r.body))
	}
	if r := do(t, h, "GET", "/regions/410122", nil, "Cookie", "shishi_session="+c2.Value); r.status != 200 {
		t.Errorf("page after the change: %d", r.status)
	}
}

// TestAPIToken checks a scoped token: allowed within its region and
// rights, without CSRF; refused outside them; refused once revoked.
func TestAPIToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seed(t, st)
		h := newServer(t, st).Handler()
		owner := ensureUser(t, st, "u-reporter-zz", testPassword, auth.Reporter, "410100", "", "")
		secret, tok, err := auth.NewAPIToken(tree, owner.Principal(), now(), "script",
			[]auth.Right{auth.ReadFacilities, auth.WriteFacilities}, "410122", now().Add(30*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if err := st.CreateAPIToken(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
		bearer := []string{"Authorization", "Bearer " + secret}
		for _, tc := range []struct {
			method, target string
			body           any
			want           int
		}{
			{"GET", "/api/hospitals/H001", nil, 200},
			{"GET", "/api/hospitals", nil, 200},
			{"PUT", "/api/hospitals/H001", map[string]any{"ped_beds": 32}, 200},
			// H002 is in the owner's Zhengzhou but outside the token's
			// county.
			{"GET", "/api/hospitals/H002", nil, 404},
			{"GET", "/api/hospitals?region=410100", nil, 404},
			{"GET", "/api/hospitals/H005", nil, 404},
			// The token does not carry ReadAggregates, which its owner has.
			{"GET", "/api/regions/410122", nil, 404},
		} {
			if r := do(t, h, tc.method, tc.target, tc.body, bearer...); r.status != tc.want {
				t.Errorf("token %s %s: %d, want %d\n%s", tc.method, tc.target, r.status, tc.want, r.body)
			}
		}
		r := do(t, h, "GET", "/api/hospitals", nil, bearer...)
		if total := path(r.decode(t), "total"); total != 1.0 {
			t.Errorf("token's list holds %v hospitals, want the county's 1", total)
		}
		if err := st.RevokeAPIToken(context.Background(), tok.ID, now()); err != nil {
			t.Fatal(err)
		}
		if r := do(t, h, "GET", "/api/hospitals/H001", nil, bearer...); r.status != 401 {
			t.Errorf("revoked token: %d, want 401", r.status)
		}
		if r := do(t, h, "GET", "/api/hospitals/H001", nil, "Authorization", "Bearer shishi_forged"); r.status != 401 {
			t.Errorf("unknown token: %d, want 401", r.status)
		}
	})
}

// TestAuditFacilityUpdate checks the audit entry of a facility change:
// who, in which role and region, what, before and after, and the request.
func TestAuditFacilityUpdate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seed(t, st)
		u := roleUser(t, st, auth.Reporter)
		h := asUser(t, st, u, newServer(t, st).Handler())
		r := do(t, h, "PUT", "/api/hospitals/H001", map[string]any{"name": "中牟县人民医院（新院区）"})
		if r.status != 200 {
			t.Fatalf("update: %d %s", r.status, r.body)
		}
		entries, _, err := st.AuditEntries(context.Background(), store.AuditQuery{Object: "hospitals/H001"})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 {
			t.Fatalf("%d audit entries for the update, want 1", len(entries))
		}
		e := entries[0]
		if e.Action != audit.Update || e.Actor != u.ID || e.ActorRole != "reporter" || e.Region != "410122" || e.RequestID != r.header.Get("X-Request-Id") {
			t.Errorf("audit entry %+v", e)
		}
		var before, after map[string]any
		if err := json.Unmarshal(e.Before, &before); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(e.After, &after); err != nil {
			t.Fatal(err)
		}
		if before["name"] != "中牟县人民医院" || after["name"] != "中牟县人民医院（新院区）" {
			t.Errorf("before %v, after %v", before["name"], after["name"])
		}
		// Close and purge leave entries too.
		if r := do(t, h, "DELETE", "/api/hospitals/H001?date=2025-12-31", nil); r.status != 204 {
			t.Fatalf("close: %d %s", r.status, r.body)
		}
		if r := do(t, h, "DELETE", "/api/hospitals/H001?purge=true", nil); r.status != 204 {
			t.Fatalf("purge: %d %s", r.status, r.body)
		}
		entries, _, _ = st.AuditEntries(context.Background(), store.AuditQuery{Object: "hospitals/H001"})
		var acts []string
		for _, e := range entries {
			acts = append(acts, e.Action.String())
		}
		if got := strings.Join(acts, ","); got != "purge,close,update" {
			t.Errorf("audit actions %s, want purge,close,update", got)
		}
	})
}

// TestAuditImport checks the audit entry of an API import.
func TestAuditImport(t *testing.T) {
	st := storetest.OpenSQLite(t)
	h := newHandler(t, st)
	r := do(t, h, "POST", "/api/import/childcare?filename="+url.QueryEscape("托育.csv"), seedChildcare)
	if r.status != 200 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	entries, _, err := st.AuditEntries(context.Background(), store.AuditQuery{Action: audit.Import})
	if err != nil || len(entries) != 1 {
		t.Fatalf("import audit: %v %d", err, len(entries))
	}
	if e := entries[0]; e.Object != "childcare/托育.csv" || !strings.Contains(string(e.After), `"new":1`) {
		t.Errorf("import audit entry %s %s", e.Object, e.After)
	}
}

// TestImportInScope: a county reporter imports the hospitals of their
// county through the API; a row of the neighbouring county is rejected with
// the row named, and nothing is stored.
func TestImportInScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		u := ensureUser(t, st, "reporter-zhongmu", testPassword, auth.Reporter, "410122", "", "")
		h := asUser(t, st, u, newServer(t, st).Handler())
		header := strings.Join(importer.Header(facility.Hospitals, "zh"), ",")
		row := func(code, region string) string {
			return code + ",某县医院," + region + ",二级,综合医院,公立,无,否,0,0,0,否,否,否,0,0,0,0,否,否,2025-01-01"
		}
		if r := do(t, h, "POST", "/api/import/hospitals?filename=a.csv", header+"\n"+row("S1", "410122")+"\n"); r.status != 200 {
			t.Fatalf("in-scope import: %d %s", r.status, r.body)
		}
		r := do(t, h, "POST", "/api/import/hospitals?filename=b.csv", header+"\n"+row("S2", "410122")+"\n"+row("S3", "410184")+"\n")
		if r.status != 422 || !strings.Contains(r.body, "410184") {
			t.Fatalf("out-of-scope row: %d %s", r.status, r.body)
		}
		if _, err := st.History(context.Background(), facility.Hospitals, "S2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a rejected import stored S2: %v", err)
		}
	})
}
