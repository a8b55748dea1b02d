//go:build js && wasm

// Command worker is sep's API on Cloudflare Workers (github.com/syumai/workers),
// with its rollups in the D1 database bound as DB. Built by `make worker`.
//
// Settings are the Worker's variables and secrets: SEP_WEBHOOK_SECRET and/or
// SEP_INGEST_TOKEN, SEP_READ_TOKEN, SEP_CONFIG (the JSON config's text).
package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"

	"github.com/sep-project/sep/api"
	"github.com/sep-project/sep/d1"
	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"
	"github.com/syumai/workers/cloudflare/cron"
	cfd1 "github.com/syumai/workers/cloudflare/d1"
)

func main() {
	h, err := setup(context.Background())
	if err != nil {
		// Every request gets the reason, as JSON like the API's errors.
		msg := err.Error()
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, `{"error":%q}`, "sep worker is not configured: "+msg)
		})
	}
	cron.ScheduleTaskNonBlock(scheduled)
	workers.Serve(h)
}

func setup(ctx context.Context) (http.Handler, error) {
	opt, err := api.OptionsFromEnv(cloudflare.Getenv)
	if err != nil {
		return nil, err
	}
	conn, err := cfd1.OpenConnector("DB")
	if err != nil {
		return nil, fmt.Errorf("D1 binding DB: %w", err)
	}
	store, err := d1.Open(ctx, sql.OpenDB(conn), opt.TZ())
	if err != nil {
		return nil, err
	}
	opt.Store = store
	// workerd gzips a Response that carries Content-Encoding: gzip itself
	// (its automatic body encoding): the handler leaves the bytes plain.
	opt.HostCompresses = true
	return api.New(opt)
}
