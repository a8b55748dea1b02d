package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sep-project/sep/internal/apitest"
	"github.com/sep-project/sep/internal/scheduletest"
	"github.com/sep-project/sep/notify"
	"github.com/sep-project/sep/schedule"
)

// scheduledEventUnderRIE runs the scheduled run through the real bootstrap
// under the emulator, configured by its environment (scheduletest's
// receivers on loopback stand in for Slack, the webhook and the tracking
// API): Segment's Lambda destination stores the product, the EventBridge
// schedule's "Scheduled Event" invoke sends the alerts and traits once and
// keeps the day's history in DynamoDB; later scheduled invokes, also in a
// new instance (a cold start), send nothing again. No log line holds a
// secret.
func scheduledEventUnderRIE(t *testing.T, h *rieHost) {
	rcv := scheduletest.Start(t)
	env := append(apitest.Env(), rcv.Env()...)
	fn := h.start(t, "sep-scheduled", env...)

	var delivery struct{ Batch json.RawMessage }
	if err := json.Unmarshal(scheduletest.Delivery(), &delivery); err != nil {
		t.Fatal(err)
	}
	if inv := fn.Invoke(t, delivery.Batch); inv.Status != 200 || !strings.Contains(string(inv.Body), `"stored":`) {
		t.Fatalf("Segment's Lambda destination: %s", inv)
	}
	run := func(what string) schedule.Result {
		t.Helper()
		inv := fn.Invoke(t, []byte(scheduledEvent))
		var res schedule.Result
		if typ, msg := inv.FunctionError(); inv.Status != 200 || typ != "" || json.Unmarshal(inv.Body, &res) != nil {
			t.Fatalf("%s: %s (function error %q %q)", what, inv, typ, msg)
		}
		return res
	}
	// The run compacts DynamoDB's closed days first (the delivery is in
	// September 2026, every day closed), then scores from the snapshots.
	if res := run("first scheduled event"); res.Day != "2026-09-08" || res.AlertsSent != 2 || res.TraitsSent != 16 || res.Rows == 0 || res.DaysCompacted < 60 || len(res.Errors) > 0 {
		t.Errorf("first scheduled run: %+v; want day 2026-09-08, Product's 70 days compacted, 2 alerts and 16 trait calls sent, history rows, no error", res)
	}
	rcv.CheckFirstRun(t)

	read := map[string]string{"Authorization": "Bearer " + apitest.ReadToken}
	if r := apitest.HTTP(fn.URL)(t, "GET", "/v1/history?from=2026-09-01&to=2026-09-30", nil, read); r.Status != 200 ||
		!strings.Contains(string(r.Body), `"day":"2026-09-08"`) || !strings.Contains(string(r.Body), `"account":"acct-x"`) {
		t.Errorf("history from DynamoDB: %s", r)
	}
	if r := apitest.HTTP(fn.URL)(t, "GET", "/healthz", nil, nil); r.Status != 200 || !strings.Contains(string(r.Body), `"deliveries":"ok"`) {
		t.Errorf("healthz after the run: %s", r)
	}

	if res := run("second scheduled event"); res.AlertsSent != 0 || res.TraitsSent != 0 || res.AlertsOpen != 2 || res.DaysCompacted != 0 {
		t.Errorf("second scheduled run: %+v; want nothing sent or compacted, 2 alerts still open", res)
	}
	cold := h.launch(t, "sep-scheduled", env...)
	if inv := cold.Invoke(t, []byte(scheduledEvent)); inv.Status != 200 || !strings.Contains(string(inv.Body), `"alerts_sent":0`) {
		t.Errorf("scheduled event after a cold start: %s", inv)
	}
	rcv.CheckNothingNew(t)

	logs := fn.Process.Output() + cold.Process.Output()
	if !strings.Contains(logs, "sep schedule: day 2026-09-08:") {
		t.Errorf("no run line in the function's logs:\n%s", logs)
	}
	for _, s := range scheduletest.Secrets() {
		if strings.Contains(logs, s) {
			t.Errorf("the function's logs hold the secret %q", s)
		}
	}
	t.Run("FailedDelivery", func(t *testing.T) { failedDeliveryUnderRIE(t, h, delivery.Batch) })
}

// failedDeliveryUnderRIE points Slack at a stand-in that answers 404
// no_service (Slack's answer to a removed webhook, not retried within the
// run): the scheduled invoke still succeeds (a failed delivery is no function
// error, or EventBridge would rerun what was sent), its result and /healthz
// name the failure, the alerts stay unsent (sent means to every destination)
// and the next run tries again; no result, /healthz or log holds the
// webhook's URL.
func failedDeliveryUnderRIE(t *testing.T, h *rieHost, product []byte) {
	var goneHits atomic.Int32
	gone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		goneHits.Add(1)
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte("no_service"))
	}))
	t.Cleanup(gone.Close)
	rcv := scheduletest.Start(t)
	// The last value of a repeated variable is the one the process gets.
	env := append(append(apitest.Env(), rcv.Env()...), notify.EnvSlackURL+"="+gone.URL+"/services/T000/B000/SLACKPATHSECRET")
	fn := h.start(t, "sep-scheduled-failing", env...)
	if inv := fn.Invoke(t, product); inv.Status != 200 {
		t.Fatalf("Segment's Lambda destination: %s", inv)
	}
	var out strings.Builder // what the caller and /healthz saw
	for run := 1; run <= 2; run++ {
		inv := fn.Invoke(t, []byte(scheduledEvent))
		var res schedule.Result
		if typ, msg := inv.FunctionError(); inv.Status != 200 || typ != "" || json.Unmarshal(inv.Body, &res) != nil {
			t.Fatalf("run %d with Slack gone: %s (function error %q %q); want a result", run, inv, typ, msg)
		}
		if res.AlertsSent != 0 || len(res.Errors) != 1 || !strings.HasPrefix(res.Errors[0], "slack:") || !strings.Contains(res.Errors[0], "404") {
			t.Errorf("run %d with Slack gone: %+v; want no alert sent and one slack error naming the 404", run, res)
		}
		r := apitest.HTTP(fn.URL)(t, "GET", "/healthz", nil, nil)
		if !strings.Contains(string(r.Body), `"deliveries":"failing"`) {
			t.Errorf("healthz after run %d with Slack gone: %s", run, r)
		}
		out.Write(inv.Body)
		out.Write(r.Body)
	}
	// Both runs tried Slack once and posted the webhook the same delivery.
	hook, heads := rcv.Webhook.Got()
	var ids []string
	for _, h := range heads {
		ids = append(ids, h.Get(notify.DeliveryHeader))
	}
	if goneHits.Load() != 2 || len(hook) != 2 || ids[0] == "" || ids[0] != ids[1] {
		t.Errorf("slack tried %d times, the webhook got %d POSTs (delivery ids %q); want 2, and 2 POSTs of one delivery", goneHits.Load(), len(hook), ids)
	}
	all := out.String() + fn.Process.Output()
	for _, s := range scheduletest.Secrets() {
		if strings.Contains(all, s) {
			t.Errorf("the results, /healthz or the logs hold the secret %q:\n%s", s, all)
		}
	}
}
