//go:build !js

package main_test

import (
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sep-project/sep/internal/apitest"
	"github.com/sep-project/sep/internal/testenv"
)

// Cloudflare's limits on a Worker's compressed size.
const (
	freeLimit = 3 << 20
	paidLimit = 10 << 20
)

// buildWorker builds the Worker as `make worker` does, into dir.
func buildWorker(t *testing.T, root, dir string) {
	t.Helper()
	for _, args := range [][]string{
		{"run", "github.com/syumai/workers/cmd/workers-assets-gen", "-mode=go", "-o", dir},
		{"build", "-tags", "sep_stdjson", "-trimpath", "-ldflags", "-s -w", "-o", filepath.Join(dir, "app.wasm"), "./worker"},
	} {
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
		if args[0] == "run" {
			cmd.Env = os.Environ()
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

func gzipSize(t *testing.T, path string) int {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var n countWriter
	zw, _ := gzip.NewWriterLevel(&n, gzip.BestCompression)
	io.Copy(zw, f)
	zw.Close()
	return int(n)
}

type countWriter int

func (c *countWriter) Write(b []byte) (int, error) { *c += countWriter(len(b)); return len(b), nil }

// TestWorkerUnderWranglerDev runs the real Worker (Go compiled to WebAssembly,
// syumai/workers' shim) in wrangler dev's workerd with a local D1 database,
// through the host-agnostic API suite and the tracking API's case: once with
// the project's wrangler.toml (SEP_CONFIG in UTC) and once with its SEP_CONFIG
// counting days in Europe/Paris, each on a D1 database of its own.
func TestWorkerUnderWranglerDev(t *testing.T) {
	root := testenv.Root(t)
	wrangler := filepath.Join(testenv.NodeModule(t, "wrangler"), "bin", "wrangler.js")
	build := filepath.Join(t.TempDir(), "build")
	buildWorker(t, root, build)

	size := gzipSize(t, filepath.Join(build, "app.wasm"))
	t.Logf("worker app.wasm gzipped: %d bytes (free plan limit %d, paid %d)", size, freeLimit, paidLimit)
	if size > freeLimit {
		t.Errorf("the Worker is %d bytes gzipped, over the free plan's %d", size, freeLimit)
	}
	for _, tz := range []string{"UTC", "Europe/Paris"} {
		t.Run(strings.ReplaceAll(tz, "/", "-"), func(t *testing.T) {
			base := startWorker(t, root, wrangler, build, tz, apitest.Env())
			apitest.RunIn(t, apitest.HTTP(base), tz)
			// The tracking API through workerd: Basic write key, a gzip body
			// labelled form-encoded (RudderStack's Node SDK), a retried batch.
			t.Run("TrackingAPI", func(t *testing.T) { apitest.RunTracking(t, apitest.HTTP(base)) })
		})
	}
	// Answers over a lowered limit (SEP_MAX_ANSWER): 422 with advice that works.
	t.Run("Capped", func(t *testing.T) {
		apitest.RunCapped(t, apitest.HTTP(startWorker(t, root, wrangler, build, "UTC", apitest.EnvCapped())))
	})
}

// startWorker starts wrangler dev on the build with the project's
// wrangler.toml, its SEP_CONFIG's tz set to tz, and a fresh local D1 with the
// migrations applied, and the variables vars; it returns the Worker's base URL.
func startWorker(t *testing.T, root, wrangler, build, tz string, vars []string) string {
	t.Helper()
	dir := t.TempDir()
	conf, err := os.ReadFile(filepath.Join(root, "worker", "wrangler.toml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer(`"./build/worker.mjs"`, strconv.Quote(filepath.Join(build, "worker.mjs")),
		`"../d1/migrations"`, strconv.Quote(filepath.Join(root, "d1", "migrations"))).Replace(string(conf))
	if text == string(conf) {
		t.Fatal("worker/wrangler.toml no longer has the main and migrations_dir this test rewrites")
	}
	config := regexp.MustCompile(`(?m)^SEP_CONFIG = '\{"tz":"[^"]*"`)
	if !config.MatchString(text) {
		t.Fatal(`worker/wrangler.toml no longer has the SEP_CONFIG = '{"tz":...' line this test rewrites`)
	}
	text = config.ReplaceAllLiteralString(text, `SEP_CONFIG = '{"tz":`+strconv.Quote(tz))
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

	port := testenv.FreePort(t)
	args := []string{wrangler, "dev", "-c", toml, "--ip", "127.0.0.1", "--port", strconv.Itoa(port),
		"--persist-to", state, "--inspector-port", strconv.Itoa(testenv.FreePort(t)), "--show-interactive-dev-session=false"}
	for _, kv := range vars {
		args = append(args, "--var", strings.Replace(kv, "=", ":", 1))
	}
	start := time.Now()
	p := testenv.Start(t, dir, env, "node", args...)
	testenv.WaitPort(t, port, 60*time.Second, p)
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	first := apitest.HTTP(base)(t, "GET", "/healthz", nil, nil)
	if first.Status != 200 {
		t.Fatalf("first request: %s\n%s", first, p.Output())
	}
	t.Logf("wrangler dev start to first response: %v", time.Since(start).Round(time.Millisecond))
	return base
}
