package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/schedule"
)

// scheduledJob is the daily run of the EventBridge schedule (the SAM
// template's Schedule event), set up with the handler; nil until then.
var scheduledJob *schedule.Job

// setupSchedule prepares the scheduled run on the store with the
// destinations of the environment (SEP_SLACK_WEBHOOK_URL, ...).
func setupSchedule(store core.Store, cfg core.Config, getenv func(string) string) error {
	job, err := schedule.FromEnv(store, cfg, getenv)
	if err != nil {
		return err
	}
	logger := log.New(os.Stderr, "", 0) // CloudWatch adds the time
	job.Logf = logger.Printf
	scheduledJob = job
	return nil
}

// runScheduled answers a "Scheduled Event": the run's result, or a function
// error when scoring or storing failed (EventBridge then retries). Failed
// deliveries are in the result, the log and /healthz, not an error.
func runScheduled(ctx context.Context) (any, error) {
	if scheduledJob == nil {
		return nil, fmt.Errorf("sep: a scheduled event, but the scheduled run is not set up")
	}
	res, err := scheduledJob.Run(ctx)
	if err != nil {
		return nil, fmt.Errorf("sep: scheduled run: %w", err)
	}
	return res, nil
}

// isScheduledEvent tells an EventBridge schedule's event ("source":
// "aws.events", "detail-type": "Scheduled Event") from the other invokes;
// it parses only payloads that name aws.events.
func isScheduledEvent(payload []byte) bool {
	if !bytes.Contains(payload, []byte(`"aws.events"`)) {
		return false
	}
	var p struct {
		Source     string `json:"source"`
		DetailType string `json:"detail-type"`
	}
	return json.Unmarshal(payload, &p) == nil && p.Source == "aws.events" && p.DetailType == "Scheduled Event"
}
