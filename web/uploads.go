package web

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shishi-health/shishi/importer"
	"github.com/shishi-health/shishi/table"
)

// uploadTTL is how long an uploaded file waits for its confirmation.
const uploadTTL = time.Hour

// uploads keeps the files of two-step imports: the upload is previewed
// (a dry run), and the same file is imported when the user confirms. Each
// upload lives in a folder named by a random token, with the file, its
// meta data and the last report (for the rejected rows download). Nothing
// is kept in memory except progress counters, so a restart loses nothing
// but those.
type uploads struct {
	dir string
	now func() time.Time

	mu       sync.Mutex
	progress map[string]*progress
}

// progress is what the polling endpoint reports about a running import.
type progress struct {
	rows    atomic.Int64
	done    atomic.Bool
	started time.Time
}

// uploadMeta describes an uploaded file.
type uploadMeta struct {
	Registry string    `json:"registry"`
	Name     string    `json:"name"` // the user's file name, for messages
	Size     int64     `json:"size"`
	Partial  bool      `json:"partial"`
	Created  time.Time `json:"created"`
	Imported bool      `json:"imported"`
	// User is who uploaded the file: only they may confirm it.
	User string `json:"user"`
}

func newUploads(dir string, now func() time.Time) *uploads {
	return &uploads{dir: dir, now: now, progress: map[string]*progress{}}
}

var tokenPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

func validToken(t string) bool { return tokenPattern.MatchString(t) }

func newToken() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// errNoUpload is returned for an unknown or expired token.
var errNoUpload = errors.New("no such upload")

func (u *uploads) path(token, name string) string {
	return filepath.Join(u.dir, token, name)
}

// create makes the folder of a new upload. It takes the token the form
// was given (so that the page can poll progress under it while the file is
// still uploading) when it is well formed and unused, else a fresh one.
func (u *uploads) create(token string) (string, error) {
	if err := os.MkdirAll(u.dir, 0o700); err != nil {
		return "", err
	}
	u.sweep()
	if !validToken(token) {
		token = newToken()
	}
	for {
		err := os.Mkdir(filepath.Join(u.dir, token), 0o700)
		if err == nil {
			return token, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", err
		}
		token = newToken()
	}
}

// sweep deletes uploads older than uploadTTL.
func (u *uploads) sweep() {
	cutoff := u.now().Add(-uploadTTL)
	entries, err := os.ReadDir(u.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !validToken(e.Name()) {
			continue
		}
		if info, err := e.Info(); err == nil && info.ModTime().Before(cutoff) {
			os.RemoveAll(filepath.Join(u.dir, e.Name()))
		}
	}
	u.mu.Lock()
	for t, p := range u.progress {
		if p.started.Before(cutoff) {
			delete(u.progress, t)
		}
	}
	u.mu.Unlock()
}

func (u *uploads) writeJSON(token, name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(u.path(token, name), b, 0o600)
}

func (u *uploads) readJSON(token, name string, v any) error {
	b, err := os.ReadFile(u.path(token, name))
	if errors.Is(err, fs.ErrNotExist) {
		return errNoUpload
	}
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// meta returns an upload's description, errNoUpload when the token is
// unknown or its hour has passed.
func (u *uploads) meta(token string) (uploadMeta, error) {
	var m uploadMeta
	if !validToken(token) {
		return m, errNoUpload
	}
	if err := u.readJSON(token, "meta.json", &m); err != nil {
		return m, err
	}
	if u.now().Sub(m.Created) > uploadTTL {
		os.RemoveAll(filepath.Join(u.dir, token))
		return m, errNoUpload
	}
	return m, nil
}

func (u *uploads) saveMeta(token string, m uploadMeta) error {
	return u.writeJSON(token, "meta.json", m)
}

func (u *uploads) saveReport(token string, rep *importer.Report) error {
	return u.writeJSON(token, "report.json", rep)
}

func (u *uploads) report(token string) (*importer.Report, error) {
	if !validToken(token) {
		return nil, errNoUpload
	}
	if _, err := u.meta(token); err != nil {
		return nil, err
	}
	var rep importer.Report
	if err := u.readJSON(token, "report.json", &rep); err != nil {
		return nil, err
	}
	return &rep, nil
}

// save writes the uploaded file, returning its size.
func (u *uploads) save(token string, r io.Reader) (int64, error) {
	f, err := os.OpenFile(u.path(token, "file"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// open opens the uploaded file for the preview.
func (u *uploads) open(token string) (*os.File, error) {
	f, err := os.Open(u.path(token, "file"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNoUpload
	}
	return f, err
}

// claim takes the file for the real import. Renaming is atomic, so a
// double-clicked confirm imports once; release gives the file back when
// the import stored nothing, so that the user can try again.
func (u *uploads) claim(token string) (*os.File, error) {
	claimed := u.path(token, "file.importing")
	if err := os.Rename(u.path(token, "file"), claimed); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errNoUpload
		}
		return nil, err
	}
	return os.Open(claimed)
}

func (u *uploads) release(token string, keep bool) error {
	claimed := u.path(token, "file.importing")
	if keep {
		return os.Rename(claimed, u.path(token, "file"))
	}
	return os.Remove(claimed)
}

// discard deletes an upload's file, keeping its report.
func (u *uploads) discard(token string) {
	os.Remove(u.path(token, "file"))
}

// start returns a fresh progress counter for a run over token's file.
func (u *uploads) start(token string) *progress {
	p := &progress{started: u.now()}
	u.mu.Lock()
	u.progress[token] = p
	u.mu.Unlock()
	return p
}

// rowsRead returns the progress of token: rows read and whether it ended.
func (u *uploads) rowsRead(token string) (int64, bool) {
	u.mu.Lock()
	p, ok := u.progress[token]
	u.mu.Unlock()
	if !ok {
		return 0, false
	}
	return p.rows.Load(), p.done.Load()
}

// reportView is what an upload page shows of an import's report: the
// first maxErrorsShown row errors, each with its spreadsheet column letter,
// how many more there are, and, when rows were rejected, the address of
// the rejects file kept under token (otherwise the upload is discarded).
func (s *Server) reportView(token string, rep *importer.Report, lang string) (errs []rowErrorView, more int, rejects string, err error) {
	for _, e := range rep.Errors() {
		if len(errs) == maxErrorsShown {
			more++
			continue
		}
		v := rowErrorView{Row: e.Row, Column: e.Column, Value: e.Value, Reason: e.Msg.In(lang)}
		if i := slices.Index(rep.Header, e.Column); i >= 0 && e.Column != "" {
			v.Letter = table.ColumnName(i + 1)
		}
		errs = append(errs, v)
	}
	if len(rep.Rejected) == 0 {
		s.uploads.discard(token)
		return errs, more, "", nil
	}
	if err := s.uploads.saveReport(token, rep); err != nil {
		return nil, 0, "", err
	}
	return errs, more, "/import/" + token + "/rejects", nil
}
