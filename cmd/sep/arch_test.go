package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoFusedMultiplyAdd keeps the scores the same bits on every CPU: arm64
// (a Lambda) fuses a*b+c into one instruction that rounds once, where amd64
// and WebAssembly round twice, unless the product is wrapped in float64().
// It builds the CLI and the Lambda bootstrap for arm64 and requires that no
// function of this module contains a fused multiply-add.
func TestNoFusedMultiplyAdd(t *testing.T) {
	dir := t.TempDir()
	builds := []struct{ bin, pkg, tags string }{
		{"sep", ".", ""},
		{"bootstrap", "../../lambda", "lambda.norpc"},
	}
	for _, b := range builds {
		out := filepath.Join(dir, b.bin)
		cmd := exec.Command("go", "build", "-tags", b.tags, "-o", out, b.pkg)
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("arm64 build of %s: %v\n%s", b.pkg, err, msg)
		}
		dump, err := exec.Command("go", "tool", "objdump", out).Output()
		if err != nil {
			t.Fatalf("objdump %s: %v", b.bin, err)
		}
		fn, fused, seen := "", map[string]bool{}, 0
		sc := bufio.NewScanner(bytes.NewReader(dump))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if name, ok := strings.CutPrefix(line, "TEXT "); ok {
				fn = name
				if strings.Contains(fn, "github.com/sep-project/sep/") {
					seen++
				}
				continue
			}
			if !strings.Contains(fn, "github.com/sep-project/sep/") {
				continue
			}
			for _, op := range []string{"FMADD", "FMSUB", "FNMADD", "FNMSUB"} {
				if strings.Contains(line, op) {
					fused[strings.Fields(line)[0]+" in "+fn] = true
				}
			}
		}
		if seen == 0 {
			t.Fatalf("%s: no function of this module in the disassembly", b.bin)
		}
		for where := range fused {
			t.Errorf("%s: a fused multiply-add at %s: wrap the product in float64()", b.bin, where)
		}
	}
}
