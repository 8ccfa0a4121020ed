package web

import (
	"net/http"

	"github.com/shishi-health/shishi/auth"
)

// RouteInfo is a route of the table as the tests see it.
type RouteInfo struct {
	Pattern string
	Right   auth.Right
	// Target is the kind of target: public, user, region-path,
	// region-query, facility, scope or country.
	Target string
	API    bool
	// Registry is the registry of a per-registry API route.
	Registry string
}

var kindNames = map[targetKind]string{
	targetPublic: "public", targetUser: "user", targetRegionPath: "region-path", targetRegionQuery: "region-query",
	targetFacility: "facility", targetScope: "scope", targetCountry: "country",
}

// Routes returns the server's route table.
func (s *Server) Routes() []RouteInfo {
	var out []RouteInfo
	for _, rt := range s.routes() {
		ri := RouteInfo{Pattern: rt.pattern, Right: rt.rule.right, Target: kindNames[rt.rule.target], API: rt.api}
		if rt.schema != nil {
			ri.Registry = rt.schema.Name
		}
		out = append(out, ri)
	}
	return out
}

// OnDecision makes the server report every decision of its guard.
func (s *Server) OnDecision(fn func(r *http.Request, pattern string, allowed bool)) {
	s.decided = fn
}

// CheckRouteWithoutRule reports what the server does with a route added
// to its table without an access rule: the error checkRoutes gives.
func (s *Server) CheckRouteWithoutRule() error {
	rts := append(s.routes(), route{pattern: "GET /new", h: func(http.ResponseWriter, *http.Request) error { return nil }})
	return checkRoutes(rts)
}
