// Package testenv starts the real tools the tests run against (dynalite,
// wrangler's workerd) from the project's pinned npm packages, and fails the test
// loudly when they are missing: nothing is skipped in silence.
package testenv

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Root returns the repository root (the folder holding go.mod).
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testenv: no go.mod above the test's folder")
		}
		dir = parent
	}
}

// NodeModule returns the path of an installed npm package of e2e/, or fails
// the test saying how to install it.
func NodeModule(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(Root(t), "e2e", "node_modules", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("testenv: %s is not installed (%v): run `make deps` (scripts/install-test-deps.sh)", name, err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("testenv: node is not on PATH")
	}
	return p
}

// FreePort returns a loopback port nobody listens on right now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Process is a started tool whose output is kept for the failure message.
type Process struct {
	Cmd *exec.Cmd
	mu  sync.Mutex
	out bytes.Buffer
}

func (p *Process) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

// Output returns what the process printed so far.
func (p *Process) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// Start runs a command in dir until the test ends (it is killed then).
func Start(t testing.TB, dir string, env []string, name string, args ...string) *Process {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	p := &Process{Cmd: cmd}
	cmd.Stdout, cmd.Stderr = p, p
	cmd.WaitDelay = 5 * time.Second
	// Tools start children (wrangler starts node and workerd): run them in a
	// process group of their own and kill the whole group.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("testenv: start %s: %v", name, err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.Output())
		}
	})
	return p
}

// WaitPort waits until something accepts connections on the port.
func WaitPort(t testing.TB, port int, within time.Duration, p *Process) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
		if err == nil {
			c.Close()
			return
		}
		if p != nil && p.Cmd.ProcessState != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	out := ""
	if p != nil {
		out = p.Output()
	}
	t.Fatalf("testenv: nothing listens on port %d after %s; output:\n%s", port, within, out)
}

// Dynalite starts dynalite (a DynamoDB implementation on LevelDB, in memory
// here) on a free loopback port and returns its endpoint URL.
func Dynalite(t testing.TB) string {
	t.Helper()
	mod := NodeModule(t, "dynalite")
	port := FreePort(t)
	p := Start(t, Root(t), nil, "node", filepath.Join(mod, "cli.js"), "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0")
	WaitPort(t, port, 20*time.Second, p)
	return fmt.Sprintf("http://127.0.0.1:%d", port)
}
