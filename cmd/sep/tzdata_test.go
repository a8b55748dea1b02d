package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryBuildEmbedsTheZoneDatabase checks that each shipped program links
// time/tzdata: the page's WebAssembly and the Worker have no system zone
// database, and the CLI and the Lambda bootstrap may run in minimal images.
func TestEveryBuildEmbedsTheZoneDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	for _, b := range []struct{ pkg, goos, goarch, tags string }{
		{"./cmd/sep", "", "", ""},
		{"./lambda", "linux", "arm64", "lambda.norpc"},
		{"./wasm", "js", "wasm", "sep_nopush"},
		{"./worker", "js", "wasm", "sep_stdjson"},
	} {
		cmd := exec.Command("go", "list", "-deps", "-tags", b.tags, b.pkg)
		cmd.Dir = "../.."
		cmd.Env = os.Environ()
		if b.goos != "" {
			cmd.Env = append(cmd.Env, "GOOS="+b.goos, "GOARCH="+b.goarch)
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", b.pkg, err, out)
		}
		if !strings.Contains("\n"+string(out), "\ntime/tzdata\n") {
			t.Errorf("%s (%s/%s) does not embed time/tzdata", b.pkg, b.goos, b.goarch)
		}
	}
}

// Size limits of the two WebAssembly builds, zone database included, gzipped
// at level 9 (Go's gzip, about 1% larger than the gzip -9 that `make site`
// and `make worker` report: the test errs on the safe side).
const (
	maxPageWasmGzip   = 3_000_000 // the page's sep.wasm: 3 MB
	maxWorkerWasmGzip = 3 << 20   // Cloudflare Workers free plan: 3 MiB
)

// TestWebAssemblyFitsItsLimit builds the page's and the Worker's WebAssembly
// as the Makefile does and checks their gzipped sizes.
func TestWebAssemblyFitsItsLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two WebAssembly binaries")
	}
	for _, b := range []struct {
		pkg, tags string
		limit     int
	}{
		{"./wasm", "sep_nopush", maxPageWasmGzip},
		{"./worker", "sep_stdjson", maxWorkerWasmGzip},
	} {
		out := filepath.Join(t.TempDir(), "app.wasm")
		cmd := exec.Command("go", "build", "-tags", b.tags, "-trimpath", "-ldflags", "-s -w", "-o", out, b.pkg)
		cmd.Dir = "../.."
		cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", b.pkg, err, msg)
		}
		raw, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var gz bytes.Buffer
		w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		w.Write(raw)
		w.Close()
		t.Logf("%s: %d bytes, %d gzipped (limit %d)", b.pkg, len(raw), gz.Len(), b.limit)
		if gz.Len() > b.limit {
			t.Errorf("%s is %d bytes gzipped, over its %d limit", b.pkg, gz.Len(), b.limit)
		}
	}
}

// TestPageLinksNoHTTPClient: the page reads and scores files in the browser
// and sends nothing, so its WebAssembly (built with sep_nopush, as make site
// does) must not link net/http, which alone costs about 0.5 MB gzipped.
func TestPageLinksNoHTTPClient(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-tags", "sep_nopush", "./wasm")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list ./wasm: %v\n%s", err, out)
	}
	for _, pkg := range []string{"net/http", "crypto/tls"} {
		if strings.Contains("\n"+string(out), "\n"+pkg+"\n") {
			t.Errorf("the page's WebAssembly links %s", pkg)
		}
	}
}
