// Command benchserve measures what a newcomer and an operator feel of the
// shishi binary, on this machine, by running the real binary:
//
//   - demo: "shishi demo" on an empty store (target ≤ 10 s);
//   - cold start: "shishi serve" on an existing demo store until /healthz
//     answers (target ≤ 1 s), and its resident memory after the national
//     pages were served once (target ≤ 150 MB).
//
// Usage: go build -o /tmp/shishi ./cmd/shishi && go run ./cmd/benchserve -bin /tmp/shishi
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

func main() {
	bin := flag.String("bin", "./shishi", "path to the shishi binary")
	runs := flag.Int("runs", 5, "cold starts to measure")
	dir := flag.String("data-dir", "", "demo store to use (default: a fresh one in a temporary directory)")
	flag.Parse()
	if err := run(*bin, *runs, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "benchserve:", err)
		os.Exit(1)
	}
}

func run(bin string, runs int, dir string) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "shishi-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = filepath.Join(tmp, "data")
		start := time.Now()
		out, err := exec.Command(bin, "demo", "--data-dir", dir).CombinedOutput()
		if err != nil {
			return fmt.Errorf("shishi demo: %v\n%s", err, out)
		}
		fmt.Printf("demo on an empty store: %.2f s (target ≤ 10 s)\n", time.Since(start).Seconds())
	}
	var starts []time.Duration
	var rss []int64
	for i := 0; i < runs; i++ {
		d, mem, err := coldStart(bin, dir)
		if err != nil {
			return err
		}
		starts = append(starts, d)
		rss = append(rss, mem)
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
	sort.Slice(rss, func(i, j int) bool { return rss[i] < rss[j] })
	fmt.Printf("cold start to /healthz: median %d ms, max %d ms over %d runs (target ≤ 1000 ms)\n",
		starts[len(starts)/2].Milliseconds(), starts[len(starts)-1].Milliseconds(), runs)
	fmt.Printf("resident memory after serving the national pages: median %.1f MB, max %.1f MB (target ≤ 150 MB)\n",
		float64(rss[len(rss)/2])/1e6, float64(rss[len(rss)-1])/1e6)
	return nil
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func coldStart(bin, dir string) (time.Duration, int64, error) {
	addr, err := freePort()
	if err != nil {
		return 0, 0, err
	}
	cmd := exec.Command(bin, "serve", "--data-dir", dir, "--addr", addr, "--log-level", "warn")
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	client := &http.Client{Timeout: time.Second}
	var ready time.Duration
	for time.Since(start) < 30*time.Second {
		resp, err := client.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				ready = time.Since(start)
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	if ready == 0 {
		return 0, 0, fmt.Errorf("serve did not answer /healthz within 30 s")
	}
	// Serve what a first visitor opens, so memory is measured warm.
	client.Timeout = 30 * time.Second
	for _, p := range []string{"/regions/000000", "/regions/410000", "/facilities/hospitals", "/facilities/childcare?region=440000"} {
		resp, err := client.Get("http://" + addr + p)
		if err != nil {
			return 0, 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	mem, err := residentBytes(cmd.Process.Pid)
	return ready, mem, err
}

// residentBytes reads VmRSS from /proc (Linux).
func residentBytes(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			kb, err := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}
