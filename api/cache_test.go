package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sep-project/sep/bolt"
	"github.com/sep-project/sep/core"
)

// countingStore counts Loads; gate, when set, holds each Load until closed;
// fail makes the next Load fail.
type countingStore struct {
	*bolt.Store
	loads atomic.Int32
	gate  chan struct{}
	fail  atomic.Bool
}

func (c *countingStore) Load(ctx context.Context) (*core.Rollup, error) {
	c.loads.Add(1)
	if c.gate != nil {
		<-c.gate
	}
	if c.fail.Swap(false) {
		return nil, errors.New("the table is throttled")
	}
	return c.Store.Load(ctx)
}

// noGeneration hides the store's generation: reads are not cached.
type noGeneration struct{ core.Store }

const cacheTok = "cache-token-0123456789"

func cacheServer(t *testing.T, wrap func(*countingStore) core.Store) (http.Handler, *countingStore) {
	t.Helper()
	bs, err := bolt.Open(filepath.Join(t.TempDir(), "sep.db"), "UTC")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bs.Close() })
	cs := &countingStore{Store: bs}
	var st core.Store = cs
	if wrap != nil {
		st = wrap(cs)
	}
	h, err := New(Options{Store: st, IngestToken: cacheTok, ReadToken: cacheTok})
	if err != nil {
		t.Fatal(err)
	}
	return h, cs
}

func call(h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+cacheTok)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func deliver(t *testing.T, h http.Handler, first, n int) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(`{"batch":[`)
	for i := first; i < first+n; i++ {
		if i > first {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"type":"track","messageId":"m-%d","userId":"u%d","event":"Feature %d","timestamp":"2026-09-%02dT10:00:00Z"}`, i, i%7, i%3, 1+i%20)
	}
	b.WriteString(`]}`)
	if rec := call(h, "POST", "/v1/events", b.String()); rec.Code != 200 {
		t.Fatalf("delivery: %d %s", rec.Code, rec.Body)
	}
}

// Repeated identical reads load the store once and answer the same bytes as
// a read without the cache; a delivery invalidates them.
func TestCachedReadsUntilIngestion(t *testing.T) {
	h, cs := cacheServer(t, nil)
	plain, _ := cacheServer(t, func(c *countingStore) core.Store { return noGeneration{c} })
	deliver(t, h, 0, 60)
	deliver(t, plain, 0, 60)
	want := call(plain, "GET", "/v1/score?window=7", "")
	if want.Code != 200 || want.Header().Get(CacheHeader) != "off" {
		t.Fatalf("uncached read: %d %s %q", want.Code, want.Body, want.Header().Get(CacheHeader))
	}
	for i, how := range []string{"miss", "hit", "hit"} {
		rec := call(h, "GET", "/v1/score?window=7", "")
		if rec.Code != 200 || rec.Body.String() != want.Body.String() || rec.Header().Get(CacheHeader) != how {
			t.Fatalf("read %d: %d %q, body equal %v; want 200 %q and the uncached body", i+1, rec.Code, rec.Header().Get(CacheHeader), rec.Body.String() == want.Body.String(), how)
		}
	}
	if n := cs.loads.Load(); n != 1 {
		t.Fatalf("3 identical reads loaded the store %d times, want 1", n)
	}
	// Other settings are another entry; the account read shares the score's.
	if rec := call(h, "GET", "/v1/score?window=14", ""); rec.Header().Get(CacheHeader) != "miss" {
		t.Fatalf("window=14 after window=7: %q, want miss", rec.Header().Get(CacheHeader))
	}
	if rec := call(h, "GET", "/v1/accounts/none?window=7", ""); rec.Code != 404 || rec.Header().Get(CacheHeader) != "hit" {
		t.Fatalf("account read: %d %q, want 404 from the cached report", rec.Code, rec.Header().Get(CacheHeader))
	}
	if n := cs.loads.Load(); n != 2 {
		t.Fatalf("loads %d, want 2", n)
	}
	// A delivery: the next read loads again and counts the new events.
	deliver(t, h, 60, 10)
	deliver(t, plain, 60, 10)
	want = call(plain, "GET", "/v1/score?window=7", "")
	rec := call(h, "GET", "/v1/score?window=7", "")
	if rec.Header().Get(CacheHeader) != "miss" || rec.Body.String() != want.Body.String() || !strings.Contains(rec.Body.String(), `"events": 70`) {
		t.Fatalf("after a delivery: %q %s\nwant a miss and\n%s", rec.Header().Get(CacheHeader), rec.Body, want.Body)
	}
	// A replayed delivery stores nothing; it still invalidates (a miss is
	// always safe), and the report is the same.
	deliver(t, h, 60, 10)
	if rec := call(h, "GET", "/v1/score?window=7", ""); rec.Header().Get(CacheHeader) != "miss" {
		t.Fatalf("after a replay: %q, want miss", rec.Header().Get(CacheHeader))
	}
}

// A failed load is answered to the read (and the reads sharing it), never kept.
func TestCachedReadErrorIsNotKept(t *testing.T) {
	h, cs := cacheServer(t, nil)
	deliver(t, h, 0, 10)
	cs.fail.Store(true)
	if rec := call(h, "GET", "/v1/score", ""); rec.Code != 503 || !strings.Contains(rec.Body.String(), "throttled") {
		t.Fatalf("failed load: %d %s, want 503", rec.Code, rec.Body)
	}
	if rec := call(h, "GET", "/v1/score", ""); rec.Code != 200 || rec.Header().Get(CacheHeader) != "miss" {
		t.Fatalf("the read after a failed load: %d %q, want 200 miss", rec.Code, rec.Header().Get(CacheHeader))
	}
	if rec := call(h, "GET", "/v1/score", ""); rec.Header().Get(CacheHeader) != "hit" {
		t.Fatalf("then: %q, want hit", rec.Header().Get(CacheHeader))
	}
}

// Past MaxCachedReports distinct settings the oldest entry is dropped.
func TestCachedReportsLimit(t *testing.T) {
	h, cs := cacheServer(t, nil)
	deliver(t, h, 0, 10)
	for w := 1; w <= MaxCachedReports+1; w++ {
		call(h, "GET", fmt.Sprintf("/v1/score?window=%d", w), "")
	}
	if rec := call(h, "GET", fmt.Sprintf("/v1/score?window=%d", MaxCachedReports+1), ""); rec.Header().Get(CacheHeader) != "hit" {
		t.Fatalf("the newest entry: %q, want hit", rec.Header().Get(CacheHeader))
	}
	if rec := call(h, "GET", "/v1/score?window=2", ""); rec.Header().Get(CacheHeader) != "hit" {
		t.Fatalf("the second entry: %q, want hit", rec.Header().Get(CacheHeader))
	}
	if rec := call(h, "GET", "/v1/score?window=1", ""); rec.Header().Get(CacheHeader) != "miss" {
		t.Fatalf("the oldest entry, past the limit: %q, want miss", rec.Header().Get(CacheHeader))
	}
	if n := cs.loads.Load(); n != MaxCachedReports+2 {
		t.Fatalf("loads %d, want %d", n, MaxCachedReports+2)
	}
}

// Concurrent identical reads share one computation: the first computes, the
// others wait on it (their client gone or not) and get the same report.
func TestConcurrentReadsShareOneComputation(t *testing.T) {
	var c reportCache
	gate := make(chan struct{})
	var computed atomic.Int32
	rep := &core.Report{}
	compute := func(ctx context.Context) readResult {
		computed.Add(1)
		<-gate
		if ctx.Err() != nil {
			return readResult{status: 503, msg: "canceled"}
		}
		return readResult{rep: rep}
	}
	const readers = 8
	ctx, cancel := context.WithCancel(context.Background())
	hows := make([]string, readers)
	got := make([]*core.Report, readers)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the first read, whose client goes away
		defer wg.Done()
		e, how := c.get(ctx, "g1", "k", compute)
		got[0], hows[0] = e.res.rep, how
	}()
	for computed.Load() == 0 {
		runtime.Gosched()
	}
	cancel()
	for i := 1; i < readers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			e, how := c.get(context.Background(), "g1", "k", compute)
			got[i], hows[i] = e.res.rep, how
		}(i)
	}
	for {
		c.mu.Lock()
		w := c.waiting
		c.mu.Unlock()
		if w == readers-1 {
			break
		}
		runtime.Gosched()
	}
	close(gate)
	wg.Wait()
	if computed.Load() != 1 {
		t.Fatalf("%d computations, want 1", computed.Load())
	}
	for i := range got {
		want := "shared"
		if i == 0 {
			want = "miss"
		}
		if got[i] != rep || hows[i] != want {
			t.Fatalf("reader %d: report %p %q, want %p %q", i, got[i], hows[i], rep, want)
		}
	}
	// A new generation computes again.
	if _, how := c.get(context.Background(), "g2", "k", compute); how != "miss" || computed.Load() != 2 {
		t.Fatalf("new generation: %q after %d computations", how, computed.Load())
	}
}
