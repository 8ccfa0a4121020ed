package auth

import (
	"errors"
	"fmt"
	"slices"

	"github.com/shishi-health/shishi/region"
)

// Principal is who makes a request: a logged-in user, or a user acting
// through an API token (then Limit is set). The zero Principal is an
// anonymous visitor and holds only Public.
type Principal struct {
	UserID string
	Role   Role
	// Region is the code of the unit a region-bound role acts for; ""
	// for institution roles.
	Region string
	// Institution is the facility code an institution-bound role acts for
	// (in the registry Role.Registry names); "" for region roles.
	Institution string
	// InstitutionRegion is the region of that facility, as its registry
	// holds it.
	InstitutionRegion string
	// Limit narrows the principal when the request carries an API token;
	// nil for a session.
	Limit *Limit
}

// Limit is what an API token narrows its owner to: fewer rights and,
// optionally, a part of the owner's region.
type Limit struct {
	Rights []Right
	// Region is a unit within the owner's scope; "" leaves the owner's
	// whole scope.
	Region string
}

// Target is the unit or institution a request touches. A request about a
// region (aggregates, a gap list) sets Region alone; a request about a
// facility sets both its code and its region, as the registry holds it on
// the date concerned.
type Target struct {
	Region      string
	Institution string
}

// Decision is Allow's answer. Reason says why, for the log only: a
// response must not repeat it, because "outside your region" would confirm
// that the thing exists. Out-of-scope requests are answered like requests
// for things that do not exist.
type Decision struct {
	Allowed bool
	Reason  string
}

func deny(format string, args ...any) Decision {
	return Decision{Reason: fmt.Sprintf(format, args...)}
}

// Allow is the one authorisation point: every handler asks it before it
// reads or changes anything. A request is allowed iff
//
//   - the right is Public (granted to everyone, anonymous visitors too), or
//   - the principal's binding is valid (Principal.Validate), its role holds
//     the right (Grants), its API token, if any, carries the right and
//     covers the target's region, and the target lies in the principal's
//     scope: for region roles the target's region equals the principal's
//     region or lies under it (region.Tree.Contains); for institution roles
//     the target is the principal's own institution.
//
// Everything else is refused, including targets that name no region or an
// unknown one: Allow fails closed.
func Allow(t *region.Tree, p Principal, right Right, target Target) Decision {
	if !right.Valid() {
		return deny("unknown right %d", int(right))
	}
	if right == Public {
		return Decision{Allowed: true, Reason: "public"}
	}
	if p.Role == 0 {
		return deny("anonymous: %s needs a login", right)
	}
	if err := p.Validate(t); err != nil {
		return deny("principal %s: %v", p.UserID, err)
	}
	if !p.Role.Has(right) {
		return deny("role %s lacks %s", p.Role, right)
	}
	if l := p.Limit; l != nil {
		if !slices.Contains(l.Rights, right) || slices.Contains(TokenForbidden, right) {
			return deny("token of %s does not carry %s", p.UserID, right)
		}
		if l.Region != "" && (target.Region == "" || !t.Contains(l.Region, target.Region)) {
			return deny("target region %q outside token region %s", target.Region, l.Region)
		}
	}
	switch p.Role.Binding() {
	case BoundToRegion:
		if target.Region == "" {
			return deny("target names no region")
		}
		if !t.Contains(p.Region, target.Region) {
			return deny("target region %s outside %s %s", target.Region, p.Role, p.Region)
		}
	case BoundToInstitution:
		if target.Institution == "" {
			return deny("%s may act only on its institution; target names none", p.Role)
		}
		if target.Institution != p.Institution {
			return deny("target institution %s is not %s", target.Institution, p.Institution)
		}
		// A region that disagrees with the binding means the code names a
		// facility of another registry, or the facility moved and the
		// binding must be updated: refused either way.
		if target.Region != "" && target.Region != p.InstitutionRegion {
			return deny("target institution %s in region %s, bound in %s", target.Institution, target.Region, p.InstitutionRegion)
		}
	}
	return Decision{Allowed: true, Reason: fmt.Sprintf("%s holds %s", p.Role, right)}
}

// Validate checks the principal's binding against the hierarchy: a region
// role names a known unit (of its role's level for supervisors: a
// ProvincialSupervisor at a province-level unit) and no institution; an
// institution role names a facility code and a known region and no region
// of its own; a Limit carries valid rights and a region within scope.
func (p Principal) Validate(t *region.Tree) error {
	if !p.Role.Valid() {
		return fmt.Errorf("role %d: no such role", int(p.Role))
	}
	switch p.Role.Binding() {
	case BoundToRegion:
		d, ok := t.Get(p.Region)
		if !ok {
			return fmt.Errorf("%s: region %q: no such unit", p.Role, p.Region)
		}
		if want, ok := p.Role.Level(); ok && d.Level != want {
			return fmt.Errorf("%s: region %s %s is %s, want %s", p.Role, d.Code, d.Name, d.Level, want)
		}
		if p.Institution != "" || p.InstitutionRegion != "" {
			return fmt.Errorf("%s is bound to a region, not to institution %q", p.Role, p.Institution)
		}
	case BoundToInstitution:
		if p.Institution == "" {
			return fmt.Errorf("%s: no institution", p.Role)
		}
		if _, ok := t.Get(p.InstitutionRegion); !ok || p.InstitutionRegion == region.CountryCode {
			return fmt.Errorf("%s: institution region %q: no such unit", p.Role, p.InstitutionRegion)
		}
		if p.Region != "" {
			return fmt.Errorf("%s is bound to institution %s, not to region %s", p.Role, p.Institution, p.Region)
		}
	}
	if l := p.Limit; l != nil {
		for _, r := range l.Rights {
			if !r.Valid() {
				return fmt.Errorf("token right %d: no such right", int(r))
			}
		}
		if l.Region != "" && !t.Contains(p.Scope().Region, l.Region) {
			return errors.New("token region " + l.Region + " outside the owner's scope")
		}
	}
	return nil
}

// Scope returns the target that stands for everything the principal may
// act on: its region, or its institution with the institution's region.
// Managing a user is a request on the user's Scope, so an administrator
// reaches exactly the users bound within their region.
func (p Principal) Scope() Target {
	if p.Role.Binding() == BoundToInstitution {
		return Target{Region: p.InstitutionRegion, Institution: p.Institution}
	}
	return Target{Region: p.Region}
}
