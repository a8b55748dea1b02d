//go:build !js

package main_test

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sep-project/sep/api"
	"github.com/sep-project/sep/bolt"
	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/storetest"
	"github.com/sep-project/sep/internal/apitest"
	"github.com/sep-project/sep/internal/scheduletest"
	"github.com/sep-project/sep/internal/testenv"
)

// TestCronTriggerUnderWranglerDev runs the Worker's Cron Trigger in wrangler
// dev (--test-scheduled exposes /__scheduled) with a local D1: the scheduled
// run sends each alert once to the Slack and webhook stand-ins and the traits
// to the tracking API stand-in, through the Fetch API, keeps the day's
// history in D1 (GET /v1/history) and shows the outcome in /healthz; a
// second run sends nothing new (the state is in D1).
func TestCronTriggerUnderWranglerDev(t *testing.T) {
	root := testenv.Root(t)
	wrangler := filepath.Join(testenv.NodeModule(t, "wrangler"), "bin", "wrangler.js")
	dir := t.TempDir()
	build := filepath.Join(dir, "build")
	buildWorker(t, root, build)
	conf, err := os.ReadFile(filepath.Join(root, "worker", "wrangler.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(conf), "[triggers]\ncrons = [") {
		t.Fatal("worker/wrangler.toml has no [triggers] crons")
	}
	text := strings.NewReplacer(`"./build/worker.mjs"`, strconv.Quote(filepath.Join(build, "worker.mjs")),
		`"../d1/migrations"`, strconv.Quote(filepath.Join(root, "d1", "migrations"))).Replace(string(conf))
	toml := filepath.Join(dir, "wrangler.toml")
	if err := os.WriteFile(toml, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state")
	env := []string{"WRANGLER_SEND_METRICS=false", "CLOUDFLARE_CF_FETCH_ENABLED=false", "CI=1", "NO_COLOR=1", "HOME=" + dir}
	migrate := exec.Command("node", wrangler, "d1", "migrations", "apply", "sep", "--local", "--persist-to", state, "-c", toml)
	migrate.Dir, migrate.Env = dir, append(os.Environ(), env...)
	if out, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("wrangler d1 migrations apply: %v\n%s", err, out)
	}

	rcv := scheduletest.Start(t)
	port := testenv.FreePort(t)
	args := []string{wrangler, "dev", "-c", toml, "--ip", "127.0.0.1", "--port", strconv.Itoa(port), "--test-scheduled",
		"--persist-to", state, "--inspector-port", strconv.Itoa(testenv.FreePort(t)), "--show-interactive-dev-session=false"}
	for _, kv := range append(apitest.Env(), rcv.Env()...) {
		args = append(args, "--var", strings.Replace(kv, "=", ":", 1))
	}
	p := testenv.Start(t, dir, env, "node", args...)
	testenv.WaitPort(t, port, 60*time.Second, p)
	do := apitest.HTTP("http://127.0.0.1:" + strconv.Itoa(port))
	auth := map[string]string{"Authorization": "Bearer " + apitest.IngestToken}
	if r := do(t, "POST", "/v1/events", scheduletest.Delivery(), auth); r.Status != 200 {
		t.Fatalf("delivery: %s\n%s", r, p.Output())
	}
	read := map[string]string{"Authorization": "Bearer " + apitest.ReadToken}
	local := localAPI(t, conf)
	before := do(t, "GET", "/v1/score?window=14", nil, read)
	if want := local(t, "GET", "/v1/score?window=14", nil, read); before.Status != 200 || string(before.Body) != string(want.Body) {
		t.Fatalf("the Worker's report differs from the local server's:\n%s\nwant:\n%s", before, want)
	}
	if r := do(t, "GET", "/__scheduled?cron=0+6+*+*+*", nil, nil); r.Status != 200 {
		t.Fatalf("scheduled run: %s\n%s", r, p.Output())
	}
	rcv.CheckFirstRun(t)
	// The run compacted every closed day (all of them: the delivery is in
	// September 2026) into D1's snapshots; a late event for one of them then
	// counts beside its snapshot, as on the local server.
	if days := d1Count(t, wrangler, dir, toml, state, env, "SELECT count(*) AS n FROM snapshot_days"); days < 60 {
		t.Fatalf("%d days compacted by the scheduled run, want Product's 70", days)
	}
	late := storetest.SegmentBatch([]core.Event{{MessageID: "late-1", UserID: "u1", Name: "Feature 2", Kind: core.KindTrack,
		TimeMs: time.Date(2026, 7, 20, 9, 0, 0, 0, time.UTC).UnixMilli()}})
	for _, host := range []apitest.Do{do, local} {
		if r := host(t, "POST", "/v1/events", late, auth); r.Status != 200 {
			t.Fatalf("late delivery: %s", r)
		}
	}
	after := do(t, "GET", "/v1/score?window=14", nil, read)
	if want := local(t, "GET", "/v1/score?window=14", nil, read); after.Status != 200 || string(after.Body) != string(want.Body) || string(after.Body) == string(before.Body) {
		t.Fatalf("after compaction and a late event, the Worker's report:\n%s\nwant the local server's:\n%s", after, want)
	}
	if r := do(t, "GET", "/v1/history?from=2026-09-01&to=2026-09-30", nil, read); r.Status != 200 ||
		!strings.Contains(string(r.Body), `"day":"2026-09-08"`) || !strings.Contains(string(r.Body), `"account":"acct-x"`) {
		t.Errorf("history from D1: %s", r)
	}
	if r := do(t, "GET", "/healthz", nil, nil); !strings.Contains(string(r.Body), `"deliveries":"ok"`) {
		t.Errorf("healthz: %s", r)
	}
	if r := do(t, "GET", "/__scheduled?cron=0+6+*+*+*", nil, nil); r.Status != 200 {
		t.Fatalf("second scheduled run: %s", r)
	}
	rcv.CheckNothingNew(t)
	for _, s := range scheduletest.Secrets() {
		if strings.Contains(p.Output(), s) {
			t.Errorf("wrangler's log shows a secret (%s)", s)
		}
	}
}

// localAPI is the local server's handler (bolt) with the Worker's settings
// (wrangler.toml's SEP_CONFIG) and the suite's tokens, fed the same first
// delivery: the report every host must give byte for byte.
func localAPI(t *testing.T, conf []byte) apitest.Do {
	m := regexp.MustCompile(`(?m)^SEP_CONFIG = '(.*)'$`).FindSubmatch(conf)
	if m == nil {
		t.Fatal("worker/wrangler.toml has no SEP_CONFIG = '...' line")
	}
	env := map[string]string{"SEP_CONFIG": string(m[1])}
	for _, kv := range apitest.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	opt, err := api.OptionsFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	st, err := bolt.Open(filepath.Join(t.TempDir(), "sep.db"), opt.TZ())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	opt.Store = st
	h, err := api.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	do := apitest.HTTP(srv.URL)
	if r := do(t, "POST", "/v1/events", scheduletest.Delivery(), map[string]string{"Authorization": "Bearer " + apitest.IngestToken}); r.Status != 200 {
		t.Fatalf("local delivery: %s", r)
	}
	return do
}

// d1Count runs a SELECT of one number (as n) on the local D1 of wrangler dev.
func d1Count(t *testing.T, wrangler, dir, toml, state string, env []string, query string) int {
	cmd := exec.Command("node", wrangler, "d1", "execute", "sep", "--local", "--persist-to", state, "-c", toml, "--json", "--command", query)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("wrangler d1 execute %q: %v\n%s", query, err, out)
	}
	var res []struct {
		Results []struct {
			N int `json:"n"`
		} `json:"results"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res) != 1 || len(res[0].Results) != 1 {
		t.Fatalf("wrangler d1 execute %q: %v\n%s", query, err, out)
	}
	return res[0].Results[0].N
}
