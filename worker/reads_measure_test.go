//go:build !js

package main_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/storetest"
	"github.com/sep-project/sep/core/synth"
	"github.com/sep-project/sep/d1"
	"github.com/sep-project/sep/ingest"
	"github.com/sep-project/sep/internal/apitest"
	"github.com/sep-project/sep/internal/testenv"
	_ "modernc.org/sqlite" // writes the synth product into wrangler dev's D1 file
)

// TestMeasureD1Reads is a measurement, not a test (docs/hosting-costs.md):
// with SEP_MEASURE_D1_USERS=N it writes synth's N users x 90 days into the
// local D1 of wrangler dev (its SQLite file, through d1.Store's statements:
// loading through HTTP would take hours), then measures a fresh GET
// /v1/score through the Worker before and after the Cron Trigger's run
// compacts the closed days, and the rows each query of d1.Store.Load reads
// (loadRows). Skipped without the variable.
func TestMeasureD1Reads(t *testing.T) {
	users, _ := strconv.Atoi(os.Getenv("SEP_MEASURE_D1_USERS"))
	if users <= 0 {
		t.Skip("set SEP_MEASURE_D1_USERS to measure")
	}
	ctx := context.Background()
	root := testenv.Root(t)
	wrangler := filepath.Join(testenv.NodeModule(t, "wrangler"), "bin", "wrangler.js")
	dir := t.TempDir()
	build := filepath.Join(dir, "build")
	buildWorker(t, root, build)
	conf, err := os.ReadFile(filepath.Join(root, "worker", "wrangler.toml"))
	if err != nil {
		t.Fatal(err)
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
	var files []string
	all, _ := filepath.Glob(filepath.Join(state, "v3", "d1", "*", "*.sqlite"))
	for _, f := range all {
		if filepath.Base(f) != "metadata.sqlite" {
			files = append(files, f)
		}
	}
	if len(files) != 1 {
		t.Fatalf("wrangler dev's D1 file: %v", files)
	}

	// The product, written into the D1 file.
	var export bytes.Buffer
	synth.Write(&export, synth.Options{Users: users, Days: 90, Seed: 1, Format: core.FormatSegment})
	evs, _, err := ingest.DecodeEvents(ctx, export.Bytes(), ingest.Options{Format: core.FormatSegment})
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+files[0]+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	st, err := d1.Open(ctx, db, "UTC")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	for i := 0; i < len(evs); i += 1000 {
		if _, err := st.Ingest(ctx, evs[i:min(i+1000, len(evs))]); err != nil {
			t.Fatal(err)
		}
	}
	loadS := time.Since(t0).Seconds()
	db.Close()

	port := testenv.FreePort(t)
	args := []string{wrangler, "dev", "-c", toml, "--ip", "127.0.0.1", "--port", strconv.Itoa(port), "--test-scheduled",
		"--persist-to", state, "--inspector-port", strconv.Itoa(testenv.FreePort(t)), "--show-interactive-dev-session=false"}
	for _, kv := range apitest.Env() {
		args = append(args, "--var", strings.Replace(kv, "=", ":", 1))
	}
	p := testenv.Start(t, dir, env, "node", args...)
	testenv.WaitPort(t, port, 60*time.Second, p)
	do := apitest.HTTP("http://127.0.0.1:" + strconv.Itoa(port))
	auth := map[string]string{"Authorization": "Bearer " + apitest.IngestToken}
	read := map[string]string{"Authorization": "Bearer " + apitest.ReadToken}
	// The same event each time: stored once, then a duplicate that moves the
	// generation, so that the next read is fresh.
	nudge := storetest.SegmentBatch([]core.Event{{MessageID: "measure-nudge", UserID: "measure", Name: "Nudge", Kind: core.KindTrack, TimeMs: time.Now().Add(-time.Hour).UnixMilli()}})
	fresh := func() map[string]any {
		for try := 0; ; try++ { // workerd restarts the isolate after a long run (503)
			r := do(t, "POST", "/v1/events", nudge, auth)
			if r.Status == 200 {
				break
			}
			if r.Status != 503 || try == 5 {
				t.Fatalf("nudge: %s\n%s", r, p.Output())
			}
			time.Sleep(2 * time.Second)
		}
		t0 := time.Now()
		r := do(t, "GET", "/v1/score", nil, read)
		if r.Status != 200 || r.Header.Get("X-Sep-Cache") != "miss" {
			t.Fatalf("GET /v1/score: %d %s %.300s\n%s", r.Status, r.Header.Get("X-Sep-Cache"), r.Body, p.Output())
		}
		out := map[string]any{"seconds": time.Since(t0).Seconds(), "answer_bytes": len(r.Body)}
		rows := map[string]int{}
		total := 0
		for name, q := range loadRows {
			n := d1Count(t, wrangler, dir, toml, state, env, q)
			rows[name] = n
			total += n
		}
		out["rows_read"], out["rows_read_total"] = rows, total
		return out
	}
	before := fresh()
	t.Logf("before compaction: %v", before)
	t0 = time.Now()
	// The run (compaction, then scoring) takes longer than apitest's timeout.
	res, err := (&http.Client{Timeout: 30 * time.Minute}).Get("http://127.0.0.1:" + strconv.Itoa(port) + "/__scheduled?cron=0+6+*+*+*")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("scheduled run: %v %v\n%s", res, err, p.Output())
	}
	res.Body.Close()
	runS := time.Since(t0).Seconds()
	t.Logf("scheduled run: %.1f s", runS)
	after := fresh()
	snapshots := d1Count(t, wrangler, dir, toml, state, env, "SELECT count(*) AS n FROM snapshot_days")
	parts := d1Count(t, wrangler, dir, toml, state, env, "SELECT coalesce(sum(length(data)), 0) AS n FROM snapshot_parts")
	out, _ := json.Marshal(map[string]any{"users": users, "events": len(evs), "load_s": loadS,
		"before_compaction": before, "scheduled_run_s": runS, "after_compaction": after,
		"snapshot_days": snapshots, "snapshot_bytes": parts})
	t.Log(string(out))
}

// loadRows counts the rows each query of d1.Store.Load reads, by D1's rule
// (rows scanned): cells and staged are scanned whole (no index on day), as
// are members, traits and input; a snapshot is its day's row and its parts,
// read by key; the generation is one row. (wrangler's local D1 reports no
// rows_read, so they are counted.)
var loadRows = map[string]string{
	"cells":      `SELECT count(*) AS n FROM cells`,
	"staged":     `SELECT count(*) AS n FROM staged`,
	"snapshots":  `SELECT (SELECT count(*) FROM snapshot_days) + (SELECT count(*) FROM snapshot_parts p JOIN snapshot_days d ON p.day = d.day AND p.version = d.version) AS n`,
	"members":    `SELECT count(*) AS n FROM members`,
	"traits":     `SELECT count(*) AS n FROM traits`,
	"input":      `SELECT count(*) AS n FROM input`,
	"generation": `SELECT 1 AS n`,
}
