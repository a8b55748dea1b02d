package schedule_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sep-project/sep/bolt"
	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/storetest"
	"github.com/sep-project/sep/notify"
	"github.com/sep-project/sep/schedule"
	"github.com/sep-project/sep/traits"
)

// receiver stands in for Slack, the generic webhook or a tracking API: it
// records each POST and answers fail[i] (0: 200) to the i-th.
type receiver struct {
	mu     sync.Mutex
	bodies [][]byte
	heads  []http.Header
	fail   []int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	i := len(rc.bodies)
	rc.bodies, rc.heads = append(rc.bodies, b), append(rc.heads, r.Header.Clone())
	if i < len(rc.fail) && rc.fail[i] != 0 {
		http.Error(w, "busy", rc.fail[i])
		return
	}
	w.Write([]byte(`{"ok":true}`))
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.bodies)
}

// slackAlerts returns the account ids named in a Slack message's sections.
func slackAccounts(t *testing.T, body []byte) []string {
	t.Helper()
	var m struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type string `json:"type"`
			Text *struct {
				Type, Text string
			} `json:"text"`
			Fields []struct{ Type, Text string } `json:"fields"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("slack body: %v\n%s", err, body)
	}
	if m.Text == "" || len(m.Blocks) == 0 || m.Blocks[0].Type != "header" {
		t.Fatalf("not a Block Kit message with a fallback text and a header: %s", body)
	}
	var ids []string
	for _, b := range m.Blocks {
		if b.Type == "section" {
			id, _, _ := strings.Cut(strings.Trim(b.Text.Text, "*"), "*")
			ids = append(ids, id)
			if len(b.Fields) < 2 || !strings.HasPrefix(b.Fields[0].Text, "*Value*\n") {
				t.Errorf("section without value and threshold fields: %s", body)
			}
		}
	}
	return ids
}

type fixture struct {
	store                  *bolt.Store
	slack, hook, segment   *receiver
	slackURL, hookURL, seg string
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{slack: &receiver{}, hook: &receiver{}, segment: &receiver{}}
	for _, p := range []struct {
		rc  *receiver
		url *string
	}{{f.slack, &f.slackURL}, {f.hook, &f.hookURL}, {f.segment, &f.seg}} {
		srv := httptest.NewServer(p.rc)
		t.Cleanup(srv.Close)
		*p.url = srv.URL
	}
	var err error
	f.store, err = bolt.Open(filepath.Join(t.TempDir(), "sep.db"), "UTC")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.store.Close() })
	if _, err := f.store.Ingest(context.Background(), storetest.Product()); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) job(t *testing.T, pesBelow float64) *schedule.Job {
	env := map[string]string{
		notify.EnvSlackURL: f.slackURL + "/services/T0/B0/secret-path", notify.EnvWebhookURL: f.hookURL + "/hook",
		notify.EnvWebhookSecret: "whsec", traits.EnvWriteKey: "wk-123", traits.EnvHost: f.seg,
	}
	cfg := core.Config{}
	cfg.Alerts.PESBelow = pesBelow
	j, err := schedule.FromEnv(f.store, cfg, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	j.Sender = &notify.Sender{Backoff: time.Millisecond}
	j.Now = func() time.Time { return time.Date(2026, 9, 9, 6, 0, 0, 0, time.UTC) }
	return j
}

func TestRunSendsEachAlertOnceUntilItClears(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	res, err := f.job(t, 0).Run(ctx)
	if err != nil || len(res.Errors) > 0 {
		t.Fatalf("run: %v %v", err, res.Errors)
	}
	// The store's clock is the real one: every day of Product is closed and
	// the run compacts them before it scores.
	if res.Day != "2026-09-08" || res.AlertsStarted != 2 || res.AlertsSent != 2 || res.Rows != 5 || res.DaysCompacted < 60 {
		t.Errorf("first run = %+v", res)
	}
	if got := slackAccounts(t, f.slack.bodies[0]); !reflect.DeepEqual(got, []string{"acct-0", "acct-x"}) {
		t.Errorf("slack named %v", got)
	}
	// The generic webhook's body is signed with HMAC-SHA256.
	body, sig := f.hook.bodies[0], f.hook.heads[0].Get(notify.SignatureHeader)
	if !notify.Verify("whsec", body, sig) || notify.Verify("other", body, sig) {
		t.Errorf("signature %q does not check", sig)
	}
	var hook struct {
		Type   string          `json:"type"`
		Alerts []notify.Notice `json:"alerts"`
	}
	if err := json.Unmarshal(body, &hook); err != nil || hook.Type != "sep.alerts.started" || len(hook.Alerts) != 2 ||
		hook.Alerts[0].Rule != core.RulePESBelow || hook.Alerts[0].Threshold != 60 || hook.Alerts[0].Day != "2026-09-08" {
		t.Errorf("webhook body %s (%v)", body, err)
	}

	// The same report again: nothing new is sent.
	res, _ = f.job(t, 0).Run(ctx)
	if res.AlertsStarted != 0 || res.AlertsOpen != 2 || res.DaysCompacted != 0 || f.slack.count() != 1 || f.hook.count() != 1 {
		t.Errorf("second run sent again: %+v, slack %d, webhook %d", res, f.slack.count(), f.hook.count())
	}
	// A lower threshold clears acct-0's alert; the default brings it back:
	// it starts again and is sent again, alone.
	res, _ = f.job(t, 50).Run(ctx)
	if res.AlertsCleared != 1 || res.AlertsOpen != 1 || f.slack.count() != 1 {
		t.Errorf("run at 50: %+v", res)
	}
	res, _ = f.job(t, 0).Run(ctx)
	if res.AlertsStarted != 1 || f.slack.count() != 2 {
		t.Fatalf("run back at 60: %+v, slack %d", res, f.slack.count())
	}
	if got := slackAccounts(t, f.slack.bodies[1]); !reflect.DeepEqual(got, []string{"acct-0"}) {
		t.Errorf("re-started alert: slack named %v", got)
	}
	// History: one day, the product's row and four accounts'.
	rows, err := f.store.History(ctx, "2026-09-01", "2026-09-30")
	if err != nil || len(rows) != 5 || rows[0].Account != "" || rows[0].PES == nil || rows[1].Account != "acct-0" {
		t.Errorf("history = %+v, %v", rows, err)
	}
}

func TestFailedDeliveryIsRetriedNextRunAndShown(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	// Slack fails four times (every attempt of the first run), then takes it.
	f.slack.fail = []int{500, 503, 429, 500}
	res, err := f.job(t, 0).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if f.slack.count() != notify.DefaultAttempts || len(res.Errors) != 1 || res.AlertsSent != 0 {
		t.Fatalf("failing run: %+v, %d slack POSTs", res, f.slack.count())
	}
	if strings.Contains(res.Errors[0], "secret-path") || !strings.HasPrefix(res.Errors[0], "slack: ") {
		t.Errorf("error %q must name the destination, not its URL", res.Errors[0])
	}
	// Scoring and history went on; the status shows the failure.
	if rows, _ := f.store.History(ctx, "2026-09-08", "2026-09-08"); len(rows) != 5 {
		t.Errorf("history rows after a failed delivery: %d", len(rows))
	}
	st, _ := schedule.Status(ctx, f.store)
	if schedule.Healthy(st) || !strings.HasPrefix(st["slack"], "failed at 2026-09-09T06:00:00Z: slack: delivery failed after 4 attempt(s): HTTP 500") ||
		!strings.HasPrefix(st["webhook"], "ok") {
		t.Errorf("status = %v", st)
	}
	// The webhook took them; Slack did not: the alerts are sent again.
	res, _ = f.job(t, 0).Run(ctx)
	if res.AlertsStarted != 2 || res.AlertsSent != 2 || len(res.Errors) != 0 {
		t.Errorf("next run: %+v", res)
	}
	// The repeat carries the same delivery id for the webhook's receiver.
	if a, b := f.hook.heads[0].Get(notify.DeliveryHeader), f.hook.heads[1].Get(notify.DeliveryHeader); a == "" || a != b {
		t.Errorf("delivery ids %q and %q", a, b)
	}
	st, _ = schedule.Status(ctx, f.store)
	if !schedule.Healthy(st) {
		t.Errorf("status after the good run = %v", st)
	}
}

func TestTraitsPushOnlyWhatChanged(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	res, err := f.job(t, 0).Run(ctx)
	if err != nil || len(res.Errors) > 0 {
		t.Fatal(err, res.Errors)
	}
	if res.TraitsSent != 4+12 || f.segment.count() != 1 {
		t.Fatalf("first push: %+v, %d batches", res, f.segment.count())
	}
	h := f.segment.heads[0]
	if got := h.Get("Authorization"); got != "Basic "+base64.StdEncoding.EncodeToString([]byte("wk-123:")) {
		t.Errorf("Authorization %q", got)
	}
	var batch struct {
		Batch []map[string]any `json:"batch"`
	}
	if err := json.Unmarshal(f.segment.bodies[0], &batch); err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	for _, m := range batch.Batch {
		types[m["type"].(string)]++
		if m["messageId"] == "" {
			t.Errorf("call without messageId: %v", m)
		}
	}
	g := batch.Batch[0]
	tr := g["traits"].(map[string]any)
	if types["group"] != 4 || types["identify"] != 12 || g["groupId"] != "acct-0" || g["anonymousId"] != traits.AnonymousID ||
		tr["sep_pes"] != 55.7 || tr["sep_band"] != "investigate" || tr["sep_at_risk"] != true || tr["sep_scored_at"] != "2026-09-09T06:00:00Z" {
		t.Errorf("calls %v, first %v", types, g)
	}
	var keys []string
	for k := range tr {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := append([]string(nil), traits.AccountTraitNames...)
	sort.Strings(want)
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("group traits %v, want %v", keys, want)
	}
	// Nothing changed: nothing is sent.
	res, _ = f.job(t, 0).Run(ctx)
	if res.TraitsChanged != 0 || f.segment.count() != 1 {
		t.Errorf("unchanged push: %+v", res)
	}
	// New activity of one user changes some traits: only those go.
	ev := core.Event{MessageID: "late-1", UserID: "u5", Name: "Feature 3", Kind: core.KindTrack, TimeMs: time.Date(2026, 9, 8, 12, 0, 0, 0, time.UTC).UnixMilli()}
	if _, err := f.store.Ingest(ctx, []core.Event{ev}); err != nil {
		t.Fatal(err)
	}
	res, _ = f.job(t, 0).Run(ctx)
	if res.TraitsChanged == 0 || res.TraitsChanged >= 16 || res.TraitsSent != res.TraitsChanged {
		t.Errorf("push after one event: %+v", res)
	}
}

// A store with no activity yet: the run keeps no history row and sends
// nothing, and says so.
func TestRunOnAnEmptyStore(t *testing.T) {
	store, err := bolt.Open(filepath.Join(t.TempDir(), "sep.db"), "UTC")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var log []string
	j := &schedule.Job{Store: store, History: store, Logf: func(f string, a ...any) { log = append(log, f) }}
	res, err := j.Run(context.Background())
	if err != nil || res.Rows != 0 || res.Day != "" {
		t.Fatalf("run: %+v, %v", res, err)
	}
	if rows, _ := store.History(context.Background(), "0000-01-01", "9999-12-31"); len(rows) != 0 {
		t.Errorf("history rows: %+v", rows)
	}
	if len(log) != 1 {
		t.Errorf("log: %v", log)
	}
}

// failingCompactor is a store whose compaction fails.
type failingCompactor struct{ *bolt.Store }

func (failingCompactor) Compact(context.Context) (int, error) { return 0, errors.New("disk full") }

// A failed compaction does not stop the run, is in its errors and is logged
// as what it is (not as a delivery).
func TestRunWithAFailedCompaction(t *testing.T) {
	store, err := bolt.Open(filepath.Join(t.TempDir(), "sep.db"), "UTC")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var log []string
	j := &schedule.Job{Store: failingCompactor{store}, History: store, Logf: func(f string, a ...any) { log = append(log, fmt.Sprintf(f, a...)) }}
	res, err := j.Run(context.Background())
	if err != nil || len(res.Errors) != 1 || res.Errors[0] != "compaction: disk full" {
		t.Fatalf("run: %+v, %v", res, err)
	}
	if !slices.Contains(log, "sep schedule: compaction: disk full") {
		t.Errorf("log: %q", log)
	}
	// /healthz shows it, apart from the deliveries (nothing was lost).
	st, err := schedule.Status(context.Background(), store)
	if err != nil || !strings.HasPrefix(st["compaction"], "failed at ") || !strings.HasSuffix(st["compaction"], ": compaction: disk full") {
		t.Errorf("status %q, %v", st, err)
	}
	if !schedule.Healthy(st) {
		t.Errorf("a failed compaction marks the deliveries failing: %q", st)
	}
	// The next run compacts: the status says so.
	j.Store = store
	if _, err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st, _ := schedule.Status(context.Background(), store); !strings.HasPrefix(st["compaction"], "ok at ") || !strings.HasSuffix(st["compaction"], " days compacted") {
		t.Errorf("status after a good run %q", st)
	}
}
