package commitment

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Responsible is who answers for a commitment in a region: the
// responsible leader, department and contact person (责任领导、责任部门和
// 具体负责人) the notice asks every level to name (section 三(一)). They
// are officials named in their official capacity, shown with gap lists;
// the contact's phone number is personal data and is kept sealed in the
// store (see store.PutResponsible), shown only to users who may read the
// region, and every showing is audited.
type Responsible struct {
	// Set and Commitment say which commitment; Region whose.
	Set, Commitment, Region string
	Leader                  string
	Department              string
	Contact                 string
	// Phone is the contact's number in full when read for showing, ""
	// when not asked for or not given; PhoneMasked is always safe to
	// show ("138****5678").
	Phone       string
	PhoneMasked string
	UpdatedAt   string
	UpdatedBy   string
}

// maxResponsibleField bounds each text field: names and department names,
// not essays.
const maxResponsibleField = 100

// Validate checks a responsible entry against its set: the commitment
// exists, the texts are present and short, and no free-text field holds a
// phone or ID number (those go into Phone only).
func (r Responsible) Validate(s *Set) error {
	if _, ok := s.Commitment(r.Commitment); !ok {
		return fmt.Errorf("commitments %s have no commitment %q", s.ID, r.Commitment)
	}
	for _, f := range []struct{ name, v string }{{"leader", r.Leader}, {"department", r.Department}, {"contact", r.Contact}} {
		v := strings.TrimSpace(f.v)
		if v == "" {
			return fmt.Errorf("%s is empty", f.name)
		}
		if utf8.RuneCountInString(v) > maxResponsibleField {
			return fmt.Errorf("%s is longer than %d characters", f.name, maxResponsibleField)
		}
		digits := 0
		for _, c := range v {
			if c >= '0' && c <= '9' {
				digits++
			}
		}
		if digits >= 7 {
			return fmt.Errorf("%s holds a number: put phone numbers in the phone field", f.name)
		}
	}
	return nil
}
