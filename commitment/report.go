package commitment

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"text/template"

	"github.com/shishi-health/shishi/region"
)

// ReportCard is the year-end report card (成绩单) of a set for one region:
// per commitment, the sentences the file's report templates make of the
// computed results, and a table of every target. Every number in it comes
// from the Evaluation.
type ReportCard struct {
	Set    *Set
	Region region.Division
	AsOf   string
	// DateText is AsOf as Chinese text: "2025年12月31日".
	DateText string
	Sections []ReportSection
}

// ReportSection is one commitment of the report card.
type ReportSection struct {
	Commitment *Commitment
	// Numeral is the Chinese ordinal of the heading: 一, 二, ….
	Numeral string
	// Text is the section's prose, from the targets' report templates.
	Text string
	// Results are the commitment's targets in the region.
	Results []*Result
}

// cardData is what a report template sees of a target's result.
type cardData struct {
	*Result
	// Name is the region's name, "全国" for the country.
	Name string
	// Date is the evaluation date as Chinese text.
	Date string
	// Prefectures and Districts count the prefecture-level units and the
	// municipal districts covered (Coverage over prefecture equivalents).
	Prefectures, Districts int
}

var chineseNumerals = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五"}

// reportFuncs are the number formats the templates use, in the manner of
// the NHC's own texts: "4845所" (no separators), "4.73个", "666万", "90亿".
var reportFuncs = template.FuncMap{
	"int":    func(v any) string { return strconv.FormatInt(int64(math.Round(float(v))), 10) },
	"pct":    func(v any) string { return Percent(float(v)) },
	"dec2":   func(v any) string { return strconv.FormatFloat(float(v), 'f', 2, 64) },
	"wan":    func(v any) string { return Wan(float(v)) },
	"yi":     func(v any) string { return Yi(float(v)) },
	"approx": func(v any) string { return Approx(float(v)) },
}

// float reads the numbers a template hands the formats: results hold
// float64 values and int64 counts.
func float(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case int64:
		return float64(n)
	case int:
		return float64(n)
	}
	return math.NaN()
}

// Wan writes a count in 万 (ten thousands) as the report card does: three
// significant digits at most, "666万", "89.2万", "12.6万"; below 10,000 the
// plain number.
func Wan(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(math.Round(v/1e4), 'f', 0, 64) + "万"
	case v >= 1e4:
		return strings.TrimSuffix(strconv.FormatFloat(math.Round(v/1e3)/10, 'f', 1, 64), ".0") + "万"
	}
	return strconv.FormatInt(int64(math.Round(v)), 10)
}

// Yi writes a large amount in 亿 (hundred millions): "90亿", "1.4亿"; below
// 100,000,000 in 万.
func Yi(v float64) string {
	if v >= 1e8 {
		return strings.TrimSuffix(strconv.FormatFloat(math.Round(v/1e7)/10, 'f', 1, 64), ".0") + "亿"
	}
	return Wan(v)
}

// Approx writes a count as a press release rounds it down: "70余万",
// "3万余", "近万"; small counts exactly.
func Approx(v float64) string {
	switch {
	case v >= 1e5:
		n := math.Floor(v/1e5) * 10
		if v > n*1e4 {
			return fmt.Sprintf("%.0f余万", n)
		}
		return fmt.Sprintf("%.0f万", n)
	case v >= 1e4:
		n := math.Floor(v / 1e4)
		if v > n*1e4 {
			return fmt.Sprintf("%.0f万余", n)
		}
		return fmt.Sprintf("%.0f万", n)
	case v >= 9e3:
		return "近万"
	}
	return strconv.FormatInt(int64(math.Round(v)), 10)
}

// ChineseDate writes YYYY-MM-DD as 2025年12月31日.
func ChineseDate(d string) string {
	t := parseDay(d)
	if t.IsZero() {
		return d
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

// NewReportCard builds the report card of ev's set for the region code.
func NewReportCard(ev *Evaluation, code string) (*ReportCard, error) {
	d, ok := ev.tree.Get(code)
	if !ok {
		return nil, fmt.Errorf("report card: unknown region %q", code)
	}
	name := d.Name
	if code == region.CountryCode {
		name = "全国"
	}
	rc := &ReportCard{Set: ev.Set, Region: d, AsOf: ev.AsOf, DateText: ChineseDate(ev.AsOf)}
	for i, c := range ev.Set.Commitments {
		sec := ReportSection{Commitment: c, Numeral: chineseNumerals[min(i, len(chineseNumerals)-1)]}
		var text strings.Builder
		for _, t := range c.Targets {
			r := ev.Result(t, code)
			sec.Results = append(sec.Results, r)
			if t.Report == "" {
				continue
			}
			data := cardData{Result: r, Name: name, Date: rc.DateText}
			if t.Kind == Coverage && t.Units.Of == "prefecture_equivalents" {
				for _, u := range ev.tree.PrefectureEquivalents(code) {
					if ur := ev.Result(t, u.Code); ur != nil && ur.Met() {
						if u.Level == region.Prefecture {
							data.Prefectures++
						} else {
							data.Districts++
						}
					}
				}
			}
			if err := execute(&text, t.ID, t.Report, data); err != nil {
				return nil, err
			}
		}
		if c.Report != "" {
			if err := execute(&text, c.ID, c.Report, cardData{Name: name, Date: rc.DateText, Result: &Result{}}); err != nil {
				return nil, err
			}
		}
		sec.Text = strings.TrimSpace(text.String())
		rc.Sections = append(rc.Sections, sec)
	}
	return rc, nil
}

func execute(w io.Writer, name, src string, data any) error {
	tmpl, err := template.New(name).Funcs(reportFuncs).Option("missingkey=error").Parse(src)
	if err != nil {
		return fmt.Errorf("report template of %s: %w", name, err)
	}
	if err := tmpl.Execute(w, data); err != nil {
		return fmt.Errorf("report template of %s: %w", name, err)
	}
	return nil
}

// Title is the report card's heading.
func (rc *ReportCard) Title() string {
	return rc.Set.Title + "成绩单"
}

// Subtitle names the region, the date and the source document.
func (rc *ReportCard) Subtitle() string {
	name := rc.Region.Name
	if rc.Region.Code == region.CountryCode {
		name = "全国"
	}
	s := fmt.Sprintf("%s · 截至%s", name, rc.DateText)
	if rc.Set.Source != "" {
		s += " · 依据" + rc.Set.Source
	}
	return s
}

// Markdown writes the report card as Markdown.
func (rc *ReportCard) Markdown(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n\n%s\n", rc.Title(), rc.Subtitle())
	for _, s := range rc.Sections {
		fmt.Fprintf(&b, "\n## %s、%s\n\n", s.Numeral, s.Commitment.Title)
		if s.Text != "" {
			fmt.Fprintf(&b, "%s\n\n", s.Text)
		}
		fmt.Fprintf(&b, "| 指标 | 数值 | 目标 | 完成时限 | 状态 | 差距 |\n|---|---:|---|---|---|---:|\n")
		for _, r := range s.Results {
			deadline := ""
			if r.HasGoal {
				deadline = r.Target.Deadline
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %d |\n", mdEscape(r.Target.Title), r.FormatValue(),
				r.FormatGoal(), deadline, r.Status.Label("zh"), r.Gap)
		}
	}
	fmt.Fprintf(&b, "\n---\n数据均由 shishi 按登记数据和已审核的上报数据于%s计算。\n", rc.DateText)
	_, err := w.Write(b.Bytes())
	return err
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

var htmlCard = htmltemplate.Must(htmltemplate.New("card").Funcs(htmltemplate.FuncMap{
	"label": func(s Status) string { return s.Label("zh") },
}).Parse(`<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;max-width:960px;margin:2em auto;padding:0 1em;line-height:1.7;color:#222}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;border-left:4px solid #c0392b;padding-left:.5em;margin-top:1.6em}
.sub{color:#666}table{border-collapse:collapse;width:100%;font-size:.9em}th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left}
td.n{text-align:right}.met{color:#1e8449}.overdue,.at_risk{color:#c0392b}.on_track{color:#b9770e}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="sub">{{.Subtitle}}</p>
{{range .Sections}}<section>
<h2>{{.Numeral}}、{{.Commitment.Title}}</h2>
{{if .Text}}<p>{{.Text}}</p>{{end}}
<table>
<thead><tr><th>指标</th><th>数值</th><th>目标</th><th>完成时限</th><th>状态</th><th>差距</th></tr></thead>
<tbody>{{range .Results}}
<tr><td>{{.Target.Title}}</td><td class="n">{{.FormatValue}}</td><td>{{.FormatGoal}}</td><td>{{if .HasGoal}}{{.Target.Deadline}}{{end}}</td><td class="{{.Status}}">{{label .Status}}</td><td class="n">{{.Gap}}</td></tr>{{end}}
</tbody>
</table>
</section>
{{end}}<footer><p class="sub">数据均由 shishi 按登记数据和已审核的上报数据于{{.DateText}}计算。</p></footer>
</body>
</html>
`))

// Rows lays the report card out as one table for a spreadsheet: the
// heading, then per commitment one row per target, the commitment's text
// beside its first target.
func (rc *ReportCard) Rows() [][]string {
	rows := [][]string{{rc.Title()}, {rc.Subtitle()}, {}, {"序号", "实事项目", "指标", "数值", "目标", "完成时限", "状态", "差距", "说明"}}
	for _, s := range rc.Sections {
		for i, r := range s.Results {
			deadline, text := "", ""
			if r.HasGoal {
				deadline = r.Target.Deadline
			}
			if i == 0 {
				text = s.Text
			}
			rows = append(rows, []string{s.Numeral, s.Commitment.Title, r.Target.Title, r.FormatValue(), r.FormatGoal(),
				deadline, r.Status.Label("zh"), strconv.FormatInt(r.Gap, 10), text})
		}
	}
	return rows
}

// HTML writes the report card as a standalone HTML page.
func (rc *ReportCard) HTML(w io.Writer) error {
	return htmlCard.Execute(w, rc)
}
