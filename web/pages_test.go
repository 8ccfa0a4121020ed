package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/store/storetest"
	"github.com/shishi-health/shishi/web"
)

// TestPages requests every page and download and checks the status and
// what the page must (and must not) say.
func TestPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seed(t, st)
		h := newHandler(t, st)
		tests := []struct {
			name   string
			path   string
			status int
			want   []string
			not    []string
			header map[string]string // response header → substring
		}{
			{name: "home is the commitments dashboard", path: "/", status: 200, want: []string{"2025年卫生健康系统为民服务实事项目", `id="commit-here">全国<`}},
			{name: "country", path: "/regions/000000", status: 200, want: []string{
				"<html lang=\"zh-CN\">", "全国", "下级区划（31 个）", ">河南省<", ">北京市<", ">新疆维吾尔自治区<",
				"1,409,778,724", "下级合计", // the country's population is a sum, and says so
				`href="/regions/410000"`, `href="/facilities/hospitals"`, "/export/regions.csv?region=000000",
				`name="as_of" value="2025-12-31"`,
			}},
			{name: "province with a provincial blood centre", path: "/regions/410000", status: 200, want: []string{
				"河南省", "普查数", ">郑州市<", ">济源市<", "本级直属",
				`href="/facilities/hospitals?region=410000"`, `href="/facilities/hospitals?region=410100"`,
				`<a href="/regions/000000">全国</a>`,
			}},
			{name: "prefecture", path: "/regions/410100", status: 200, want: []string{
				"郑州市", ">中牟县<", ">中原区<", `href="/regions/410122"`, `<a href="/regions/410000">河南省</a>`,
			}},
			{name: "county has no children", path: "/regions/410122", status: 200, want: []string{"中牟县", "本单位没有下级区划"}},
			{name: "as of a date before the data", path: "/regions/410000?as_of=2019-01-01", status: 200, want: []string{
				`value="2019-01-01"`, `href="/regions/410100?as_of=2019-01-01"`,
			}, not: []string{"本级直属"}},
			{name: "unknown region", path: "/regions/999999", status: 404, want: []string{"没有代码为 999999 的行政区划"}},
			{name: "bad date", path: "/regions/000000?as_of=yesterday", status: 400, want: []string{"不是日期"}},
			{name: "english", path: "/regions/410000?lang=en", status: 200, want: []string{
				"<html lang=\"en\">", "Henan", "Units below", "Census", ">中文<",
			}, header: map[string]string{"Set-Cookie": "lang=en"}},

			{name: "hospitals", path: "/facilities/hospitals", status: 200, want: []string{
				"共 5 家", "H001", "中牟县人民医院", `href="/facilities/hospitals/H001"`, "二级", "综合医院",
				`/export/hospitals.csv`, `/export/hospitals.xlsx`, `name="grade"`, "更多筛选",
			}},
			{name: "hospitals in a province", path: "/facilities/hospitals?region=410000", status: 200, want: []string{
				"共 3 家", "H001", "H002", "H003", "/export/hospitals.csv?region=410000",
			}, not: []string{"H004", "H005"}},
			{name: "filter by grade label", path: "/facilities/hospitals?grade=三级", status: 200, want: []string{"共 2 家", "H002", "H004"}, not: []string{"H001"}},
			{name: "filter by grade code and service", path: "/facilities/hospitals?grade=3&psych_clinic=1", status: 200, want: []string{"共 1 家", "H002", "<details class=\"more\" open>"}},
			{name: "text search", path: "/facilities/hospitals?q=%E4%B8%AD%E7%89%9F", status: 200, want: []string{"共 1 家", "H001"}},
			{name: "as of before a facility", path: "/facilities/hospitals?as_of=2025-01-01", status: 200, want: []string{"共 2 家", "H001", "H003"}},
			{name: "bad enum filter", path: "/facilities/hospitals?grade=9", status: 400, want: []string{"筛选条件 grade"}},
			{name: "unknown region filter", path: "/facilities/hospitals?region=999999", status: 400, want: []string{"没有代码为 999999"}},
			{name: "unknown registry", path: "/facilities/clinics", status: 404, want: []string{"没有名为 clinics 的名录"}},
			{name: "childcare", path: "/facilities/childcare", status: 200, want: []string{"共 1 家", "托位数", "80"}},

			{name: "facility", path: "/facilities/hospitals/H001", status: 200, want: []string{
				"中牟县人民医院", "自何日起", "2024-01-01", "410122 中牟县", `<a href="/regions/410100">郑州市</a>`, "首次登记", "变更历史（1 个版本）",
			}},
			{name: "facility before it existed", path: "/facilities/hospitals/H005?as_of=2025-01-01", status: 200, want: []string{"尚未登记", "2025-11-30"}},
			{name: "unknown facility", path: "/facilities/hospitals/NOPE", status: 404},

			{name: "search", path: "/search?q=%E9%83%91%E5%B7%9E", status: 200, want: []string{"郑州市", `href="/regions/410100"`, "郑州市第一人民医院", "郑州市12356心理援助热线"}},
			{name: "search by code", path: "/search?q=H00", status: 200, want: []string{"H001", "H005"}},
			{name: "search nothing", path: "/search?q=zzzzzz", status: 200, want: []string{"没有找到"}},
			{name: "search form", path: "/search", status: 200, want: []string{`name="q"`}},

			{name: "import form", path: "/import", status: 200, want: []string{`enctype="multipart/form-data"`, `name="token"`, "/templates/hospitals.xlsx", "只导入有效行",
				`<option value="regions">行政区划人口</option>`, "/templates/regions.csv"}},
			{name: "import form for regions", path: "/import?registry=regions", status: 200, want: []string{`<option value="regions" selected>`}},

			{name: "template csv", path: "/templates/hospitals.csv", status: 200, want: []string{"\ufeff机构代码,机构名称"}, header: map[string]string{
				"Content-Type": "text/csv", "Content-Disposition": "filename*=UTF-8''%E5%8C%BB%E9%99%A2",
			}},
			{name: "template xlsx", path: "/templates/hotlines.xlsx", status: 200, want: []string{"PK"}, header: map[string]string{
				"Content-Type": "spreadsheetml", "Content-Disposition": `filename="hotlines-template.xlsx"`,
			}},
			{name: "template regions", path: "/templates/regions.csv", status: 200, want: []string{"\ufeff代码,名称,英文名称,级别,类型,上级代码,常住人口,人口来源,人口年份,人口说明\n"}, header: map[string]string{
				"Content-Disposition": `filename="regions-template.csv"`,
			}},
			{name: "template regions in English", path: "/templates/regions.xlsx?lang=en", status: 200, want: []string{"PK"}, header: map[string]string{
				"Content-Disposition": "filename*=UTF-8''Region%20population%20import%20template.xlsx",
			}},
			{name: "template unknown registry", path: "/templates/clinics.csv", status: 404},
			{name: "template unknown format", path: "/templates/hospitals.pdf", status: 404},
			{name: "export registry", path: "/export/hospitals.csv?region=410000", status: 200, want: []string{"H001", "H003"}, not: []string{"H004"}, header: map[string]string{
				"Content-Disposition": `filename="hospitals-410000-2025-12-31.csv"`,
			}},
			{name: "export registry xlsx", path: "/export/childcare.xlsx", status: 200, want: []string{"PK"}},
			{name: "export bad date", path: "/export/hospitals.csv?as_of=31.12.2025x", status: 400},
			{name: "export regions", path: "/export/regions.csv?region=410000", status: 200, want: []string{"410100,郑州市", "普查数"}, not: []string{"110000"}},
			{name: "export unknown region", path: "/export/regions.csv?region=999999", status: 400},

			{name: "static css", path: "/static/style.css", status: 200, want: []string{"--red"}},
			{name: "static dir listing", path: "/static/", status: 404},
			{name: "unknown page", path: "/nope", status: 404, want: []string{"没有这个页面"}},
			{name: "healthz", path: "/healthz", status: 200, want: []string{"ok"}},
			{name: "readyz", path: "/readyz", status: 200, want: []string{"ok"}},
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

// excerpt shortens a page for a failure message: the main element only.
func excerpt(body string) string {
	if i := strings.Index(body, "<main>"); i >= 0 {
		body = body[i:]
	}
	if len(body) > 3000 {
		body = body[:3000] + "…"
	}
	return body
}

func TestLanguageCookie(t *testing.T) {
	h := newHandler(t, storetest.OpenSQLite(t))
	r := do(t, h, "GET", "/import", nil, "Cookie", "lang=en")
	if !strings.Contains(r.body, "Upload and preview") {
		t.Errorf("lang cookie en: page not in English\n%s", excerpt(r.body))
	}
	r = do(t, h, "GET", "/import?lang=zh", nil, "Cookie", "lang=en")
	if !strings.Contains(r.body, "上传并预览") || !strings.Contains(r.header.Get("Set-Cookie"), "lang=zh") {
		t.Errorf("?lang=zh does not switch back: %q", r.header.Get("Set-Cookie"))
	}
	r = do(t, h, "GET", "/import", nil, "Cookie", "lang=fr")
	if !strings.Contains(r.body, "上传并预览") {
		t.Errorf("unknown language should fall back to Chinese")
	}
}

// multipartBody builds a form with text fields and one file.
func multipartBody(t testing.TB, fields [][2]string, fileName, content string) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	if fileName != "" {
		fw, err := mw.CreateFormFile("file", fileName)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(content))
	}
	mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

var tokenRE = regexp.MustCompile(`/import/([0-9a-f]{32})/confirm`)

// badUpload has one good new hospital (row 2), one change (row 3: H001
// gets more beds) and one bad row (row 4: beds not a number).
const badUpload = `机构代码,机构名称,所在县区代码,等级,类别,所有制,儿科服务,儿科门诊,儿科床位,儿科医师,儿科护士,精神科,心理门诊,睡眠门诊,血液透析机,透析医师,透析护士,水处理设备,0-3岁危重症绿色通道,仍收门诊预交金,生效日期
H010,中牟县中医院,410122,二级,中医医院,公立,自设儿科,是,10,3,6,否,否,否,0,0,0,0,否,否,2025-06-01
H001,中牟县人民医院,410122,二级,综合医院,公立,自设儿科,是,40,8,20,否,是,否,12,2,6,1,是,否,2025-10-01
H011,郑州市儿童医院,410102,三级,儿童医院,公立,自设儿科,是,很多,50,120,否,否,否,0,0,0,0,是,否,2025-06-01
`

// TestImportPages walks the two-step import: upload and preview (nothing
// stored), the rejects download, confirm without and with partial.
func TestImportPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seed(t, st)
		h := newHandler(t, st)

		body, ct := multipartBody(t, [][2]string{{"token", strings.Repeat("ab", 16)}, {"registry", "hospitals"}}, "新增医院.csv", badUpload)
		r := do(t, h, "POST", "/import", body, "Content-Type", ct)
		if r.status != 200 {
			t.Fatalf("upload: status %d\n%s", r.status, excerpt(r.body))
		}
		for _, w := range []string{"导入预览", "新增医院.csv", "有 1 行有错误", `<td class="num row" data-label="行号">4</td>`, "儿科床位", "(I)", "很多", "不是整数",
			"H001", "儿科床位</span>: <del>30</del> → <ins>40</ins>", "/import/" + strings.Repeat("ab", 16) + "/confirm", "/rejects"} {
			if !strings.Contains(r.body, w) {
				t.Errorf("preview lacks %q\n%s", w, excerpt(r.body))
			}
		}
		m := tokenRE.FindStringSubmatch(r.body)
		if m == nil || m[1] != strings.Repeat("ab", 16) {
			t.Fatalf("preview does not use the form's token: %v", m)
		}
		token := m[1]
		if got := do(t, h, "GET", "/api/hospitals/H010", nil); got.status != 404 {
			t.Fatalf("the preview stored something: GET H010 = %d", got.status)
		}

		rej := do(t, h, "GET", "/import/"+token+"/rejects", nil)
		if rej.status != 200 || !strings.Contains(rej.body, "H011") || strings.Contains(rej.body, "H010") || !strings.Contains(rej.body, "不是整数") {
			t.Errorf("rejects download: %d\n%s", rej.status, rej.body)
		}
		if cd := rej.header.Get("Content-Disposition"); !strings.Contains(cd, "filename*=UTF-8''%E6%96%B0%E5%A2%9E%E5%8C%BB%E9%99%A2-") {
			t.Errorf("rejects file name: %s", cd)
		}
		if p := do(t, h, "GET", "/import/"+token+"/progress", nil); p.status != 200 || !strings.Contains(p.body, `"rows":3`) {
			t.Errorf("progress: %d %s", p.status, p.body)
		}

		// All or nothing: confirming without partial stores nothing and
		// keeps the file for another try.
		r = do(t, h, "POST", "/import/"+token+"/confirm", "", "Content-Type", "application/x-www-form-urlencoded")
		if r.status != 200 || !strings.Contains(r.body, "未导入任何数据") {
			t.Fatalf("confirm without partial: %d\n%s", r.status, excerpt(r.body))
		}
		if got := do(t, h, "GET", "/api/hospitals/H010", nil); got.status != 404 {
			t.Fatalf("an import with rejected rows stored something")
		}
		r = do(t, h, "POST", "/import/"+token+"/confirm", "partial=1", "Content-Type", "application/x-www-form-urlencoded")
		if r.status != 200 || !strings.Contains(r.body, "导入完成：新增 1 家，变更 1 家") {
			t.Fatalf("confirm partial: %d\n%s", r.status, excerpt(r.body))
		}
		if got := do(t, h, "GET", "/api/hospitals/H010", nil); got.status != 200 {
			t.Fatalf("confirmed import did not store H010: %d", got.status)
		}
		// A second confirm (a double click, a reload) imports nothing more.
		r = do(t, h, "POST", "/import/"+token+"/confirm", "partial=1", "Content-Type", "application/x-www-form-urlencoded")
		if r.status != 200 || !strings.Contains(r.body, "导入完成") {
			t.Fatalf("second confirm: %d\n%s", r.status, excerpt(r.body))
		}
		if got := do(t, h, "GET", "/import/"+strings.Repeat("cd", 16)+"/rejects", nil); got.status != 404 {
			t.Errorf("unknown token rejects: %d", got.status)
		}
		if got := do(t, h, "POST", "/import/"+strings.Repeat("cd", 16)+"/confirm", "", "Content-Type", "application/x-www-form-urlencoded"); got.status != 404 {
			t.Errorf("unknown token confirm: %d", got.status)
		}
		if got := do(t, h, "GET", "/import/nonsense/progress", nil); got.status != 404 {
			t.Errorf("bad token progress: %d", got.status)
		}
	})
}

// regionsUpload gives 上城区, which the census does not cover, a yearbook
// figure (row 2), and 拱墅区 a figure that is not a number (row 3).
const regionsUpload = `代码,名称,常住人口,人口年份,人口说明
330102,上城区,1400000,2023,杭州统计年鉴2024
330105,拱墅区,很多,2023,
`

// TestImportRegionsPages walks the import of population figures: the
// preview names the bad row, nothing is stored until the partial import is
// confirmed, and the region page then shows the figure as reported.
func TestImportRegionsPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		h := newHandler(t, st)
		body, ct := multipartBody(t, [][2]string{{"registry", "regions"}}, "杭州人口.csv", regionsUpload)
		r := do(t, h, "POST", "/import", body, "Content-Type", ct)
		if r.status != 200 {
			t.Fatalf("upload: status %d\n%s", r.status, excerpt(r.body))
		}
		for _, w := range []string{"导入预览", "行政区划人口", "杭州人口.csv", "有 1 行有错误",
			`<td class="num row" data-label="行号">3</td>`, "常住人口 <span class=\"muted\">(C)</span>", "很多", "常住人口应为0至20亿之间的整数",
			"新增和变更的人口数", "330102", "常住人口</span>: <del>（空）</del> → <ins>1,400,000</ins>", "/rejects"} {
			if !strings.Contains(r.body, w) {
				t.Errorf("preview lacks %q\n%s", w, excerpt(r.body))
			}
		}
		m := tokenRE.FindStringSubmatch(r.body)
		if m == nil {
			t.Fatalf("preview offers no confirmation\n%s", excerpt(r.body))
		}
		if got := walk(do(t, h, "GET", "/api/regions/330102", nil).decode(t), "population.source"); got != "missing" {
			t.Fatalf("the preview changed 330102: source %v", got)
		}
		rej := do(t, h, "GET", "/import/"+m[1]+"/rejects", nil)
		if rej.status != 200 || !strings.Contains(rej.body, "330105") || strings.Contains(rej.body, "330102") {
			t.Errorf("rejects download: %d\n%s", rej.status, rej.body)
		}

		r = do(t, h, "POST", "/import/"+m[1]+"/confirm", "partial=1", "Content-Type", "application/x-www-form-urlencoded")
		if r.status != 200 || !strings.Contains(r.body, "导入完成：新增上报数 1 个，变更 0 个，未变 0 个。") {
			t.Fatalf("confirm partial: %d\n%s", r.status, excerpt(r.body))
		}
		page := do(t, h, "GET", "/regions/330102", nil)
		for _, w := range []string{"1,400,000", `<span class="badge badge-reported">上报数 2023</span>`, "来源：杭州统计年鉴2024"} {
			if !strings.Contains(page.body, w) {
				t.Errorf("region page after the import lacks %q\n%s", w, excerpt(page.body))
			}
		}
		parent := do(t, h, "GET", "/regions/330100", nil)
		if !strings.Contains(parent.body, `<td class="num pop-reported" title="上报数: 来源：杭州统计年鉴2024">1,400,000<sup class="marker">*</sup></td>`) {
			t.Errorf("the prefecture's table does not mark the reported figure\n%s", excerpt(parent.body))
		}
	})
}

func TestImportPageErrors(t *testing.T) {
	h := newHandler(t, storetest.OpenSQLite(t))
	tests := []struct {
		name    string
		fields  [][2]string
		file    string
		content string
		status  int
		want    string
		ctype   string
		rawBody string
	}{
		{name: "no file", fields: [][2]string{{"registry", "hospitals"}}, status: 400, want: "请选择要上传的文件"},
		{name: "no registry", fields: [][2]string{{"registry", ""}}, file: "a.csv", content: "x", status: 400, want: "请选择名录"},
		{name: "bad header", fields: [][2]string{{"registry", "hospitals"}}, file: "医院.csv", content: "foo,bar\n1,2\n", status: 400, want: "医院.csv: row 1: unknown columns"},
		{name: "old excel", fields: [][2]string{{"registry", "hospitals"}}, file: "医院.xls", content: "x", status: 400, want: "另存为 .xlsx"},
		{name: "not multipart", status: 400, ctype: "text/plain", rawBody: "hello", want: "multipart/form-data"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r response
			if tc.ctype != "" {
				r = do(t, h, "POST", "/import", tc.rawBody, "Content-Type", tc.ctype)
			} else {
				body, ct := multipartBody(t, tc.fields, tc.file, tc.content)
				r = do(t, h, "POST", "/import", body, "Content-Type", ct)
			}
			if r.status != tc.status || !strings.Contains(r.body, tc.want) {
				t.Errorf("status %d, want %d with %q\n%s", r.status, tc.status, tc.want, excerpt(r.body))
			}
			if strings.Contains(r.body, "/confirm") {
				t.Errorf("a file that cannot be imported offers a confirmation")
			}
		})
	}
}

// TestCrossOriginPost checks that a form posted from another site is
// refused, while a same-origin browser post and a script without browser
// headers pass.
func TestCrossOriginPost(t *testing.T) {
	h := newHandler(t, storetest.OpenSQLite(t))
	body, ct := multipartBody(t, [][2]string{{"registry", "hospitals"}}, "", "")
	if r := do(t, h, "POST", "/import", body, "Content-Type", ct, "Sec-Fetch-Site", "cross-site"); r.status != http.StatusForbidden {
		t.Errorf("cross-site post: status %d, want 403", r.status)
	}
	if r := do(t, h, "POST", "/import", body, "Content-Type", ct, "Sec-Fetch-Site", "same-origin"); r.status != http.StatusBadRequest {
		t.Errorf("same-origin post: status %d, want 400 (no file)", r.status)
	}
}

// TestImportExpires checks that an upload waits an hour for its
// confirmation and no longer.
func TestImportExpires(t *testing.T) {
	clock := now()
	dir := t.TempDir()
	st := storetest.OpenSQLite(t)
	u := ensureUser(t, st, "reporter-cn", testPassword, auth.Reporter, region.CountryCode, "", "")
	h := asUser(t, st, u, web.New(web.Config{Store: st, Tree: tree, Now: func() time.Time { return clock }, UploadDir: dir,
		SessionPolicy: auth.SessionPolicy{Idle: 24 * time.Hour, Absolute: 48 * time.Hour}, Logger: testLogger(t)}).Handler())
	good := strings.Join(strings.Split(badUpload, "\n")[:2], "\n") + "\n"
	body, ct := multipartBody(t, [][2]string{{"registry", "hospitals"}}, "a.csv", good)
	r := do(t, h, "POST", "/import", body, "Content-Type", ct)
	m := tokenRE.FindStringSubmatch(r.body)
	if r.status != 200 || m == nil {
		t.Fatalf("upload: %d\n%s", r.status, excerpt(r.body))
	}
	if _, err := os.Stat(filepath.Join(dir, m[1], "file")); err != nil {
		t.Fatalf("uploaded file not kept: %v", err)
	}
	clock = clock.Add(61 * time.Minute)
	r = do(t, h, "POST", "/import/"+m[1]+"/confirm", "", "Content-Type", "application/x-www-form-urlencoded")
	if r.status != 404 || !strings.Contains(r.body, "已过期") {
		t.Errorf("confirm after an hour: %d\n%s", r.status, excerpt(r.body))
	}
	if _, err := os.Stat(filepath.Join(dir, m[1])); !os.IsNotExist(err) {
		t.Errorf("expired upload not deleted: %v", err)
	}
}
