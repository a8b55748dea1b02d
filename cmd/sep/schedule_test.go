package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sep-project/sep/bolt"
	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/storetest"
	"github.com/sep-project/sep/notify"
)

// syncBuffer is a process's stderr, read while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serveProc is a running `sep serve` with its environment and stderr.
type serveProc struct {
	cmd    *exec.Cmd
	base   string
	stderr *syncBuffer
}

func startServe(t *testing.T, data string, env []string, args ...string) *serveProc {
	t.Helper()
	cmd := exec.Command(sepBin, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--site", filepath.Join(data, "no-site")}, args...)...)
	cmd.Env = append(cmd.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &serveProc{cmd: cmd, stderr: &syncBuffer{}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	i := strings.Index(line, "http://")
	if err != nil || i < 0 {
		t.Fatalf("sep serve did not start: %v %q %s", err, line, p.stderr)
	}
	p.base = strings.Fields(line[i:])[0]
	go io.Copy(io.Discard, out)
	return p
}

// stop ends the process as a service manager does (SIGTERM) and waits.
func (p *serveProc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.cmd.Wait()
}

// waitRuns waits until the log shows n scheduled runs (or fails after 60 s).
func (p *serveProc) waitRuns(t *testing.T, n int) string {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if log := p.stderr.String(); strings.Count(log, "sep schedule: day ") >= n {
			return log
		}
	}
	t.Fatalf("no scheduled run %d in the log:\n%s", n, p.stderr)
	return ""
}

// recorder stands in for Slack or the generic webhook.
type recorder struct {
	mu     sync.Mutex
	bodies [][]byte
	sigs   []string
	paths  []string
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.bodies, rc.sigs, rc.paths = append(rc.bodies, b), append(rc.sigs, r.Header.Get(notify.SignatureHeader)), append(rc.paths, r.URL.Path)
	rc.mu.Unlock()
	w.Write([]byte("ok"))
}

func (rc *recorder) got() ([][]byte, []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([][]byte(nil), rc.bodies...), append([]string(nil), rc.sigs...)
}

// TestServeEvery drives the real binary: events go into one `sep serve`;
// started with --every, it sends each alert once to a Slack stand-in and a
// generic webhook stand-in (signed), keeps the day's history, and pushes the
// traits to a second `sep serve`'s tracking API, as group and identify calls a
// Segment-compatible client sends. Restarted, it sends nothing again.
func TestServeEvery(t *testing.T) {
	slack, hook := &recorder{}, &recorder{}
	for _, rc := range []*recorder{slack, hook} {
		srv := httptest.NewServer(rc)
		t.Cleanup(srv.Close)
		if rc == slack {
			t.Setenv("TEST_SLACK", srv.URL)
		} else {
			t.Setenv("TEST_HOOK", srv.URL)
		}
	}
	crmData := t.TempDir()
	crm := startServe(t, crmData, []string{"SEP_INGEST_TOKEN=write-key-crm-000001"})

	data := t.TempDir()
	env := []string{"SEP_INGEST_TOKEN=ingest-token-serve-every",
		notify.EnvSlackURL + "=" + os.Getenv("TEST_SLACK") + "/services/T00/B00/SLACKSECRET",
		notify.EnvWebhookURL + "=" + os.Getenv("TEST_HOOK") + "/sep-alerts", notify.EnvWebhookSecret + "=hooksecret",
		"SEP_SEGMENT_WRITE_KEY=write-key-crm-000001", "SEP_SEGMENT_HOST=" + crm.base}
	// The product's events go in first, through the webhook endpoint.
	p := startServe(t, data, env)
	req, _ := http.NewRequest("POST", p.base+"/v1/events", bytes.NewReader(storetest.SegmentBatch(storetest.Product())))
	req.Header.Set("Authorization", "Bearer ingest-token-serve-every")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("delivery: %d %s", resp.StatusCode, body)
	}
	p.stop(t)

	p = startServe(t, data, env, "--every", "24h")
	log := p.waitRuns(t, 1)
	if strings.Contains(log, "SLACKSECRET") || strings.Contains(log, "hooksecret") || strings.Contains(log, "write-key-crm-000001") {
		t.Errorf("a secret is in the log:\n%s", log)
	}
	if !strings.Contains(log, "alerts 2 started, 2 sent") || !strings.Contains(log, "traits 16 changed, 16 sent; 0 error(s)") {
		t.Errorf("first run's log:\n%s", log)
	}
	bodies, _ := slack.got()
	if len(bodies) != 1 || !strings.Contains(string(bodies[0]), `"type":"header"`) || !strings.Contains(string(bodies[0]), "acct-x") {
		t.Fatalf("slack got %d messages: %s", len(bodies), bodies)
	}
	hb, sigs := hook.got()
	if len(hb) != 1 || !notify.Verify("hooksecret", hb[0], sigs[0]) {
		t.Fatalf("webhook got %d, signature ok: %v", len(hb), len(hb) == 1 && notify.Verify("hooksecret", hb[0], sigs[0]))
	}
	// The history endpoint has the day.
	hist := getJSON(t, p.base+"/v1/history?from=2026-09-01&to=2026-09-30")
	if !strings.Contains(hist, `"day":"2026-09-08"`) || !strings.Contains(hist, `"account":"acct-x"`) {
		t.Errorf("history: %s", hist)
	}
	if h := getJSON(t, p.base+"/healthz"); !strings.Contains(h, `"deliveries":"ok"`) {
		t.Errorf("healthz: %s", h)
	}

	// Restarted: the run at start finds the alerts open and the traits sent.
	p.stop(t)
	p = startServe(t, data, env, "--every", "24h")
	log = p.waitRuns(t, 1)
	if !strings.Contains(log, "alerts 0 started, 0 sent, 2 still open") || !strings.Contains(log, "traits 0 changed, 0 sent") {
		t.Errorf("run after the restart:\n%s", log)
	}
	if b, _ := slack.got(); len(b) != 1 {
		t.Errorf("slack got %d messages after the restart, want still 1", len(b))
	}
	if b, _ := hook.got(); len(b) != 1 {
		t.Errorf("webhook got %d after the restart, want still 1", len(b))
	}
	p.stop(t)

	// The dry run on the stopped server's store: nothing new to send.
	out, errOut, code := sep(t, nil, "alerts", "--dry-run", "--data", data)
	if code != 0 || !strings.Contains(out, "0 alert(s) would start, 2 already sent and still open, 0 would clear") || strings.Contains(out, "POST") {
		t.Errorf("sep alerts --dry-run --data: %d\n%s%s", code, out, errOut)
	}

	// The traits arrived in the second sep as a Segment client's group and
	// identify calls: they are its stored account and user traits.
	crm.stop(t)
	store, err := bolt.Open(filepath.Join(crmData, "sep.db"), "UTC")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	roll, err := store.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	acct, user := map[string]map[string]string{}, map[string]map[string]string{}
	roll.Traits(func(tr core.Trait) {
		m := user
		if tr.Account {
			m = acct
		}
		if m[tr.ID] == nil {
			m[tr.ID] = map[string]string{}
		}
		m[tr.ID][tr.Key] = tr.Value
	})
	a0 := acct["acct-0"]
	if len(acct) != 4 || a0["sep_pes"] != "55.7" || a0["sep_band"] != "investigate" || a0["sep_at_risk"] != "true" || a0["sep_scored_at"] == "" {
		t.Errorf("account traits in the CRM stand-in: %v", acct)
	}
	if len(user) != 12 || user["u0"]["sep_activated"] == "" || user["u0"]["sep_weighted_score"] == "" {
		t.Errorf("user traits in the CRM stand-in: %d users, u0 %v", len(user), user["u0"])
	}
}

func getJSON(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !json.Valid(b) {
		t.Fatalf("%s: not JSON: %s", url, b)
	}
	return string(b)
}

// sep alerts --dry-run on an export prints every alert and both formats,
// and posts nothing; without --dry-run and a destination it refuses.
func TestAlertsDryRunOnExport(t *testing.T) {
	in := filepath.Join("testdata", "golden", "basic.in.jsonl")
	out, errOut, code := sep(t, nil, "alerts", "--dry-run", in)
	if code != 0 || !strings.Contains(out, "1 alert(s) would start") || !strings.Contains(out, "start  acme|seat_usage_below  Acme (acme): 2 of 10 seats active") ||
		!strings.Contains(out, "POST to slack (1 alert(s)") || !strings.Contains(out, "POST to webhook (1 alert(s)") || !strings.Contains(out, `"type": "sep.alerts.started"`) {
		t.Errorf("dry run: %d\n%s%s", code, out, errOut)
	}
	if _, errOut, code := sep(t, nil, "alerts", in); code != 1 || !strings.Contains(errOut, "no destination") {
		t.Errorf("without a destination: %d %s", code, errOut)
	}
	if _, errOut, code := sep(t, nil, "alerts", "--dry-run"); code != 2 || !strings.Contains(errOut, "either --data") {
		t.Errorf("without input: %d %s", code, errOut)
	}
}

// sep score --segment-write-key pushes the export's traits to the tracking
// API, and its report is the same bytes as without.
func TestScorePushesTraits(t *testing.T) {
	var mu sync.Mutex
	var auth []string
	var calls []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b struct {
			Batch []map[string]any `json:"batch"`
		}
		json.NewDecoder(r.Body).Decode(&b)
		mu.Lock()
		auth, calls = append(auth, r.Header.Get("Authorization")+" "+r.URL.Path), append(calls, b.Batch...)
		mu.Unlock()
		w.Write([]byte(`{"success":true}`))
	}))
	defer srv.Close()
	in := filepath.Join("testdata", "golden", "basic.in.jsonl")
	plain, _, code := sep(t, nil, "score", "--json", in)
	if code != 0 {
		t.Fatal("sep score failed")
	}
	out, errOut, code := sep(t, nil, "score", "--json", "--segment-write-key", "wk", "--segment-host", srv.URL, in)
	if code != 0 || out != plain {
		t.Fatalf("with the push: %d, same report: %v\n%s", code, out == plain, errOut)
	}
	if len(auth) != 1 || auth[0] != "Basic d2s6 /v1/batch" || !strings.Contains(errOut, "pushed ") || strings.Contains(errOut, "wk") {
		t.Errorf("auth %v, log %q", auth, errOut)
	}
	var rep core.Report
	json.Unmarshal([]byte(plain), &rep)
	groups := 0
	for _, c := range calls {
		if c["type"] == "group" {
			groups++
			if c["groupId"] == "acme" && c["traits"].(map[string]any)["sep_seat_usage"] != 20.0 {
				t.Errorf("acme's traits: %v", c["traits"])
			}
		}
	}
	if groups != len(rep.Accounts) || len(calls) <= groups {
		t.Errorf("%d calls, %d groups for %d accounts", len(calls), groups, len(rep.Accounts))
	}
	if _, errOut, code := sep(t, nil, "score", "--segment-host", "http://example.com", in); code != 2 || !strings.Contains(errOut, "needs --segment-write-key") {
		t.Errorf("host without key: %d %s", code, errOut)
	}
	if _, errOut, code := sep(t, nil, "score", "--segment-write-key", "k", "--segment-host", "http://example.com", in); code != 2 || !strings.Contains(errOut, "https") {
		t.Errorf("plain http to a remote host: %d %s", code, errOut)
	}
}

// sep serve --every checks its interval and destinations before it listens.
func TestServeEveryRefusesBadSettings(t *testing.T) {
	data := t.TempDir()
	if out, errOut, code := sep(t, nil, "serve", "--addr", "127.0.0.1:0", "--data", data, "--every", "10s"); code != 2 || strings.Contains(out, "listening") || !strings.Contains(errOut, "--every 10s: at least 1m0s") {
		t.Errorf("--every 10s: %d %s %s", code, out, errOut)
	}
	t.Setenv(notify.EnvSlackURL, "http://hooks.slack.example/services/T/B/SECRETPART")
	if out, errOut, code := sep(t, nil, "serve", "--addr", "127.0.0.1:0", "--data", data, "--every", "24h"); code != 1 || strings.Contains(out, "listening") ||
		!strings.Contains(errOut, "SEP_SLACK_WEBHOOK_URL must be https") || strings.Contains(errOut, "SECRETPART") {
		t.Errorf("plain http Slack URL: %d %s %s", code, out, errOut)
	}
}
