package demo

import (
	"slices"
	"strings"
	"testing"

	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/facility"
)

func TestAccounts(t *testing.T) {
	tr := tree(t)
	accounts := Accounts(tr)
	if err := auth.CheckPasswordPolicy(Password, "demo-national"); err != nil {
		t.Fatalf("demo password: %v", err)
	}
	var roles []auth.Role
	names := map[string]bool{}
	for _, a := range accounts {
		roles = append(roles, a.Role)
		if names[a.Username] {
			t.Errorf("username %s twice", a.Username)
		}
		names[a.Username] = true
		if n, err := auth.NormalizeUsername(a.Username); err != nil || n != a.Username || !strings.HasPrefix(n, "demo-") {
			t.Errorf("username %q: %q %v", a.Username, n, err)
		}
		if err := auth.CheckPasswordPolicy(Password, a.Username); err != nil {
			t.Errorf("%s: %v", a.Username, err)
		}
		if err := a.Principal().Validate(tr); err != nil {
			t.Errorf("%s: %v", a.Username, err)
		}
	}
	if want := append(auth.Roles(), auth.Reporter, auth.Reporter); !slices.Equal(roles, want) {
		t.Fatalf("roles %v, want one per role and two more reporters %v", roles, want)
	}

	// The institutions are real facilities of the data set, in effect at
	// its end, in the unit the account says.
	sets := national(t)
	exists := func(sc *facility.Schema, code, unit, name string) bool {
		for _, s := range sets {
			if s.Schema != sc {
				continue
			}
			for _, r := range s.Records {
				if r.Code == code && r.Region(sc) == unit && r.String(sc, "name") == name && !r.Closed {
					return true
				}
			}
		}
		return false
	}
	for _, a := range accounts {
		if a.Role.Binding() != auth.BoundToInstitution {
			continue
		}
		sc, _ := facility.Lookup(a.Role.Registry())
		if !exists(sc, a.Institution, a.InstitutionRegion, a.InstitutionName) {
			t.Errorf("%s: %s %s %s is not in the demo %s", a.Username, a.Institution, a.InstitutionRegion, a.InstitutionName, sc.Name)
		}
	}
	byName := map[string]AccountSpec{}
	for _, a := range accounts {
		byName[a.Username] = a
	}
	if h := byName["demo-hospital"]; h.InstitutionName != "中牟县人民医院" || !strings.HasPrefix(h.Institution, "H410122") {
		t.Errorf("demo-hospital at %s %s", h.Institution, h.InstitutionName)
	}
	if b := byName["demo-blood"]; b.InstitutionName != "河南省血液中心" || !strings.HasPrefix(b.Institution, "B410000") {
		t.Errorf("demo-blood at %s %s", b.Institution, b.InstitutionName)
	}
	if again := Accounts(tr); !slices.Equal(again, accounts) {
		t.Error("Accounts is not deterministic")
	}
	for _, a := range accounts {
		t.Logf("%-16s %-22s %-6s %-12s %s", a.Username, a.Role, a.Region, a.Institution, a.InstitutionName)
	}
}
