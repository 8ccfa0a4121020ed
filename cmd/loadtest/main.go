// Command loadtest is a load generator for a running shishi server (压力测试):
// it logs in many sessions, has each loop over a mix of pages and API
// routes built from real region and facility codes, and reports errors and
// latency percentiles overall and per kind of route. Afterwards it tries a
// login brute force and reports how the server throttles it.
//
// It exits 1 when any request failed (a status other than 2xx or 3xx, a
// redirect to the login page, a transport error) or the brute force was
// not stopped, and 2 when it could not set up. Only the standard library
// is used, so it runs wherever Go does.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"
)

// config is the command line.
type config struct {
	base           *url.URL
	sessions       int
	duration       time.Duration
	user, password string
	mix            []weighted
	loginParallel  int
	timeout        time.Duration
	bruteforce     bool
	bruteUser      string
	bruteAttempts  int
	seed           uint64
}

type weighted struct {
	kind   string
	weight int
}

// kinds are the kinds of request the mix draws from, in report order.
var kinds = []struct{ name, doc string }{
	{"page_country", "GET /regions/000000"},
	{"page_province", "GET /regions/{province}"},
	{"page_prefecture", "GET /regions/{prefecture}"},
	{"page_county", "GET /regions/{county}"},
	{"facility_list", "GET /facilities/{registry}?region={prefecture or county}"},
	{"facility_page", "GET /facilities/hospitals/{code}"},
	{"search", "GET /search?q={name}"},
	{"api_region", "GET /api/regions/{code}"},
	{"api_children", "GET /api/regions/{code}/children"},
	{"api_hospitals", "GET /api/hospitals?region={code}&limit=50"},
	{"api_history", "GET /api/hospitals/{code}/history"},
	{"dashboard", "GET /?as_of={date in 2025}"},
	{"api_evaluation", "GET /api/commitments/2025/evaluation?region={code}&as_of={date}"},
	{"target_page", "GET /commitments/2025/{target}?region={code}"},
	{"public", "GET /public/2025/{province}"},
}

// commitmentDates are the as-of dates the commitment requests draw from:
// month ends, as the dashboard's slider offers them.
var commitmentDates = []string{"2025-03-31", "2025-06-30", "2025-09-30", "2025-12-31"}

// targets are the 2025 targets the target pages draw from.
var targets = []string{"pediatrics-general", "psych-sleep-clinics", "dialysis-counties", "childcare-per-1000", "lectures", "recognition-items"}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("base", "http://127.0.0.1:8080", "URL of the shishi server")
	fs.IntVar(&c.sessions, "sessions", 200, "concurrent logged-in sessions, each looping requests one at a time")
	fs.DurationVar(&c.duration, "duration", 5*time.Minute, "how long the sessions send requests")
	fs.StringVar(&c.user, "user", "demo-national", "account every session logs in as")
	fs.StringVar(&c.password, "password", "shishi-demo-2025", "its password")
	var kindNames []string
	for _, k := range kinds {
		kindNames = append(kindNames, k.name)
	}
	mix := fs.String("mix", strings.Join(kindNames, ","), "comma-separated kinds of request, each optionally KIND:WEIGHT (default weight 1)")
	fs.IntVar(&c.loginParallel, "login-parallel", 4, "logins at a time while the sessions are set up")
	fs.DurationVar(&c.timeout, "timeout", 60*time.Second, "timeout of one request; a request that takes longer is an error")
	fs.BoolVar(&c.bruteforce, "bruteforce", true, "after the run, try wrong passwords for -bruteforce-user and report how the server throttles them")
	fs.StringVar(&c.bruteUser, "bruteforce-user", "demo-county", "account the brute force targets (it gets locked; not -user, which the sessions use); its correct password is -password")
	fs.IntVar(&c.bruteAttempts, "bruteforce-attempts", 50, "wrong passwords to try")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the random choice of requests, for re-runnable mixes")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: loadtest [flags]\n\nKinds of request (-mix):\n")
		for _, k := range kinds {
			fmt.Fprintf(fs.Output(), "  %-16s %s\n", k.name, k.doc)
		}
		fmt.Fprint(fs.Output(), "\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	u, err := url.Parse(strings.TrimRight(*base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("-base %q: want http://host:port", *base)
	}
	c.base = u
	if c.sessions < 1 || c.duration <= 0 || c.loginParallel < 1 || c.bruteAttempts < 0 {
		return c, errors.New("-sessions, -duration and -login-parallel must be positive")
	}
	for _, part := range strings.Split(*mix, ",") {
		name, w, hasWeight := strings.Cut(strings.TrimSpace(part), ":")
		if name == "" {
			continue
		}
		if !slices.Contains(kindNames, name) {
			return c, fmt.Errorf("-mix: unknown kind %q (one of %s)", name, strings.Join(kindNames, ", "))
		}
		weight := 1
		if hasWeight {
			if weight, err = strconv.Atoi(w); err != nil || weight < 0 {
				return c, fmt.Errorf("-mix: %s: weight %q is not a whole number", name, w)
			}
		}
		if weight > 0 {
			c.mix = append(c.mix, weighted{name, weight})
		}
	}
	if len(c.mix) == 0 {
		return c, errors.New("-mix: no kind of request")
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		fmt.Fprintln(stderr, "loadtest:", err)
		return 2
	}
	// One transport for all sessions, with an idle connection kept for
	// each, as 200 browsers would keep theirs: the test measures the
	// server, not TCP handshakes.
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        c.sessions + 16,
		MaxIdleConnsPerHost: c.sessions + 16,
		IdleConnTimeout:     90 * time.Second,
	}
	defer tr.CloseIdleConnections()
	lt := &loadTest{cfg: c, tr: tr, log: stderr}

	fmt.Fprintf(stderr, "logging in %d sessions as %s at %s (%d at a time)...\n", c.sessions, c.user, c.base, c.loginParallel)
	start := time.Now()
	sessions, retries, err := lt.loginAll(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "loadtest:", err)
		return 2
	}
	fmt.Fprintf(stderr, "%d sessions logged in in %s (%d logins retried after 429)\n", len(sessions), time.Since(start).Round(time.Millisecond), retries)
	codes, err := lt.discover(ctx, sessions[0])
	if err != nil {
		fmt.Fprintln(stderr, "loadtest: fetching codes:", err)
		return 2
	}
	fmt.Fprintf(stderr, "codes: %d provinces, %d prefectures, %d counties, %d hospitals, %d search terms\n",
		len(codes.provinces), len(codes.prefectures), len(codes.counties), len(codes.hospitals), len(codes.terms))

	fmt.Fprintf(stderr, "running %d sessions for %s...\n", c.sessions, c.duration)
	res := lt.loop(ctx, sessions, codes)
	failed := res.report(stdout, c)

	if c.bruteforce && ctx.Err() == nil {
		if !lt.bruteForce(ctx, stdout) {
			failed = true
		}
	}
	if failed {
		return 1
	}
	return 0
}

type loadTest struct {
	cfg config
	tr  *http.Transport
	log io.Writer
}

// session is one logged-in client with its own cookie jar.
type session struct {
	client *http.Client
	rng    *rand.Rand
}

func (lt *loadTest) newClient(jar http.CookieJar) *http.Client {
	return &http.Client{
		Transport: lt.tr,
		Jar:       jar,
		Timeout:   lt.cfg.timeout,
		// Redirects are answers to measure and check, not to follow: a
		// page redirecting to /login means the session was lost.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// login posts the login form once and returns the status, the
// Retry-After the server asked for and the response's Location.
func (lt *loadTest) login(ctx context.Context, client *http.Client, user, password string) (status int, retryAfter time.Duration, location string, err error) {
	form := url.Values{"username": {user}, "password": {password}, "next": {"/"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, lt.cfg.base.String()+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return 0, 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, "", err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
		retryAfter = time.Duration(s) * time.Second
	}
	return resp.StatusCode, retryAfter, resp.Header.Get("Location"), nil
}

// loginSession logs one session in, retrying after a 429 for as long as
// the server asks (or with back-off when it does not say), so that a
// login rate limit paces the setup instead of failing it.
func (lt *loadTest) loginSession(ctx context.Context, seed uint64) (*session, int, error) {
	jar, _ := cookiejar.New(nil) // never fails without options
	s := &session{client: lt.newClient(jar), rng: rand.New(rand.NewPCG(lt.cfg.seed, seed))}
	retries := 0
	wait := time.Second
	for {
		status, retryAfter, loc, err := lt.login(ctx, s.client, lt.cfg.user, lt.cfg.password)
		if err != nil {
			return nil, retries, fmt.Errorf("login %s: %w", lt.cfg.user, err)
		}
		switch {
		case status == http.StatusSeeOther && loc != "/account":
			for _, ck := range jar.Cookies(lt.cfg.base) {
				if ck.Name == "shishi_session" && ck.Value != "" {
					return s, retries, nil
				}
			}
			return nil, retries, errors.New("login: no shishi_session cookie in the answer")
		case status == http.StatusSeeOther:
			return nil, retries, fmt.Errorf("login %s: the password must be changed first (log in once in a browser)", lt.cfg.user)
		case status == http.StatusTooManyRequests && retries < 60:
			retries++
			if retryAfter > 0 {
				wait = retryAfter
			}
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return nil, retries, ctx.Err()
			}
			if retryAfter == 0 {
				wait = min(2*wait, 30*time.Second)
			}
		default:
			return nil, retries, fmt.Errorf("login %s: status %d (wrong -user or -password, or the account is locked)", lt.cfg.user, status)
		}
	}
}

// loginAll logs the sessions in, loginParallel at a time: each login
// hashes a password (argon2id, 64 MiB), which the server does two at a
// time.
func (lt *loadTest) loginAll(ctx context.Context) ([]*session, int, error) {
	out := make([]*session, lt.cfg.sessions)
	var (
		mu       sync.Mutex
		firstErr error
		retries  int
		wg       sync.WaitGroup
	)
	next := make(chan int)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range lt.cfg.loginParallel {
		wg.Go(func() {
			for i := range next {
				s, n, err := lt.loginSession(ctx, uint64(i))
				mu.Lock()
				retries += n
				if err != nil && firstErr == nil {
					firstErr = err
					cancel()
				}
				out[i] = s
				mu.Unlock()
			}
		})
	}
feed:
	for i := range out {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, retries, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, retries, err
	}
	return out, retries, nil
}

// codes are the real codes the requests are built from.
type codes struct {
	provinces, prefectures, counties []string
	hospitals                        []string
	terms                            []string
}

type divisionJSON struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Level string `json:"level"`
}

func (lt *loadTest) getJSON(ctx context.Context, s *session, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, lt.cfg.base.String()+path, nil)
	if err != nil {
		return err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// discover fetches region and facility codes from the API: every
// province, the prefectures of up to eight provinces, the counties of up
// to sixteen prefectures and the hospitals of some of those counties.
// Names of hospitals and counties become search terms.
func (lt *loadTest) discover(ctx context.Context, s *session) (codes, error) {
	var c codes
	type children struct {
		Children []divisionJSON `json:"children"`
	}
	add := func(d divisionJSON) {
		switch d.Level {
		case "province":
			c.provinces = append(c.provinces, d.Code)
		case "prefecture":
			c.prefectures = append(c.prefectures, d.Code)
		case "county":
			c.counties = append(c.counties, d.Code)
			if len(c.terms) < 40 {
				c.terms = append(c.terms, d.Name)
			}
		}
	}
	var top children
	if err := lt.getJSON(ctx, s, "/api/regions/000000/children", &top); err != nil {
		return c, err
	}
	for _, d := range top.Children {
		add(d)
	}
	rng := rand.New(rand.NewPCG(lt.cfg.seed, 0))
	pick := func(list []string, n int) []string {
		l := slices.Clone(list)
		rng.Shuffle(len(l), func(i, j int) { l[i], l[j] = l[j], l[i] })
		return l[:min(n, len(l))]
	}
	// Henan first: the demo accounts and README examples live there.
	provs := append([]string{"410000"}, pick(c.provinces, 7)...)
	for _, p := range slices.Compact(provs) {
		var ch children
		if err := lt.getJSON(ctx, s, "/api/regions/"+p+"/children", &ch); err != nil {
			return c, err
		}
		for _, d := range ch.Children {
			add(d)
		}
	}
	for _, p := range pick(c.prefectures, 16) {
		var ch children
		if err := lt.getJSON(ctx, s, "/api/regions/"+p+"/children", &ch); err != nil {
			return c, err
		}
		for _, d := range ch.Children {
			add(d)
		}
	}
	for _, county := range append([]string{"410122"}, pick(c.counties, 15)...) {
		var list struct {
			Items []struct {
				Code string `json:"code"`
				Name string `json:"name"`
			} `json:"items"`
		}
		if err := lt.getJSON(ctx, s, "/api/hospitals?limit=20&region="+county, &list); err != nil {
			return c, err
		}
		for _, it := range list.Items {
			c.hospitals = append(c.hospitals, it.Code)
			if len(c.terms) < 80 && it.Name != "" {
				c.terms = append(c.terms, it.Name)
			}
		}
	}
	c.prefectures, c.counties, c.hospitals = slices.Compact(c.prefectures), slices.Compact(c.counties), slices.Compact(c.hospitals)
	switch {
	case len(c.provinces) == 0 || len(c.prefectures) == 0 || len(c.counties) == 0:
		return c, errors.New("the region API returned no provinces, prefectures or counties")
	case len(c.hospitals) == 0:
		return c, errors.New("no hospitals found: is the store empty? (serve --demo loads the demo data)")
	}
	return c, nil
}

var registries = []string{"hospitals", "primarycare", "childcare", "bloodstations", "hotlines"}

// path draws a request of kind.
func (c *codes) path(kind string, rng *rand.Rand) string {
	one := func(l []string) string { return l[rng.IntN(len(l))] }
	anyRegion := func() string {
		switch rng.IntN(4) {
		case 0:
			return "000000"
		case 1:
			return one(c.provinces)
		case 2:
			return one(c.prefectures)
		}
		return one(c.counties)
	}
	switch kind {
	case "page_country":
		return "/regions/000000"
	case "page_province":
		return "/regions/" + one(c.provinces)
	case "page_prefecture":
		return "/regions/" + one(c.prefectures)
	case "page_county":
		return "/regions/" + one(c.counties)
	case "facility_list":
		reg := one(c.counties)
		if rng.IntN(2) == 0 {
			reg = one(c.prefectures)
		}
		return "/facilities/" + one(registries) + "?region=" + reg
	case "facility_page":
		return "/facilities/hospitals/" + one(c.hospitals)
	case "search":
		return "/search?q=" + url.QueryEscape(one(c.terms))
	case "api_region":
		return "/api/regions/" + anyRegion()
	case "api_children":
		return "/api/regions/" + anyRegion() + "/children"
	case "api_hospitals":
		return "/api/hospitals?limit=50&region=" + anyRegion()
	case "api_history":
		return "/api/hospitals/" + one(c.hospitals) + "/history"
	case "dashboard":
		return "/?as_of=" + one(commitmentDates)
	case "api_evaluation":
		return "/api/commitments/2025/evaluation?region=" + anyRegion() + "&as_of=" + one(commitmentDates)
	case "target_page":
		return "/commitments/2025/" + one(targets) + "?region=" + anyRegion()
	case "public":
		return "/public/2025/" + one(c.provinces)
	}
	panic("unknown kind " + kind)
}

// results are what the sessions measured, merged.
type results struct {
	elapsed   time.Duration
	latencies map[string][]time.Duration
	errors    map[string]int
	examples  map[string]string
}

// tally is one session's results, merged when the run ends, so that the
// sessions share no lock while they run.
type tally struct {
	latencies map[string][]time.Duration
	errors    map[string]int
	examples  map[string]string
}

func (t *tally) fail(kind, what, example string) {
	key := kind + ": " + what
	t.errors[key]++
	if _, ok := t.examples[key]; !ok {
		t.examples[key] = example
	}
}

// loop runs every session for the duration.
func (lt *loadTest) loop(ctx context.Context, sessions []*session, c codes) results {
	ctx, cancel := context.WithTimeout(ctx, lt.cfg.duration)
	defer cancel()
	var pick []string
	for _, w := range lt.cfg.mix {
		for range w.weight {
			pick = append(pick, w.kind)
		}
	}
	tallies := make([]*tally, len(sessions))
	var wg sync.WaitGroup
	start := time.Now()
	for i, s := range sessions {
		t := &tally{latencies: map[string][]time.Duration{}, errors: map[string]int{}, examples: map[string]string{}}
		tallies[i] = t
		wg.Go(func() {
			for ctx.Err() == nil {
				kind := pick[s.rng.IntN(len(pick))]
				path := c.path(kind, s.rng)
				lt.do(ctx, s, kind, path, t)
			}
		})
	}
	wg.Wait()
	res := results{elapsed: time.Since(start), latencies: map[string][]time.Duration{}, errors: map[string]int{}, examples: map[string]string{}}
	for _, t := range tallies {
		for k, l := range t.latencies {
			res.latencies[k] = append(res.latencies[k], l...)
		}
		for k, n := range t.errors {
			res.errors[k] += n
			if _, ok := res.examples[k]; !ok {
				res.examples[k] = t.examples[k]
			}
		}
	}
	return res
}

// do sends one request and records its latency (to the end of the body)
// or its error. A request cut short because the run ended counts as
// neither.
func (lt *loadTest) do(ctx context.Context, s *session, kind, path string, t *tally) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, lt.cfg.base.String()+path, nil)
	if err != nil {
		t.fail(kind, "bad request", err.Error())
		return
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	d := time.Since(start)
	if ctx.Err() != nil {
		return
	}
	switch {
	case err != nil:
		what := "transport error"
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			what = "timeout"
		}
		t.fail(kind, what, path+": "+err.Error())
		return
	case resp.StatusCode >= 400:
		t.fail(kind, "status "+strconv.Itoa(resp.StatusCode), path)
	case resp.StatusCode >= 300 && strings.HasPrefix(resp.Header.Get("Location"), "/login"):
		t.fail(kind, "redirect to /login (session lost)", path)
	}
	t.latencies[kind] = append(t.latencies[kind], d)
}

// percentile returns the q-quantile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*q+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64)
}

// report prints the figures and says whether any request failed.
func (res results) report(w io.Writer, c config) (failed bool) {
	var all []time.Duration
	for _, l := range res.latencies {
		all = append(all, l...)
	}
	nerr := 0
	for _, n := range res.errors {
		nerr += n
	}
	// Requests that failed with a status were timed too; transport errors
	// were not, so count them on top.
	total := len(all)
	for k, n := range res.errors {
		if strings.HasSuffix(k, ": transport error") || strings.HasSuffix(k, ": timeout") || strings.HasSuffix(k, ": bad request") {
			total += n
		}
	}
	slices.Sort(all)
	fmt.Fprintf(w, "\nshishi load test: %s, %d sessions as %s, %s, client %s/%s with %d CPUs\n",
		c.base, c.sessions, c.user, res.elapsed.Round(time.Second), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Fprintf(w, "requests    %d\n", total)
	fmt.Fprintf(w, "errors      %d\n", nerr)
	fmt.Fprintf(w, "throughput  %.1f requests/s\n", float64(total)/res.elapsed.Seconds())
	fmt.Fprintf(w, "latency     p50 %s ms  p90 %s ms  p99 %s ms  max %s ms\n\n",
		ms(percentile(all, 0.50)), ms(percentile(all, 0.90)), ms(percentile(all, 0.99)), ms(percentile(all, 1)))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kind\trequests\terrors\tp50 ms\tp90 ms\tp99 ms\tmax ms\t")
	for _, k := range kinds {
		l := res.latencies[k.name]
		e := 0
		for key, n := range res.errors {
			if strings.HasPrefix(key, k.name+": ") {
				e += n
			}
		}
		if len(l) == 0 && e == 0 {
			continue
		}
		slices.Sort(l)
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t\n", k.name, len(l), e,
			ms(percentile(l, 0.50)), ms(percentile(l, 0.90)), ms(percentile(l, 0.99)), ms(percentile(l, 1)))
	}
	tw.Flush()
	if nerr > 0 {
		fmt.Fprintln(w, "\nerrors by kind:")
		keys := make([]string, 0, len(res.errors))
		for k := range res.errors {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "  %-50s %6d  e.g. %s\n", k, res.errors[k], res.examples[k])
		}
	}
	return nerr > 0
}

// bruteForce tries wrong passwords for one account from this client,
// then the correct one, and reports how the server answered. A 429 with
// Retry-After is the per-address login rate limit; one without is the
// account lock-out, which the server answers before checking the
// password. The correct password is retried after any Retry-After, so
// that a refusal at the end is the lock-out's. It reports true when the
// guessing was stopped: some attempts refused with 429 and the correct
// password refused in the end.
func (lt *loadTest) bruteForce(ctx context.Context, w io.Writer) bool {
	c := lt.cfg
	client := lt.newClient(nil)
	const (
		rateLimited = "429 with Retry-After (address rate limit)"
		locked      = "429 without Retry-After (account locked)"
	)
	counts := map[string]int{}
	firstRefused := 0
	start := time.Now()
	for i := range c.bruteAttempts {
		status, retryAfter, _, err := lt.login(ctx, client, c.bruteUser, fmt.Sprintf("wrong-password-%d", i))
		what := strconv.Itoa(status) + " " + http.StatusText(status)
		switch {
		case err != nil:
			what = "transport error"
		case status == http.StatusTooManyRequests && retryAfter > 0:
			what = rateLimited
		case status == http.StatusTooManyRequests:
			what = locked
		}
		counts[what]++
		if status == http.StatusTooManyRequests && firstRefused == 0 {
			firstRefused = i + 1
		}
	}
	took := time.Since(start)
	fmt.Fprintf(w, "\nlogin brute force: %d wrong passwords for %s from this client in %s\n", c.bruteAttempts, c.bruteUser, took.Round(time.Millisecond))
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %-45s %d\n", k, counts[k])
	}
	if firstRefused > 0 {
		fmt.Fprintf(w, "  first 429 at attempt %d\n", firstRefused)
	}
	ok := counts[rateLimited]+counts[locked] > 0 && counts["303 See Other"] == 0
	var (
		status, waited int
		retryAfter     time.Duration
		loc            string
		err            error
	)
	for try := 0; ; try++ {
		status, retryAfter, loc, err = lt.login(ctx, client, c.bruteUser, c.password)
		if err != nil || status != http.StatusTooManyRequests || retryAfter == 0 || retryAfter > 2*time.Minute || try == 3 {
			break
		}
		select {
		case <-time.After(retryAfter):
			waited += int(retryAfter / time.Second)
		case <-ctx.Done():
			err = ctx.Err()
		}
		if err != nil {
			break
		}
	}
	after := ""
	if waited > 0 {
		after = fmt.Sprintf(" (after waiting out Retry-After, %d s)", waited)
	}
	switch {
	case err != nil:
		fmt.Fprintf(w, "  correct password afterwards: %v\n", err)
		ok = false
	case status == http.StatusSeeOther:
		fmt.Fprintf(w, "  correct password afterwards%s: ACCEPTED (303 to %s): the account was not locked\n", after, loc)
		ok = false
	case status == http.StatusTooManyRequests && retryAfter == 0:
		fmt.Fprintf(w, "  correct password afterwards%s: refused, 429, account locked\n", after)
	default:
		fmt.Fprintf(w, "  correct password afterwards%s: refused, %d %s (Retry-After %s)\n", after, status, http.StatusText(status), retryAfter)
		ok = ok && status == http.StatusTooManyRequests
	}
	if ok {
		fmt.Fprintln(w, "  throttled: yes")
	} else {
		fmt.Fprintln(w, "  throttled: NO")
	}
	return ok
}
