//go:build !js

package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

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
	if r := do(t, "GET", "/__scheduled?cron=0+6+*+*+*", nil, nil); r.Status != 200 {
		t.Fatalf("scheduled run: %s\n%s", r, p.Output())
	}
	rcv.CheckFirstRun(t)
	read := map[string]string{"Authorization": "Bearer " + apitest.ReadToken}
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
