package web

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/facility"
)

// The OpenAPI 3 document of the JSON API (GET /api/openapi.json) is built
// from the route table, so that a route cannot be added without appearing
// in it: every route whose pattern names a method and a path under /api/,
// with its path parameters, summary, the right its rule needs and the
// responses, plus schemas of the main bodies (one per registry, from the
// registry's fields). TestOpenAPI checks both directions.

// pathParam matches a {wildcard} of a route pattern.
var pathParam = regexp.MustCompile(`\{([a-z]+)\}`)

// openAPIRoute reports whether a route is documented, and splits its
// pattern into the method and the path.
func openAPIRoute(rt route) (method, path string, ok bool) {
	method, path, ok = strings.Cut(rt.pattern, " ")
	if !ok || !strings.HasPrefix(path, "/api/") {
		return "", "", false
	}
	return strings.ToLower(method), path, true
}

type jsonMap = map[string]any

// openAPIDocument returns the document of the routes.
func (s *Server) openAPIDocument(routes []route) jsonMap {
	paths := jsonMap{}
	for _, rt := range routes {
		method, path, ok := openAPIRoute(rt)
		if !ok {
			continue
		}
		op := jsonMap{
			"operationId":     operationID(rt.pattern),
			"summary":         rt.summary,
			"x-shishi-right":  rt.rule.right.String(),
			"x-shishi-target": rt.rule.target.String(),
		}
		var params []jsonMap
		for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
			p := jsonMap{"name": m[1], "in": "path", "required": true, "schema": jsonMap{"type": "string"}}
			if m[1] == "registry" {
				var names []string
				for _, sc := range facility.Registries() {
					names = append(names, sc.Name)
				}
				p["schema"] = jsonMap{"type": "string", "enum": names}
			}
			params = append(params, p)
		}
		if rt.rule.target == targetRegionQuery {
			params = append(params, jsonMap{"name": "region", "in": "query", "schema": jsonMap{"type": "string"},
				"description": "GB/T 2260 code of the region; default: the caller's own unit"})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.rule.right == auth.Public {
			op["security"] = []jsonMap{}
		}
		op["responses"] = s.openAPIResponses(rt, method)
		if (method == "post" || method == "put") && rt.schema != nil {
			op["requestBody"] = jsonMap{"required": true, "content": jsonMap{"application/json": jsonMap{
				"schema": ref(facilitySchemaName(rt.schema))}}}
		}
		item, _ := paths[path].(jsonMap)
		if item == nil {
			item = jsonMap{}
			paths[path] = item
		}
		item[method] = op
	}
	return jsonMap{
		"openapi": "3.0.3",
		"info": jsonMap{
			"title":       "shishi JSON API",
			"version":     s.version,
			"description": "Facility registries and regions. Authenticate with a session cookie (and the X-CSRF-Token header on writes) or an API token (Authorization: Bearer). A caller outside a thing's scope gets 404, like for a missing thing.",
		},
		"paths": paths,
		"components": jsonMap{
			"securitySchemes": jsonMap{
				"bearer":  jsonMap{"type": "http", "scheme": "bearer"},
				"session": jsonMap{"type": "apiKey", "in": "cookie", "name": sessionCookie},
			},
			"schemas": openAPISchemas(),
		},
		"security": []jsonMap{{"bearer": []string{}}, {"session": []string{}}},
	}
}

// openAPIResponses lists the responses of a route: its success, and the
// errors every guarded route may give.
func (s *Server) openAPIResponses(rt route, method string) jsonMap {
	errResp := func(desc string) jsonMap {
		return jsonMap{"description": desc, "content": jsonMap{"application/json": jsonMap{"schema": ref("Error")}}}
	}
	ok := jsonMap{"description": "OK"}
	code := "200"
	switch {
	case method == "delete":
		code, ok = "204", jsonMap{"description": "Closed or purged"}
	case method == "post" && rt.schema != nil:
		code = "201"
		ok = jsonMap{"description": "Created", "content": jsonMap{"application/json": jsonMap{"schema": ref("Change")}}}
	case method == "put":
		ok = jsonMap{"description": "Changed", "content": jsonMap{"application/json": jsonMap{"schema": ref("Change")}}}
	case rt.schema != nil && strings.HasSuffix(rt.pattern, "/{code}"):
		ok = jsonMap{"description": "OK", "content": jsonMap{"application/json": jsonMap{"schema": ref(facilitySchemaName(rt.schema))}}}
	case rt.schema != nil && !strings.Contains(rt.pattern, "{code}"):
		ok = jsonMap{"description": "OK", "content": jsonMap{"application/json": jsonMap{"schema": ref("List")}}}
	case strings.HasPrefix(rt.pattern, "POST /api/import/"):
		ok = jsonMap{"description": "Imported", "content": jsonMap{"application/json": jsonMap{"schema": ref("ImportReport")}}}
	}
	out := jsonMap{code: ok}
	if rt.rule.right != auth.Public {
		out["401"] = errResp("No valid session or token")
		out["404"] = errResp("Not found, or outside the caller's scope")
		out["422"] = errResp("Invalid input; error.fields names each field")
	}
	return out
}

func ref(name string) jsonMap {
	return jsonMap{"$ref": "#/components/schemas/" + name}
}

// facilitySchemaName is the component schema of a registry's records:
// "hospitals" → "Hospitals".
func facilitySchemaName(sc *facility.Schema) string {
	return strings.ToUpper(sc.Name[:1]) + sc.Name[1:]
}

// operationID turns "GET /api/hospitals/{code}" into
// "get_api_hospitals_code".
func operationID(pattern string) string {
	r := strings.NewReplacer(" /", "_", "/", "_", "{", "", "}", "", ".", "_")
	return strings.ToLower(r.Replace(pattern))
}

// openAPISchemas returns the component schemas: errors, lists, changes,
// import reports and every registry's record, from its fields.
func openAPISchemas() jsonMap {
	str := jsonMap{"type": "string"}
	out := jsonMap{
		"Error": jsonMap{"type": "object", "required": []string{"error"}, "properties": jsonMap{
			"error": jsonMap{"type": "object", "properties": jsonMap{
				"code":    str,
				"message": str,
				"fields": jsonMap{"type": "array", "items": jsonMap{"type": "object", "properties": jsonMap{
					"field": str, "value": str, "message": str}}},
			}},
			"report": jsonMap{"type": "object"},
		}},
		"List": jsonMap{"type": "object", "properties": jsonMap{
			"registry": str, "as_of": jsonMap{"type": "string", "format": "date"},
			"total": jsonMap{"type": "integer"}, "items": jsonMap{"type": "array", "items": jsonMap{"type": "object"}},
		}},
		"Change": jsonMap{"type": "object", "properties": jsonMap{
			"change": str,
			"diff": jsonMap{"type": "array", "items": jsonMap{"type": "object", "properties": jsonMap{
				"field": str, "from": jsonMap{}, "to": jsonMap{}}}},
			"facility": jsonMap{"type": "object"},
		}},
		"ImportReport": jsonMap{"type": "object", "properties": jsonMap{
			"file": str, "registry": str, "rows": jsonMap{"type": "integer"},
			"new": jsonMap{"type": "integer"}, "changed": jsonMap{"type": "integer"}, "unchanged": jsonMap{"type": "integer"},
			"committed": jsonMap{"type": "boolean"}, "dry_run": jsonMap{"type": "boolean"},
		}},
	}
	for _, sc := range facility.Registries() {
		props := jsonMap{
			"code":       str,
			"valid_from": jsonMap{"type": "string", "format": "date"},
			"closed":     jsonMap{"type": "boolean"},
		}
		required := []string{"code"}
		for _, f := range sc.Fields {
			var p jsonMap
			switch f.Kind {
			case facility.Int:
				p = jsonMap{"type": "integer", "minimum": f.Min}
				if f.Max > 0 {
					p["maximum"] = f.Max
				}
			case facility.Bool:
				p = jsonMap{"type": "boolean"}
			case facility.Date:
				p = jsonMap{"type": "string", "format": "date"}
			case facility.Enum:
				var vals []string
				for _, o := range f.Options {
					vals = append(vals, o.Code)
				}
				p = jsonMap{"type": "string", "enum": vals}
			case facility.Region:
				p = jsonMap{"type": "string", "pattern": "^[0-9]{6}$"}
			default:
				p = jsonMap{"type": "string"}
			}
			p["description"] = f.EN + " (" + f.ZH + ")"
			props[f.Key] = p
			if f.Required {
				required = append(required, f.Key)
			}
		}
		out[facilitySchemaName(sc)] = jsonMap{"type": "object", "description": sc.EN + " (" + sc.ZH + ")",
			"required": required, "properties": props}
	}
	return out
}

// openAPI serves the document.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, s.openAPIDocument(s.routes()))
	return nil
}
