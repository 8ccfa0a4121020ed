package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/shishi-health/shishi/demo"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/personal"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/web"
)

func cmdServe(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "serve", "[--addr HOST:PORT] [--demo]")
	var sf storeFlags
	sf.register(fs, env)
	addr := fs.String("addr", envOr(env, "SHISHI_ADDR", "127.0.0.1:8080"), "address to listen on (env SHISHI_ADDR)")
	tlsCert := fs.String("tls-cert", env.getenv("SHISHI_TLS_CERT"), "PEM certificate (chain) file: serve HTTPS (env SHISHI_TLS_CERT)")
	tlsKey := fs.String("tls-key", env.getenv("SHISHI_TLS_KEY"), "PEM private key file for --tls-cert (env SHISHI_TLS_KEY)")
	withDemo := fs.Bool("demo", env.getenv("SHISHI_DEMO") == "1", "on an empty store, load the national demo data set first (env SHISHI_DEMO=1)")
	metricsPublic := fs.Bool("metrics-public", env.getenv("SHISHI_METRICS_PUBLIC") != "0", "serve /metrics without a login (env SHISHI_METRICS_PUBLIC=0 turns it off: then it needs national read rights, e.g. an API token)")
	loginRate := fs.Float64("login-rate", 0, "login attempts a minute one client address may make; 0 means the server's default, 10 (env SHISHI_LOGIN_RATE; a load test raises it)")
	geoDir := fs.String("geo-dir", env.getenv("SHISHI_GEO_DIR"), "directory of the deployment's approved (审图号) boundary files for the commitments map, in place of the demo base map: china_provinces.geojson, provinces/<code>.geojson, optionally prefectures/<code>.geojson (env SHISHI_GEO_DIR)")
	loginBurst := fs.Int("login-burst", 0, "login attempts one client address may make at once; 0 means the server's default, 10 (env SHISHI_LOGIN_BURST)")
	// The environment gives the defaults; a flag overrides it.
	for _, e := range []struct {
		key string
		set func(string) error
	}{
		{"SHISHI_LOGIN_RATE", func(v string) error { return fs.Set("login-rate", v) }},
		{"SHISHI_LOGIN_BURST", func(v string) error { return fs.Set("login-burst", v) }},
	} {
		if v := env.getenv(e.key); v != "" {
			if err := e.set(v); err != nil {
				return fail(env, "%s=%q: not a number", e.key, v)
			}
		}
	}
	if _, err := parseArgs(fs, args); err != nil {
		return flagExit(err)
	}
	if *loginRate < 0 || *loginBurst < 0 {
		return fail(env, "--login-rate and --login-burst must not be negative")
	}
	// A wrong directory is found at start, not at the first map.
	if *geoDir != "" {
		if _, err := os.Stat(filepath.Join(*geoDir, "china_provinces.geojson")); err != nil {
			return fail(env, "--geo-dir: %v", err)
		}
	}
	log := sf.logger(env)
	start := env.now()
	// A soft memory limit makes the collector return the garbage of
	// large evaluations before the resident size doubles; GOMEMLIMIT,
	// when set, wins.
	if env.getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	st, err := sf.open(ctx, log)
	if err != nil {
		return fail(env, "%v", err)
	}
	defer st.Close()
	base, err := region.Load()
	if err != nil {
		return fail(env, "load regions: %v", err)
	}
	// Demo data is spread by the census figures; the web server applies
	// imported figures to the base tree itself (and again after each
	// regions import).
	tree := base
	// The first administrator's one-time password goes to the console
	// (stderr), never to the logger.
	if err := ensureFirstAdmin(ctx, env, st, env.stderr); err != nil {
		return fail(env, "%v", err)
	}
	if *withDemo {
		n, err := st.Count(ctx, facility.Hospitals)
		if err != nil {
			return fail(env, "%v", err)
		}
		if n == 0 {
			log.Info("empty store: loading the national demo data set")
			sum, err := demo.Load(ctx, st, tree, demo.Options{Seed: 2025, Scale: 1}, nil)
			if err != nil {
				return fail(env, "demo: %v", err)
			}
			log.Info("demo data loaded", slog.String("summary", fmt.Sprint(sum)), slog.Duration("took", env.now().Sub(start)))
		}
		// Demo accounts only on a store whose sole account is the first
		// administrator: never beside real users.
		only, err := onlyAdmin(ctx, st)
		if err != nil {
			return fail(env, "%v", err)
		}
		if only {
			if err := demoAccounts(ctx, env, st, tree, demo.Options{Seed: 2025, Scale: 1}, systemActor, env.stderr); err != nil {
				return fail(env, "demo accounts: %v", err)
			}
		}
	}
	keys, err := dataKeys(env, sf.dataDir, sf.db == "", *withDemo, log)
	if err != nil {
		return fail(env, "%v", err)
	}
	srv := &http.Server{
		Handler: web.New(web.Config{Store: st, Tree: tree, Logger: log, Now: env.now, Version: versionString(),
			LoginRate: *loginRate, LoginBurst: *loginBurst, MetricsPublic: *metricsPublic, DataKeys: keys, GeoDir: *geoDir}).Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // uploads of large registry files
		WriteTimeout:      10 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(env, "listen %s: %v", *addr, err)
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		ln.Close()
		return fail(env, "--tls-cert and --tls-key go together")
	}
	scheme := "http://"
	if *tlsCert != "" {
		scheme = "https://"
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	log.Info("shishi serving", slog.String("url", scheme+ln.Addr().String()), slog.String("store", st.Dialect().String()),
		slog.Duration("startup", env.now().Sub(start)))
	errc := make(chan error, 1)
	go func() {
		if *tlsCert != "" {
			errc <- srv.ServeTLS(ln, *tlsCert, *tlsKey)
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		return fail(env, "serve: %v", err)
	case <-ctx.Done():
	}
	// Graceful shutdown: stop accepting, let requests in flight (an import
	// being committed) finish for up to 30 s.
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("shutdown", slog.Any("err", err))
		return exitFailure
	}
	return exitOK
}

// defaultMemoryLimit is the server's soft memory limit (runtime/debug)
// unless GOMEMLIMIT sets one: the budget of a small deployment.
const defaultMemoryLimit = 150 << 20

// demoKeyFile holds the data key a demo server generates for itself.
const demoKeyFile = "demo-data-key"

// dataKeys returns the key ring that seals personal contact data:
// SHISHI_DATA_KEYS (see README: Personal data), or for a demo server
// without one a key generated once into the data directory (readable by
// the owner only) so that the demo can store phone numbers; on PostgreSQL,
// which has no data directory of its own, a key that lasts until the
// server stops. A production deployment keeps its keys out of the data
// directory; without keys no phone number is taken.
func dataKeys(env *cliEnv, dataDir string, embedded, withDemo bool, log *slog.Logger) (personal.KeyRing, error) {
	if v := env.getenv("SHISHI_DATA_KEYS"); v != "" {
		k, err := personal.ParseKeyRing(v)
		if err != nil {
			return personal.KeyRing{}, fmt.Errorf("SHISHI_DATA_KEYS: %w", err)
		}
		return k, nil
	}
	if !withDemo {
		log.Warn("SHISHI_DATA_KEYS is not set: contact phone numbers cannot be stored")
		return personal.KeyRing{}, nil
	}
	if !embedded {
		k, err := personal.GenerateKey("demo1")
		if err != nil {
			return personal.KeyRing{}, err
		}
		log.Warn("demo: phone numbers are sealed with a key that lasts until the server stops; set SHISHI_DATA_KEYS")
		return personal.ParseKeyRing(k)
	}
	path := filepath.Join(dataDir, demoKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		k, err := personal.GenerateKey("demo1")
		if err != nil {
			return personal.KeyRing{}, err
		}
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return personal.KeyRing{}, err
		}
		if err := os.WriteFile(path, []byte(k), 0o600); err != nil {
			return personal.KeyRing{}, err
		}
		b = []byte(k)
		log.Warn("demo: generated a data key in the data directory; set SHISHI_DATA_KEYS in production", slog.String("file", path))
	} else if err != nil {
		return personal.KeyRing{}, err
	}
	return personal.ParseKeyRing(strings.TrimSpace(string(b)))
}
