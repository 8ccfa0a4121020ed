// Package auth is access control for shishi (访问控制): who a user is
// (roles bound to a unit of the administrative hierarchy or to one
// institution), what each role may do (the Grants table), and the one place
// that decides whether a request may go ahead (Allow). It also holds the
// credentials side: password hashing (argon2id) and policy, lock-out and
// back-off after failed logins, session and API tokens, and the one-time
// password of the first administrator.
//
// The rule the system is built on: a role's rights hold for its unit and
// everything under it, nothing beside or above. A county clerk sees and
// changes only their county, a hospital only itself. This is what PIPL's
// "minimum necessary" (最小必要) and 等保 2.0 level 3 access control ask for.
//
// The package is pure: no HTTP, no SQL, no clock of its own (every function
// that depends on time takes now). The store persists users, sessions and
// tokens; the web layer calls Allow.
package auth

import (
	"fmt"
	"strings"

	"github.com/shishi-health/shishi/region"
)

// Role is what a user is in the system (角色). Every role is bound either to
// a region (a unit of the administrative hierarchy) or to an institution (a
// facility of a registry); see Role.Binding.
type Role int

// The roles. The zero Role is no role at all, so that a Principal left
// unset is granted nothing. Roles are stored by their String name, so the
// constants may be renumbered.
const (
	// NationalSupervisor is a supervisor of the National Health Commission
	// (国家卫生健康委): bound to the country, 000000.
	NationalSupervisor Role = iota + 1
	// ProvincialSupervisor is a supervisor of a provincial health commission
	// (省级卫生健康委), municipalities included: bound to a province-level unit.
	ProvincialSupervisor
	// PrefectureSupervisor is a supervisor of a prefecture-level health
	// commission (地市级卫生健康委): bound to a prefecture-level unit.
	PrefectureSupervisor
	// CountySupervisor is a supervisor of a county-level health bureau
	// (县级卫生健康局), a municipal district's included: bound to a
	// county-level unit.
	CountySupervisor
	// Reporter (填报员) uploads registries and monthly figures for a region
	// and submits them for approval.
	Reporter
	// Approver (审核员) approves or rejects the figures submitted for a
	// region.
	Approver
	// HospitalStaff (医院工作人员) maintains one hospital's own data:
	// deposit quotas, refund ledgers, pediatric queue figures.
	HospitalStaff
	// Doctor (医生) asks whether a prior test result can be recognised and
	// so reads patients' results at their own institution.
	Doctor
	// BloodCentreReviewer (血站审核员) reviews blood-fee reimbursement claims
	// routed to one blood centre or station.
	BloodCentreReviewer
	// Auditor (审计员) reads the audit trail of a region. Auditing is kept
	// apart from administration (等保 三员分立: system, security and audit
	// administrators are different people).
	Auditor
	// Administrator (系统管理员) manages the user accounts of a region. An
	// administrator does not read personal data.
	Administrator
)

// Roles returns every role in display order.
func Roles() []Role {
	out := make([]Role, 0, len(roleNames)-1)
	for r := NationalSupervisor; int(r) < len(roleNames); r++ {
		out = append(out, r)
	}
	return out
}

// Binding says what a role is bound to.
type Binding int

// The bindings.
const (
	// BoundToRegion roles hold a region code (Principal.Region) and act on
	// that unit and everything under it.
	BoundToRegion Binding = iota + 1
	// BoundToInstitution roles hold a facility code
	// (Principal.Institution) with that facility's region
	// (Principal.InstitutionRegion) and act on that institution alone.
	BoundToInstitution
)

type roleInfo struct {
	code, zh, en string
	binding      Binding
	// level is the level the role's region must have; -1 for any level.
	level region.Level
	// registry names the facility.Schema whose facilities the role may be
	// bound to; "" for region roles.
	registry string
}

var roleNames = [...]roleInfo{
	NationalSupervisor:   {"national_supervisor", "国家级监管员", "National supervisor", BoundToRegion, region.Country, ""},
	ProvincialSupervisor: {"provincial_supervisor", "省级监管员", "Provincial supervisor", BoundToRegion, region.Province, ""},
	PrefectureSupervisor: {"prefecture_supervisor", "地市级监管员", "Prefecture supervisor", BoundToRegion, region.Prefecture, ""},
	CountySupervisor:     {"county_supervisor", "县级监管员", "County supervisor", BoundToRegion, region.County, ""},
	Reporter:             {"reporter", "填报员", "Reporter", BoundToRegion, -1, ""},
	Approver:             {"approver", "审核员", "Approver", BoundToRegion, -1, ""},
	HospitalStaff:        {"hospital_staff", "医院工作人员", "Hospital staff", BoundToInstitution, -1, "hospitals"},
	Doctor:               {"doctor", "医生", "Doctor", BoundToInstitution, -1, "hospitals"},
	BloodCentreReviewer:  {"blood_centre_reviewer", "血站审核员", "Blood centre reviewer", BoundToInstitution, -1, "bloodstations"},
	Auditor:              {"auditor", "审计员", "Auditor", BoundToRegion, -1, ""},
	Administrator:        {"administrator", "系统管理员", "Administrator", BoundToRegion, -1, ""},
}

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool {
	return r > 0 && int(r) < len(roleNames)
}

// String returns the stable machine name, e.g. "county_supervisor": the
// form stored in the database and read back by ParseRole.
func (r Role) String() string {
	if !r.Valid() {
		return fmt.Sprintf("Role(%d)", int(r))
	}
	return roleNames[r].code
}

// Label returns the name shown to people: Chinese when lang starts with
// "zh", English otherwise.
func (r Role) Label(lang string) string {
	if !r.Valid() {
		return r.String()
	}
	if isChinese(lang) {
		return roleNames[r].zh
	}
	return roleNames[r].en
}

// Binding says whether the role is bound to a region or an institution; 0
// for an invalid role.
func (r Role) Binding() Binding {
	if !r.Valid() {
		return 0
	}
	return roleNames[r].binding
}

// Level returns the level a supervisor's region must have; ok is false for
// roles that may be bound at any level (reporters, approvers, auditors,
// administrators) and for institution roles.
func (r Role) Level() (level region.Level, ok bool) {
	if !r.Valid() || roleNames[r].level < 0 {
		return 0, false
	}
	return roleNames[r].level, true
}

// Registry returns the name of the facility registry (facility.Schema.Name)
// whose facilities an institution role is bound to: "hospitals" for
// hospital staff and doctors, "bloodstations" for blood-centre reviewers;
// "" for region roles.
func (r Role) Registry() string {
	if !r.Valid() {
		return ""
	}
	return roleNames[r].registry
}

// ParseRole reads a role at the edge of the program: the String form in any
// letter case, or the Chinese label.
func ParseRole(s string) (Role, error) {
	t := strings.TrimSpace(s)
	for _, r := range Roles() {
		if strings.EqualFold(t, roleNames[r].code) || t == roleNames[r].zh {
			return r, nil
		}
	}
	return 0, fmt.Errorf("parse role %q: no such role", s)
}

// isChinese reports whether lang asks for Chinese labels ("zh", "zh-CN").
func isChinese(lang string) bool {
	return len(lang) >= 2 && strings.EqualFold(lang[:2], "zh")
}
