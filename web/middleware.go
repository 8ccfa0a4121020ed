package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/personal"
)

// statusWriter records the status and size of a response for the request
// log and for panic recovery.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer (Flush).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs one line per request. It logs the path and never the
// query string: searches and filters may hold names a person typed.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		id := auth.NewID()[:16]
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		next.ServeHTTP(sw, r)
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelWarn
		}
		s.log.LogAttrs(r.Context(), level, "http request",
			slog.String("request_id", id),
			slog.String("method", r.Method),
			logPath(r),
			slog.Int("status", status),
			slog.Int64("bytes", sw.bytes),
			slog.Duration("duration", time.Since(start)))
	})
}

// recoverPanics turns a panic in a handler into a logged 500, so that one
// bad request does not take the process down. http.ErrAbortHandler is
// passed on: it is how a handler cuts a download short on purpose.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic in handler",
				slog.String("method", r.Method),
				logPath(r),
				slog.Any("panic", v),
				slog.String("stack", string(debug.Stack())))
			if sw.status != 0 {
				return // too late for an error status
			}
			e := &webError{kind: kindInternal, key: "err.internal", err: errors.New("panic")}
			if strings.HasPrefix(r.URL.Path, "/api/") {
				writeJSON(sw, e.kind.status(), errorBody(s, e, langOf(r), nil))
			} else {
				s.errorPage(sw, r, e)
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

type ctxKey int

const (
	langKey ctxKey = iota
	requestIDKey
)

// requestID returns the request's ID, which ties its log lines and audit
// entries together.
func requestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey).(string)
	return id
}

// withLang picks the language of the request: ?lang=zh|en (which also sets
// the lang cookie, so the choice sticks), then the cookie, then Chinese.
func (s *Server) withLang(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := defaultLang
		if c, err := r.Cookie("lang"); err == nil && validLang(c.Value) {
			lang = c.Value
		}
		if q := r.URL.Query().Get("lang"); validLang(q) {
			lang = q
			http.SetCookie(w, &http.Cookie{Name: "lang", Value: q, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, HttpOnly: true})
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), langKey, lang)))
	})
}

// langOf returns the request's language, "zh" or "en".
func langOf(r *http.Request) string {
	if l, ok := r.Context().Value(langKey).(string); ok {
		return l
	}
	return defaultLang
}

// logPath is the request's path as logs show it: a path segment may be
// whatever a person typed (a facility code, a search link), so full ID
// and mobile numbers in it are masked before it is logged.
func logPath(r *http.Request) slog.Attr {
	p := r.URL.Path
	found := personal.ContainsPersonalData(p)
	if len(found) == 0 {
		return slog.String("path", p)
	}
	b := []byte(p)
	for _, f := range found {
		for i := f.Offset; i < f.Offset+f.Length; i++ {
			b[i] = '*'
		}
	}
	return slog.String("path", string(b))
}
