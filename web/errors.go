package web

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/store"
)

// errKind is the kind of a failure, which decides its HTTP status. Handlers
// return errors; errorOf and status map them here, once, for pages and
// API alike.
type errKind int

const (
	kindInternal     errKind = iota // 500: logged, details hidden
	kindBadRequest                  // 400: malformed input (a date, a number, a file)
	kindInvalid                     // 422: a well-formed record that breaks the rules; lists field errors
	kindNotFound                    // 404
	kindConflict                    // 409: creating a facility whose code exists
	kindTooLarge                    // 413
	kindUnavailable                 // 503: store not ready
	kindUnauthorized                // 401: no valid login
	kindForbidden                   // 403: a failed CSRF check or a password to change; never for scope
	kindTooMany                     // 429: login throttled
)

func (k errKind) status() int {
	switch k {
	case kindBadRequest:
		return http.StatusBadRequest
	case kindInvalid:
		return http.StatusUnprocessableEntity
	case kindNotFound:
		return http.StatusNotFound
	case kindConflict:
		return http.StatusConflict
	case kindTooLarge:
		return http.StatusRequestEntityTooLarge
	case kindUnavailable:
		return http.StatusServiceUnavailable
	case kindUnauthorized:
		return http.StatusUnauthorized
	case kindForbidden:
		return http.StatusForbidden
	case kindTooMany:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// code is the machine-readable error code of the kind in JSON errors.
func (k errKind) code() string {
	switch k {
	case kindBadRequest:
		return "bad_request"
	case kindInvalid:
		return "invalid"
	case kindNotFound:
		return "not_found"
	case kindConflict:
		return "conflict"
	case kindTooLarge:
		return "too_large"
	case kindUnavailable:
		return "unavailable"
	case kindUnauthorized:
		return "unauthorized"
	case kindForbidden:
		return "forbidden"
	case kindTooMany:
		return "too_many_requests"
	}
	return "internal"
}

// webError is an error a handler returns with its kind and a message for
// the user: a catalog key with arguments, or a text that already is in the
// user's language (such as an importer's bilingual message about a file).
type webError struct {
	kind   errKind
	key    string
	args   []any
	text   string
	fields []fieldError
	err    error // the cause, logged for internal errors
}

// fieldError is what is wrong with one field of a record sent to the API.
type fieldError struct {
	Field string
	Value string
	Msg   facility.Message
}

func (e *webError) Error() string {
	switch {
	case e.err != nil:
		return e.err.Error()
	case e.text != "":
		return e.text
	}
	return e.key
}

func (e *webError) Unwrap() error { return e.err }

func badRequest(key string, args ...any) error {
	return &webError{kind: kindBadRequest, key: key, args: args}
}

func notFound(key string, args ...any) error {
	return &webError{kind: kindNotFound, key: key, args: args}
}

func invalid(fields []fieldError) error {
	return &webError{kind: kindInvalid, key: "err.invalid", fields: fields}
}

// errorOf classifies any error a handler returned.
func errorOf(err error) *webError {
	var we *webError
	if errors.As(err, &we) {
		return we
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &webError{kind: kindNotFound, key: "err.not_found", err: err}
	case errors.As(err, &tooBig):
		return &webError{kind: kindTooLarge, key: "err.too_large", args: []any{tooBig.Limit >> 20}, err: err}
	}
	return &webError{kind: kindInternal, key: "err.internal", err: err}
}

// message returns the error's text in lang.
func (s *Server) message(e *webError, lang string) string {
	if e.text != "" {
		return e.text
	}
	return s.tmpl.cat[lang].T(e.key, e.args...)
}

// logError logs the errors that are the server's fault. A client that went
// away is not an error.
func (s *Server) logError(r *http.Request, e *webError) {
	if e.kind != kindInternal && e.kind != kindUnavailable || errors.Is(e.err, context.Canceled) {
		return
	}
	level := slog.LevelError
	if e.kind == kindUnavailable {
		level = slog.LevelWarn
	}
	s.log.Log(r.Context(), level, "request failed",
		slog.String("method", r.Method),
		logPath(r),
		slog.Any("err", e.err))
}

// writeError answers with the error as JSON: {"error": {"code", "message",
// "fields"}}.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := errorOf(err)
	s.logError(r, e)
	writeJSON(w, e.kind.status(), errorBody(s, e, langOf(r), nil))
}

type jsonFieldError struct {
	Field   string `json:"field"`
	Value   string `json:"value,omitempty"`
	Message string `json:"message"`
}

type jsonError struct {
	Code    string           `json:"code"`
	Message string           `json:"message"`
	Fields  []jsonFieldError `json:"fields,omitempty"`
}

type errorEnvelope struct {
	Error  jsonError `json:"error"`
	Report any       `json:"report,omitempty"`
}

func errorBody(s *Server, e *webError, lang string, report any) errorEnvelope {
	je := jsonError{Code: e.kind.code(), Message: s.message(e, lang)}
	for _, f := range e.fields {
		je.Fields = append(je.Fields, jsonFieldError{Field: f.Field, Value: f.Value, Message: f.Msg.In(lang)})
	}
	return errorEnvelope{Error: je, Report: report}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// handlerFunc is a handler that returns its failure instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error
