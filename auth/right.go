package auth

import (
	"fmt"
	"slices"
	"strings"
)

// Right is one kind of action (权限). Every route of the web layer names the
// Right it needs; Allow decides whether a principal holds it for the target.
type Right int

// The rights. The zero Right is no right, so a route that forgot to name one
// is refused. Rights are stored by their String name (API tokens).
const (
	// ReadAggregates: progress figures, maps, gap lists and report cards
	// of a region (no personal data).
	ReadAggregates Right = iota + 1
	// ReadFacilities: the facility registries.
	ReadFacilities
	// WriteFacilities: create, change or close a facility by form or API.
	WriteFacilities
	// Import: upload registries and figures as CSV or Excel.
	Import
	// Export: download registries, figures and report cards as files.
	Export
	// SubmitFigures: submit monthly figures for approval (上报).
	SubmitFigures
	// ApproveFigures: approve or reject submitted figures (审核).
	ApproveFigures
	// ReadPersonal: personal data of patients and donors (个人信息), such as
	// prior test results, refund ledgers, reimbursement claims.
	ReadPersonal
	// WritePersonal: enter or change personal data.
	WritePersonal
	// ReadAudit: the audit trail (审计日志).
	ReadAudit
	// ManageUsers: create, disable, unlock users and reset their
	// passwords and roles.
	ManageUsers
	// ManageTokens: create and revoke one's own API tokens for scripts and
	// for federation between instances. A token carries a subset of its
	// owner's rights, so this right delegates, never widens.
	ManageTokens
	// Public: what anyone may see without logging in (published deposit
	// amounts, where services are). Allow grants it to every principal,
	// the zero Principal included, for every target; routes name it so
	// that a route-enumeration test can tell public routes from forgotten
	// ones.
	Public
)

var rightNames = [...]struct{ code, zh, en string }{
	ReadAggregates:  {"read_aggregates", "查看统计", "Read aggregates"},
	ReadFacilities:  {"read_facilities", "查看机构", "Read facilities"},
	WriteFacilities: {"write_facilities", "维护机构", "Write facilities"},
	Import:          {"import", "导入", "Import"},
	Export:          {"export", "导出", "Export"},
	SubmitFigures:   {"submit_figures", "上报数据", "Submit figures"},
	ApproveFigures:  {"approve_figures", "审核数据", "Approve figures"},
	ReadPersonal:    {"read_personal", "查看个人信息", "Read personal data"},
	WritePersonal:   {"write_personal", "录入个人信息", "Write personal data"},
	ReadAudit:       {"read_audit", "查看审计日志", "Read audit trail"},
	ManageUsers:     {"manage_users", "管理用户", "Manage users"},
	ManageTokens:    {"manage_tokens", "管理API令牌", "Manage API tokens"},
	Public:          {"public", "公开信息", "Public"},
}

// Rights returns every right in display order.
func Rights() []Right {
	out := make([]Right, 0, len(rightNames)-1)
	for r := ReadAggregates; int(r) < len(rightNames); r++ {
		out = append(out, r)
	}
	return out
}

// Valid reports whether r is one of the rights.
func (r Right) Valid() bool {
	return r > 0 && int(r) < len(rightNames)
}

// String returns the stable machine name, e.g. "read_aggregates".
func (r Right) String() string {
	if !r.Valid() {
		return fmt.Sprintf("Right(%d)", int(r))
	}
	return rightNames[r].code
}

// Label returns the name shown to people: Chinese when lang starts with
// "zh", English otherwise.
func (r Right) Label(lang string) string {
	if !r.Valid() {
		return r.String()
	}
	if isChinese(lang) {
		return rightNames[r].zh
	}
	return rightNames[r].en
}

// ParseRight reads a right at the edge: the String form in any letter case
// or the Chinese label.
func ParseRight(s string) (Right, error) {
	t := strings.TrimSpace(s)
	for _, r := range Rights() {
		if strings.EqualFold(t, rightNames[r].code) || t == rightNames[r].zh {
			return r, nil
		}
	}
	return 0, fmt.Errorf("parse right %q: no such right", s)
}

// Grants says which rights each role holds (权限表). It is data: a change of
// policy is a change of this table, reviewed like code, and TestGrants pins
// it. Every right holds only within the role's scope (its region and what
// lies under it, or its own institution); Allow applies the scope.
//
//   - Supervisors, at every level, read aggregates and facilities of their
//     region and export them. They neither write nor see personal data:
//     oversight needs figures, not patients.
//   - Reporters import registries and figures of their region, correct
//     facilities, submit figures and export what they entered to fix
//     rejected rows.
//   - Approvers read what was submitted in their region and approve or
//     reject it; they cannot submit, so nobody approves their own figures.
//   - Hospital staff write only their own institution: its registry entry,
//     its figures (imported or submitted) and its refund ledger, which holds
//     patients' balances and contacts and hence needs the personal-data
//     rights.
//   - Doctors read personal data of their own institution only (prior
//     results for mutual recognition); they change nothing.
//   - Blood-centre reviewers read and decide the reimbursement claims
//     routed to their centre (personal data of donors).
//   - Auditors read the audit trail of their region, plus the aggregates
//     and registries needed to make sense of it.
//   - Administrators manage the users of their region but, unlike in many
//     systems, do not get ReadPersonal or ReadAudit by default: whoever
//     creates accounts must not also be able to read patients' data or
//     the trail of what they did (三员分立).
//   - API tokens (ManageTokens) go to the roles that automate: supervisors
//     (federation, scheduled exports), reporters and hospital staff
//     (uploads from other systems), administrators. Doctors and reviewers
//     work interactively, and tokens with personal-data access are bulk
//     exfiltration waiting to happen.
//   - Every role has Public.
var Grants = map[Role][]Right{
	NationalSupervisor:   {ReadAggregates, ReadFacilities, Export, ManageTokens, Public},
	ProvincialSupervisor: {ReadAggregates, ReadFacilities, Export, ManageTokens, Public},
	PrefectureSupervisor: {ReadAggregates, ReadFacilities, Export, ManageTokens, Public},
	CountySupervisor:     {ReadAggregates, ReadFacilities, Export, ManageTokens, Public},
	Reporter:             {ReadAggregates, ReadFacilities, WriteFacilities, Import, Export, SubmitFigures, ManageTokens, Public},
	Approver:             {ReadAggregates, ReadFacilities, ApproveFigures, Public},
	HospitalStaff:        {ReadAggregates, ReadFacilities, WriteFacilities, Import, Export, SubmitFigures, ReadPersonal, WritePersonal, ManageTokens, Public},
	Doctor:               {ReadFacilities, ReadPersonal, Public},
	BloodCentreReviewer:  {ReadAggregates, ReadFacilities, ReadPersonal, WritePersonal, Public},
	Auditor:              {ReadAggregates, ReadFacilities, ReadAudit, Public},
	Administrator:        {ReadAggregates, ReadFacilities, ManageUsers, ManageTokens, Public},
}

// TokenForbidden lists the rights an API token never carries, whatever its
// owner holds: a stolen token must not read personal data in bulk, create
// users or mint further tokens.
var TokenForbidden = []Right{ReadPersonal, ManageUsers, ManageTokens}

// Has reports whether role holds right according to Grants, scope aside.
func (r Role) Has(right Right) bool {
	return slices.Contains(Grants[r], right)
}
