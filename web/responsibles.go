package web

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/commitment"
	"github.com/shishi-health/shishi/personal"
	"github.com/shishi-health/shishi/region"
)

// maxResponsibleForm bounds the form's body: a few short fields.
const maxResponsibleForm = 16 << 10

// responsibleRoutes are the pages of who answers for each commitment in a
// region (责任领导、责任部门和具体负责人). Supervisors and everyone who may
// read a region's figures see them; the region's reporters enter them,
// as they enter the region's other reported data.
func (s *Server) responsibleRoutes() []route {
	return []route{
		{pattern: "GET /commitments/{set}/responsibles", rule: rule{auth.ReadAggregates, targetRegionQuery}, h: s.responsiblesPage},
		{pattern: "POST /commitments/{set}/responsibles", rule: rule{auth.SubmitFigures, targetRegionQuery}, h: s.saveResponsible},
		// The 12356 register (hotlines.go): registry and reported calls.
		{pattern: "GET /hotlines/register", rule: rule{auth.ReadAggregates, targetRegionQuery}, h: s.hotlineRegister},
	}
}

// responsibleRow is one commitment in one region on the page.
type responsibleRow struct {
	Commitment *commitment.Commitment
	Region     region.Division
	R          commitment.Responsible
	Set        bool
}

type responsiblesPage struct {
	Page
	Set     *commitment.Set
	Region  region.Division
	Rows    []responsibleRow
	CanEdit bool
	// PhoneOK is false when no data key is configured: phones cannot be
	// sealed, so none is taken.
	PhoneOK bool
	Error   string
	Saved   bool
}

// commitmentSet returns the shipped set named by the {set} path value.
func commitmentSet(r *http.Request) (*commitment.Set, error) {
	sets, err := commitment.Builtin()
	if err != nil {
		return nil, err
	}
	set, err := commitment.Find(sets, r.PathValue("set"))
	if err != nil {
		return nil, notFound("err.not_found")
	}
	return set, nil
}

// responsiblesPage lists the region's and its children's responsibles for
// every commitment; phone numbers show in full to a caller in scope when a
// data key is configured, and each showing is audited as a read of
// personal data.
func (s *Server) responsiblesPage(w http.ResponseWriter, r *http.Request) error {
	return s.showResponsibles(w, r, http.StatusOK, "", r.URL.Query().Get("saved") == "1")
}

func (s *Server) showResponsibles(w http.ResponseWriter, r *http.Request, status int, formErr string, saved bool) error {
	set, err := commitmentSet(r)
	if err != nil {
		return err
	}
	tr := s.tree()
	code := strings.TrimSpace(r.URL.Query().Get("region"))
	if code == "" {
		code = scopeRegion(principalOf(r))
	}
	d, _ := tr.Get(code)
	lang := langOf(r)
	p := responsiblesPage{Page: s.newPage(r, s.tmpl.cat[lang].T("resp.title"), "commitments"), Set: set, Region: d,
		PhoneOK: s.dataKeys.Current() != "", Error: formErr, Saved: saved}
	p.CanEdit = auth.Allow(tr, principalOf(r), auth.SubmitFigures, auth.Target{Region: code}).Allowed
	units := append([]region.Division{d}, tr.Children(code)...)
	codes := make([]string, len(units))
	for i, u := range units {
		codes[i] = u.Code
	}
	sealed := map[[2]string]string{}
	got, err := s.st.Responsibles(r.Context(), set.ID, codes, sealed)
	if err != nil {
		return err
	}
	shown := 0
	for _, c := range set.Commitments {
		for _, u := range units {
			k := [2]string{c.ID, u.Code}
			row := responsibleRow{Commitment: c, Region: u}
			row.R, row.Set = got[k]
			if seal, ok := sealed[k]; ok && p.PhoneOK {
				if plain, err := s.dataKeys.Open(seal, responsibleAD(set.ID, c.ID, u.Code)); err == nil {
					row.R.Phone = string(plain)
					shown++
				}
			}
			p.Rows = append(p.Rows, row)
		}
	}
	if shown > 0 {
		after, _ := json.Marshal(map[string]int{"phones": shown})
		s.audit(r, audit.Entry{Action: audit.ReadPersonal, Object: "responsibles/" + set.ID + "/" + code, Region: code, After: after})
	}
	return s.render(w, r, status, "responsibles", p)
}

// responsibleAD binds a sealed phone to its row, so that a sealed value
// copied to another row does not open.
func responsibleAD(set, c, code string) []byte {
	return personal.AssociatedData("responsibles", set, c, code)
}

// saveResponsible stores the form's entry for the region in ?region=.
func (s *Server) saveResponsible(w http.ResponseWriter, r *http.Request) error {
	set, err := commitmentSet(r)
	if err != nil {
		return err
	}
	code := strings.TrimSpace(r.URL.Query().Get("region"))
	if code == "" {
		code = scopeRegion(principalOf(r))
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxResponsibleForm)
	if err := r.ParseForm(); err != nil {
		return badRequest("err.bad_form")
	}
	f := r.PostForm
	resp := commitment.Responsible{Set: set.ID, Commitment: f.Get("commitment"), Region: code,
		Leader: strings.TrimSpace(f.Get("leader")), Department: strings.TrimSpace(f.Get("department")),
		Contact: strings.TrimSpace(f.Get("contact")), UpdatedBy: principalOf(r).UserID}
	lang := langOf(r)
	if err := resp.Validate(set); err != nil {
		return s.showResponsibles(w, r, http.StatusBadRequest, s.tmpl.cat[lang].T("resp.invalid")+": "+err.Error(), false)
	}
	var sealedPhone string
	if raw := strings.TrimSpace(f.Get("phone")); raw != "" {
		if s.dataKeys.Current() == "" {
			return s.showResponsibles(w, r, http.StatusBadRequest, s.tmpl.cat[lang].T("resp.no_key"), false)
		}
		ph, err := personal.ParsePhone(raw)
		if err != nil {
			return s.showResponsibles(w, r, http.StatusBadRequest, s.tmpl.cat[lang].T("resp.bad_phone"), false)
		}
		if sealedPhone, err = s.dataKeys.Seal([]byte(ph.Full()), responsibleAD(set.ID, resp.Commitment, code)); err != nil {
			return err
		}
		resp.PhoneMasked = ph.Masked()
	}
	p := principalOf(r)
	if err := s.st.PutResponsible(r.Context(), resp, sealedPhone, audit.Entry{Actor: p.UserID, ActorRole: p.Role.String(), RequestID: requestID(r)}); err != nil {
		return err
	}
	http.Redirect(w, r, "/commitments/"+set.ID+"/responsibles?region="+code+"&saved=1", http.StatusSeeOther)
	return nil
}
