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
	"syscall"
	"time"

	"github.com/sep-project/sep/api"
	"github.com/sep-project/sep/bolt"
	"github.com/sep-project/sep/core"
)

// runServe is the local server: the API and the web page, with an embedded
// bbolt store in --data. Reads are open (it listens on loopback by default);
// SEP_READ_TOKEN, SEP_INGEST_TOKEN and SEP_WEBHOOK_SECRET close them as on the
// hosted servers.
func runServe(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	data := fs.String("data", ".sep-data", "folder of the embedded store (created if missing)")
	configPath := fs.String("config", "", "JSON config file (default: SEP_CONFIG, else the defaults)")
	site := fs.String("site", "dist/site", "folder of the built web page (make site)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	opt, err := api.OptionsFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	if *configPath != "" {
		if opt.Config, err = core.LoadConfigFile(*configPath); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(*data, 0o755); err != nil {
		return err
	}
	store, err := bolt.Open(filepath.Join(*data, "sep.db"), opt.TZ())
	if err != nil {
		return err
	}
	defer store.Close()
	opt.Store = store
	opt.OpenReads = true
	opt.Site = api.StaticSite(*site)
	h, err := api.New(opt)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "sep serve: listening on http://%s (data in %s)\n", ln.Addr(), *data)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
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
