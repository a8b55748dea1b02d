// Package schedule is the hosted deployment's daily run: score the stored
// rollups, keep the day's scores in the history, send the alerts that
// started (once), and push the account and user traits that changed. Every
// host runs it the same way: `sep serve --every`, the Lambda's EventBridge
// schedule, the Worker's Cron Trigger.
//
// A failed delivery never fails the run: it is logged (without URL or
// secret), recorded in the "status" state that /healthz shows, and retried
// at the next run, because only what was delivered is marked as sent.
package schedule

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/notify"
	"github.com/sep-project/sep/traits"
)

// StateStatus is the core.HistoryStore namespace of the last run's outcome:
// keys "last_run", "day", "alerts", "slack", "webhook", "segment", "error".
const StateStatus = "status"

// Job is one deployment's scheduled run.
type Job struct {
	Store   core.Store
	History core.HistoryStore
	// Config gives the settings the run scores with (SEP_CONFIG).
	Config core.Config
	// Alerts are the alert destinations; Traits the tracking API to push to
	// (nil: no push).
	Alerts notify.Config
	Traits *traits.Client
	// Sender posts the alerts (nil: the defaults).
	Sender *notify.Sender
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Logf logs one line per event of the run (nil: nothing).
	Logf func(format string, args ...any)
}

// FromEnv returns a job on store (which must also be a core.HistoryStore)
// with the destinations of the environment.
func FromEnv(store core.Store, cfg core.Config, getenv func(string) string) (*Job, error) {
	h, ok := store.(core.HistoryStore)
	if !ok {
		return nil, fmt.Errorf("schedule: the store keeps no history")
	}
	alerts, err := notify.ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	tc, err := traits.ClientFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	return &Job{Store: store, History: h, Config: cfg, Alerts: alerts, Traits: tc}, nil
}

// Result is what a run did.
type Result struct {
	Day           string   `json:"day"`
	Rows          int      `json:"history_rows"`
	AlertsStarted int      `json:"alerts_started"`
	AlertsSent    int      `json:"alerts_sent"`
	AlertsOpen    int      `json:"alerts_open"`
	AlertsCleared int      `json:"alerts_cleared"`
	TraitsChanged int      `json:"traits_changed"`
	TraitsSent    int      `json:"traits_sent"`
	DaysCompacted int      `json:"days_compacted"`
	Errors        []string `json:"errors"`
}

// Preview is what a run would send, computed without sending or storing.
type Preview struct {
	Report   *core.Report
	Plan     notify.Plan
	Messages []notify.Message
	Traits   []traits.Call
}

func (j *Job) now() time.Time {
	if j.Now != nil {
		return j.Now()
	}
	return time.Now()
}

func (j *Job) logf(format string, args ...any) {
	if j.Logf != nil {
		j.Logf(format, args...)
	}
}

// Preview scores the store and plans the deliveries against the state.
func (j *Job) Preview(ctx context.Context) (*Preview, error) {
	st, err := j.Config.Settings.Normalized()
	if err != nil {
		return nil, err
	}
	roll, err := j.Store.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("schedule: load: %w", err)
	}
	rep, err := core.Score(roll, st)
	if err != nil {
		return nil, fmt.Errorf("schedule: score: %w", err)
	}
	return j.PreviewReport(ctx, rep)
}

// PreviewReport plans the deliveries of a report against the state.
func (j *Job) PreviewReport(ctx context.Context, rep *core.Report) (*Preview, error) {
	open, err := j.History.State(ctx, notify.StateAlerts)
	if err != nil {
		return nil, err
	}
	p := &Preview{Report: rep, Plan: notify.PlanAlerts(rep, open)}
	if p.Messages, err = j.Alerts.Messages(p.Plan, j.now()); err != nil {
		return nil, err
	}
	if j.Traits != nil {
		sent, err := j.History.State(ctx, traits.StateTraits)
		if err != nil {
			return nil, err
		}
		p.Traits = traits.Changed(traits.Calls(rep, j.now()), sent)
	}
	return p, nil
}

// Run compacts the closed days of a store that keeps snapshots
// (core.Compactor: the hosted stores compact on this daily run, sep serve
// also every hour), scores, keeps the day's history, then delivers. It fails
// only when scoring or storing fails; delivery and compaction failures are in
// Result.Errors, the logs and the status state (a failed compaction loses
// nothing: the cells stay and the next run folds them).
func (j *Job) Run(ctx context.Context) (Result, error) {
	now := j.now()
	var res Result
	if c, ok := j.Store.(core.Compactor); ok {
		days, err := c.Compact(ctx)
		res.DaysCompacted = days
		if err != nil {
			res.Errors = append(res.Errors, "compaction: "+err.Error())
		}
	}
	p, err := j.Preview(ctx)
	if err != nil {
		j.status(ctx, now, res, err)
		return res, err
	}
	rep := p.Report
	res.Day = rep.Settings.AsOf
	if res.Day != "" { // else nothing is stored yet: no day to keep
		rows := core.HistoryRows(rep, now)
		if err := j.History.PutHistory(ctx, rows); err != nil {
			err = fmt.Errorf("schedule: history: %w", err)
			j.status(ctx, now, res, err)
			return res, err
		}
		res.Rows = len(rows)
	}
	res.AlertsStarted, res.AlertsOpen, res.AlertsCleared = len(p.Plan.Start), p.Plan.Open, len(p.Plan.Cleared)

	sender := j.Sender
	if sender == nil {
		sender = &notify.Sender{}
	}
	out := j.Alerts.Deliver(ctx, sender, p.Messages)
	res.AlertsSent = len(out.Sent)
	for _, e := range out.Errors {
		res.Errors = append(res.Errors, e.Error())
	}
	if ch := notify.StateChanges(p.Plan, out.Sent, res.Day); len(ch) > 0 {
		if err := j.History.SetState(ctx, notify.StateAlerts, ch); err != nil {
			res.Errors = append(res.Errors, "alert state: "+err.Error())
		}
	}

	if j.Traits != nil {
		res.TraitsChanged = len(p.Traits)
		n, err := j.Traits.Push(ctx, p.Traits, now)
		res.TraitsSent = n
		if err != nil {
			res.Errors = append(res.Errors, err.Error())
		}
		ch := map[string]string{}
		for _, c := range p.Traits[:n] {
			ch[c.Key()] = c.Hash()
		}
		if len(ch) > 0 {
			if err := j.History.SetState(ctx, traits.StateTraits, ch); err != nil {
				res.Errors = append(res.Errors, "trait state: "+err.Error())
			}
		}
	}
	j.status(ctx, now, res, nil)
	day := res.Day
	if day == "" {
		day = "(no activity stored yet)"
	}
	j.logf("sep schedule: day %s: %d days compacted; %d history rows; alerts %d started, %d sent, %d still open, %d cleared; traits %d changed, %d sent; %d error(s)",
		day, res.DaysCompacted, res.Rows, res.AlertsStarted, res.AlertsSent, res.AlertsOpen, res.AlertsCleared, res.TraitsChanged, res.TraitsSent, len(res.Errors))
	for _, e := range res.Errors {
		j.logf("sep schedule: %s", e) // each names its step: "slack: delivery failed ...", "compaction: ..."
	}
	return res, nil
}

// status records the run's outcome for /healthz: per destination "ok" or
// the failure, dated.
func (j *Job) status(ctx context.Context, now time.Time, res Result, runErr error) {
	at := now.UTC().Format(time.RFC3339)
	ch := map[string]string{"last_run": at, "day": res.Day, "error": ""}
	if runErr != nil {
		ch["error"] = runErr.Error()
		j.logf("sep schedule: run failed: %v", runErr)
	}
	failed := map[string]string{}
	for _, e := range res.Errors {
		label, _, _ := strings.Cut(e, ":")
		failed[label] = e
	}
	dest := map[string]bool{"slack": j.Alerts.SlackURL != "", "webhook": j.Alerts.WebhookURL != "", "segment": j.Traits != nil}
	for label, on := range dest {
		switch {
		case !on:
			ch[label] = ""
		case failed[label] != "":
			ch[label] = "failed at " + at + ": " + failed[label]
		case runErr == nil:
			ch[label] = "ok at " + at
		}
	}
	if _, ok := j.Store.(core.Compactor); ok {
		ch["compaction"] = compactionStatus(at, res.DaysCompacted, failed["compaction"])
	}
	if err := j.History.SetState(ctx, StateStatus, ch); err != nil {
		j.logf("sep schedule: status: %v", err)
	}
}

// compactionStatus words the run's compaction for /healthz: "ok at T: N
// days compacted" or "failed at T: <reason>". A failed compaction loses
// nothing (the next run folds the days), so it is not a delivery failure.
func compactionStatus(at string, days int, failure string) string {
	if failure != "" {
		return "failed at " + at + ": " + failure
	}
	return fmt.Sprintf("ok at %s: %d days compacted", at, days)
}

// Status returns the last run's outcome (for /healthz), or nil before any.
func Status(ctx context.Context, h core.HistoryStore) (map[string]string, error) {
	st, err := h.State(ctx, StateStatus)
	if err != nil || len(st) == 0 {
		return nil, err
	}
	return st, nil
}

// Healthy says whether the last run delivered everything.
func Healthy(st map[string]string) bool {
	if st["error"] != "" {
		return false
	}
	for k, v := range st {
		if k != "compaction" && strings.HasPrefix(v, "failed") {
			return false
		}
	}
	return true
}

// Every runs the job now, then every d until ctx ends; a failed run is
// logged and the next one comes at its time.
func Every(ctx context.Context, d time.Duration, j *Job) {
	for {
		if _, err := j.Run(ctx); err != nil {
			j.logf("sep schedule: %v", err)
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
