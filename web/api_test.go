package web_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/store/storetest"
	"github.com/shishi-health/shishi/web"
)

// TestAPIRead checks the read routes: status, JSON shape, error bodies.
func TestAPIRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seed(t, st)
		h := newHandler(t, st)
		tests := []struct {
			name   string
			method string
			path   string
			status int
			// want maps a path into the JSON (dot-separated, numbers index
			// arrays) to the expected value.
			want map[string]any
		}{
			{name: "region", path: "/api/regions/410000", status: 200, want: map[string]any{
				"code": "410000", "name": "河南省", "name_en": "Henan", "level": "province", "kind": "province",
				"population.source": "census", "population.value": 99365519.0, "population.year": 2020.0,
				"ancestors.0.code": "000000",
			}},
			{name: "country population is a sum", path: "/api/regions/000000", status: 200, want: map[string]any{
				"population.source": "sum", "population.value": 1409778724.0,
			}},
			{name: "unknown region", path: "/api/regions/999999", status: 404, want: map[string]any{
				"error.code": "not_found", "error.message": "没有代码为 999999 的行政区划。",
			}},
			{name: "unknown region in English", path: "/api/regions/999999?lang=en", status: 404, want: map[string]any{
				"error.message": "There is no region with code 999999.",
			}},
			{name: "children", path: "/api/regions/410000/children", status: 200, want: map[string]any{
				"region.code": "410000", "as_of": today,
				"facilities.hospitals": 3.0, "facilities.bloodstations": 1.0, "facilities.hotlines": 1.0,
				"direct.bloodstations": 1.0, "direct.hospitals": 0.0,
				"children.0.code": "410100", "children.0.facilities.hospitals": 2.0, "children.0.facilities.childcare": 1.0,
				"children.0.population.source": "census",
			}},
			{name: "children before the data", path: "/api/regions/410000/children?as_of=2019-12-31", status: 200, want: map[string]any{
				"facilities.hospitals": 0.0, "facilities.bloodstations": 0.0,
			}},
			{name: "children bad date", path: "/api/regions/410000/children?as_of=2025-13-01", status: 400, want: map[string]any{"error.code": "bad_request"}},
			{name: "children unknown", path: "/api/regions/999999/children", status: 404},

			{name: "list by region", path: "/api/hospitals?region=410000", status: 200, want: map[string]any{
				"registry": "hospitals", "total": 3.0, "limit": 50.0, "items.0.code": "H002", "items.0.region": "410102",
				"items.0.grade": "3", "items.0.ped_outpatient": true, "items.0.dialysis_machines": 40.0,
			}},
			{name: "list by enum label and bool", path: "/api/hospitals?grade=%E4%B8%89%E7%BA%A7&green_channel=yes", status: 200, want: map[string]any{"total": 2.0}},
			{name: "list paged", path: "/api/hospitals?limit=2&offset=4", status: 200, want: map[string]any{"total": 5.0, "items.0.code": "H004", "items.1": nil}},
			{name: "list text", path: "/api/childcare?q=%E9%98%B3%E5%85%89", status: 200, want: map[string]any{"total": 1.0, "items.0.slots": 80.0}},
			{name: "list bad limit", path: "/api/hospitals?limit=0", status: 400, want: map[string]any{"error.code": "bad_request"}},
			{name: "list bad filter", path: "/api/hospitals?ownership=state", status: 400},
			{name: "list bad region", path: "/api/hotlines?region=12", status: 400},
			{name: "get", path: "/api/hospitals/H002", status: 200, want: map[string]any{
				"as_of": today, "facility.code": "H002", "facility.name": "郑州市第一人民医院", "facility.valid_from": "2025-03-01",
				"since.name": "2025-03-01",
			}},
			{name: "get not yet", path: "/api/hospitals/H005?as_of=2025-01-01", status: 404, want: map[string]any{"error.code": "not_found"}},
			{name: "get unknown", path: "/api/hospitals/NOPE", status: 404},
			{name: "history", path: "/api/hotlines/L001/history", status: 200, want: map[string]any{
				"code": "L001", "versions.0.valid_from": "2025-03-01", "versions.0.facility.seats": 4.0,
			}},
			{name: "history unknown", path: "/api/hotlines/NOPE/history", status: 404},
			{name: "unknown registry", path: "/api/clinics", status: 404, want: map[string]any{"error.code": "not_found"}},
			{name: "unknown api route", path: "/api/regions", status: 404},
			{name: "export", path: "/api/export/hospitals?region=410000", status: 200},
			{name: "export bad format", path: "/api/export/hospitals?format=pdf", status: 400},
			{name: "export unknown registry", path: "/api/export/clinics", status: 404},
			{name: "method not allowed", method: "PATCH", path: "/api/hospitals/H001", status: 404},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				method := tc.method
				if method == "" {
					method = "GET"
				}
				r := do(t, h, method, tc.path, nil)
				if r.status != tc.status {
					t.Fatalf("%s %s: status %d, want %d\n%s", method, tc.path, r.status, tc.status, r.body)
				}
				if tc.status >= 400 {
					m := r.decode(t)
					if path(m, "error", "code") == nil || path(m, "error", "message") == "" {
						t.Errorf("error body lacks code and message: %s", r.body)
					}
				}
				if len(tc.want) == 0 {
					return
				}
				m := r.decode(t)
				for p, want := range tc.want {
					if got := walk(m, p); got != want {
						t.Errorf("%s: %v (%T), want %v (%T)", p, got, got, want, want)
					}
				}
			})
		}
	})
}

// walk follows a dotted path ("items.0.code") into decoded JSON.
func walk(v any, p string) any {
	var keys []any
	for _, k := range strings.Split(p, ".") {
		n := 0
		isNum := k != ""
		for _, c := range k {
			if c < '0' || c > '9' {
				isNum = false
				break
			}
			n = n*10 + int(c-'0')
		}
		if isNum {
			keys = append(keys, n)
		} else {
			keys = append(keys, k)
		}
	}
	return path(v, keys...)
}

// TestAPIFlow creates a facility, reads it, changes it, reads its history,
// closes it and purges it.
func TestAPIFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		h := newHandler(t, st)
		create := map[string]any{
			"code": "H100", "valid_from": "2025-06-01", "name": "测试县医院", "region": "410122",
			"grade": "二级", "type": "general", "ownership": "public", "pediatrics": "none",
			"psych_clinic": true, "ped_beds": 0,
		}
		r := do(t, h, "POST", "/api/hospitals", create)
		if r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		if loc := r.header.Get("Location"); loc != "/api/hospitals/H100" {
			t.Errorf("Location %q", loc)
		}
		m := r.decode(t)
		if walk(m, "change") != "new" || walk(m, "facility.grade") != "2" || walk(m, "facility.psych_clinic") != true {
			t.Errorf("create answer: %s", r.body)
		}
		if r := do(t, h, "POST", "/api/hospitals", create); r.status != http.StatusConflict {
			t.Errorf("second create: %d %s", r.status, r.body)
		}

		r = do(t, h, "PUT", "/api/hospitals/H100", map[string]any{
			"valid_from": "2025-09-01", "pediatrics": "自设儿科", "ped_beds": 12, "pediatricians": "3",
		})
		if r.status != 200 {
			t.Fatalf("update: %d %s", r.status, r.body)
		}
		m = r.decode(t)
		if walk(m, "change") != "changed" || walk(m, "facility.name") != "测试县医院" || walk(m, "facility.ped_beds") != 12.0 {
			t.Errorf("update answer: %s", r.body)
		}
		var fields []string
		for _, d := range walk(m, "diff").([]any) {
			fields = append(fields, walk(d, "field").(string))
		}
		if !slices.Equal(fields, []string{"pediatrics", "ped_beds", "pediatricians"}) {
			t.Errorf("update diff fields %v", fields)
		}

		r = do(t, h, "GET", "/api/hospitals/H100?as_of=2025-10-01", nil)
		m = r.decode(t)
		if r.status != 200 || walk(m, "since.pediatrics") != "2025-09-01" || walk(m, "since.name") != "2025-06-01" || walk(m, "facility.pediatrics") != "own" {
			t.Errorf("get after update: %d %s", r.status, r.body)
		}
		r = do(t, h, "GET", "/api/hospitals/H100?as_of=2025-07-01", nil)
		if walk(r.decode(t), "facility.pediatrics") != "none" {
			t.Errorf("as of before the update: %s", r.body)
		}

		if r := do(t, h, "DELETE", "/api/hospitals/H100?date=2025-12-01", nil); r.status != http.StatusNoContent {
			t.Fatalf("close: %d %s", r.status, r.body)
		}
		if r := do(t, h, "GET", "/api/hospitals/H100", nil); r.status != 404 {
			t.Errorf("closed facility still in effect today: %d", r.status)
		}
		if r := do(t, h, "DELETE", "/api/hospitals/H100?date=2025-12-15", nil); r.status != 404 {
			t.Errorf("closing a closed facility: %d %s", r.status, r.body)
		}
		r = do(t, h, "GET", "/api/hospitals/H100/history", nil)
		m = r.decode(t)
		if n := len(walk(m, "versions").([]any)); n != 3 || walk(m, "versions.2.closed") != true || walk(m, "versions.2.changes.0.field") != "closed" {
			t.Errorf("history after close: %s", r.body)
		}
		if page := do(t, h, "GET", "/facilities/hospitals/H100", nil); page.status != 200 || !strings.Contains(page.body, "已自 2025-12-01 起注销") {
			t.Errorf("page of a closed facility: %d\n%s", page.status, excerpt(page.body))
		}

		// Updating a closed facility reopens it.
		r = do(t, h, "PUT", "/api/hospitals/H100", map[string]any{"valid_from": "2025-12-20"})
		if r.status != 200 || walk(r.decode(t), "facility.closed") != false {
			t.Errorf("reopen: %d %s", r.status, r.body)
		}
		if r := do(t, h, "GET", "/api/hospitals/H100", nil); r.status != 200 || walk(r.decode(t), "facility.ped_beds") != 12.0 {
			t.Errorf("after reopening: %d %s", r.status, r.body)
		}

		if r := do(t, h, "DELETE", "/api/hospitals/H100?purge=true", nil); r.status != http.StatusNoContent {
			t.Fatalf("purge: %d %s", r.status, r.body)
		}
		if r := do(t, h, "GET", "/api/hospitals/H100/history", nil); r.status != 404 {
			t.Errorf("purged facility has a history: %d", r.status)
		}
		if r := do(t, h, "DELETE", "/api/hospitals/H100?purge=true", nil); r.status != 404 {
			t.Errorf("purging twice: %d", r.status)
		}
	})
}

// TestAPIValidation checks that a bad record gets one 422 naming every
// bad field, and that malformed requests get 400.
func TestAPIValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seed(t, st)
		h := newHandler(t, st)
		tests := []struct {
			name   string
			method string
			path   string
			body   any
			status int
			fields []string
		}{
			{name: "every field error", method: "POST", path: "/api/hospitals", body: map[string]any{
				"code": "bad code!", "name": "", "region": "999999", "grade": "五级", "ped_beds": "many", "colour": "red",
				"psychiatry": map[string]any{"x": 1}, "valid_from": "someday",
			}, status: 422, fields: []string{"valid_from", "name", "region", "grade", "type", "ownership", "pediatrics", "ped_beds", "psychiatry", "colour", "code"}},
			{name: "region not county level", method: "POST", path: "/api/hospitals", body: map[string]any{
				"code": "H200", "name": "x", "region": "410100", "grade": "3", "type": "general", "ownership": "public", "pediatrics": "none",
			}, status: 422, fields: []string{"region"}},
			{name: "cross-field rule", method: "POST", path: "/api/childcare", body: map[string]any{
				"code": "C200", "name": "x", "region": "410122", "slots": 10, "affordable_slots": 20, "certified_on": "2025-01-01",
			}, status: 422, fields: []string{"affordable_slots"}},
			{name: "number out of range", method: "POST", path: "/api/hotlines", body: map[string]any{
				"code": "L200", "name": "x", "region": "410100", "number": "12356", "seats": -1,
			}, status: 422, fields: []string{"seats"}},
			{name: "update with code mismatch", method: "PUT", path: "/api/hospitals/H001", body: map[string]any{"code": "H002", "ped_beds": -5},
				status: 422, fields: []string{"code", "ped_beds"}},
			{name: "update unknown", method: "PUT", path: "/api/hospitals/NOPE", body: map[string]any{"ped_beds": 1}, status: 404},
			{name: "not json", method: "POST", path: "/api/hospitals", body: "{not json", status: 400},
			{name: "json array", method: "POST", path: "/api/hospitals", body: "[1,2]", status: 400},
			{name: "json null", method: "POST", path: "/api/hospitals", body: "null", status: 400},
			{name: "close bad date", method: "DELETE", path: "/api/hospitals/H001?date=soon", status: 400},
			{name: "close unknown", method: "DELETE", path: "/api/hospitals/NOPE", status: 404},
			{name: "close before it existed", method: "DELETE", path: "/api/hospitals/H005?date=2025-01-01", status: 404},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r := do(t, h, tc.method, tc.path, tc.body)
				if r.status != tc.status {
					t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
				}
				m := r.decode(t)
				if walk(m, "error.message") == "" {
					t.Errorf("no message: %s", r.body)
				}
				var got []string
				for _, f := range asSlice(walk(m, "error.fields")) {
					got = append(got, walk(f, "field").(string))
					if walk(f, "message") == "" {
						t.Errorf("field error without a message: %v", f)
					}
				}
				if tc.fields != nil && !slices.Equal(got, tc.fields) {
					t.Errorf("fields %v, want %v\n%s", got, tc.fields, r.body)
				}
			})
		}
		// Nothing of the bad requests was stored.
		if r := do(t, h, "GET", "/api/hospitals/H001/history", nil); len(asSlice(walk(r.decode(t), "versions"))) != 1 {
			t.Errorf("a rejected update was stored: %s", r.body)
		}
	})
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// TestAPIImport posts files to /api/import: dry run, rejected rows, partial,
// multipart, and files that cannot be read at all.
func TestAPIImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seed(t, st)
		h := newHandler(t, st)
		good := strings.Join(strings.Split(badUpload, "\n")[:3], "\n") + "\n"

		r := do(t, h, "POST", "/api/import/hospitals?filename=a.csv&dry_run=1", good)
		m := r.decode(t)
		if r.status != 200 || walk(m, "dry_run") != true || walk(m, "committed") != false || walk(m, "new") != 1.0 || walk(m, "changed") != 1.0 {
			t.Fatalf("dry run: %d %s", r.status, r.body)
		}
		if walk(m, "changes.1.diff.0.field") != "ped_beds" || walk(m, "changes.1.diff.0.to") != 40.0 {
			t.Errorf("dry run diff: %s", r.body)
		}
		if r := do(t, h, "GET", "/api/hospitals/H010", nil); r.status != 404 {
			t.Fatalf("dry run stored H010")
		}

		r = do(t, h, "POST", "/api/import/hospitals?filename=b.csv", badUpload)
		m = r.decode(t)
		if r.status != 422 || walk(m, "error.code") != "invalid" || walk(m, "report.rejected.0.row") != 4.0 ||
			walk(m, "report.rejected.0.errors.0.column") != "儿科床位" || walk(m, "report.committed") != false {
			t.Fatalf("rejected rows: %d %s", r.status, r.body)
		}

		body, ct := multipartBody(t, nil, "c.csv", badUpload)
		r = do(t, h, "POST", "/api/import/hospitals?partial=true&lang=en", body, "Content-Type", ct)
		m = r.decode(t)
		if r.status != 200 || walk(m, "committed") != true || walk(m, "new") != 1.0 || walk(m, "rejected.0.errors.0.message") != "not a whole number" {
			t.Fatalf("partial multipart import: %d %s", r.status, r.body)
		}
		if r := do(t, h, "GET", "/api/hospitals/H010", nil); r.status != 200 {
			t.Fatalf("partial import did not store H010: %d", r.status)
		}

		for _, tc := range []struct {
			name, path, body string
			status           int
		}{
			{"no file name", "/api/import/hospitals", good, 400},
			{"bad header", "/api/import/hospitals?filename=d.csv", "a,b\n1,2\n", 400},
			{"empty file", "/api/import/hospitals?filename=e.csv", "", 400},
			{"unsupported type", "/api/import/hospitals?filename=f.pdf", "x", 400},
			{"unknown registry", "/api/import/clinics?filename=g.csv", good, 404},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := do(t, h, "POST", tc.path, tc.body)
				if r.status != tc.status || walk(r.decode(t), "error.message") == "" {
					t.Errorf("status %d, want %d: %s", r.status, tc.status, r.body)
				}
			})
		}
		body, ct = multipartBody(t, [][2]string{{"other", "x"}}, "", "")
		if r := do(t, h, "POST", "/api/import/hospitals", body, "Content-Type", ct); r.status != 400 {
			t.Errorf("multipart without file: %d %s", r.status, r.body)
		}
	})
}

// TestAPIImportRegions posts population figures to /api/import/regions:
// a dry run stores nothing, the import changes the region's population and
// its source, and a server started later over the same store applies them.
func TestAPIImportRegions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		h := newHandler(t, st)
		file := "代码,名称,常住人口,人口年份,人口说明\n330102,上城区,1400000,2023,杭州统计年鉴2024\n"
		if m := do(t, h, "GET", "/api/regions/330102", nil).decode(t); walk(m, "population.source") != "missing" {
			t.Fatalf("330102 before the import: %v", m["population"])
		}

		r := do(t, h, "POST", "/api/import/regions?filename=hz.csv&dry_run=1", file)
		m := r.decode(t)
		if r.status != 200 || walk(m, "registry") != "regions" || walk(m, "dry_run") != true || walk(m, "committed") != false || walk(m, "new") != 1.0 ||
			walk(m, "changes.0.code") != "330102" || walk(m, "changes.0.diff.0.field") != "population" || walk(m, "changes.0.diff.0.to") != 1400000.0 {
			t.Fatalf("dry run: %d %s", r.status, r.body)
		}
		if m := do(t, h, "GET", "/api/regions/330102", nil).decode(t); walk(m, "population.source") != "missing" || walk(m, "population.value") != nil {
			t.Fatalf("the dry run changed 330102: %v", m["population"])
		}

		r = do(t, h, "POST", "/api/import/regions?filename=hz.csv", file)
		if m := r.decode(t); r.status != 200 || walk(m, "committed") != true || walk(m, "new") != 1.0 {
			t.Fatalf("import: %d %s", r.status, r.body)
		}
		want := map[string]any{"population.value": 1400000.0, "population.source": "reported", "population.year": 2023.0, "population.note": "杭州统计年鉴2024"}
		check := func(h http.Handler, when string) {
			t.Helper()
			m := do(t, h, "GET", "/api/regions/330102", nil).decode(t)
			for k, v := range want {
				if got := walk(m, k); got != v {
					t.Errorf("%s: %s = %v, want %v", when, k, got, v)
				}
			}
		}
		check(h, "after the import")
		children := do(t, h, "GET", "/api/regions/330100/children", nil).decode(t)
		if walk(children, "children.0.code") != "330102" || walk(children, "children.0.population.source") != "reported" {
			t.Errorf("children after the import: %v", walk(children, "children.0"))
		}
		check(newHandler(t, st), "in a new server")

		// The same file again changes nothing; rows with errors are
		// refused as for a registry.
		r = do(t, h, "POST", "/api/import/regions?filename=hz.csv", file)
		if m := r.decode(t); r.status != 200 || walk(m, "unchanged") != 1.0 || walk(m, "new") != 0.0 {
			t.Errorf("import again: %d %s", r.status, r.body)
		}
		r = do(t, h, "POST", "/api/import/regions?filename=bad.csv&lang=en", "code,population,population_year\n330102,1500000,1900\n")
		if m := r.decode(t); r.status != 422 || walk(m, "report.rejected.0.errors.0.column") != "population_year" || walk(m, "report.rejected.0.errors.0.message") != "year must be from 1950 to 2100" {
			t.Errorf("bad year: %d %s", r.status, r.body)
		}
		if r := do(t, h, "POST", "/api/import/regions?filename=x.csv", "代码,名称\n330102,上城区\n"); r.status != 400 {
			t.Errorf("no population column: %d %s", r.status, r.body)
		}
		check(h, "after the refused imports")
	})
}

func TestHealth(t *testing.T) {
	st := storetest.OpenSQLite(t)
	h := newHandler(t, st)
	if r := do(t, h, "GET", "/readyz", nil); r.status != 200 {
		t.Fatalf("readyz: %d %s", r.status, r.body)
	}
	st.Close()
	if r := do(t, h, "GET", "/readyz", nil); r.status != 503 || walk(r.decode(t), "error.code") != "unavailable" {
		t.Errorf("readyz on a closed store: %d %s", r.status, r.body)
	}
	if r := do(t, h, "GET", "/healthz", nil); r.status != 200 {
		t.Errorf("healthz must not depend on the store: %d", r.status)
	}
}

// TestPanicRecovery checks that a panicking handler, also one whose panic
// happens in a goroutine of its own, answers 500 and the server lives on.
// A server without a store panics on every query.
func TestPanicRecovery(t *testing.T) {
	h := web.New(web.Config{Tree: tree, Now: now, UploadDir: t.TempDir(), Logger: testLogger(t)}).Handler()
	for _, tc := range []struct{ path, want string }{
		{"/regions/000000", "服务器内部错误"},
		{"/facilities/hospitals", "服务器内部错误"},
		{"/api/hospitals", `"code":"internal"`},
		{"/api/regions/410000/children", `"code":"internal"`},
		{"/search?q=x", "服务器内部错误"},
	} {
		// A session cookie makes the guard ask the missing store.
		r := do(t, h, "GET", tc.path, nil, "Cookie", "shishi_session=x")
		if r.status != 500 || !strings.Contains(r.body, tc.want) {
			t.Errorf("%s: %d\n%s", tc.path, r.status, excerpt(r.body))
		}
	}
	if r := do(t, h, "GET", "/healthz", nil); r.status != 200 {
		t.Errorf("healthz after panics: %d", r.status)
	}
}
