package commitment

import (
	"fmt"

	"github.com/shishi-health/shishi/figure"
)

// FigureCatalog returns the catalog of periodic figures (package figure)
// that the sets declare: every figure of every set but those counted from a
// register (FigureKind.Register), the first declaration
// of a code winning, with the sets' checks whose figures are all declared.
// It fails on a figure figure's validation cannot take (an unknown
// period), which the package's tests rule out for the shipped sets.
func FigureCatalog(sets []*Set) (*figure.Catalog, error) {
	cat := &figure.Catalog{JumpFactor: figure.DefaultCatalog().JumpFactor}
	seen := map[string]bool{}
	for _, s := range sets {
		for _, f := range s.Figures {
			if f.Register != "" {
				continue // counted from its register, not reported
			}
			if seen[f.Code] {
				continue
			}
			seen[f.Code] = true
			span, err := figure.ParseSpan(f.Period)
			if err != nil {
				return nil, fmt.Errorf("%s: figure %s: %w", s.File, f.Code, err)
			}
			k := figure.Kind{Code: f.Code, ZH: f.Title, EN: f.TitleEN, Unit: f.Unit, UnitEN: f.UnitEN, Period: span,
				Level: f.Level, Integer: f.Integer, DueWorkdays: f.DueWorkdays, DueOn: f.DueOn}
			if k.EN == "" {
				k.EN = k.ZH
			}
			if f.Max > 0 {
				m := f.Max
				k.Max = &m
			}
			cat.Kinds = append(cat.Kinds, k)
		}
	}
	for _, s := range sets {
		for _, c := range s.Checks {
			cat.Checks = append(cat.Checks, figure.Check{Expr: c.Expr, MessageZH: c.MessageZH, MessageEN: c.MessageEN})
		}
	}
	if _, err := cat.Compile(); err != nil {
		return nil, fmt.Errorf("figure catalog: %w", err)
	}
	return cat, nil
}
