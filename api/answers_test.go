package api_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/sep-project/sep/api"
	"github.com/sep-project/sep/internal/apitest"
)

// deliverExport stores the API suite's product (40 users, 5 accounts).
func deliverExport(t *testing.T, h http.Handler) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(string(apitest.Export())), "\n")
	for i := 0; i < len(lines); i += 200 {
		body := "[" + strings.Join(lines[i:min(i+200, len(lines))], ",") + "]"
		if rec := do(h, "POST", eventsPath, []byte(body), "Authorization", "Bearer "+ingestTok); rec.Code != 200 {
			t.Fatalf("delivery: %d %s", rec.Code, rec.Body)
		}
	}
}

// TestKeptGzip: the whole report's gzip is made once per cached report: a
// second gzip read is a cache hit with the same bytes, which decode to the
// plain answer.
func TestKeptGzip(t *testing.T) {
	h, _ := newServer(t, hosted())
	deliverExport(t, h)
	plain := do(h, "GET", "/v1/score", nil, "Authorization", "Bearer "+readTok)
	a := do(h, "GET", "/v1/score", nil, "Authorization", "Bearer "+readTok, "Accept-Encoding", "gzip")
	b := do(h, "GET", "/v1/score", nil, "Authorization", "Bearer "+readTok, "Accept-Encoding", "gzip")
	if a.Code != 200 || b.Code != 200 || a.Header().Get("Content-Encoding") != "gzip" || b.Header().Get(api.CacheHeader) != "hit" ||
		!bytes.Equal(a.Body.Bytes(), b.Body.Bytes()) || !bytes.Equal(gunzipped(t, a.Body.Bytes()), plain.Body.Bytes()) {
		t.Fatalf("gzip reads: %d %d, %q %q", a.Code, b.Code, a.Header().Get("Content-Encoding"), b.Header().Get(api.CacheHeader))
	}
	// Another setting's report keeps its own gzip, not this one's.
	plain7 := do(h, "GET", "/v1/score?window=7", nil, "Authorization", "Bearer "+readTok)
	z7 := do(h, "GET", "/v1/score?window=7", nil, "Authorization", "Bearer "+readTok, "Accept-Encoding", "gzip")
	if plain7.Code != 200 || z7.Code != 200 || bytes.Equal(plain7.Body.Bytes(), plain.Body.Bytes()) ||
		!bytes.Equal(gunzipped(t, z7.Body.Bytes()), plain7.Body.Bytes()) {
		t.Fatalf("window=7 gzip read: %d %d; decodes to its plain answer: %v", plain7.Code, z7.Code, bytes.Equal(gunzipped(t, z7.Body.Bytes()), plain7.Body.Bytes()))
	}
}

// TestHostCompresses: on a host that gzips answers itself (the Worker), the
// handler writes the plain bytes with Content-Encoding: gzip, and still
// counts the limit on the gzip size.
func TestHostCompresses(t *testing.T) {
	opt := hosted()
	opt.HostCompresses = true
	h, _ := newServer(t, opt)
	deliverExport(t, h)
	plain := do(h, "GET", "/v1/score", nil, "Authorization", "Bearer "+readTok)
	z := do(h, "GET", "/v1/score", nil, "Authorization", "Bearer "+readTok, "Accept-Encoding", "gzip")
	if z.Code != 200 || z.Header().Get("Content-Encoding") != "gzip" || !bytes.Equal(z.Body.Bytes(), plain.Body.Bytes()) {
		t.Fatalf("host-compressed answer: %d %q, plain bytes %v", z.Code, z.Header().Get("Content-Encoding"), bytes.Equal(z.Body.Bytes(), plain.Body.Bytes()))
	}
	// Between the gzip size (~5 KB) and the plain one (~30 KB): served to
	// gzip clients only.
	opt.MaxAnswer = 10000
	h, _ = newServer(t, opt)
	deliverExport(t, h)
	if z := do(h, "GET", "/v1/score", nil, "Authorization", "Bearer "+readTok, "Accept-Encoding", "gzip"); z.Code != 200 || z.Body.Len() <= opt.MaxAnswer {
		t.Fatalf("gzip client under a limit between the sizes: %d, %d bytes", z.Code, z.Body.Len())
	}
	if p := do(h, "GET", "/v1/score", nil, "Authorization", "Bearer "+readTok); p.Code != 422 || !strings.Contains(p.Body.String(), "Accept-Encoding: gzip") {
		t.Fatalf("plain client over the limit: %d %s", p.Code, p.Body)
	}
}

func gunzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCSVGzip: the CSV exports are gzipped for a client that accepts it, and
// decode to the plain ones.
func TestCSVGzip(t *testing.T) {
	h, _ := newServer(t, hosted())
	deliverExport(t, h)
	for _, path := range []string{"/v1/accounts.csv", "/v1/users.csv"} {
		plain := do(h, "GET", path, nil, "Authorization", "Bearer "+readTok)
		z := do(h, "GET", path, nil, "Authorization", "Bearer "+readTok, "Accept-Encoding", "gzip")
		if plain.Code != 200 || z.Code != 200 || z.Header().Get("Content-Encoding") != "gzip" || plain.Header().Get("Content-Encoding") != "" ||
			!bytes.Equal(gunzipped(t, z.Body.Bytes()), plain.Body.Bytes()) || plain.Body.Len() < 100 {
			t.Fatalf("%s: %d %d %q", path, plain.Code, z.Code, z.Header().Get("Content-Encoding"))
		}
	}
}
