package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
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

var tree = func() *region.Tree {
	t, err := region.Load()
	if err != nil {
		panic(err)
	}
	return t
}()

// now is the fixed clock of the tests: 2025-12-31 in China.
func now() time.Time {
	return time.Date(2025, 12, 31, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
}

const today = "2025-12-31"

// The seed: hospitals in Henan (Zhengzhou, a province-administered county),
// Beijing and Dongguan; one childcare institution; a provincial blood
// centre registered at province level; a prefecture's hotline.
const seedHospitals = `机构代码,机构名称,所在县区代码,等级,类别,所有制,儿科服务,儿科门诊,儿科床位,儿科医师,儿科护士,精神科,心理门诊,睡眠门诊,血液透析机,透析医师,透析护士,水处理设备,0-3岁危重症绿色通道,仍收门诊预交金,生效日期
H001,中牟县人民医院,410122,二级,综合医院,公立,自设儿科,是,30,8,20,否,是,否,12,2,6,1,是,否,2024-01-01
H002,郑州市第一人民医院,410102,三级,综合医院,公立,医联体派驻,是,0,0,0,是,是,是,40,6,20,2,是,否,2025-03-01
H003,济源市康宁医院,419001,未定级,专科医院,民营,无,否,0,0,0,否,否,否,0,0,0,0,否,是,2024-06-30
H004,东莞市妇幼保健院,441900,三级,妇幼保健院,公立,自设儿科,是,120,40,90,否,否,否,0,0,0,0,是,否,2025-01-15
H005,东城区儿童医院,110101,二级,儿童医院,公立,远程会诊,否,0,0,0,否,是,是,0,0,0,0,否,否,2025-11-30
`

const seedChildcare = `机构代码,机构名称,所在县区代码,托位数,普惠托位数,普惠认定日期,月收费(元),生效日期
C001,中牟县阳光托育园,410122,80,60,2025-02-01,1200,2025-02-01
`

const seedBlood = `机构代码,机构名称,所在地区代码,类别,接入跨省血费减免平台,生效日期
B001,河南省红十字血液中心,410000,血液中心,是,2020-01-01
`

const seedHotlines = `机构代码,热线名称,所在地市代码,号码,坐席数,受训接线员,开通日期,生效日期
L001,郑州市12356心理援助热线,410100,12356,4,20,2025-03-01,2025-03-01
`

// seed imports the seed files into st.
func seed(t testing.TB, st *store.Store) {
	t.Helper()
	for _, f := range []struct {
		sc   *facility.Schema
		name string
		data string
	}{
		{facility.Hospitals, "医院.csv", seedHospitals},
		{facility.Childcare, "托育.csv", seedChildcare},
		{facility.BloodStations, "血站.csv", seedBlood},
		{facility.Hotlines, "热线.csv", seedHotlines},
	} {
		rep, err := importer.Import(context.Background(), st, tree, f.sc, f.name, strings.NewReader(f.data), importer.Options{Today: today})
		if err != nil {
			t.Fatalf("seed %s: %v %v", f.name, err, rep.Errors())
		}
	}
}

// newServer returns a server over st, with the log going to the test's
// log.
func newServer(t testing.TB, st *store.Store) *web.Server {
	t.Helper()
	return web.New(web.Config{
		Store: st, Tree: tree, Now: now, Version: "test",
		Logger:    testLogger(t),
		UploadDir: t.TempDir(),
		// The clock stands still, so the anonymous bucket never
		// refills: the route test alone sends one anonymous request
		// per route. The rate-limit tests build their own servers.
		AnonymousBurst: 1 << 20,
	})
}

// newHandler returns the handler of a server over st, acting for a
// reporter bound to the whole country (who holds every right the pages
// and the API need, personal data aside): every request without its own
// credentials gets the reporter's session cookie and CSRF header.
func newHandler(t testing.TB, st *store.Store) http.Handler {
	t.Helper()
	u := ensureUser(t, st, "reporter-cn", testPassword, auth.Reporter, region.CountryCode, "", "")
	return asUser(t, st, u, newServer(t, st).Handler())
}

// testPassword is every test user's password; its hash is cheap.
const testPassword = "Correct-Horse-9"

// cheapParams make hashing fast in tests; a login rehashes with
// auth.DefaultParams, which NeedsRehash asks for.
var cheapParams = auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// ensureUser returns the user with the given username, creating it first
// when the store has none.
func ensureUser(t testing.TB, st *store.Store, username, password string, role auth.Role, reg, inst, instRegion string) auth.User {
	t.Helper()
	if u, err := st.UserByUsername(context.Background(), username); err == nil {
		return u
	}
	hash, err := auth.HashPasswordWith(cheapParams, password)
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(context.Background(), auth.User{
		Username: username, DisplayName: username, Role: role, Region: reg,
		Institution: inst, InstitutionRegion: instRegion, PasswordHash: hash, CreatedAt: now(),
	})
	if err != nil {
		t.Fatalf("create user %s: %v", username, err)
	}
	return u
}

// newSession stores a session of u and returns its cookie value and CSRF
// value.
func newSession(t testing.TB, st *store.Store, u auth.User) (token, csrf string) {
	t.Helper()
	token, se := auth.DefaultSessionPolicy.NewSession(now(), u.ID)
	if err := st.CreateSession(context.Background(), se); err != nil {
		t.Fatal(err)
	}
	return token, se.CSRF
}

// asUser wraps h so that requests without a cookie or an Authorization
// header carry a session of u: its cookie and its CSRF header.
func asUser(t testing.TB, st *store.Store, u auth.User, h http.Handler) http.Handler {
	token, csrf := newSession(t, st, u)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie("shishi_session"); err != nil && r.Header.Get("Authorization") == "" {
			r.AddCookie(&http.Cookie{Name: "shishi_session", Value: token})
			r.Header.Set("X-CSRF-Token", csrf)
		}
		h.ServeHTTP(w, r)
	})
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// response is a recorded response.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends a request to h; a body that is not a string or []byte is sent
// as JSON.
func do(t testing.TB, h http.Handler, method, target string, body any, header ...string) response {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, target, r)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
}

// decode unmarshals a JSON response body.
func (r response) decode(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// path walks a decoded JSON value: path(m, "error", "code").
func path(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}
