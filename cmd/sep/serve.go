package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/sep-project/sep/api"
	"github.com/sep-project/sep/bolt"
	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/ingest"
	bbolterrors "go.etcd.io/bbolt/errors"
)

// runServe is the local server: the API and the web page, with an embedded
// bbolt store in --data. Reads are open (it listens on loopback by default);
// SEP_READ_TOKEN, SEP_INGEST_TOKEN and SEP_WEBHOOK_SECRET close them as on the
// hosted servers. On loopback it answers only loopback Host names; on another
// address, open ingestion or reads need --allow-open.
func runServe(args []string, stdout, stderr io.Writer) error {
	f, err := parseServeFlags(args, stderr)
	if err != nil {
		return err
	}
	opt, err := serveOptions(f.configPath)
	if err != nil {
		return err
	}
	store, err := openServeStore(f.data, opt.TZ())
	if err != nil {
		return err
	}
	defer store.Close()
	opt.Store = store
	opt.OpenReads = true
	opt.BodyTimeout = f.bodyTimeout
	opt.Site = api.StaticSite(f.site, f.data) // never the data folder, even inside the site's
	opt.LoopbackHosts = isLoopbackAddr(f.addr)
	if err := checkExposure(opt, f.addr, f.allowOpen, stderr); err != nil {
		return err
	}
	startSchedule, err := prepareSchedule(f.every, store, opt.Config, stderr)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	h, err := api.New(opt)
	if err != nil {
		return err
	}
	srv := api.NewServer(h)
	fmt.Fprintf(stdout, "sep serve: listening on http://%s (data in %s)\n", ln.Addr(), f.data)
	return serveUntilSignal(srv, ln, startSchedule, store, stdout, stderr)
}

// serveFlags are sep serve's flags.
type serveFlags struct {
	addr, data, configPath, site string
	allowOpen                    bool
	bodyTimeout, every           time.Duration
}

// parseServeFlags parses sep serve's flags; it takes no arguments.
func parseServeFlags(args []string, stderr io.Writer) (serveFlags, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	data := fs.String("data", ".sep-data", "folder of the embedded store (created if missing)")
	configPath := fs.String("config", "", "JSON config file (default: SEP_CONFIG, else the defaults)")
	site := fs.String("site", "dist/site", "folder of the built web page (make site)")
	allowOpen := fs.Bool("allow-open", false, "listen on a non-loopback address although ingestion or reads are open (no SEP_INGEST_TOKEN/SEP_WEBHOOK_SECRET or no SEP_READ_TOKEN)")
	bodyTimeout := fs.Duration("body-timeout", api.BodyTimeout, "how long a request body may take to arrive (POST /v1/score: at least "+api.ScoreBodyTimeout.String()+")")
	every := fs.Duration("every", 0, "score, keep the day's history, send alerts and push traits now and at this interval (e.g. 24h; 0: never)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return serveFlags{}, err
	}
	if len(pos) > 0 {
		return serveFlags{}, usagef("unexpected argument %q", pos[0])
	}
	return serveFlags{addr: *addr, data: *data, configPath: *configPath, site: *site,
		allowOpen: *allowOpen, bodyTimeout: *bodyTimeout, every: *every}, nil
}

// serveOptions are the API's options from the environment, with the config
// of --config (checked as sep score checks it) if given.
func serveOptions(configPath string) (api.Options, error) {
	opt, err := api.OptionsFromEnv(os.Getenv)
	if err != nil {
		return opt, err
	}
	if configPath != "" {
		if opt.Config, err = core.LoadConfigFile(configPath); err != nil {
			return opt, err
		}
		if err = ingest.CheckConfig(configPath, opt.Config); err != nil {
			return opt, err
		}
	}
	return opt, nil
}

// openServeStore opens (creating the folder if missing) the bbolt store in
// data, counting days in tz; a store another process holds is named as such.
func openServeStore(data, tz string) (*bolt.Store, error) {
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, err
	}
	store, err := bolt.Open(filepath.Join(data, "sep.db"), tz)
	if errors.Is(err, bbolterrors.ErrTimeout) {
		return nil, fmt.Errorf("%w: another process (a second sep serve?) holds the store; give this one another --data", err)
	}
	return store, err
}

// serveUntilSignal serves on ln, with the schedule and the store's
// compaction running beside, until the server fails or an interrupt or
// SIGTERM asks it to stop; then it shuts the server down gracefully and
// waits for the schedule and the compaction.
func serveUntilSignal(srv *http.Server, ln net.Listener, startSchedule func(context.Context) func(), store core.Compactor, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	defer startSchedule(ctx)()
	defer startCompaction(ctx, store, CompactEvery, stderr)()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(stdout, "sep serve: stopped")
	return nil
}

// isLoopbackAddr reports whether a listen address binds only the loopback
// interface (":8080" and "0.0.0.0:8080" bind every interface).
func isLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkExposure refuses a non-loopback address when ingestion or reads are
// open, unless allowed, in which case it warns on stderr.
func checkExposure(opt api.Options, addr string, allow bool, stderr io.Writer) error {
	if opt.LoopbackHosts {
		return nil
	}
	var open []string
	if opt.WebhookSecret == "" && opt.IngestToken == "" {
		open = append(open, "ingestion (set SEP_INGEST_TOKEN or SEP_WEBHOOK_SECRET)")
	}
	if opt.ReadToken == "" {
		open = append(open, "reads (set SEP_READ_TOKEN)")
	}
	if len(open) == 0 {
		return nil
	}
	what := strings.Join(open, " and ")
	if !allow {
		return fmt.Errorf("sep serve: %s is not a loopback address and %s would be open to the network: set the tokens, listen on 127.0.0.1, or pass --allow-open", addr, what)
	}
	fmt.Fprintf(stderr, "sep serve: WARNING: listening on %s with %s open to anyone who can reach it (--allow-open)\n", addr, what)
	return nil
}
