package commitment

import (
	"fmt"
	"slices"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/interpreter"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
)

// Date variables every facility predicate may use, as YYYY-MM-DD strings
// (which compare as dates): the evaluation date and the set's period.
const (
	varAsOf        = "as_of"
	varPeriodStart = "period_start"
	varPeriodEnd   = "period_end"
)

// predicate is a compiled CEL boolean expression with the variables it
// reads, so that the store groups facilities by exactly those fields.
type predicate struct {
	src  string
	prg  cel.Program
	vars []string // field keys read, sorted; never the date variables
}

// programs are a target's compiled predicates; nil members are "true".
type programs struct {
	where, match *predicate
	units        *predicate
}

// facilityEnv returns the CEL environment of a registry's predicates: one
// variable per field, typed by the field's kind (text, choices, regions and
// dates are strings; integers int; yes/no bool), plus the date variables.
func facilityEnv(sc *facility.Schema) (*cel.Env, error) {
	opts := []cel.EnvOption{
		cel.Variable(varAsOf, cel.StringType),
		cel.Variable(varPeriodStart, cel.StringType),
		cel.Variable(varPeriodEnd, cel.StringType),
		cel.Variable("code", cel.StringType),
	}
	for _, f := range sc.Fields {
		var t *cel.Type
		switch f.Kind {
		case facility.Int:
			t = cel.IntType
		case facility.Bool:
			t = cel.BoolType
		default:
			t = cel.StringType
		}
		opts = append(opts, cel.Variable(f.Key, t))
	}
	return cel.NewEnv(opts...)
}

// unitEnv is the environment of Units.Where: the unit's code, name, level
// ("province", "prefecture", "county"), kind (region.Kind's code, e.g.
// "urban_district"), population (0 when unknown), population_known and the
// parent's code.
func unitEnv() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable("code", cel.StringType),
		cel.Variable("name", cel.StringType),
		cel.Variable("level", cel.StringType),
		cel.Variable("kind", cel.StringType),
		cel.Variable("population", cel.IntType),
		cel.Variable("population_known", cel.BoolType),
		cel.Variable("parent", cel.StringType),
	)
}

// compile checks src as a boolean expression in env and lists the
// variables it reads.
func compile(env *cel.Env, src string) (*predicate, error) {
	ast, iss := env.Compile(src)
	if iss != nil && iss.Err() != nil {
		// cel-go writes "ERROR: <input>:1:9: msg\n | src\n | ..^"; the
		// file's line is given by the caller, the column is what helps.
		msg := strings.Split(iss.Err().Error(), "\n")[0]
		msg = strings.TrimPrefix(msg, "ERROR: <input>:")
		if l, c, ok := strings.Cut(msg, ":"); ok && l == "1" {
			if col, rest, ok := strings.Cut(c, ":"); ok {
				msg = "column " + col + ":" + rest
			}
		}
		return nil, fmt.Errorf("%s", msg)
	}
	if !ast.OutputType().IsExactType(types.BoolType) {
		return nil, fmt.Errorf("%q is %s, not a yes/no condition", src, ast.OutputType())
	}
	prg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, err
	}
	p := &predicate{src: src, prg: prg}
	for _, ref := range ast.NativeRep().ReferenceMap() {
		if ref.Name == "" || ref.Value != nil {
			continue
		}
		switch ref.Name {
		case varAsOf, varPeriodStart, varPeriodEnd:
			continue
		}
		if !slices.Contains(p.vars, ref.Name) {
			p.vars = append(p.vars, ref.Name)
		}
	}
	slices.Sort(p.vars)
	return p, nil
}

// eval runs the predicate; nil is true. An evaluation error (a division by
// zero, say) counts as false and is returned, so that Evaluate can report
// it once.
func (p *predicate) eval(act interpreter.Activation) (bool, error) {
	if p == nil {
		return true, nil
	}
	out, _, err := p.prg.Eval(act)
	if err != nil {
		return false, fmt.Errorf("%s: %w", p.src, err)
	}
	b, ok := out.Value().(bool)
	return ok && b, nil
}

// groupActivation resolves a predicate's variables from a facility Group:
// the fields the store grouped by, then the date variables.
type groupActivation struct {
	keys   []string
	values []any
	dates  *dateActivation
}

func (a *groupActivation) ResolveName(name string) (any, bool) {
	for i, k := range a.keys {
		if k == name {
			return a.values[i], true
		}
	}
	return a.dates.ResolveName(name)
}

func (a *groupActivation) Parent() interpreter.Activation { return nil }

// dateActivation holds the date variables.
type dateActivation struct{ asOf, start, end string }

func (a *dateActivation) ResolveName(name string) (any, bool) {
	switch name {
	case varAsOf:
		return a.asOf, true
	case varPeriodStart:
		return a.start, true
	case varPeriodEnd:
		return a.end, true
	}
	return nil, false
}

func (a *dateActivation) Parent() interpreter.Activation { return nil }

// recordActivation resolves a predicate's variables from a facility record.
type recordActivation struct {
	sc    *facility.Schema
	r     facility.Record
	dates *dateActivation
}

func (a *recordActivation) ResolveName(name string) (any, bool) {
	if name == "code" {
		return a.r.Code, true
	}
	if i := a.sc.Index(name); i >= 0 {
		return a.r.Values[i], true
	}
	return a.dates.ResolveName(name)
}

func (a *recordActivation) Parent() interpreter.Activation { return nil }

// unitActivation resolves Units.Where's variables.
type unitActivation struct {
	d   region.Division
	pop region.Population
}

func (a *unitActivation) ResolveName(name string) (any, bool) {
	switch name {
	case "code":
		return a.d.Code, true
	case "name":
		return a.d.Name, true
	case "level":
		return a.d.Level.String(), true
	case "kind":
		return a.d.Kind.String(), true
	case "population":
		return a.pop.Value, true
	case "population_known":
		return a.pop.Source != region.Missing, true
	case "parent":
		return a.d.Parent, true
	}
	return nil, false
}

func (a *unitActivation) Parent() interpreter.Activation { return nil }
