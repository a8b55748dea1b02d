// Package scheduletest checks a host's scheduled run (the Lambda's
// EventBridge schedule, the Worker's Cron Trigger, sep serve --every) from
// the outside: local receivers stand in for Slack, the generic webhook and a
// Segment-compatible tracking API, record what arrives and check it.
package scheduletest

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/sep-project/sep/core/storetest"
	"github.com/sep-project/sep/notify"
)

// The secrets the host under test is configured with.
const (
	WebhookSecret = "alert-secret-scheduletest"
	WriteKey      = "write-key-scheduletest"
	slackPath     = "/services/T000/B000/SLACKPATHSECRET"
)

// Receiver records the POSTs of one destination.
type Receiver struct {
	mu     sync.Mutex
	bodies [][]byte
	heads  []http.Header
}

func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.bodies, rc.heads = append(rc.bodies, b), append(rc.heads, r.Header.Clone())
	rc.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"success":true}`))
}

// Got returns the bodies and headers received so far.
func (rc *Receiver) Got() ([][]byte, []http.Header) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([][]byte(nil), rc.bodies...), append([]http.Header(nil), rc.heads...)
}

// Receivers are the three stand-ins, listening on loopback.
type Receivers struct {
	Slack, Webhook, Segment       *Receiver
	slackURL, hookURL, segmentURL string
}

// Start starts the receivers; the test's end stops them.
func Start(t *testing.T) *Receivers {
	r := &Receivers{Slack: &Receiver{}, Webhook: &Receiver{}, Segment: &Receiver{}}
	for _, p := range []struct {
		rc  *Receiver
		url *string
	}{{r.Slack, &r.slackURL}, {r.Webhook, &r.hookURL}, {r.Segment, &r.segmentURL}} {
		srv := httptest.NewServer(p.rc)
		t.Cleanup(srv.Close)
		*p.url = srv.URL
	}
	return r
}

// Env is the environment (or Worker variables) that points a host at them.
func (r *Receivers) Env() []string {
	return []string{notify.EnvSlackURL + "=" + r.slackURL + slackPath, notify.EnvWebhookURL + "=" + r.hookURL + "/alerts",
		notify.EnvWebhookSecret + "=" + WebhookSecret, "SEP_SEGMENT_WRITE_KEY=" + WriteKey, "SEP_SEGMENT_HOST=" + r.segmentURL}
}

// Delivery is storetest.Product() as one Segment delivery; the checks below
// expect its alerts (acct-0 and acct-x, SEP below 60) and traits (4 accounts,
// 12 users).
func Delivery() []byte { return storetest.SegmentBatch(storetest.Product()) }

// CheckFirstRun checks what the first scheduled run sent: one Slack Block Kit
// message naming both accounts, one signed webhook POST with both alerts,
// and the traits as one /v1/batch with the write key.
func (r *Receivers) CheckFirstRun(t *testing.T) {
	t.Helper()
	slack, _ := r.Slack.Got()
	if len(slack) != 1 || !strings.Contains(string(slack[0]), `"type":"header"`) || !strings.Contains(string(slack[0]), "acct-0") || !strings.Contains(string(slack[0]), "acct-x") {
		t.Errorf("slack got %d messages: %s", len(slack), slack)
	}
	hook, heads := r.Webhook.Got()
	if len(hook) != 1 || !notify.Verify(WebhookSecret, hook[0], heads[0].Get(notify.SignatureHeader)) {
		t.Fatalf("webhook got %d POSTs (want 1, signed): %s", len(hook), hook)
	}
	var body struct {
		Alerts []notify.Notice `json:"alerts"`
	}
	if err := json.Unmarshal(hook[0], &body); err != nil || len(body.Alerts) != 2 || body.Alerts[0].Key != "acct-0|pes_below" || body.Alerts[1].Key != "acct-x|pes_below" {
		t.Errorf("webhook body: %s", hook[0])
	}
	seg, sh := r.Segment.Got()
	if len(seg) != 1 || sh[0].Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(WriteKey+":")) {
		t.Fatalf("tracking API got %d batches", len(seg))
	}
	var batch struct {
		Batch []struct {
			Type    string         `json:"type"`
			GroupID string         `json:"groupId"`
			UserID  string         `json:"userId"`
			Traits  map[string]any `json:"traits"`
		} `json:"batch"`
	}
	if err := json.Unmarshal(seg[0], &batch); err != nil || len(batch.Batch) != 16 || batch.Batch[0].GroupID != "acct-0" ||
		batch.Batch[0].Traits["sep_pes"] != 55.7 || batch.Batch[15].Type != "identify" {
		t.Errorf("traits batch: %s", seg[0])
	}
}

// CheckNothingNew checks that later runs sent nothing more: the alerts are
// open and the traits unchanged, in the store's state.
func (r *Receivers) CheckNothingNew(t *testing.T) {
	t.Helper()
	for name, rc := range map[string]*Receiver{"slack": r.Slack, "webhook": r.Webhook, "tracking API": r.Segment} {
		if b, _ := rc.Got(); len(b) != 1 {
			t.Errorf("%s got %d POSTs after another run, want still 1", name, len(b))
		}
	}
}

// Secrets are the strings no log line may contain.
func Secrets() []string { return []string{WebhookSecret, WriteKey, "SLACKPATHSECRET"} }
