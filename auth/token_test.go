package auth

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestSession(t *testing.T) {
	p := DefaultSessionPolicy
	tok, s := p.NewSession(fixedNow, "u1")
	tok2, s2 := p.NewSession(fixedNow, "u1")
	if len(tok) != 43 || tok == tok2 || s.CSRF == s2.CSRF || s.CSRF == tok {
		t.Fatalf("tokens %q %q, csrf %q %q", tok, tok2, s.CSRF, s2.CSRF)
	}
	if s.ID != HashToken(tok) || strings.Contains(s.ID, tok) || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(s.ID) {
		t.Errorf("session id %q is not the SHA-256 of the token", s.ID)
	}
	if !s.ExpiresAt.Equal(fixedNow.Add(12*time.Hour)) || !s.LastSeen.Equal(fixedNow) {
		t.Errorf("session times %+v", s)
	}
	cases := []struct {
		name     string
		lastSeen time.Duration // after login
		now      time.Duration
		want     bool
	}{
		{"fresh", 0, 0, true},
		{"idle 29 min", 0, 29 * time.Minute, true},
		{"idle 30 min", 0, 30 * time.Minute, false},
		{"busy for 11 h 59", 11*time.Hour + 50*time.Minute, 11*time.Hour + 59*time.Minute, true},
		{"busy for 12 h", 11*time.Hour + 59*time.Minute, 12 * time.Hour, false},
	}
	for _, c := range cases {
		s := s
		s.LastSeen = fixedNow.Add(c.lastSeen)
		if got := p.Valid(fixedNow.Add(c.now), s); got != c.want {
			t.Errorf("%s: valid=%v, want %v", c.name, got, c.want)
		}
	}
	short := SessionPolicy{Idle: 5 * time.Minute, Absolute: time.Hour}
	if _, s := short.NewSession(fixedNow, "u"); short.Valid(fixedNow.Add(6*time.Minute), s) || !s.ExpiresAt.Equal(fixedNow.Add(time.Hour)) {
		t.Error("configured timeouts ignored")
	}
	if !s.CheckCSRF(s.CSRF) || s.CheckCSRF(s2.CSRF) || s.CheckCSRF("") || (Session{}).CheckCSRF("") {
		t.Error("CheckCSRF accepts the wrong token")
	}
}

func TestAPIToken(t *testing.T) {
	tr := loadTree(t)
	prov := Principal{UserID: "p", Role: ProvincialSupervisor, Region: "420000"}
	exp := fixedNow.Add(90 * 24 * time.Hour)
	secret, tok, err := NewAPIToken(tr, prov, fixedNow, " 省平台导出 ", []Right{Export, ReadAggregates, Export}, "420100", exp)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, APITokenPrefix) || tok.Hash != HashToken(secret) || tok.ID == "" || tok.Name != "省平台导出" {
		t.Errorf("token %+v, secret %q", tok, secret)
	}
	if len(tok.Rights) != 2 || tok.Rights[0] != ReadAggregates {
		t.Errorf("rights %v, want sorted without repeats", tok.Rights)
	}
	if !tok.Active(fixedNow) || tok.Active(exp) {
		t.Error("Active wrong around expiry")
	}
	revoked := tok
	revoked.RevokedAt = fixedNow
	if revoked.Active(fixedNow) {
		t.Error("revoked token active")
	}
	p := tok.Principal(prov)
	if !Allow(tr, p, Export, Target{Region: "420102"}).Allowed || Allow(tr, p, Export, Target{Region: "420200"}).Allowed {
		t.Error("token principal not narrowed to its region")
	}
	if prov.Limit != nil {
		t.Error("Principal changed the owner")
	}

	staff := Principal{UserID: "h", Role: HospitalStaff, Institution: "H1", InstitutionRegion: "420102"}
	bad := []struct {
		name   string
		owner  Principal
		tname  string
		rights []Right
		region string
		exp    time.Time
	}{
		{"no name", prov, " ", []Right{Export}, "", exp},
		{"no rights", prov, "x", nil, "", exp},
		{"right owner lacks", prov, "x", []Right{Import}, "", exp},
		{"forbidden right", staff, "x", []Right{ReadPersonal}, "", exp},
		{"token minting tokens", prov, "x", []Right{ManageTokens}, "", exp},
		{"region outside", prov, "x", []Right{Export}, "410000", exp},
		{"region above", prov, "x", []Right{Export}, "000000", exp},
		{"staff region elsewhere", staff, "x", []Right{SubmitFigures}, "420103", exp},
		{"expired", prov, "x", []Right{Export}, "", fixedNow},
		{"too long", prov, "x", []Right{Export}, "", fixedNow.Add(400 * 24 * time.Hour)},
		{"role without ManageTokens", Principal{UserID: "d", Role: Doctor, Institution: "H1", InstitutionRegion: "420102"}, "x", []Right{ReadFacilities}, "", exp},
		{"token making tokens", p, "x", []Right{Export}, "", exp},
		{"invalid owner", Principal{Role: CountySupervisor, Region: "420000"}, "x", []Right{Export}, "", exp},
	}
	for _, c := range bad {
		if _, _, err := NewAPIToken(tr, c.owner, fixedNow, c.tname, c.rights, c.region, c.exp); err == nil {
			t.Errorf("%s: NewAPIToken succeeded", c.name)
		}
	}
	if _, _, err := NewAPIToken(tr, staff, fixedNow, "HIS", []Right{SubmitFigures, WritePersonal}, "420102", exp); err != nil {
		t.Errorf("staff token for own county: %v", err)
	}
}

func TestNewID(t *testing.T) {
	a, b := NewID(), NewID()
	if a == b || len(a) != 32 {
		t.Errorf("NewID: %q %q", a, b)
	}
}
