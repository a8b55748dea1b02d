// Package sdktest drives the real Segment and RudderStack Node SDKs (pinned in
// e2e/package.json) against a host of sep's tracking API through a recording
// proxy, so tests compare what the host stored with what the SDK really sent.
// A missing node or SDK fails the test: nothing is skipped.
package sdktest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sep-project/sep/internal/testenv"
)

// SDKs are the SDKs e2e/sdk/send.mjs drives, by the name it takes.
var SDKs = []string{"segment", "rudderstack"}

// Modules are the npm packages of the SDKs.
var Modules = map[string]string{"segment": "@segment/analytics-node", "rudderstack": "@rudderstack/rudder-sdk-node"}

// Request is one HTTP request the SDK made, as it arrived.
type Request struct {
	Method, Path string
	Header       http.Header
	Raw          []byte // the body as sent (gzip for RudderStack)
	Body         []byte // the body inflated when it was gzip
	Status       int    // what the SDK was answered
}

// Recording is what one run of an SDK sent.
type Recording struct {
	SDK      string
	Requests []Request
	// Calls is the number of SDK calls made; Unique the distinct messageIds.
	Calls, Unique int
	// Dropped is the index in Requests of the POST answered 503 by the proxy.
	Dropped int
}

// Send runs e2e/sdk/send.mjs with one SDK against a recording proxy in front
// of upstream. The proxy answers 503 to the first POST after upstream stored
// it (an acknowledgement lost on the way), so the SDK retries that batch.
func Send(t *testing.T, sdk string, upstream http.Handler, writeKey string) *Recording {
	t.Helper()
	testenv.NodeModule(t, Modules[sdk])
	root := testenv.Root(t)
	rec := &Recording{SDK: sdk}
	var mu sync.Mutex
	failedOnce := false
	proxy := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		r.Body.Close()
		fwd := r.Clone(r.Context())
		fwd.Body, fwd.ContentLength = io.NopCloser(bytes.NewReader(raw)), int64(len(raw))
		cw := &captureWriter{header: http.Header{}, status: http.StatusOK}
		upstream.ServeHTTP(cw, fwd)
		mu.Lock()
		status := cw.status
		if r.Method == http.MethodPost && status == http.StatusOK && !failedOnce {
			failedOnce, status = true, http.StatusServiceUnavailable
			rec.Dropped = len(rec.Requests)
		}
		rec.Requests = append(rec.Requests, Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Raw: raw, Body: inflate(raw), Status: status})
		mu.Unlock()
		for k, vs := range cw.header {
			w.Header()[k] = vs
		}
		w.WriteHeader(status)
		if status == cw.status {
			w.Write(cw.body.Bytes())
		} else {
			io.WriteString(w, `{"error":"the test proxy drops this acknowledgement"}`)
		}
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: proxy}
	go srv.Serve(l)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(root, "e2e", "sdk", "send.mjs"))
	cmd.Dir = filepath.Join(root, "e2e")
	cmd.Env = append(os.Environ(), "SDK="+sdk, "HOST=http://"+l.Addr().String(), "WRITE_KEY="+writeKey)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s SDK: %v\nstdout: %s\nstderr: %s", sdk, err, stdout.Bytes(), stderr.Bytes())
	}
	var sum struct{ Calls, Unique int }
	if err := json.Unmarshal(lastLine(stdout.Bytes()), &sum); err != nil || sum.Calls == 0 {
		t.Fatalf("%s SDK printed no summary: %v\n%s\n%s", sdk, err, stdout.Bytes(), stderr.Bytes())
	}
	rec.Calls, rec.Unique = sum.Calls, sum.Unique
	mu.Lock()
	defer mu.Unlock()
	if !failedOnce {
		t.Fatalf("%s SDK made no successful POST", sdk)
	}
	return rec
}

func lastLine(b []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return lines[len(lines)-1]
}

// captureWriter keeps what upstream answered.
type captureWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *captureWriter) Header() http.Header         { return c.header }
func (c *captureWriter) WriteHeader(s int)           { c.status = s }
func (c *captureWriter) Write(b []byte) (int, error) { return c.body.Write(b) }

func inflate(b []byte) []byte {
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return b
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return b
	}
	return out
}

// Upstream forwards requests to a running server at base.
func Upstream(base string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := http.NewRequestWithContext(r.Context(), r.Method, base+r.URL.RequestURI(), r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		req.Header = r.Header.Clone()
		req.ContentLength = r.ContentLength
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		for k, vs := range res.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(res.StatusCode)
		io.Copy(w, res.Body)
	})
}

// Events returns every event of the batches the SDK sent, in order, a
// retried batch's events again: the product's events as an at-least-once
// export holds them (sep counts each messageId once, the repeats in
// input.duplicates, as the store does with the retried delivery).
func (rec *Recording) Events(t *testing.T) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	for i, r := range rec.Requests {
		if r.Method != http.MethodPost {
			continue
		}
		var b struct {
			Batch []json.RawMessage `json:"batch"`
		}
		if err := json.Unmarshal(r.Body, &b); err != nil {
			t.Fatalf("%s request %d (%s) is not a batch: %v", rec.SDK, i, r.Path, err)
		}
		out = append(out, b.Batch...)
	}
	return out
}

// WriteEvents writes Events as JSON lines to a file in dir and returns its path.
func (rec *Recording) WriteEvents(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, rec.SDK+"-events.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for _, ev := range rec.Events(t) {
		var c bytes.Buffer
		if err := json.Compact(&c, ev); err != nil {
			t.Fatal(err)
		}
		c.WriteByte('\n')
		w.Write(c.Bytes())
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// CheckWire checks what the SDK put on the wire: Basic auth with the write
// key and an empty password on every POST to /v1/batch, RudderStack's gzip
// body labelled form-encoded, and the retry of the batch whose answer was
// dropped (the same messageIds posted twice).
func (rec *Recording) CheckWire(t *testing.T, writeKey string) {
	t.Helper()
	posts := 0
	for i, r := range rec.Requests {
		if r.Method != http.MethodPost {
			continue
		}
		posts++
		req := &http.Request{Header: r.Header}
		if user, pass, ok := req.BasicAuth(); !ok || user != writeKey || pass != "" {
			t.Errorf("%s request %d: Authorization %q, want Basic with the write key and an empty password", rec.SDK, i, r.Header.Get("Authorization"))
		}
		if r.Path != "/v1/batch" {
			t.Errorf("%s request %d: path %s, want /v1/batch", rec.SDK, i, r.Path)
		}
		gz := bytes.HasPrefix(r.Raw, []byte{0x1f, 0x8b})
		if rec.SDK == "rudderstack" && (!gz || r.Header.Get("Content-Encoding") != "gzip") {
			t.Errorf("rudderstack request %d: gzip %v, Content-Encoding %q, Content-Type %q", i, gz, r.Header.Get("Content-Encoding"), r.Header.Get("Content-Type"))
		}
		if rec.SDK == "segment" && (gz || r.Header.Get("Content-Type") != "application/json") {
			t.Errorf("segment request %d: gzip %v, Content-Type %q", i, gz, r.Header.Get("Content-Type"))
		}
	}
	if posts < 3 {
		t.Errorf("%s made %d POSTs, want several batches", rec.SDK, posts)
	}
	first := rec.Requests[rec.Dropped]
	for _, r := range rec.Requests[rec.Dropped+1:] {
		if bytes.Equal(batchIDs(r.Body), batchIDs(first.Body)) {
			return
		}
	}
	t.Errorf("%s did not retry the batch answered 503", rec.SDK)
}

// batchIDs returns a batch's messageIds, joined.
func batchIDs(body []byte) []byte {
	var b struct {
		Batch []struct {
			MessageID string `json:"messageId"`
		} `json:"batch"`
	}
	json.Unmarshal(body, &b)
	var out bytes.Buffer
	for _, e := range b.Batch {
		fmt.Fprintf(&out, "%s,", e.MessageID)
	}
	return out.Bytes()
}
