package commitment

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/google/cel-go/cel"
	"go.yaml.in/yaml/v3"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
)

// FileError is a problem in a commitments file, at a line.
type FileError struct {
	File string
	Line int
	Msg  string
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// The file's shape. Unknown keys are errors (a misspelt "deadlin" must not
// pass silently).
type rawSet struct {
	ID          string          `yaml:"id"`
	Title       string          `yaml:"title"`
	TitleEN     string          `yaml:"title_en"`
	Source      string          `yaml:"source"`
	From        string          `yaml:"from"`
	To          string          `yaml:"to"`
	Figures     []rawFigure     `yaml:"figures"`
	Checks      []rawCheck      `yaml:"checks"`
	Commitments []rawCommitment `yaml:"commitments"`
}

type rawFigure struct {
	Code        string  `yaml:"code"`
	Title       string  `yaml:"title"`
	TitleEN     string  `yaml:"title_en"`
	Unit        string  `yaml:"unit"`
	Period      string  `yaml:"period"`
	Level       string  `yaml:"level"`
	Integer     bool    `yaml:"integer"`
	DueWorkdays int     `yaml:"due_workdays"`
	DueOn       string  `yaml:"due_on"`
	UnitEN      string  `yaml:"unit_en"`
	Max         float64 `yaml:"max"`
	Aggregate   string  `yaml:"aggregate"`
	Register    string  `yaml:"register"`
	line        int
}

type rawCheck struct {
	Expr      string `yaml:"expr"`
	MessageZH string `yaml:"message"`
	MessageEN string `yaml:"message_en"`
	line      int
}

func (c *rawCheck) UnmarshalYAML(n *yaml.Node) error {
	type plain rawCheck
	c.line = n.Line
	return n.Decode((*plain)(c))
}

func (f *rawFigure) UnmarshalYAML(n *yaml.Node) error {
	type plain rawFigure
	f.line = n.Line
	return n.Decode((*plain)(f))
}

type rawCommitment struct {
	No         int         `yaml:"no"`
	ID         string      `yaml:"id"`
	Title      string      `yaml:"title"`
	TitleEN    string      `yaml:"title_en"`
	Department string      `yaml:"department"`
	Report     string      `yaml:"report"`
	Targets    []rawTarget `yaml:"targets"`
	line       int
}

func (c *rawCommitment) UnmarshalYAML(n *yaml.Node) error {
	type plain rawCommitment
	c.line = n.Line
	return n.Decode((*plain)(c))
}

type rawTarget struct {
	ID                string   `yaml:"id"`
	Title             string   `yaml:"title"`
	TitleEN           string   `yaml:"title_en"`
	Kind              string   `yaml:"kind"`
	Target            string   `yaml:"target"`
	Deadline          string   `yaml:"deadline"`
	JudgedAt          string   `yaml:"judged_at"`
	Registry          string   `yaml:"registry"`
	Where             string   `yaml:"where"`
	Match             string   `yaml:"match"`
	Sum               string   `yaml:"sum"`
	Per               float64  `yaml:"per"`
	Units             rawUnits `yaml:"units"`
	Min               int      `yaml:"min"`
	Each              string   `yaml:"each"`
	Figure            string   `yaml:"figure"`
	DenominatorFigure string   `yaml:"denominator_figure"`
	TargetFigure      string   `yaml:"target_figure"`
	Gap               string   `yaml:"gap"`
	GapEN             string   `yaml:"gap_en"`
	Report            string   `yaml:"report"`
	line              int
	// lines holds the line of each key, so that a message points at the
	// field at fault rather than at the target's first line.
	lines map[string]int
}

func (t *rawTarget) UnmarshalYAML(n *yaml.Node) error {
	type plain rawTarget
	t.line = n.Line
	t.lines = map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		t.lines[n.Content[i].Value] = n.Content[i].Line
	}
	return n.Decode((*plain)(t))
}

// at returns the line of key, or the target's first line.
func (t *rawTarget) at(key string) int {
	if l, ok := t.lines[key]; ok {
		return l
	}
	return t.line
}

type rawUnits struct {
	Of    string   `yaml:"of"`
	Where string   `yaml:"where"`
	Extra []string `yaml:"extra"`
}

// unitSets are the names Units.Of accepts.
var unitSets = []string{"provinces", "prefectures", "prefecture_equivalents", "cities", "counties", "all"}

// Parse reads a commitments file. Every problem found is returned, each
// with the file and line, joined into one error.
func Parse(file string, data []byte) (*Set, error) {
	var raw rawSet
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &FileError{File: file, Msg: "the file is empty"}
		}
		var te *yaml.TypeError
		if errors.As(err, &te) {
			var errs []error
			for _, e := range te.Errors {
				line := 0
				msg := e
				if _, err := fmt.Sscanf(e, "line %d: ", &line); err == nil {
					msg = e[strings.Index(e, ": ")+2:]
				}
				errs = append(errs, &FileError{File: file, Line: line, Msg: msg})
			}
			return nil, errors.Join(errs...)
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		line := 0
		if _, err := fmt.Sscanf(msg, "line %d: ", &line); err == nil {
			msg = msg[strings.Index(msg, ": ")+2:]
		}
		return nil, &FileError{File: file, Line: line, Msg: msg}
	}
	p := parser{file: file}
	s := p.set(raw)
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return s, nil
}

type parser struct {
	file string
	errs []error
}

func (p *parser) errorf(line int, format string, args ...any) {
	p.errs = append(p.errs, &FileError{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) date(line int, field, s string, required bool) string {
	if s == "" {
		if required {
			p.errorf(line, "%s is missing (a date like 2025-11-30)", field)
		}
		return ""
	}
	d, err := facility.ParseDate(s)
	if err != nil {
		p.errorf(line, "%s %q is not a date (YYYY-MM-DD)", field, s)
	}
	return d
}

func (p *parser) set(raw rawSet) *Set {
	s := &Set{ID: raw.ID, Title: raw.Title, TitleEN: raw.TitleEN, Source: raw.Source, File: p.file}
	if s.ID == "" {
		p.errorf(1, "id is missing")
	}
	if s.Title == "" {
		p.errorf(1, "title is missing")
	}
	s.From = p.date(1, "from", raw.From, true)
	s.To = p.date(1, "to", raw.To, true)
	if s.From != "" && s.To != "" && s.To < s.From {
		p.errorf(1, "to %s is before from %s", s.To, s.From)
	}
	figures := map[string]bool{}
	for _, rf := range raw.Figures {
		f := FigureKind{Code: rf.Code, Title: rf.Title, TitleEN: rf.TitleEN, Unit: rf.Unit, UnitEN: rf.UnitEN, Period: rf.Period,
			Integer: rf.Integer, DueWorkdays: rf.DueWorkdays, DueOn: rf.DueOn, Max: rf.Max, Line: rf.line}
		if f.DueOn != "" {
			if _, err := time.Parse("01-02", f.DueOn); err != nil {
				p.errorf(rf.line, "figure %s: due_on %q (want MM-DD)", f.Code, f.DueOn)
			}
		}
		if f.Code == "" || f.Title == "" {
			p.errorf(rf.line, "a figure needs a code and a title")
		}
		if figures[f.Code] {
			p.errorf(rf.line, "figure %q is declared twice", f.Code)
		}
		figures[f.Code] = true
		switch f.Period {
		case "month", "quarter", "year":
		default:
			p.errorf(rf.line, "figure %s: period %q (want month, quarter or year)", f.Code, f.Period)
		}
		switch rf.Aggregate {
		case "", "sum":
		case "latest":
			f.Latest = true
		default:
			p.errorf(rf.line, "figure %s: aggregate %q (want sum or latest)", f.Code, rf.Aggregate)
		}
		switch rf.Register {
		case "", RegisterLectures, RegisterConferences:
			f.Register = rf.Register
		default:
			p.errorf(rf.line, "figure %s: register %q (want %s or %s)", f.Code, rf.Register, RegisterLectures, RegisterConferences)
		}
		if f.Register != "" && f.Latest {
			p.errorf(rf.line, "figure %s: a register's count is a flow, not aggregate: latest", f.Code)
		}
		lv, err := region.ParseLevel(rf.Level)
		if err != nil {
			p.errorf(rf.line, "figure %s: level %q (want country, province, prefecture or county)", f.Code, rf.Level)
		}
		f.Level = lv
		s.Figures = append(s.Figures, f)
	}
	for _, rc := range raw.Checks {
		if rc.Expr == "" || rc.MessageZH == "" {
			p.errorf(rc.line, "a check needs expr and message")
		}
		s.Checks = append(s.Checks, FigureCheck{Expr: rc.Expr, MessageZH: rc.MessageZH, MessageEN: rc.MessageEN, Line: rc.line})
	}
	ids := map[string]bool{}
	for _, rc := range raw.Commitments {
		c := &Commitment{No: rc.No, ID: rc.ID, Title: rc.Title, TitleEN: rc.TitleEN, Department: rc.Department, Report: rc.Report}
		if c.ID == "" || c.Title == "" || c.No <= 0 {
			p.errorf(rc.line, "a commitment needs no (a number from 1), id and title")
		}
		if ids[c.ID] {
			p.errorf(rc.line, "id %q is used twice", c.ID)
		}
		ids[c.ID] = true
		if len(rc.Targets) == 0 {
			p.errorf(rc.line, "commitment %s has no targets", c.ID)
		}
		for _, rt := range rc.Targets {
			t := p.target(rt, figures, s)
			if ids[t.ID] {
				p.errorf(rt.line, "id %q is used twice", t.ID)
			}
			ids[t.ID] = true
			t.commitment = c
			c.set = s
			c.Targets = append(c.Targets, t)
		}
		s.Commitments = append(s.Commitments, c)
	}
	if len(s.Commitments) == 0 && len(p.errs) == 0 {
		p.errorf(1, "the file declares no commitments")
	}
	if len(p.errs) == 0 {
		s.needs, s.figures = s.computeNeeds()
	}
	return s
}

func (p *parser) target(rt rawTarget, figures map[string]bool, s *Set) *Target {
	line := rt.line
	t := &Target{ID: rt.ID, Title: rt.Title, TitleEN: rt.TitleEN, Where: rt.Where, Match: rt.Match, Sum: rt.Sum,
		Per: rt.Per, Min: rt.Min, Figure: rt.Figure, DenominatorFigure: rt.DenominatorFigure,
		TargetFigure: rt.TargetFigure, Gap: rt.Gap, GapEN: rt.GapEN, Report: rt.Report, Line: line,
		Units: Units{Of: rt.Units.Of, Where: rt.Units.Where, Extra: rt.Units.Extra}}
	if t.ID == "" || t.Title == "" {
		p.errorf(line, "a target needs an id and a title")
	}
	name := t.ID
	k, err := ParseKind(rt.Kind)
	if err != nil {
		p.errorf(rt.at("kind"), "target %s: %v", name, err)
	}
	t.Kind = k
	if rt.Target != "" {
		th, err := ParseThreshold(rt.Target)
		if err != nil {
			p.errorf(rt.at("target"), "target %s: target: %v", name, err)
		}
		t.Threshold, t.HasThreshold = th, err == nil
	} else if k == RegionTarget {
		t.Threshold, t.HasThreshold = Threshold{Op: AtLeast}, true
	}
	t.Deadline = p.date(rt.at("deadline"), "target "+name+": deadline", rt.Deadline, t.HasThreshold)
	if s.From != "" && t.Deadline != "" && (t.Deadline < s.From || (s.To != "" && t.Deadline > s.To)) {
		p.errorf(rt.at("deadline"), "target %s: deadline %s is outside the set's period %s – %s", name, t.Deadline, s.From, s.To)
	}
	t.JudgedAt = region.Country
	if rt.JudgedAt != "" {
		lv, err := region.ParseLevel(rt.JudgedAt)
		if err != nil {
			p.errorf(rt.at("judged_at"), "target %s: judged_at %q (want country, province, prefecture or county)", name, rt.JudgedAt)
		}
		t.JudgedAt = lv
	}
	for _, f := range []string{t.Figure, t.DenominatorFigure, t.TargetFigure} {
		if f != "" && !figures[f] {
			p.errorf(line, "target %s: figure %q is not declared under figures", name, f)
		}
	}
	if rt.Registry != "" {
		sc, ok := facility.Lookup(rt.Registry)
		if !ok {
			p.errorf(rt.at("registry"), "target %s: registry %q (want %s)", name, rt.Registry, registryNames())
		}
		t.Registry = sc
	}
	if t.Registry != nil && t.Figure != "" {
		p.errorf(line, "target %s: give a registry or a figure, not both", name)
	}
	if t.Registry == nil && t.Figure == "" {
		p.errorf(line, "target %s: give a registry or a figure to count", name)
	}
	switch k {
	case Share:
		if t.Registry != nil && t.Match == "" {
			p.errorf(line, "target %s: a share needs match (the numerator)", name)
		}
		if t.Figure != "" && t.DenominatorFigure == "" {
			p.errorf(line, "target %s: a share of figures needs denominator_figure", name)
		}
	case Coverage:
		if !slices.Contains(unitSets, t.Units.Of) {
			p.errorf(rt.at("units"), "target %s: units.of %q (want %s)", name, t.Units.Of, strings.Join(unitSets, ", "))
		}
		if t.Min == 0 {
			t.Min = 1
		}
		if t.Figure != "" {
			th, err := ParseThreshold(rt.Each)
			if err != nil {
				p.errorf(rt.at("each"), "target %s: each: %v", name, err)
			}
			t.Each = &th
		}
	case PerCapita:
		if t.Registry == nil || t.Sum == "" || t.Per <= 0 {
			p.errorf(line, "target %s: per_capita needs registry, sum and per", name)
		}
	case RegionTarget:
		if t.TargetFigure == "" {
			p.errorf(line, "target %s: region_target needs target_figure", name)
		}
	}
	if (k == PerCapita || k == Total || k == RegionTarget) && t.Registry != nil && t.Sum == "" {
		p.errorf(line, "target %s: %s over a registry needs sum (the field added up)", name, k)
	}
	if t.Sum != "" && t.Registry != nil {
		if i := t.Registry.Index(t.Sum); i < 0 || t.Registry.Fields[i].Kind != facility.Int {
			p.errorf(rt.at("sum"), "target %s: sum %q is not a number field of %s", name, t.Sum, t.Registry.Name)
		}
	}
	t.prog = &programs{}
	if t.Registry != nil {
		env, err := facilityEnv(t.Registry)
		if err != nil {
			p.errorf(line, "target %s: %v", name, err)
			return t
		}
		t.prog.where = p.predicate(env, rt.at("where"), name, "where", t.Where)
		t.prog.match = p.predicate(env, rt.at("match"), name, "match", t.Match)
	} else if t.Where != "" || t.Match != "" {
		p.errorf(line, "target %s: where and match apply to registries only", name)
	}
	if t.Units.Where != "" {
		env, err := unitEnv()
		if err == nil {
			t.prog.units = p.predicate(env, rt.at("units"), name, "units.where", t.Units.Where)
		}
	}
	return t
}

func (p *parser) predicate(env *cel.Env, line int, target, field, src string) *predicate {
	if strings.TrimSpace(src) == "" {
		return nil
	}
	pr, err := compile(env, src)
	if err != nil {
		p.errorf(line, "target %s: %s: %v", target, field, err)
		return nil
	}
	return pr
}

func registryNames() string {
	var names []string
	for _, sc := range facility.Registries() {
		names = append(names, sc.Name)
	}
	return strings.Join(names, ", ")
}
