package main

import (
	"os"
	"os/exec"
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
		{"./wasm", "js", "wasm", ""},
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
