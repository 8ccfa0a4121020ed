package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/figure"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
)

// approvalYears and the 31 provinces' monthly figures make the queue of a
// national approver: 31 × 12 × 11 = 4,092 submissions, about twenty
// batches of the bulk approval.
const approvalYears = 11

// approvalPassword is the password of the test's approver.
const approvalPassword = "Approve-All-2025"

// seedApprovals stores the provinces' submissions, all awaiting the
// country's approver, and that approver; it returns the submissions'
// values by unit and period.
func seedApprovals(t *testing.T, st *store.Store, tree *region.Tree) map[string]map[string]float64 {
	t.Helper()
	ctx := context.Background()
	var entries []store.FigureEntry
	want := map[string]map[string]float64{}
	provinces := tree.Children(region.CountryCode)
	for y := 2025 - approvalYears + 1; y <= 2025; y++ {
		for m := 1; m <= 12; m++ {
			p := figure.Period{Span: figure.Month, Year: y, N: m}
			for i, prov := range provinces {
				vals := map[string]float64{"lectures": float64(i + m), "hotline_received": float64(1000 + y + i), "hotline_answered": float64(900 + i)}
				entries = append(entries, store.FigureEntry{Region: prov.Code, Period: p, Values: vals, Submit: true})
				want[prov.Code+"|"+p.String()] = vals
			}
		}
	}
	out, err := st.SaveFiguresBatch(ctx, tree, entries, store.FigureActor{UserID: "seed", Role: "reporter", Region: region.CountryCode}, store.FigureBatchOptions{})
	if err != nil {
		t.Fatalf("seed submissions: %v", err)
	}
	for _, o := range out {
		if o.Change != store.FigureNew || o.Submission.Awaiting() != region.CountryCode {
			t.Fatalf("seeded %+v", o)
		}
	}
	hash, err := auth.HashPassword(approvalPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(ctx, auth.User{Username: "approver-cn", DisplayName: "国家审核员", Role: auth.Approver,
		Region: region.CountryCode, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	return want
}

// approvalState is a store's figures as text, one line per version: unit,
// period, version, status, steps taken and values; what an interrupted and
// retried approval must leave exactly as an uninterrupted one does (times
// and request ids aside).
func approvalState(t *testing.T, st *store.Store) string {
	t.Helper()
	subs, err := st.LatestFigures(context.Background(), store.FigureQuery{Limit: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, s := range subs {
		var vals []string
		for _, k := range slices.Sorted(maps.Keys(s.Values)) {
			vals = append(vals, k+"="+figure.FormatValue(s.Values[k]))
		}
		lines = append(lines, fmt.Sprintf("%s %s v%d %s steps=%d %s", s.Region, s.Period, s.Version, s.Status, s.Seq, strings.Join(vals, ",")))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// checkApprovalStore checks what a crash must never leave: a status that
// is not its last event's, values other than those submitted, a broken
// audit chain, a version part-way between two statuses. It returns how
// many are approved.
func checkApprovalStore(t *testing.T, st *store.Store, want map[string]map[string]float64) int {
	t.Helper()
	ctx := context.Background()
	problems, err := st.VerifyFigures(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	if b, _, err := audit.Verify(st.AuditLog(ctx)); err != nil || b != nil {
		t.Errorf("audit chain: %v %+v", err, b)
	}
	subs, err := st.LatestFigures(ctx, store.FigureQuery{Limit: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != len(want) {
		t.Errorf("%d submissions, want %d", len(subs), len(want))
	}
	approved := 0
	for _, s := range subs {
		switch {
		case s.Status == figure.Approved && s.Seq == 2:
			approved++
		case s.Status == figure.Submitted && s.Seq == 1:
		default:
			t.Errorf("%s %s: %s after %d steps", s.Region, s.Period, s.Status, s.Seq)
		}
		if !maps.Equal(s.Values, want[s.Region+"|"+s.Period.String()]) {
			t.Errorf("%s %s: values %v, submitted %v", s.Region, s.Period, s.Values, want[s.Region+"|"+s.Period.String()])
		}
	}
	return approved
}

// approvalServer is a running `shishi serve`.
type approvalServer struct {
	cmd  *exec.Cmd
	base string
	log  *strings.Builder
}

func startApprovalServer(t *testing.T, bin string, flags []string) *approvalServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := &approvalServer{cmd: exec.Command(bin, append([]string{"serve", "--addr", addr}, flags...)...), base: "http://" + addr, log: &strings.Builder{}}
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			s.log.WriteString(sc.Text() + "\n")
		}
	}()
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Kill()
			s.cmd.Wait()
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve: no /healthz: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var approvalCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// approvalClient logs in as the approver and returns a client with the
// session cookie and the session's CSRF value. The session is stored, so
// it outlives a restart of the server.
func approvalClient(t *testing.T, base string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 5 * time.Minute}
	resp, err := c.PostForm(base+"/login", url.Values{"username": {"approver-cn"}, "password": {approvalPassword}, "next": {"/figures/queue"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := approvalCSRF.FindSubmatch(body)
	if resp.StatusCode != 200 || m == nil || !strings.Contains(string(body), "全部审核通过") {
		t.Fatalf("login and queue: %d\n%.2000s", resp.StatusCode, body)
	}
	return c, string(m[1])
}

// approveAll fires the bulk approval of everything awaiting the country
// up to before.
func approveAll(c *http.Client, base, csrf string, before time.Time) (*http.Response, error) {
	req, _ := http.NewRequest("POST", base+"/api/figures/pending/approve?before="+url.QueryEscape(before.UTC().Format(time.RFC3339Nano)), nil)
	req.Header.Set("X-CSRF-Token", csrf)
	return c.Do(req)
}

// TestKillDuringApproval kills the server with SIGKILL in the middle of a
// bulk approval of 4,092 submissions, on both stores, and checks that the
// store is consistent (every status its last event's, values intact, the
// audit chain whole, no version half-way), that approving again after a
// restart approves exactly the rest, and that the final state is the one
// an uninterrupted approval leaves.
func TestKillDuringApproval(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and approves 4,092 submissions three times")
	}
	bin := buildBinary(t)
	tree, err := region.Load()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// The state an uninterrupted approval leaves.
	cleanDir := t.TempDir()
	cleanStore, err := store.Open(ctx, store.Config{DataDir: cleanDir})
	if err != nil {
		t.Fatal(err)
	}
	want := seedApprovals(t, cleanStore, tree)
	srv := startApprovalServer(t, bin, []string{"--data-dir", cleanDir})
	c, csrf := approvalClient(t, srv.base)
	resp, err := approveAll(c, srv.base, csrf, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), fmt.Sprintf(`"approved":%d`, len(want))) {
		t.Fatalf("uninterrupted approval: %d %s\n%s", resp.StatusCode, body, srv.log)
	}
	srv.cmd.Process.Signal(syscall.SIGTERM)
	srv.cmd.Wait()
	if n := checkApprovalStore(t, cleanStore, want); n != len(want) {
		t.Fatalf("uninterrupted: %d approved of %d", n, len(want))
	}
	clean := approvalState(t, cleanStore)
	cleanStore.Close()

	for name, env := range stores(t) {
		t.Run(name, func(t *testing.T) {
			flags := []string{"--data-dir", env["SHISHI_DATA_DIR"]}
			cfg := store.Config{DataDir: env["SHISHI_DATA_DIR"], URL: env["SHISHI_DB"]}
			if env["SHISHI_DB"] != "" {
				flags = []string{"--db", env["SHISHI_DB"]}
			}
			st, err := store.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			want := seedApprovals(t, st, tree)
			srv := startApprovalServer(t, bin, flags)
			c, csrf := approvalClient(t, srv.base)
			before := time.Now()
			fired := make(chan error, 1)
			go func() {
				resp, err := approveAll(c, srv.base, csrf, before)
				if err == nil {
					resp.Body.Close()
				}
				fired <- err
			}()
			// Kill once some batches are in and most are not.
			deadline := time.Now().Add(2 * time.Minute)
			for {
				_, left, err := st.PendingFigures(ctx, region.CountryCode, figure.Period{}, 1)
				if err != nil {
					t.Fatal(err)
				}
				if left == 0 {
					t.Fatal("the approval finished before the kill: seed more submissions")
				}
				if left < len(want) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no approval in 2 minutes\n%s", srv.log)
				}
				time.Sleep(2 * time.Millisecond)
			}
			if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			state, _ := srv.cmd.Process.Wait()
			srv.cmd.ProcessState = state
			if state.Success() {
				t.Fatal("the server exited cleanly before the kill")
			}
			if err := <-fired; err == nil {
				t.Log("the approval's response arrived before the kill")
			}
			approved := checkApprovalStore(t, st, want)
			if approved == 0 || approved == len(want) {
				t.Fatalf("after the kill %d of %d approved: the kill did not land mid-way", approved, len(want))
			}
			t.Logf("killed after %d of %d approvals", approved, len(want))

			// Restart and run the same approval again: it approves the rest.
			srv = startApprovalServer(t, bin, flags)
			resp, err := approveAll(c, srv.base, csrf, before)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(body), fmt.Sprintf(`"approved":%d`, len(want)-approved)) {
				t.Fatalf("retry: %d %s, want the %d left\n%s", resp.StatusCode, body, len(want)-approved, srv.log)
			}
			srv.cmd.Process.Signal(syscall.SIGTERM)
			srv.cmd.Wait()
			if n := checkApprovalStore(t, st, want); n != len(want) {
				t.Errorf("after the retry %d of %d approved", n, len(want))
			}
			if got := approvalState(t, st); got != clean {
				t.Errorf("the retried approval differs from an uninterrupted one:\n%.1000s\nwant\n%.1000s", got, clean)
			}
		})
	}
}
