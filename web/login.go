package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/metrics"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
)

// maxLoginForm bounds the login and account forms.
const maxLoginForm = 16 << 10

// home sends the caller to their own unit, or an institution role to its
// institution.
func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	p := principalOf(r)
	to := "/regions/" + scopeRegion(p)
	if p.Role.Binding() == auth.BoundToInstitution {
		to = "/facilities/" + p.Role.Registry() + "/" + p.Institution
	}
	http.Redirect(w, r, to, http.StatusFound)
	return nil
}

type loginPage struct {
	Page
	Username string
	Next     string
	Error    string
}

// safeNext keeps a post-login redirect on this site: a local path, not
// //host or a scheme.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) error {
	lang := langOf(r)
	p := loginPage{Page: s.newPage(r, s.tmpl.cat[lang].T("login.title"), "login"), Next: safeNext(r.URL.Query().Get("next"))}
	return s.render(w, r, http.StatusOK, "login", p)
}

// clientIP is the address the login throttle counts failures under.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// checkPassword compares a password with a hash, or spends the same time
// when there is no user (hash ""), holding one of the hashing slots.
func (s *Server) checkPassword(r *http.Request, hash, password string) (bool, error) {
	select {
	case s.hashing <- struct{}{}:
	case <-r.Context().Done():
		return false, r.Context().Err()
	}
	defer func() { <-s.hashing }()
	if hash == "" {
		return auth.CheckNoUser(password), nil
	}
	ok, err := auth.CheckPassword(hash, password)
	if errors.Is(err, auth.ErrMalformedHash) {
		s.log.Error("malformed password hash", slog.String("request_id", requestID(r)))
		return false, nil
	}
	return ok, err
}

// hashPassword hashes a new password in a hashing slot.
func (s *Server) hashPassword(r *http.Request, password string) (string, error) {
	select {
	case s.hashing <- struct{}{}:
	case <-r.Context().Done():
		return "", r.Context().Err()
	}
	defer func() { <-s.hashing }()
	return auth.HashPassword(password)
}

// login checks a username and password. The order matters: the throttle
// first, so that a locked account or a guessing address gets no answer
// about the password; unknown users cost the same time and get the same
// message as a wrong password.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginForm)
	if err := r.ParseForm(); err != nil {
		return badRequest("err.bad_form")
	}
	lang := langOf(r)
	cat := s.tmpl.cat[lang]
	username := strings.TrimSpace(r.PostForm.Get("username"))
	password := r.PostForm.Get("password")
	p := loginPage{Page: s.newPage(r, cat.T("login.title"), "login"), Username: username, Next: safeNext(r.PostForm.Get("next"))}
	ctx := r.Context()
	now := s.now()
	ip := clientIP(r)
	u, err := s.st.UserByUsername(ctx, username)
	known := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	var acct auth.AccountState
	if known {
		acct = u.Login
	}
	if wait := s.throttle.Check(now, acct, ip); wait > 0 {
		s.metrics.LoginAttempt(metrics.LoginThrottled)
		p.Error = cat.T("login.wait", int(wait.Round(time.Minute)/time.Minute)+1)
		return s.render(w, r, http.StatusTooManyRequests, "login", p)
	}
	hash := ""
	if known && !u.Disabled {
		hash = u.PasswordHash
	}
	ok, err := s.checkPassword(r, hash, password)
	if err != nil {
		return err
	}
	if !ok {
		s.throttle.Fail(now, ip)
		s.metrics.LoginAttempt(metrics.LoginFailed)
		e := audit.Entry{Actor: "anonymous", Action: audit.LoginFailed, Object: "login"}
		if known {
			if _, err := s.st.RecordLoginFailure(ctx, u.ID, s.throttle.Account, now); err != nil {
				return err
			}
			e.Actor, e.ActorRole, e.Region, e.Object = u.ID, u.Role.String(), userRegion(u), "users/"+u.ID
		}
		s.audit(r, e)
		p.Error = cat.T("login.failed")
		return s.render(w, r, http.StatusUnauthorized, "login", p)
	}
	if err := s.st.RecordLoginSuccess(ctx, u.ID); err != nil {
		return err
	}
	s.metrics.LoginAttempt(metrics.LoginOK)
	if auth.NeedsRehash(u.PasswordHash) {
		// Before the session: a new hash ends the user's sessions.
		if h, err := s.hashPassword(r, password); err == nil {
			if _, err := s.st.UpdateUser(ctx, u.ID, store.UserChange{PasswordHash: &h}, now); err != nil {
				s.log.Error("rehash password", slog.String("request_id", requestID(r)), slog.Any("err", err))
			}
		}
	}
	if err := s.startSession(w, r, u); err != nil {
		return err
	}
	s.audit(r, audit.Entry{Actor: u.ID, ActorRole: u.Role.String(), Region: userRegion(u), Action: audit.Login, Object: "users/" + u.ID})
	next := p.Next
	if u.MustChange {
		next = "/account"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// startSession stores a new session of u and sets its cookie.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u auth.User) error {
	token, se := s.sessions.NewSession(s.now(), u.ID)
	if err := s.st.CreateSession(r.Context(), se); err != nil {
		return err
	}
	http.SetCookie(w, s.sessionCookie(r, token))
	return nil
}

// sessionCookie is the cookie of a session token, or one that deletes it
// when value is "". Its lifetime is relative (Max-Age), so that a browser
// whose clock differs from the server's keeps it; the store enforces the
// timeouts.
func (s *Server) sessionCookie(r *http.Request, value string) *http.Cookie {
	c := &http.Cookie{Name: sessionCookie, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil || s.secureCookies, MaxAge: int(s.sessions.Absolute / time.Second)}
	if value == "" {
		c.MaxAge = -1
	}
	return c
}

// userRegion is the region an audit entry about u files under.
func userRegion(u auth.User) string {
	if u.Role.Binding() == auth.BoundToInstitution {
		return u.InstitutionRegion
	}
	return u.Region
}

// logout ends the session.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	c := callerOf(r)
	if c.session != nil {
		if err := s.st.DeleteSession(r.Context(), c.session.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		s.audit(r, audit.Entry{Action: audit.Logout, Object: "users/" + c.user.ID})
	}
	http.SetCookie(w, s.sessionCookie(r, ""))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

type accountPage struct {
	Page
	User       auth.User
	MustChange bool
	Error      string
	Done       bool
}

func (s *Server) accountForm(w http.ResponseWriter, r *http.Request) error {
	lang := langOf(r)
	c := callerOf(r)
	p := accountPage{Page: s.newPage(r, s.tmpl.cat[lang].T("account.title"), "account"), User: c.user, MustChange: c.user.MustChange}
	p.Done = r.URL.Query().Get("changed") == "1"
	return s.render(w, r, http.StatusOK, "account", p)
}

// changePassword sets a new password after checking the current one and
// the policy; the user's other sessions end and this one is renewed.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	c := callerOf(r)
	lang := langOf(r)
	cat := s.tmpl.cat[lang]
	p := accountPage{Page: s.newPage(r, cat.T("account.title"), "account"), User: c.user, MustChange: c.user.MustChange}
	if c.session == nil {
		// API tokens do not change passwords.
		return notFound("err.no_page")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginForm)
	if err := r.ParseForm(); err != nil {
		return badRequest("err.bad_form")
	}
	cur, next, again := r.PostForm.Get("current"), r.PostForm.Get("new"), r.PostForm.Get("confirm")
	ok, err := s.checkPassword(r, c.user.PasswordHash, cur)
	if err != nil {
		return err
	}
	switch {
	case !ok:
		p.Error = cat.T("account.wrong_current")
	case next != again:
		p.Error = cat.T("account.mismatch")
	case next == cur:
		p.Error = cat.T("account.same")
	default:
		var pe *auth.PolicyError
		if err := auth.CheckPasswordPolicy(next, c.user.Username); errors.As(err, &pe) {
			p.Error = pe.Msg.In(lang)
		} else if err != nil {
			return err
		}
	}
	if p.Error != "" {
		return s.render(w, r, http.StatusUnprocessableEntity, "account", p)
	}
	h, err := s.hashPassword(r, next)
	if err != nil {
		return err
	}
	no := false
	u, err := s.st.UpdateUser(r.Context(), c.user.ID, store.UserChange{PasswordHash: &h, MustChange: &no}, s.now())
	if err != nil {
		return err
	}
	s.audit(r, audit.Entry{Action: audit.UserChanged, Object: "users/" + u.ID, After: mustJSON(map[string]string{"change": "password"})})
	if err := s.startSession(w, r, u); err != nil {
		return err
	}
	http.Redirect(w, r, "/account?changed=1", http.StatusSeeOther)
	return nil
}

// audit appends an entry to the audit trail with the request's caller,
// role, region and ID filled in where the entry leaves them empty. A
// failure is logged: the change it records has already happened.
func (s *Server) audit(r *http.Request, e audit.Entry) {
	p := principalOf(r)
	if e.Actor == "" {
		e.Actor = p.UserID
		if e.Actor == "" {
			e.Actor = "anonymous"
		}
	}
	if e.ActorRole == "" && p.Role != 0 {
		e.ActorRole = p.Role.String()
	}
	if e.Region == "" {
		if p.Role != 0 {
			e.Region = scopeRegion(p)
		} else {
			e.Region = region.CountryCode
		}
	}
	e.RequestID = requestID(r)
	e.At = s.now()
	_, err := s.st.AppendAudit(r.Context(), e)
	if errors.Is(err, audit.ErrPersonalData) {
		// A record holding an unmasked ID or phone number (typed into a
		// free-text field) is recorded without its contents rather than
		// not at all.
		e.Before, e.After = nil, mustJSON(map[string]bool{"redacted": true})
		if (audit.Entry{Actor: e.Actor, At: e.At, Action: e.Action, Object: e.Object}).Validate() != nil {
			e.Object = "redacted"
		}
		_, err = s.st.AppendAudit(r.Context(), e)
	}
	if err != nil {
		s.log.Error("audit entry not written", slog.String("request_id", e.RequestID),
			slog.String("action", e.Action.String()), slog.String("object", e.Object), slog.Any("err", err))
	}
}

// mustJSON encodes v for an audit entry; v is built by this package and
// always encodes.
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
