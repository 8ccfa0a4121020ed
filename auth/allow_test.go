package auth

import (
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/shishi-health/shishi/region"
)

var (
	treeOnce sync.Once
	tree     *region.Tree
	treeErr  error
)

func loadTree(t testing.TB) *region.Tree {
	t.Helper()
	treeOnce.Do(func() { tree, treeErr = region.Load() })
	if treeErr != nil {
		t.Fatal(treeErr)
	}
	return tree
}

// TestGrants pins the Grants table: a change of who may do what must
// change this matrix too, in the same review.
func TestGrants(t *testing.T) {
	const matrix = `
                       RA RF WF IM EX SF AF RP WP AU MU MT PU
national_supervisor    x  x  .  .  x  .  .  .  .  .  .  x  x
provincial_supervisor  x  x  .  .  x  .  .  .  .  .  .  x  x
prefecture_supervisor  x  x  .  .  x  .  .  .  .  .  .  x  x
county_supervisor      x  x  .  .  x  .  .  .  .  .  .  x  x
reporter               x  x  x  x  x  x  .  .  .  .  .  x  x
approver               x  x  .  .  .  .  x  .  .  .  .  .  x
hospital_staff         x  x  x  x  x  x  .  x  x  .  .  x  x
doctor                 .  x  .  .  .  .  .  x  .  .  .  .  x
blood_centre_reviewer  x  x  .  .  .  .  .  x  x  .  .  .  x
auditor                x  x  .  .  .  .  .  .  .  x  .  .  x
administrator          x  x  .  .  .  .  .  .  .  .  x  x  x
`
	lines := strings.Split(strings.TrimSpace(matrix), "\n")
	if len(lines)-1 != len(Roles()) {
		t.Fatalf("matrix has %d roles, want %d", len(lines)-1, len(Roles()))
	}
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		role, err := ParseRole(f[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(f)-1 != len(Rights()) {
			t.Fatalf("%s: %d columns, want %d", role, len(f)-1, len(Rights()))
		}
		for i, right := range Rights() {
			if want := f[i+1] == "x"; role.Has(right) != want {
				t.Errorf("%s has %s = %v, want %v", role, right, role.Has(right), want)
			}
		}
	}
	if Administrator.Has(ReadPersonal) || Administrator.Has(ReadAudit) {
		t.Error("administrators must not read personal data or the audit trail by default")
	}
	for role, rights := range Grants {
		if !role.Valid() {
			t.Errorf("Grants names invalid role %d", role)
		}
		seen := map[Right]bool{}
		for _, r := range rights {
			if !r.Valid() || seen[r] {
				t.Errorf("Grants[%s]: %s invalid or repeated", role, r)
			}
			seen[r] = true
		}
	}
}

// scoped is a target and whether it lies within a principal's scope.
type scoped struct {
	name   string
	target Target
	in     bool
}

func reg(code string) Target { return Target{Region: code} }

// regionCases are the principals bound to regions with their targets:
// self, child, grandchild, sibling, parent, other province, the country,
// unknown and empty; municipalities and province-administered counties
// included.
func regionCases() []struct {
	p       Principal
	targets []scoped
} {
	type c = struct {
		p       Principal
		targets []scoped
	}
	national := []scoped{
		{"self country", reg(region.CountryCode), true},
		{"child province", reg("420000"), true},
		{"grandchild prefecture", reg("420100"), true},
		{"county", reg("420102"), true},
		{"municipal district", reg("110101"), true},
		{"province-administered county", reg("429004"), true},
		{"facility in county", Target{Region: "410102", Institution: "H9"}, true},
		{"unknown", reg("999999"), false},
		{"empty", reg(""), false},
		{"institution without region", Target{Institution: "H1"}, false},
	}
	province := []scoped{
		{"self", reg("420000"), true},
		{"child prefecture", reg("420100"), true},
		{"grandchild county", reg("420102"), true},
		{"province-administered county", reg("429004"), true},
		{"facility in county", Target{Region: "420102", Institution: "H1"}, true},
		{"sibling province", reg("410000"), false},
		{"parent country", reg(region.CountryCode), false},
		{"other-province county", reg("410102"), false},
		{"other-province facility", Target{Region: "410102", Institution: "H9"}, false},
		{"empty", reg(""), false},
	}
	prefecture := []scoped{
		{"self", reg("420100"), true},
		{"child county", reg("420102"), true},
		{"facility in child county", Target{Region: "420103", Institution: "H3"}, true},
		{"sibling prefecture", reg("420200"), false},
		{"county of sibling prefecture", reg("420202"), false},
		{"parent province", reg("420000"), false},
		{"province-administered county beside", reg("429004"), false},
		{"other-province county", reg("410102"), false},
		{"country", reg(region.CountryCode), false},
	}
	county := []scoped{
		{"self", reg("420102"), true},
		{"facility in self", Target{Region: "420102", Institution: "H1"}, true},
		{"sibling county", reg("420103"), false},
		{"facility in sibling", Target{Region: "420103", Institution: "H3"}, false},
		{"parent prefecture", reg("420100"), false},
		{"province", reg("420000"), false},
		{"other-province county", reg("410102"), false},
		{"country", reg(region.CountryCode), false},
	}
	return []c{
		{Principal{UserID: "n", Role: NationalSupervisor, Region: region.CountryCode}, national},
		{Principal{UserID: "p", Role: ProvincialSupervisor, Region: "420000"}, province},
		{Principal{UserID: "bj", Role: ProvincialSupervisor, Region: "110000"}, []scoped{
			{"self municipality", reg("110000"), true},
			{"municipal district", reg("110101"), true},
			{"other municipality's district", reg("120101"), false},
			{"country", reg(region.CountryCode), false},
		}},
		{Principal{UserID: "f", Role: PrefectureSupervisor, Region: "420100"}, prefecture},
		{Principal{UserID: "dg", Role: PrefectureSupervisor, Region: "441900"}, []scoped{
			{"self prefecture without counties", reg("441900"), true},
			{"sibling prefecture", reg("441800"), false},
			{"parent province", reg("440000"), false},
		}},
		{Principal{UserID: "c", Role: CountySupervisor, Region: "420102"}, county},
		{Principal{UserID: "xt", Role: CountySupervisor, Region: "429004"}, []scoped{
			{"self province-administered county", reg("429004"), true},
			{"sibling province-administered county", reg("429005"), false},
			{"parent province", reg("420000"), false},
			{"prefecture beside", reg("420100"), false},
		}},
		{Principal{UserID: "dc", Role: CountySupervisor, Region: "110101"}, []scoped{
			{"self municipal district", reg("110101"), true},
			{"sibling district", reg("110102"), false},
			{"parent municipality", reg("110000"), false},
		}},
		{Principal{UserID: "r", Role: Reporter, Region: "420102"}, county},
		{Principal{UserID: "r2", Role: Reporter, Region: "420100"}, prefecture},
		{Principal{UserID: "a", Role: Approver, Region: "420100"}, prefecture},
		{Principal{UserID: "a2", Role: Approver, Region: "420000"}, province},
		{Principal{UserID: "au", Role: Auditor, Region: "420000"}, province},
		{Principal{UserID: "au2", Role: Auditor, Region: region.CountryCode}, national},
		{Principal{UserID: "ad", Role: Administrator, Region: region.CountryCode}, national},
		{Principal{UserID: "ad2", Role: Administrator, Region: "420102"}, county},
	}
}

func institutionCases() []struct {
	p       Principal
	targets []scoped
} {
	type c = struct {
		p       Principal
		targets []scoped
	}
	own := func(code, reg string) []scoped {
		return []scoped{
			{"own institution", Target{Region: reg, Institution: code}, true},
			{"own institution, region not given", Target{Institution: code}, true},
			{"sibling institution", Target{Region: reg, Institution: code + "X"}, false},
			{"own region only (parent)", Target{Region: reg}, false},
			{"province", Target{Region: "420000"}, false},
			{"country", Target{Region: region.CountryCode}, false},
			{"other-province institution", Target{Region: "410102", Institution: "H9"}, false},
			{"same code, other region (other registry)", Target{Region: "410102", Institution: code}, false},
			{"empty", Target{}, false},
		}
	}
	return []c{
		{Principal{UserID: "h", Role: HospitalStaff, Institution: "H1", InstitutionRegion: "420102"}, own("H1", "420102")},
		{Principal{UserID: "d", Role: Doctor, Institution: "H1", InstitutionRegion: "420102"}, own("H1", "420102")},
		{Principal{UserID: "d2", Role: Doctor, Institution: "H7", InstitutionRegion: "110101"}, own("H7", "110101")},
		{Principal{UserID: "b", Role: BloodCentreReviewer, Institution: "B42", InstitutionRegion: "420000"}, own("B42", "420000")},
	}
}

// TestAllow checks every role × every right × its targets: allowed iff the
// right is Public, or the role holds it and the target is in scope.
func TestAllow(t *testing.T) {
	tr := loadTree(t)
	cases := append(regionCases(), institutionCases()...)
	covered := map[Role]bool{}
	for _, c := range cases {
		covered[c.p.Role] = true
		if err := c.p.Validate(tr); err != nil {
			t.Fatalf("fixture %+v: %v", c.p, err)
		}
		for _, tg := range c.targets {
			for _, right := range Rights() {
				want := right == Public || tg.in && c.p.Role.Has(right)
				d := Allow(tr, c.p, right, tg.target)
				if d.Allowed != want {
					t.Errorf("%s@%s%s %s on %s %+v: allowed=%v, want %v (%s)",
						c.p.Role, c.p.Region, c.p.Institution, right, tg.name, tg.target, d.Allowed, want, d.Reason)
				}
				if d.Reason == "" {
					t.Errorf("%s %s on %s: empty reason", c.p.Role, right, tg.name)
				}
			}
		}
	}
	for _, r := range Roles() {
		if !covered[r] {
			t.Errorf("role %s has no Allow cases", r)
		}
	}
}

// TestAllowInvalidPrincipal: a binding that does not fit its role is
// refused everything but Public, even on its own region.
func TestAllowInvalidPrincipal(t *testing.T) {
	tr := loadTree(t)
	bad := []Principal{
		{},                                 // anonymous
		{Role: Role(99), Region: "420000"}, // unknown role
		{Role: ProvincialSupervisor, Region: "420100"},                                   // prefecture, not province
		{Role: PrefectureSupervisor, Region: "110000"},                                   // municipality is province-level
		{Role: PrefectureSupervisor, Region: "110101"},                                   // municipal district is county-level
		{Role: CountySupervisor, Region: "441900"},                                       // 东莞 is prefecture-level
		{Role: NationalSupervisor, Region: "420000"},                                     // national needs the country
		{Role: CountySupervisor, Region: "999999"},                                       // unknown region
		{Role: Reporter, Region: ""},                                                     // no region
		{Role: Reporter, Region: "420102", Institution: "H1"},                            // region role with institution
		{Role: HospitalStaff, InstitutionRegion: "420102"},                               // no institution
		{Role: HospitalStaff, Institution: "H1"},                                         // no institution region
		{Role: Doctor, Institution: "H1", InstitutionRegion: "999999"},                   // unknown institution region
		{Role: Doctor, Region: "420102", Institution: "H1", InstitutionRegion: "420102"}, // both bindings
	}
	for _, p := range bad {
		if p.Role != 0 && p.Validate(tr) == nil {
			t.Errorf("Validate(%+v) = nil, want an error", p)
		}
		targets := []Target{{Region: p.Region}, {Region: p.InstitutionRegion, Institution: p.Institution}, {Region: region.CountryCode}, {Region: "420102"}}
		for _, tg := range targets {
			for _, right := range Rights() {
				d := Allow(tr, p, right, tg)
				if d.Allowed != (right == Public) {
					t.Errorf("%+v %s on %+v: allowed=%v (%s)", p, right, tg, d.Allowed, d.Reason)
				}
			}
		}
	}
	ok := Principal{Role: NationalSupervisor, Region: region.CountryCode}
	if d := Allow(tr, ok, Right(0), reg("420000")); d.Allowed {
		t.Error("the zero Right must be refused")
	}
	if d := Allow(tr, ok, Right(99), reg("420000")); d.Allowed {
		t.Error("an unknown Right must be refused")
	}
}

func TestAllowToken(t *testing.T) {
	tr := loadTree(t)
	prov := Principal{UserID: "p", Role: ProvincialSupervisor, Region: "420000"}
	staff := Principal{UserID: "h", Role: HospitalStaff, Institution: "H1", InstitutionRegion: "420102"}
	cases := []struct {
		name  string
		p     Principal
		lim   Limit
		right Right
		tg    Target
		want  bool
	}{
		{"carried right in token region", prov, Limit{Rights: []Right{Export}, Region: "420100"}, Export, reg("420102"), true},
		{"token region itself", prov, Limit{Rights: []Right{Export}, Region: "420100"}, Export, reg("420100"), true},
		{"outside token region, inside owner's", prov, Limit{Rights: []Right{Export}, Region: "420100"}, Export, reg("420200"), false},
		{"owner's region above token region", prov, Limit{Rights: []Right{Export}, Region: "420100"}, Export, reg("420000"), false},
		{"right not carried", prov, Limit{Rights: []Right{Export}}, ReadAggregates, reg("420102"), false},
		{"whole scope", prov, Limit{Rights: []Right{Export, ReadAggregates}}, ReadAggregates, reg("429004"), true},
		{"right the owner lacks", prov, Limit{Rights: []Right{Import}}, Import, reg("420102"), false},
		{"forbidden right even if owner has it", staff, Limit{Rights: []Right{ReadPersonal}}, ReadPersonal, Target{Region: "420102", Institution: "H1"}, false},
		{"staff token own institution", staff, Limit{Rights: []Right{SubmitFigures}, Region: "420102"}, SubmitFigures, Target{Region: "420102", Institution: "H1"}, true},
		{"staff token other institution", staff, Limit{Rights: []Right{SubmitFigures}}, SubmitFigures, Target{Region: "420102", Institution: "H2"}, false},
		{"token region outside owner's scope", prov, Limit{Rights: []Right{Export}, Region: "410100"}, Export, reg("410102"), false},
		{"public always", prov, Limit{}, Public, reg("410102"), true},
	}
	for _, c := range cases {
		p := c.p
		l := c.lim
		p.Limit = &l
		if d := Allow(tr, p, c.right, c.tg); d.Allowed != c.want {
			t.Errorf("%s: allowed=%v, want %v (%s)", c.name, d.Allowed, c.want, d.Reason)
		}
	}
}

func TestScope(t *testing.T) {
	tr := loadTree(t)
	admin := Principal{Role: Administrator, Region: "420100"}
	users := []struct {
		p    Principal
		want bool
	}{
		{Principal{Role: CountySupervisor, Region: "420102"}, true},
		{Principal{Role: Reporter, Region: "420100"}, true},
		{Principal{Role: HospitalStaff, Institution: "H1", InstitutionRegion: "420102"}, true},
		{Principal{Role: ProvincialSupervisor, Region: "420000"}, false},
		{Principal{Role: Doctor, Institution: "H9", InstitutionRegion: "410102"}, false},
		{Principal{Role: Administrator, Region: "420200"}, false},
	}
	for _, u := range users {
		if d := Allow(tr, admin, ManageUsers, u.p.Scope()); d.Allowed != u.want {
			t.Errorf("administrator of 420100 managing %+v: allowed=%v, want %v (%s)", u.p, d.Allowed, u.want, d.Reason)
		}
	}
}

func TestRoleNames(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Roles() {
		for _, s := range []string{r.String(), strings.ToUpper(r.String()), r.Label("zh-CN")} {
			got, err := ParseRole(s)
			if err != nil || got != r {
				t.Errorf("ParseRole(%q) = %v, %v; want %v", s, got, err, r)
			}
		}
		if r.Label("en") == "" || r.Label("zh") == r.Label("en") || seen[r.String()] {
			t.Errorf("role %d: labels %q/%q", r, r.Label("zh"), r.Label("en"))
		}
		seen[r.String()] = true
		if r.Binding() == BoundToInstitution && r.Registry() == "" || r.Binding() == BoundToRegion && r.Registry() != "" {
			t.Errorf("%s: binding %d with registry %q", r, r.Binding(), r.Registry())
		}
	}
	if _, err := ParseRole("root"); err == nil {
		t.Error("ParseRole(root) succeeded")
	}
	if s := Role(0).String(); s != "Role(0)" {
		t.Errorf("Role(0) = %q", s)
	}
	for _, r := range Rights() {
		for _, s := range []string{r.String(), r.Label("zh")} {
			if got, err := ParseRight(s); err != nil || got != r {
				t.Errorf("ParseRight(%q) = %v, %v", s, got, err)
			}
		}
	}
	if _, err := ParseRight("everything"); err == nil {
		t.Error("ParseRight(everything) succeeded")
	}
	if l, ok := ProvincialSupervisor.Level(); !ok || l != region.Province {
		t.Errorf("ProvincialSupervisor.Level() = %v, %v", l, ok)
	}
	if _, ok := Reporter.Level(); ok {
		t.Error("reporters may sit at any level")
	}
}

// TestPure checks that auth stays free of HTTP and SQL, and that its only
// dependency outside the module and the standard library is x/crypto
// (argon2) with what it needs.
func TestPure(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		first, _, _ := strings.Cut(dep, "/")
		switch {
		case dep == "net/http" || dep == "database/sql":
			t.Errorf("auth depends on %s", dep)
		case strings.HasPrefix(dep, "github.com/shishi-health/shishi/"),
			strings.HasPrefix(dep, "golang.org/x/crypto/"), strings.HasPrefix(dep, "golang.org/x/sys/"):
		case strings.Contains(first, "."):
			t.Errorf("auth depends on %s", dep)
		}
	}
}

func ExampleAllow() {
	tr, _ := region.Load()
	clerk := Principal{UserID: "u1", Role: CountySupervisor, Region: "420102"} // 武汉市江岸区
	fmt.Println(Allow(tr, clerk, ReadAggregates, Target{Region: "420102"}).Allowed)
	fmt.Println(Allow(tr, clerk, ReadAggregates, Target{Region: "420103"}).Allowed) // the county beside
	fmt.Println(Allow(tr, clerk, ReadAggregates, Target{Region: "420100"}).Allowed) // the city above
	fmt.Println(Allow(tr, clerk, WriteFacilities, Target{Region: "420102"}).Allowed)
	// Output:
	// true
	// false
	// false
	// false
}
