package web

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/shishi-health/shishi/metrics"
	"github.com/shishi-health/shishi/ratelimit"
)

// contentSecurityPolicy allows scripts, styles and images of this origin
// only (and data: images, the favicon): the pages carry no inline script
// or style, so an injected one does not run. No framing, no foreign form
// targets, no <base> elsewhere.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

// securityHeaders sets the headers every response carries, pages, API,
// static files and errors alike. HSTS goes out on TLS requests only: sent
// over plain HTTP it is ignored, and a server reached by plain HTTP on
// purpose (a LAN deployment) must not pin browsers to HTTPS.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// Default rate limits, per client address (see Config.LoginRate).
const (
	defaultLoginRate      = 10 // per minute
	defaultLoginBurst     = 10
	defaultAnonymousRate  = 300 // per minute
	defaultAnonymousBurst = 100
	// limiterKeys bounds the addresses a limiter remembers: a flood from
	// many addresses evicts the oldest rather than growing memory.
	limiterKeys = 100_000
)

// newLimiter returns a limiter of perMinute requests a minute with burst,
// defaults for zero values.
func newLimiter(perMinute float64, burst int, defRate float64, defBurst int, now func() time.Time) *ratelimit.Limiter {
	if perMinute <= 0 {
		perMinute = defRate
	}
	if burst <= 0 {
		burst = defBurst
	}
	return ratelimit.New(perMinute/60, burst, limiterKeys, now)
}

// unlimited lists the public paths no rate limit applies to: health checks
// and scrapes come from monitoring, often many from one address, and static
// files from every page view.
func unlimited(pattern string) bool {
	switch pattern {
	case "GET /healthz", "GET /readyz", "GET /metrics", "GET /static/":
		return true
	}
	return false
}

// clientKey is the address a rate limit counts a request under: the peer,
// or the client a trusted proxy names in X-Forwarded-For.
func (s *Server) clientKey(r *http.Request) string {
	return ratelimit.KeyFrom(r, s.trustedProxies)
}

// rateLimited checks the limits of a request for rt by a caller who is
// anonymous (authenticated sessions and tokens are not limited: they
// are accountable, and a busy office shares one address). It reports
// whether the request was refused, having answered it with 429 and
// Retry-After.
func (s *Server) rateLimited(w http.ResponseWriter, r *http.Request, rt route) bool {
	if unlimited(rt.pattern) {
		return false
	}
	key := s.clientKey(r)
	ok, wait := s.anonLimit.Allow(key)
	if ok && rt.pattern == "POST /login" {
		ok, wait = s.loginLimit.Allow(key)
	}
	if ok {
		return false
	}
	if rt.pattern == "POST /login" {
		s.metrics.LoginAttempt(metrics.LoginThrottled)
	}
	secs := max(1, int64(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	e := &webError{kind: kindTooMany, key: "err.too_many"}
	if rt.api || strings.HasPrefix(r.URL.Path, "/api/") {
		writeJSON(w, e.kind.status(), errorBody(s, e, langOf(r), nil))
	} else {
		s.errorPage(w, r, e)
	}
	return true
}
