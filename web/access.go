package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
)

// isPublicPage reports whether pattern is one of the public progress pages,
// which anyone may read and which know a logged-in visitor.
func isPublicPage(pattern string) bool {
	return strings.HasPrefix(pattern, "GET /public")
}

// sessionCookie holds the session token of a logged-in browser.
const sessionCookie = "shishi_session"

// csrfHeader carries the session's CSRF value on scripted requests that
// authenticate with the session cookie.
const csrfHeader = "X-CSRF-Token"

// csrfField is the form field (and, for multipart uploads, the query
// parameter) that carries the session's CSRF value.
const csrfField = "csrf"

// targetKind says how a route finds what it touches, the auth.Target
// handed to auth.Allow.
type targetKind int

const (
	// targetNone is the zero kind: a route that declares none is refused
	// and fails the route-enumeration test.
	targetNone targetKind = iota
	// targetPublic routes are open to anonymous callers (auth.Public).
	targetPublic
	// targetUser routes need a login and act on the caller's own account
	// or scope only (home, logout, the account page, unknown paths).
	targetUser
	// targetRegionPath: the region in the {code} path value.
	targetRegionPath
	// targetRegionQuery: the region in ?region=, by default the caller's
	// own unit (an institution's region for institution roles).
	targetRegionQuery
	// targetFacility: the facility {code} of the route's registry (or of
	// the {registry} path value), with the region its registry holds.
	targetFacility
	// targetScope: everything the caller may act on (its Scope); the
	// handler limits what it shows or changes to that scope.
	targetScope
	// targetCountry: data of the whole country (the population figures).
	targetCountry
)

func (k targetKind) String() string {
	return [...]string{"none", "public", "own account", "region {code}", "?region= (default: own unit)",
		"facility {registry}/{code}", "own scope", "country"}[k]
}

// rule is what a route needs: a right, for a target found as kind says.
type rule struct {
	right  auth.Right
	target targetKind
}

// route is one entry of the route table.
type route struct {
	pattern string
	rule    rule
	// api routes answer JSON (401 for anonymous callers), others pages
	// (303 to the login page).
	api bool
	// schema is the registry of per-registry API routes; nil when the
	// registry, if any, is the {registry} path value.
	schema *facility.Schema
	// summary describes an /api/ route in the OpenAPI document.
	summary string
	h       handlerFunc
	// raw handlers write their own response (static files).
	raw http.Handler
}

type principalKey struct{}

// caller is who makes a request, as the guard resolved it.
type caller struct {
	p    auth.Principal
	user auth.User
	// session is nil for anonymous and bearer-token requests.
	session *auth.Session
}

// callerOf returns the request's caller; the zero caller when anonymous.
func callerOf(r *http.Request) caller {
	c, _ := r.Context().Value(principalKey{}).(caller)
	return c
}

// principalOf returns the principal the guard resolved.
func principalOf(r *http.Request) auth.Principal {
	return callerOf(r).p
}

// resolveCaller reads the session cookie or the bearer token. An unknown,
// expired or revoked credential is anonymous; errors are the store's.
func (s *Server) resolveCaller(r *http.Request) (caller, error) {
	now := s.now()
	if h := r.Header.Get("Authorization"); h != "" {
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || !strings.HasPrefix(secret, auth.APITokenPrefix) {
			return caller{}, nil
		}
		tok, u, err := s.st.APITokenByToken(r.Context(), strings.TrimSpace(secret), now)
		if errors.Is(err, store.ErrNotFound) {
			return caller{}, nil
		}
		if err != nil {
			return caller{}, err
		}
		return caller{p: tok.Principal(u.Principal()), user: u}, nil
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return caller{}, nil
	}
	se, u, err := s.st.SessionByToken(r.Context(), c.Value, s.sessions, now)
	if errors.Is(err, store.ErrNotFound) {
		return caller{}, nil
	}
	if err != nil {
		return caller{}, err
	}
	return caller{p: u.Principal(), user: u, session: &se}, nil
}

// guard is the one middleware every route goes through: it resolves the
// caller, refuses anonymous callers of non-public routes, checks the CSRF
// value of cookie-authenticated writes, finds the route's target and asks
// auth.Allow. A refusal is answered like a missing thing.
func (s *Server) guard(rt route) http.Handler {
	fail := func(w http.ResponseWriter, r *http.Request, err error) {
		if rt.api {
			s.writeError(w, r, err)
			return
		}
		e := errorOf(err)
		s.logError(r, e)
		s.errorPage(w, r, e)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Public routes do not look at credentials: health checks must
		// not depend on the sessions table. The public progress pages
		// do, so that a logged-in visitor keeps the header and is not
		// counted in the anonymous rate limit (an office behind one
		// address would exhaust it).
		var c caller
		if rt.rule.target != targetPublic {
			var err error
			if c, err = s.resolveCaller(r); err != nil {
				fail(w, r, err)
				return
			}
		} else if isPublicPage(rt.pattern) {
			// A store error leaves the visitor anonymous: the page is
			// public either way.
			c, _ = s.resolveCaller(r)
		}
		r = r.WithContext(context.WithValue(r.Context(), principalKey{}, c))
		if rt.rule.target != targetPublic && c.p.Role == 0 {
			if s.rateLimited(w, r, rt) {
				return
			}
			s.unauthorized(w, r, rt.api)
			return
		}
		if c.session != nil && c.user.MustChange && rt.rule.target != targetPublic &&
			r.URL.Path != "/account" && r.URL.Path != "/logout" {
			if rt.api {
				fail(w, r, &webError{kind: kindForbidden, key: "err.must_change"})
				return
			}
			http.Redirect(w, r, "/account", http.StatusSeeOther)
			return
		}
		if c.session != nil && !safeMethod(r.Method) && !s.checkCSRF(r, c.session, rt.api) {
			s.log.Warn("csrf check failed", slog.String("request_id", requestID(r)),
				slog.String("method", r.Method), logPath(r))
			fail(w, r, &webError{kind: kindForbidden, key: "err.csrf"})
			return
		}
		target, notFoundErr, err := s.target(r, rt, c.p)
		if err != nil {
			fail(w, r, err)
			return
		}
		d := auth.Allow(s.tree(), c.p, rt.rule.right, target)
		if s.decided != nil {
			s.decided(r, rt.pattern, d.Allowed)
		}
		if !d.Allowed {
			s.log.Info("access refused", slog.String("request_id", requestID(r)),
				slog.String("method", r.Method), logPath(r),
				slog.String("user", c.p.UserID), slog.String("reason", d.Reason))
			fail(w, r, notFoundErr)
			return
		}
		// Public routes are limited per client address after the
		// decision (which costs nothing for them) and before the handler,
		// which may hash a password.
		if rt.rule.target == targetPublic && c.p.Role == 0 && s.rateLimited(w, r, rt) {
			return
		}
		if rt.raw != nil {
			rt.raw.ServeHTTP(w, r)
			return
		}
		if err := rt.h(w, r); err != nil {
			fail(w, r, err)
		}
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// checkCSRF compares the request's CSRF value with the session's: the
// X-CSRF-Token header, else (pages only) the csrf form field, or the csrf
// query parameter of a multipart upload, whose body the handler streams.
func (s *Server) checkCSRF(r *http.Request, se *auth.Session, api bool) bool {
	v := r.Header.Get(csrfHeader)
	if v == "" && !api {
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			v = r.URL.Query().Get(csrfField)
		} else {
			r.Body = http.MaxBytesReader(nil, r.Body, maxJSONBody)
			v = r.PostFormValue(csrfField)
		}
	}
	return se.CheckCSRF(v)
}

// unauthorized answers an anonymous caller: 401 JSON for the API, the
// login page for pages.
func (s *Server) unauthorized(w http.ResponseWriter, r *http.Request, api bool) {
	if api {
		w.Header().Set("WWW-Authenticate", `Bearer realm="shishi"`)
		e := &webError{kind: kindUnauthorized, key: "err.unauthorized"}
		writeJSON(w, e.kind.status(), errorBody(s, e, langOf(r), nil))
		return
	}
	next := r.URL.Path
	if r.Method == http.MethodGet && r.URL.RawQuery != "" {
		next += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
}

// target finds what the request touches. It also returns the error a
// refusal is answered with: the one the handler gives for a missing thing
// of that kind, so that a refusal does not tell that the thing exists.
func (s *Server) target(r *http.Request, rt route, p auth.Principal) (auth.Target, error, error) {
	t := s.tree()
	switch rt.rule.target {
	case targetPublic, targetUser, targetScope:
		return p.Scope(), notFound("err.no_page"), nil
	case targetCountry:
		return auth.Target{Region: region.CountryCode}, notFound("err.no_page"), nil
	case targetRegionPath:
		code := r.PathValue("code")
		return auth.Target{Region: code}, notFound("err.unknown_region", code), nil
	case targetRegionQuery:
		code := strings.TrimSpace(r.URL.Query().Get("region"))
		if code == "" {
			code = scopeRegion(p)
		}
		if _, ok := t.Get(code); !ok {
			return auth.Target{}, nil, badRequest("err.unknown_region", code)
		}
		tg := auth.Target{Region: code}
		if p.Role.Binding() == auth.BoundToInstitution {
			tg.Institution = p.Institution
		}
		return tg, notFound("err.unknown_region", code), nil
	case targetFacility:
		sc := rt.schema
		if sc == nil {
			var err error
			if sc, err = schemaOf(r); err != nil {
				return auth.Target{}, nil, err
			}
		}
		code := r.PathValue("code")
		missing := notFound("err.not_found")
		h, err := s.st.History(r.Context(), sc, code)
		if errors.Is(err, store.ErrNotFound) {
			// Refused below: a target without a region is outside
			// every scope.
			return auth.Target{}, missing, nil
		}
		if err != nil {
			return auth.Target{}, nil, err
		}
		return facilityTarget(p, sc, code, h[len(h)-1].Region(sc)), missing, nil
	}
	return auth.Target{}, notFound("err.no_page"), nil
}

// facilityTarget is the target of a facility: its region, and its code as
// the institution when the registry is the one the caller's role is bound
// to (a hospital's staff never match a blood station of the same code).
func facilityTarget(p auth.Principal, sc *facility.Schema, code, reg string) auth.Target {
	tg := auth.Target{Region: reg}
	if p.Role.Binding() != auth.BoundToInstitution || sc.Name == p.Role.Registry() {
		tg.Institution = code
	}
	return tg
}

// scopeRegion is the unit a request defaults to: the token's region, the
// role's region, or the institution's region.
func scopeRegion(p auth.Principal) string {
	if p.Limit != nil && p.Limit.Region != "" {
		return p.Limit.Region
	}
	if p.Role.Binding() == auth.BoundToInstitution {
		return p.InstitutionRegion
	}
	if p.Region == "" {
		return region.CountryCode
	}
	return p.Region
}

// allow asks auth.Allow again inside a handler, for a target known only
// from the request's body (the region of a facility being created or
// moved). A refusal is the not-found error given.
func (s *Server) allow(r *http.Request, right auth.Right, target auth.Target, refusal error) error {
	p := principalOf(r)
	if d := auth.Allow(s.tree(), p, right, target); !d.Allowed {
		s.log.Info("access refused", slog.String("request_id", requestID(r)),
			slog.String("method", r.Method), logPath(r),
			slog.String("user", p.UserID), slog.String("reason", d.Reason))
		return refusal
	}
	return nil
}

// inScope reports whether the region code lies in the caller's scope (for
// filtering search hits and lists).
func inScope(t *region.Tree, p auth.Principal, code string) bool {
	if p.Role.Binding() == auth.BoundToInstitution {
		return false
	}
	return t.Contains(scopeRegion(p), code)
}

// facilities is store.Facilities limited to the caller's scope: region
// roles query within their unit (parseFilter defaults the region), an
// institution role sees its own institution alone.
func (s *Server) facilities(ctx context.Context, p auth.Principal, sc *facility.Schema, q store.Query) ([]facility.Record, int, error) {
	if p.Role.Binding() != auth.BoundToInstitution {
		if q.Region == "" || !s.tree().Contains(scopeRegion(p), q.Region) {
			q.Region = scopeRegion(p)
		}
		if q.Region == region.CountryCode {
			q.Region = ""
		}
		return s.st.Facilities(ctx, sc, q)
	}
	if sc.Name != p.Role.Registry() {
		return nil, 0, nil
	}
	text := q.Text
	q.Text, q.Limit, q.Offset = p.Institution, 0, 0
	recs, _, err := s.st.Facilities(ctx, sc, q)
	if err != nil {
		return nil, 0, err
	}
	for _, rec := range recs {
		if rec.Code == p.Institution && (text == "" || strings.Contains(rec.String(sc, "name"), text) || strings.HasPrefix(rec.Code, text)) {
			return []facility.Record{rec}, 1, nil
		}
	}
	return nil, 0, nil
}
