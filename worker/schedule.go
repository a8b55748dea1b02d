//go:build js && wasm

package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"

	"github.com/sep-project/sep/api"
	"github.com/sep-project/sep/d1"
	"github.com/sep-project/sep/notify"
	"github.com/sep-project/sep/schedule"
	"github.com/syumai/workers/cloudflare"
	cfd1 "github.com/syumai/workers/cloudflare/d1"
)

// scheduled is the Cron Trigger's task (wrangler.toml [triggers] crons): the
// scheduled run on the D1 store, destinations from the Worker's variables
// and secrets. A delivery failure is logged and kept in the status /healthz
// shows; only a failure to score or store fails the invocation.
func scheduled(ctx context.Context) error {
	opt, err := api.OptionsFromEnv(cloudflare.Getenv)
	if err != nil {
		return err
	}
	conn, err := cfd1.OpenConnector("DB")
	if err != nil {
		return fmt.Errorf("D1 binding DB: %w", err)
	}
	store, err := d1.Open(ctx, sql.OpenDB(conn), opt.TZ())
	if err != nil {
		return err
	}
	job, err := schedule.FromEnv(store, opt.Config, cloudflare.Getenv)
	if err != nil {
		return err
	}
	job.Sender = &notify.Sender{Client: fetchClient{}}
	if job.Traits != nil {
		job.Traits.Sender = job.Sender
	}
	job.Logf = func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
	_, err = job.Run(ctx)
	return err
}
