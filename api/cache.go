package api

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/sep-project/sep/core"
)

// MaxCachedReports is how many stored reports (distinct settings) the handler
// keeps for the store's current generation; past it, the oldest is dropped.
const MaxCachedReports = 16

// CacheHeader tells how a stored report was served: "hit" (from the cache),
// "shared" (computed once for this and concurrent identical reads), "miss"
// (computed for this read) or "off" (the store has no generation).
const CacheHeader = "X-Sep-Cache"

// reportCache serves repeated identical reads of the stored rollups (GET
// /v1/score, /v1/accounts/{id}) from one computation. Entries are keyed by
// the request's normalized settings and valid for one generation of the
// store (core.Generationer): any ingestion, or a new day, moves it and
// empties the cache. Concurrent reads of the same key wait for the first
// one's computation instead of loading the store again. It lives in the
// handler: on Lambda and Workers, one per instance.
type reportCache struct {
	mu      sync.Mutex
	gen     string
	entries map[string]*cached
	order   []string // keys, oldest first
	waiting int      // reads waiting on another's computation (tests)
}

// cached is one report, or the computation of it in flight.
type cached struct {
	done chan struct{} // closed when res is set
	res  readResult
	once sync.Once
	json []byte
	err  error
	// answers holds what is derived from json for every read (answer.go).
	answers answerCache
}

// readResult is a stored report, or the error answer a read gives.
type readResult struct {
	rep    *core.Report
	status int
	msg    string
	detail any
}

// get returns the report of key in generation gen, computing it with compute
// when no read of this generation did (or is doing) it. Error answers are
// shared with the reads waiting on them, never kept.
func (c *reportCache) get(ctx context.Context, gen, key string, compute func(context.Context) readResult) (*cached, string) {
	c.mu.Lock()
	if c.gen != gen || c.entries == nil {
		c.gen, c.entries, c.order = gen, map[string]*cached{}, nil
	}
	if e, ok := c.entries[key]; ok {
		how := "hit"
		select {
		case <-e.done:
		default:
			how = "shared"
			c.waiting++
		}
		c.mu.Unlock()
		if how == "shared" {
			<-e.done
			c.mu.Lock()
			c.waiting--
			c.mu.Unlock()
		}
		return e, how
	}
	e := &cached{done: make(chan struct{})}
	c.entries[key] = e
	c.order = append(c.order, key)
	if len(c.order) > MaxCachedReports {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
	c.mu.Unlock()
	// The computation outlives this read's client: the others wait on it.
	e.res = compute(context.WithoutCancel(ctx))
	close(e.done)
	if e.res.rep == nil {
		c.mu.Lock()
		if c.entries[key] == e {
			delete(c.entries, key)
		}
		c.mu.Unlock()
	}
	return e, "miss"
}

// reportJSON encodes an entry's report once, for every read that serves it.
func (e *cached) reportJSON() ([]byte, error) {
	e.once.Do(func() { e.json, e.err = e.res.rep.JSON() })
	return e.json, e.err
}

// cacheKey is the settings a stored report depends on, as canonical JSON.
func cacheKey(st core.Settings) (string, bool) {
	b, err := json.Marshal(st)
	return string(b), err == nil
}

// cachedRead answers a stored read through the cache when the store has a
// generation, else computes it: the entry, or nil after answering an error.
func (s *server) cachedRead(w http.ResponseWriter, r *http.Request, st core.Settings) *cached {
	compute := func(ctx context.Context) readResult { return s.loadAndScore(ctx, st) }
	var e *cached
	how := "off"
	g, ok := s.opt.Store.(core.Generationer)
	key, keyOK := cacheKey(st)
	gen, err := "", error(nil)
	if ok && keyOK {
		gen, err = g.Generation(r.Context())
	}
	if ok && keyOK && err == nil {
		e, how = s.cache.get(r.Context(), gen, key, compute)
	} else {
		e = &cached{res: compute(r.Context())}
	}
	w.Header().Set(CacheHeader, how)
	if e.res.rep == nil {
		writeError(w, e.res.status, e.res.msg, e.res.detail)
		return nil
	}
	return e
}

// loadAndScore loads the store and scores it.
func (s *server) loadAndScore(ctx context.Context, st core.Settings) readResult {
	roll, err := s.opt.Store.Load(ctx)
	if err != nil {
		return readResult{status: http.StatusServiceUnavailable, msg: "loading the rollups failed", detail: err.Error()}
	}
	rep, err := core.ScoreOnce(roll, st) // roll is dropped after: its cells go while scoring
	if err != nil {
		return readResult{status: http.StatusBadRequest, msg: err.Error()}
	}
	return readResult{rep: rep}
}
