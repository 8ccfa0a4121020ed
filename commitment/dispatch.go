package commitment

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/shishi-health/shishi/region"
)

// Dispatch is the dispatch report (调度) of a region between two dates:
// per target, how the value and status moved, which units or facilities
// fell behind and which were fixed.
type Dispatch struct {
	Set      *Set
	Region   region.Division
	From, To string
	Targets  []DispatchTarget
}

// DispatchTarget is one target's change between the two dates.
type DispatchTarget struct {
	Target        *Target
	Before, After *Result
	// Fixed are the entries of the earlier gap list no longer on the
	// later one (补齐); Behind the entries new on the later one (新增).
	Fixed, Behind []Gap
}

// NewlyMet reports whether the target was not met on the first date and
// is met on the second.
func (d DispatchTarget) NewlyMet() bool { return d.Before.Status != Met && d.After.Status == Met }

// NoLongerMet reports whether the target was met on the first date and is
// not on the second.
func (d DispatchTarget) NoLongerMet() bool { return d.Before.Status == Met && d.After.Status != Met }

// Changed reports whether anything about the target moved.
func (d DispatchTarget) Changed() bool {
	return d.Before.Status != d.After.Status || d.Before.Value != d.After.Value || len(d.Fixed) > 0 || len(d.Behind) > 0
}

// NewDispatch compares two evaluations of the same set in the region
// code; gaps holds each target's gap list on the first ([0]) and second
// ([1]) date, as GapList would give them (targets missing from gaps are
// compared by value and status only).
func NewDispatch(before, after *Evaluation, code string, gaps map[*Target][2][]Gap) (*Dispatch, error) {
	if before.Set != after.Set {
		return nil, fmt.Errorf("dispatch: two different sets")
	}
	d, ok := after.tree.Get(code)
	if !ok {
		return nil, fmt.Errorf("dispatch: unknown region %q", code)
	}
	out := &Dispatch{Set: after.Set, Region: d, From: before.AsOf, To: after.AsOf}
	for _, t := range after.Set.Targets() {
		dt := DispatchTarget{Target: t, Before: before.Result(t, code), After: after.Result(t, code)}
		if g, ok := gaps[t]; ok {
			dt.Fixed, dt.Behind = diffGaps(g[0], g[1]), diffGaps(g[1], g[0])
		}
		out.Targets = append(out.Targets, dt)
	}
	return out, nil
}

// diffGaps returns the entries of a not in b, by code.
func diffGaps(a, b []Gap) []Gap {
	in := make(map[string]bool, len(b))
	for _, g := range b {
		in[g.Code] = true
	}
	var out []Gap
	for _, g := range a {
		if !in[g.Code] {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(x, y Gap) int {
		if x.Code < y.Code {
			return -1
		}
		if x.Code > y.Code {
			return 1
		}
		return 0
	})
	return out
}

// Rows lays the dispatch report out as a table for a page or Excel: one
// row per target with its values and statuses on both dates, then one row
// per unit or facility that fell behind or was fixed.
func (d *Dispatch) Rows(lang string) (header []string, rows [][]string) {
	header = []string{pick(lang, "指标", "target"), pick(lang, "变化", "change"), pick(lang, "代码", "code"),
		pick(lang, "名称", "name"), d.From, d.To, pick(lang, "状态（前）", "status before"), pick(lang, "状态（后）", "status after")}
	for _, t := range d.Targets {
		change := ""
		switch {
		case t.NewlyMet():
			change = pick(lang, "新完成", "newly met")
		case t.NoLongerMet():
			change = pick(lang, "不再达标", "no longer met")
		case t.Changed():
			change = pick(lang, "有变化", "changed")
		}
		rows = append(rows, []string{t.Target.Label(lang), change, "", "", t.Before.FormatValue(), t.After.FormatValue(),
			t.Before.Status.Label(lang), t.After.Status.Label(lang)})
		for _, g := range t.Fixed {
			rows = append(rows, []string{t.Target.Label(lang), pick(lang, "已补齐", "fixed"), g.Code, g.Name, "", "", "", ""})
		}
		for _, g := range t.Behind {
			rows = append(rows, []string{t.Target.Label(lang), pick(lang, "新增差距", "newly behind"), g.Code, g.Name, "", "", "", ""})
		}
	}
	return header, rows
}

// Markdown writes the dispatch report: a summary of what moved, then per
// target that changed its figures and lists.
func (d *Dispatch) Markdown(w io.Writer) error {
	var b bytes.Buffer
	name := d.Region.Name
	if d.Region.Code == region.CountryCode {
		name = "全国"
	}
	fmt.Fprintf(&b, "# %s调度报告\n\n%s · %s 至 %s\n\n", d.Set.Title, name, ChineseDate(d.From), ChineseDate(d.To))
	var met, lost, fixed, behind int
	for _, t := range d.Targets {
		if t.NewlyMet() {
			met++
		}
		if t.NoLongerMet() {
			lost++
		}
		fixed += len(t.Fixed)
		behind += len(t.Behind)
	}
	fmt.Fprintf(&b, "本期新完成指标%d项，不再达标%d项；补齐%d个单位或机构，新增差距%d个。\n", met, lost, fixed, behind)
	for _, t := range d.Targets {
		if !t.Changed() {
			continue
		}
		fmt.Fprintf(&b, "\n## %s\n\n%s → %s（%s → %s）\n", t.Target.Title, t.Before.FormatValue(), t.After.FormatValue(),
			t.Before.Status.Label("zh"), t.After.Status.Label("zh"))
		list := func(title string, gs []Gap) {
			if len(gs) == 0 {
				return
			}
			fmt.Fprintf(&b, "\n%s（%s）：\n\n", title, strconv.Itoa(len(gs)))
			for _, g := range gs {
				fmt.Fprintf(&b, "- %s %s\n", g.Code, mdEscape(g.Name))
			}
		}
		list("已补齐", t.Fixed)
		list("新增差距", t.Behind)
	}
	_, err := w.Write(b.Bytes())
	return err
}
