package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sep-project/sep/api"
	"github.com/sep-project/sep/bolt"
	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/ingest"
	"github.com/sep-project/sep/notify"
	"github.com/sep-project/sep/schedule"
)

// runAlerts is `sep alerts`: the alerts of the local server's store (--data,
// against its state: what its next scheduled run sends) or of exports (every
// alert, no state), printed with --dry-run, else sent to the destinations of
// the environment.
func runAlerts(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("alerts", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dryRun := fs.Bool("dry-run", false, "print what would be sent, send nothing")
	data := fs.String("data", "", "the data folder of sep serve (stop the server first: the store is locked while it runs)")
	configPath := fs.String("config", "", "JSON config file (default: SEP_CONFIG, else the defaults)")
	fs.String("core-events", "", "comma-separated core events")
	fs.Int("window", 0, "period length W in days (default 30)")
	fs.String("as-of", "", "last day of the period, YYYY-MM-DD")
	fs.String("tz", "", "IANA time zone of calendar days (default UTC)")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if (*data == "") == (len(files) == 0) {
		return usagef("give either --data DIR (the local server's store) or export files")
	}
	cfg, settings, err := alertSettings(fs, *configPath)
	if err != nil {
		return err
	}
	if *data != "" {
		return storeAlerts(context.Background(), *data, cfg, settings, *dryRun, stdout)
	}
	return fileAlerts(context.Background(), files, cfg, settings, *dryRun, stdout, stderr)
}

// alertSettings is the config (SEP_CONFIG, or --config) with the flags set
// on fs over it, and its normalized settings.
func alertSettings(fs *flag.FlagSet, configPath string) (core.Config, core.Settings, error) {
	opt, err := api.OptionsFromEnv(os.Getenv)
	if err != nil {
		return core.Config{}, core.Settings{}, err
	}
	cfg := opt.Config
	if configPath != "" {
		if cfg, err = core.LoadConfigFile(configPath); err != nil {
			return cfg, core.Settings{}, err
		}
		if err = ingest.CheckConfig(configPath, cfg); err != nil {
			return cfg, core.Settings{}, err
		}
	}
	var setErr error
	fs.Visit(func(f *flag.Flag) {
		switch name := strings.ReplaceAll(f.Name, "-", "_"); name {
		case "core_events", "window", "as_of", "tz":
			if err := cfg.Settings.Set(name, f.Value.String()); err != nil && setErr == nil {
				setErr = err
			}
		}
	})
	if setErr != nil {
		return cfg, core.Settings{}, usagef("%v", setErr)
	}
	settings, err := cfg.Settings.Normalized()
	if err != nil {
		return cfg, settings, usagef("%v", err)
	}
	return cfg, settings, nil
}

// storeAlerts runs (or previews) the scheduled run of the local server's
// store in data, against its state.
func storeAlerts(ctx context.Context, data string, cfg core.Config, settings core.Settings, dryRun bool, stdout io.Writer) error {
	store, err := bolt.Open(filepath.Join(data, "sep.db"), settings.TZ)
	if err != nil {
		return err
	}
	defer store.Close()
	job, err := schedule.FromEnv(store, cfg, os.Getenv)
	if err != nil {
		return err
	}
	if !dryRun {
		job.Logf = func(format string, a ...any) { fmt.Fprintf(stdout, format+"\n", a...) }
		_, err := job.Run(ctx)
		return err
	}
	p, err := job.Preview(ctx)
	if err != nil {
		return err
	}
	return printPreview(stdout, job.Alerts, p.Plan, p.Messages, len(p.Traits), job.Traits != nil)
}

// fileAlerts scores exports and sends (or previews) every alert, without
// state.
func fileAlerts(ctx context.Context, files []string, cfg core.Config, settings core.Settings, dryRun bool, stdout, stderr io.Writer) error {
	roll, err := core.NewRollup(settings.TZ)
	if err != nil {
		return err
	}
	ropt, err := ingest.OptionsOf(cfg)
	if err != nil {
		return usagef("%v", err)
	}
	for _, name := range files {
		if err := ingestFile(ctx, name, ropt, roll, newProgress(io.Discard)); err != nil {
			return err
		}
	}
	rep, err := core.Score(roll, settings)
	if err != nil {
		return err
	}
	dest, err := notify.ConfigFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	plan := notify.PlanAlerts(rep, nil)
	msgs, err := dest.Messages(plan, time.Now())
	if err != nil {
		return err
	}
	if dryRun {
		return printPreview(stdout, dest, plan, msgs, -1, false)
	}
	if !dest.Enabled() {
		return fmt.Errorf("no destination: set %s and/or %s (or use --dry-run)", notify.EnvSlackURL, notify.EnvWebhookURL)
	}
	out := dest.Deliver(ctx, &notify.Sender{}, msgs)
	fmt.Fprintf(stdout, "sent %d of %d alert(s)\n", len(out.Sent), len(plan.Start))
	for _, e := range out.Errors {
		fmt.Fprintln(stderr, e)
	}
	if len(out.Errors) > 0 {
		return fmt.Errorf("%d delivery(ies) failed", len(out.Errors))
	}
	return nil
}

// printPreview prints a dry run: the alerts that start and clear, then each
// POST's destination and JSON body (URLs and secrets are not printed).
func printPreview(w io.Writer, dest notify.Config, plan notify.Plan, msgs []notify.Message, traitsChanged int, traitsOn bool) error {
	fmt.Fprintf(w, "%d alert(s) would start, %d already sent and still open, %d would clear\n", len(plan.Start), plan.Open, len(plan.Cleared))
	for _, n := range plan.Start {
		fmt.Fprintf(w, "  start  %s  %s\n", n.Key, n.Message)
	}
	for _, k := range plan.Cleared {
		fmt.Fprintf(w, "  clear  %s\n", k)
	}
	if !dest.Enabled() && len(plan.Start) > 0 {
		// Show both formats anyway: what each destination would receive.
		fmt.Fprintf(w, "no destination set (%s, %s): nothing would be posted; both formats below\n", notify.EnvSlackURL, notify.EnvWebhookURL)
		var err error
		if msgs, err = (notify.Config{SlackURL: "-", WebhookURL: "-"}).Messages(plan, time.Now()); err != nil {
			return err
		}
	}
	for _, m := range msgs {
		var pretty any
		if err := json.Unmarshal(m.Body, &pretty); err != nil {
			return err
		}
		b, _ := json.MarshalIndent(pretty, "", "  ")
		fmt.Fprintf(w, "\nPOST to %s (%d alert(s), delivery %s):\n%s\n", m.Label, len(m.Keys), m.ID, b)
	}
	if traitsOn {
		fmt.Fprintf(w, "\n%d trait call(s) changed and would be pushed to the tracking API\n", traitsChanged)
	}
	return nil
}
