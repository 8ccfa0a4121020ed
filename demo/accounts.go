package demo

import (
	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
)

// Password is the password every demo account shares (演示账号密码). It is
// published in the README so that a newcomer can log in as each role; it
// passes auth.CheckPasswordPolicy. Never load demo accounts into a store
// that holds real data.
const Password = "shishi-demo-2025"

// AccountSpec is one demo account: a user to create, one per role, bound
// where the demo data gives that role something to see.
type AccountSpec struct {
	Username    string
	DisplayName string
	Role        auth.Role
	// Region binds a region role; "" for institution roles.
	Region string
	// Institution and InstitutionRegion bind an institution role: a
	// facility code of the demo data set and the facility's county.
	Institution       string
	InstitutionRegion string
	// InstitutionName is the facility's name in the demo data, for the
	// list the CLI prints.
	InstitutionName string
}

// Principal returns the account's binding, for auth.Principal.Validate.
func (a AccountSpec) Principal() auth.Principal {
	return auth.Principal{Role: a.Role, Region: a.Region, Institution: a.Institution, InstitutionRegion: a.InstitutionRegion}
}

// The units the demo accounts are bound to: 河南省, its capital 郑州市 and
// 郑州's county 中牟县, a chain from the province down to a county that
// the demo data fills like any other.
const (
	demoProvince   = "410000" // 河南省
	demoPrefecture = "410100" // 郑州市
	demoCounty     = "410122" // 中牟县
)

// Accounts returns the demo accounts for the data set of DefaultSeed at
// scale 1 (what `shishi demo` and `shishi serve --demo` load); see
// AccountsFor.
func Accounts(t *region.Tree) []AccountSpec {
	return AccountsFor(t, Options{})
}

// AccountsFor returns one demo account per role, in the order of
// auth.Roles, then two more reporters who enter what a county's cannot:
// the commission's own (the press conference plan) and Zhengzhou's (its
// expert team's lectures); named demo-<what>, all with the password
// Password:
//
//	demo-national    national supervisor      000000 全国
//	demo-province    provincial supervisor    410000 河南省
//	demo-prefecture  prefecture supervisor    410100 郑州市
//	demo-county      county supervisor        410122 中牟县
//	demo-reporter    reporter                 410122 中牟县
//	demo-approver    approver                 410100 郑州市
//	demo-hospital    hospital staff           中牟县人民医院 (its code in the data set)
//	demo-doctor      doctor                   中牟县人民医院
//	demo-blood       blood-centre reviewer    河南省血液中心
//	demo-auditor     auditor                  410000 河南省
//	demo-admin       administrator            410000 河南省
//	demo-nhc         reporter                 000000 全国 (国家卫生健康委)
//	demo-city        reporter                 410100 郑州市
//
// The institution codes are looked up in the data set o generates
// (deterministic, like the data): the county people's hospital of 中牟县,
// else the first hospital there, and the blood centre of 河南. Accounts
// whose unit or institution the tree or data set lacks are left out.
func AccountsFor(t *region.Tree, o Options) []AccountSpec {
	g := newGenerator(t, o.normalized())
	hospital, hospitalName := findFacility(g.hospitals(), demoCounty, func(r facility.Record) bool {
		return r.String(facility.Hospitals, "name") == "中牟县人民医院"
	})
	blood, bloodName := findFacility(g.bloodStations(), demoProvince, func(r facility.Record) bool {
		return r.String(facility.BloodStations, "type") == "centre"
	})
	atRegion := func(user, display string, role auth.Role, code string) []AccountSpec {
		if _, ok := t.Get(code); !ok {
			return nil
		}
		return []AccountSpec{{Username: user, DisplayName: display, Role: role, Region: code}}
	}
	atInstitution := func(user, display string, role auth.Role, code, unit, name string) []AccountSpec {
		if code == "" {
			return nil
		}
		return []AccountSpec{{Username: user, DisplayName: display, Role: role, Institution: code, InstitutionRegion: unit, InstitutionName: name}}
	}
	var out []AccountSpec
	for _, a := range [][]AccountSpec{
		atRegion("demo-national", "演示·国家级监管员", auth.NationalSupervisor, region.CountryCode),
		atRegion("demo-province", "演示·河南省监管员", auth.ProvincialSupervisor, demoProvince),
		atRegion("demo-prefecture", "演示·郑州市监管员", auth.PrefectureSupervisor, demoPrefecture),
		atRegion("demo-county", "演示·中牟县监管员", auth.CountySupervisor, demoCounty),
		atRegion("demo-reporter", "演示·中牟县填报员", auth.Reporter, demoCounty),
		atRegion("demo-approver", "演示·郑州市审核员", auth.Approver, demoPrefecture),
		atInstitution("demo-hospital", "演示·医院工作人员", auth.HospitalStaff, hospital, demoCounty, hospitalName),
		atInstitution("demo-doctor", "演示·医生", auth.Doctor, hospital, demoCounty, hospitalName),
		atInstitution("demo-blood", "演示·血站审核员", auth.BloodCentreReviewer, blood, demoProvince, bloodName),
		atRegion("demo-auditor", "演示·河南省审计员", auth.Auditor, demoProvince),
		atRegion("demo-admin", "演示·河南省系统管理员", auth.Administrator, demoProvince),
		atRegion("demo-nhc", "演示·国家卫生健康委填报员", auth.Reporter, region.CountryCode),
		atRegion("demo-city", "演示·郑州市填报员", auth.Reporter, demoPrefecture),
	} {
		out = append(out, a...)
	}
	return out
}

// findFacility returns the code and name of the first facility of p in
// the unit with the given code that want accepts, else of the first
// facility in that unit; "" when the unit has none. Records come sorted
// by region, so it stops after the unit.
func findFacility(p plan, unit string, want func(r facility.Record) bool) (code, name string) {
	regionIdx := p.schema.RegionField()
	seen := false
	for r := range p.records {
		reg, _ := r.Values[regionIdx].(string)
		if reg != unit {
			if seen {
				break
			}
			continue
		}
		n, _ := r.Values[0].(string)
		if !seen {
			seen = true
			code, name = r.Code, n
		}
		if want(r) {
			return r.Code, n
		}
	}
	return code, name
}
