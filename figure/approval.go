package figure

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shishi-health/shishi/region"
)

// Status is where a version of a submission stands in the approval flow
// (审核状态):
//
//	Draft ─submit→ Submitted ─approve (first approver)→ ApprovedByPrefecture ─approve (province)→ Approved
//	                  │                                      │
//	                  └──────────── return (with a reason) ──┴──→ Returned ─submit→ Submitted …
//
// A submission with a single approver goes from Submitted to Approved in
// one step. Approved is final: the version is locked, and a correction is
// a new version.
type Status int

// The statuses. The zero Status is "not yet stored": a version that has
// never been saved.
const (
	// Draft is saved but not submitted (草稿): the submitter may still
	// change it, and nobody is asked to approve it.
	Draft Status = iota + 1
	// Submitted awaits its first approver (已上报，待审核).
	Submitted
	// ApprovedByPrefecture is a county's submission approved by its
	// prefecture, awaiting the province (地市已审核，待省级审核).
	ApprovedByPrefecture
	// Approved is final and locked (审核通过): these are the figures in
	// effect until a later version is approved.
	Approved
	// Returned was sent back by an approver with a reason (已退回): the
	// submitter corrects it and submits again, and the approval starts
	// over from the first approver.
	Returned
)

var statusNames = [...]struct{ code, zh, en string }{
	{"", "未填报", "Not reported"},
	Draft:                {"draft", "草稿", "Draft"},
	Submitted:            {"submitted", "已上报，待审核", "Submitted"},
	ApprovedByPrefecture: {"approved_by_prefecture", "地市已审核，待省级审核", "Approved by the prefecture"},
	Approved:             {"approved", "审核通过", "Approved"},
	Returned:             {"returned", "已退回", "Returned"},
}

func (s Status) valid() bool { return s > 0 && int(s) < len(statusNames) }

// String returns the stable machine name ("approved_by_prefecture"): the
// form stored and read back by ParseStatus.
func (s Status) String() string {
	if s == 0 {
		return "none"
	}
	if !s.valid() {
		return fmt.Sprintf("Status(%d)", int(s))
	}
	return statusNames[s].code
}

// Label returns the name shown to people: English when lang is "en",
// Chinese otherwise.
func (s Status) Label(lang string) string {
	if s < 0 || int(s) >= len(statusNames) {
		return s.String()
	}
	if lang == "en" {
		return statusNames[s].en
	}
	return statusNames[s].zh
}

// ParseStatus reads a status at the edge: its String name in any letter
// case, or its Chinese or English label.
func ParseStatus(s string) (Status, error) {
	t := strings.TrimSpace(s)
	for st := Draft; st.valid(); st++ {
		n := statusNames[st]
		if strings.EqualFold(t, n.code) || t == n.zh || strings.EqualFold(t, n.en) {
			return st, nil
		}
	}
	return 0, fmt.Errorf("unknown status %q", s)
}

// Pending reports whether the version awaits an approver.
func (s Status) Pending() bool { return s == Submitted || s == ApprovedByPrefecture }

// Reported reports whether the version counts as reported for the list of
// units that have not reported: submitted, part-approved or approved.
// Drafts and returned versions do not.
func (s Status) Reported() bool { return s.Pending() || s == Approved }

// Step is one kind of event in a submission's history (操作).
type Step int

// The steps.
const (
	// Save stores values without submitting them (保存草稿).
	Save Step = iota + 1
	// Submit sends the version for approval (上报).
	Submit
	// Approve is one approver's approval (审核通过).
	Approve
	// Return sends the version back to the submitter (退回).
	Return
)

var stepNames = [...]struct{ code, zh, en string }{
	{"", "", ""},
	Save:    {"save", "保存草稿", "Saved"},
	Submit:  {"submit", "上报", "Submitted"},
	Approve: {"approve", "审核通过", "Approved"},
	Return:  {"return", "退回", "Returned"},
}

func (s Step) valid() bool { return s > 0 && int(s) < len(stepNames) }

// String returns the stable machine name: save, submit, approve, return.
func (s Step) String() string {
	if !s.valid() {
		return fmt.Sprintf("Step(%d)", int(s))
	}
	return stepNames[s].code
}

// Label returns the name shown to people in lang.
func (s Step) Label(lang string) string {
	if !s.valid() {
		return s.String()
	}
	if lang == "en" {
		return stepNames[s].en
	}
	return stepNames[s].zh
}

// ParseStep reads a step's String name.
func ParseStep(s string) (Step, error) {
	for st := Save; st.valid(); st++ {
		if strings.EqualFold(strings.TrimSpace(s), stepNames[st].code) {
			return st, nil
		}
	}
	return 0, fmt.Errorf("unknown step %q", s)
}

// Submission is one version of one unit's figures for one period (填报).
// The store assigns ID; versions of the same unit and period count from 1.
type Submission struct {
	ID      int64
	Region  string
	Period  Period
	Version int
	Status  Status
	// Chain lists the units whose approvers approve the version, in
	// order (ApprovalChain), fixed when the version is created.
	Chain []string
	// Values holds the figures by kind code.
	Values map[string]float64
	// Confirmed records that the submitter confirmed the warnings (big
	// jumps) when submitting.
	Confirmed bool
	// Reason is the reason of the last return, "" if none.
	Reason string
	// Created and Updated are when the version was first saved and last
	// changed; Approved when it was finally approved (zero if not).
	Created, Updated, Approved time.Time
	// Seq is the number of steps taken on the version so far, the Seq of
	// its last Event. A page that shows the version sends it back with a
	// step, so that a version changed in the meantime (returned,
	// corrected and resubmitted by others) is not approved unseen.
	Seq int
}

// Event is one step in a submission's history (操作记录): who did what
// when, the status before and after, the reason of a return, and the
// values when the step set them. Events are appended, never changed, so
// the values a version was returned with stay visible after it is
// corrected.
type Event struct {
	Seq         int // from 1 within the version
	At          time.Time
	Actor       string // user ID
	ActorRole   string // auth.Role name
	ActorRegion string // the unit the actor acted for
	Step        Step
	From, To    Status
	Reason      string
	Values      map[string]float64 // nil when the step did not set values
}

// Errors of illegal steps; transitions wrap them, so callers tell the
// cases apart with errors.Is.
var (
	// ErrLocked: the version is approved and cannot change; a
	// correction is a new version.
	ErrLocked = errors.New("approved figures are locked: submit a correction as a new version")
	// ErrUnderReview: the version awaits an approver; it can change only
	// after it is returned.
	ErrUnderReview = errors.New("the figures await approval: they can be changed once returned")
	// ErrNotPending: approving or returning a version that awaits no
	// approver (a draft, a returned or an approved version).
	ErrNotPending = errors.New("the figures await no approval")
	// ErrNotYourStep: the approver's unit is not the one whose turn it
	// is (approving twice, or a province before its prefecture).
	ErrNotYourStep = errors.New("it is not this unit's turn to approve")
	// ErrNoReason: a return needs a reason for the submitter.
	ErrNoReason = errors.New("a return needs a reason")
)

// ApprovalChain returns the units whose approvers approve a submission of
// unit submitter, in order: the unit's parent first, then its province
// when that is a different unit. A county under a prefecture: prefecture,
// then province; a prefecture, a municipal district or a county governed
// by its province directly: the province; a province: the country. The
// country's own figures (national press conferences) are approved by a
// national approver, there being no unit above.
func ApprovalChain(t *region.Tree, submitter string) ([]string, error) {
	d, ok := t.Get(submitter)
	if !ok {
		return nil, fmt.Errorf("approval chain of %q: unknown unit", submitter)
	}
	if d.Level == region.Country {
		return []string{region.CountryCode}, nil
	}
	chain := []string{d.Parent}
	if d.Level == region.County {
		if p, _ := t.Get(d.Parent); p.Level == region.Prefecture {
			chain = append(chain, p.Parent)
		}
	}
	return chain, nil
}

// Awaiting returns the unit whose approver acts next on s, "" when s
// awaits nobody.
func (s Submission) Awaiting() string {
	switch {
	case s.Status == Submitted && len(s.Chain) > 0:
		return s.Chain[0]
	case s.Status == ApprovedByPrefecture && len(s.Chain) > 1:
		return s.Chain[1]
	}
	return ""
}

func (s Submission) name() string {
	return fmt.Sprintf("figures of %s for %s, version %d", s.Region, s.Period, s.Version)
}

// CheckEditable says whether the values of s may change: a version never
// stored, a draft or a returned version may; a submitted one may not
// (ErrUnderReview), an approved one never (ErrLocked).
func CheckEditable(s Submission) error {
	switch s.Status {
	case 0, Draft, Returned:
		return nil
	case Approved:
		return fmt.Errorf("change %s: %w", s.name(), ErrLocked)
	}
	return fmt.Errorf("change %s: %w", s.name(), ErrUnderReview)
}

// SaveDraft returns the status after saving s without submitting it:
// Draft. A returned version that is edited becomes a draft again, so that
// the approver is not asked about it until it is resubmitted.
func SaveDraft(s Submission) (Status, error) {
	if err := CheckEditable(s); err != nil {
		return 0, err
	}
	return Draft, nil
}

// SubmitFor returns the status after submitting s: Submitted, awaiting the
// first unit of its chain.
func SubmitFor(s Submission) (Status, error) {
	if err := CheckEditable(s); err != nil {
		return 0, fmt.Errorf("submit: %w", err)
	}
	if len(s.Chain) == 0 {
		return 0, fmt.Errorf("submit %s: no approval chain", s.name())
	}
	return Submitted, nil
}

// ApproveBy returns the status after the approver of unit approver
// approves s: ApprovedByPrefecture after the first of two approvals,
// Approved after the last. It refuses a version that awaits no approval
// (ErrLocked for an approved one, ErrNotPending otherwise) and an approver
// whose unit's turn it is not (ErrNotYourStep): approving twice, or
// approving a county's figures at the province before the prefecture has.
func ApproveBy(s Submission, approver string) (Status, error) {
	if err := checkTurn(s, approver, "approve"); err != nil {
		return 0, err
	}
	if s.Status == Submitted && len(s.Chain) > 1 {
		return ApprovedByPrefecture, nil
	}
	return Approved, nil
}

// ReturnBy returns the status after the approver of unit approver returns
// s to its submitter with reason: Returned. The province may return a
// version its prefecture approved; either way the submitter corrects it
// and the approval starts over.
func ReturnBy(s Submission, approver, reason string) (Status, error) {
	if strings.TrimSpace(reason) == "" {
		return 0, fmt.Errorf("return %s: %w", s.name(), ErrNoReason)
	}
	if err := checkTurn(s, approver, "return"); err != nil {
		return 0, err
	}
	return Returned, nil
}

func checkTurn(s Submission, approver, what string) error {
	switch {
	case s.Status == Approved:
		return fmt.Errorf("%s %s: %w", what, s.name(), ErrLocked)
	case !s.Status.Pending():
		return fmt.Errorf("%s %s (%s): %w", what, s.name(), s.Status, ErrNotPending)
	case s.Awaiting() != approver:
		return fmt.Errorf("%s %s: it awaits %s, not %s: %w", what, s.name(), s.Awaiting(), approver, ErrNotYourStep)
	}
	return nil
}
