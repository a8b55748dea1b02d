// Command reads measures GET /v1/score on the local server's bbolt store at a
// given size, fresh (the store loaded and scored), cached, and four concurrent
// fresh reads, before and after compacting the closed days (issue #14, part 3).
// It is a measurement, not a test; each step runs in its own process so that
// its peak RSS (VmHWM) is its own.
//
//	go run ./bench/reads gen -users 100000 -dir /tmp/reads   # synth data, written directly into the store
//	go run ./bench/reads read -dir /tmp/reads                 # fresh, cached, 4 concurrent
//	go run ./bench/reads compact -dir /tmp/reads
//	go run ./bench/reads read -dir /tmp/reads
//
// The store's clock is 2026-09-30 20:00 UTC: synth's last day (today) is open,
// the 89 days before it closed.
package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sep-project/sep/api"
	"github.com/sep-project/sep/bolt"
	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/synth"
	"github.com/sep-project/sep/ingest"
	bbolt "go.etcd.io/bbolt"
)

var clock = time.Date(2026, 9, 30, 20, 0, 0, 0, time.UTC)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: reads gen|read|compact|phases [-users N] [-days N] [-dir D] [-cpuprofile F] [-memprofile F]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	users := fs.Int("users", 10000, "users")
	days := fs.Int("days", 90, "days of history")
	dir := fs.String("dir", "/tmp/sep-reads", "folder of the store")
	cpuProfile := fs.String("cpuprofile", "", "phases, compact: write a CPU profile of the load and score (the compaction) here")
	memProfile := fs.String("memprofile", "", "phases: write an allocation profile here")
	report := fs.String("report", "", "phases: write the JSON report here (to compare two builds)")
	fs.Parse(os.Args[2:])
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(*dir, *users, *days)
	case "read":
		err = read(*dir)
	case "compact":
		err = compact(*dir, *cpuProfile)
	case "phases":
		err = phases(*dir, *cpuProfile, *memProfile, *report)
	default:
		err = fmt.Errorf("unknown step %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "reads:", err)
		os.Exit(1)
	}
}

func openStore(dir string) (*bolt.Store, error) {
	st, err := bolt.Open(filepath.Join(dir, "sep.db"), "UTC")
	if err != nil {
		return nil, err
	}
	st.SetClock(func() time.Time { return clock })
	return st, nil
}

// gen writes synth's product in chunks of 10,000 users (each chunk's users
// and accounts renamed apart), each chunk rolled up and written in one
// transaction.
func gen(dir string, users, days int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	st, err := openStore(dir)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	ctx := context.Background()
	const chunk = 10000
	for c := 0; c*chunk < users; c++ {
		var buf bytes.Buffer
		if _, err := synth.Write(&buf, synth.Options{Users: min(chunk, users-c*chunk), Days: days, Seed: int64(c + 1), Format: core.FormatSegment}); err != nil {
			return err
		}
		p := "c" + strconv.Itoa(c) + "-"
		body := strings.NewReplacer(`"user-`, `"`+p+`user-`, `"acct-`, `"`+p+`acct-`).Replace(buf.String())
		r, err := core.NewRollup("UTC")
		if err != nil {
			return err
		}
		r.SetTimeRange(core.TimeRange{Now: clock})
		if err := ingest.Read(ctx, strings.NewReader(body), ingest.Options{Format: core.FormatSegment}, r); err != nil {
			return err
		}
		if err := st.WriteRollup(ctx, r); err != nil {
			return err
		}
	}
	fmt.Printf("gen: %d users x %d days in %.1f s\n", users, days, time.Since(start).Seconds())
	return nil
}

// compact compacts the store and prints its wall and CPU time, peak RSS (the
// mapped file's pages count) and the bytes it wrote (/proc/self/io).
func compact(dir, cpuProfile string) error {
	st, err := openStore(dir)
	if err != nil {
		return err
	}
	defer st.Close()
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	// The anonymous memory's peak, sampled (VmHWM counts the pages of the
	// mapped file read, which the kernel drops when it needs them).
	var anon atomic.Int64
	stop := make(chan struct{})
	go func() {
		for t := time.NewTicker(20 * time.Millisecond); ; {
			anon.Store(max(anon.Load(), procStatus("RssAnon:")))
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	start, cpu0, w0 := time.Now(), cpuTime(), writeBytes()
	n, err := st.Compact(context.Background())
	close(stop)
	if err != nil {
		return err
	}
	fmt.Printf("compact: %d days in %.2f s, CPU %.2f s, peak RSS %d MB (anonymous %d MB, sampled), wrote %d MB\n", n,
		time.Since(start).Seconds(), (cpuTime() - cpu0).Seconds(), vmHWM()>>20, anon.Load()>>20, (writeBytes()-w0)>>20)
	return nil
}

// writeBytes is the process's write_bytes in /proc/self/io (bytes it sent to
// the disk's cache), 0 where there is none.
func writeBytes() int64 {
	b, _ := os.ReadFile("/proc/self/io")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "write_bytes: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// read measures one fresh read, five cached ones, the shapes of answers a
// big deployment asks for (readShapes), and four concurrent reads after a
// delivery invalidated the cache.
func read(dir string) error {
	cells, snaps, err := items(dir)
	if err != nil {
		return err
	}
	st, err := openStore(dir)
	if err != nil {
		return err
	}
	defer st.Close()
	h, err := api.New(api.Options{Store: st, OpenReads: true})
	if err != nil {
		return err
	}
	get := func() (time.Duration, string, int, error) {
		d, _, how, size, err := getQuery(h, "/v1/score", false)
		return d, how, size, err
	}
	fresh, how, size, err := get()
	if err != nil {
		return err
	}
	peak := vmHWM()
	var cached []time.Duration
	for i := 0; i < 5; i++ {
		d, how, _, err := get()
		if err != nil || how != "hit" {
			return fmt.Errorf("cached read %d: %q, %v", i, how, err)
		}
		cached = append(cached, d)
	}
	slices.Sort(cached)
	shapes, err := readShapes(h)
	if err != nil {
		return err
	}
	// A delivery, then four identical reads at once: one computation.
	if _, err := st.Ingest(context.Background(), []core.Event{{MessageID: "bench-late", UserID: "c0-user-1", Name: "Query Run", Kind: core.KindTrack, TimeMs: clock.Add(-time.Hour).UnixMilli()}}); err != nil {
		return err
	}
	t := time.Now()
	var wg sync.WaitGroup
	hows := make([]string, 4)
	for i := range hows {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, hows[i], _, _ = get()
		}(i)
	}
	wg.Wait()
	four := time.Since(t)
	out := map[string]any{
		"items_read": cells + snaps, "cells": cells, "closed_day_items": snaps, "answer_bytes": size,
		"fresh_s": fresh.Seconds(), "fresh_cache": how, "peak_rss_mb": peak >> 20,
		"cached_median_ms":  float64(cached[2].Microseconds()) / 1000,
		"four_concurrent_s": four.Seconds(), "four_cache": hows, "peak_rss_after_four_mb": vmHWM() >> 20,
		"shapes": shapes,
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
	return nil
}

// getQuery reads one answer of the handler, gzipped or not: its wall and CPU
// time (user+sys of the process), how the cache served it, and its size.
func getQuery(h http.Handler, query string, gz bool) (wall, cpu time.Duration, how string, size int, err error) {
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1"+query, nil)
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	rec := httptest.NewRecorder()
	c0, t := cpuTime(), time.Now()
	h.ServeHTTP(rec, req)
	wall, cpu = time.Since(t), cpuTime()-c0
	if rec.Code != 200 {
		return 0, 0, "", 0, fmt.Errorf("GET %s: %d %.300s", query, rec.Code, rec.Body)
	}
	return wall, cpu, rec.Header().Get(api.CacheHeader), rec.Body.Len(), nil
}

// shape is one kind of answer, read from the cached report: its size and
// the median wall and CPU time of five reads (the first apart: a gzip of the
// whole report is made once, then kept).
type shape struct {
	Bytes     int     `json:"bytes"`
	FirstMs   float64 `json:"first_ms"`
	FirstCPU  float64 `json:"first_cpu_ms"`
	MedianMs  float64 `json:"median_ms"`
	MedianCPU float64 `json:"median_cpu_ms"`
}

// readShapes measures the answers of a big deployment on the cached report:
// whole (plain, gzip), a page of 100 and of 1000 accounts, the product's part
// (accounts=0), one account, and all the report's accounts read in pages of
// 1000 following page.next.
func readShapes(h http.Handler) (map[string]any, error) {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	out := map[string]any{}
	var first string
	for _, c := range []struct {
		name, query string
		gz          bool
	}{
		{"whole", "/v1/score", false}, {"whole_gzip", "/v1/score", true},
		{"page_100", "/v1/score?accounts=100", false}, {"page_100_gzip", "/v1/score?accounts=100", true},
		{"page_1000", "/v1/score?accounts=1000", false}, {"page_1000_gzip", "/v1/score?accounts=1000", true},
		{"page_1000_rows", "/v1/score?accounts=1000&fields=accounts", false}, {"page_1000_rows_gzip", "/v1/score?accounts=1000&fields=accounts", true},
		{"product_only", "/v1/score?accounts=0", false}, {"one_account", "/v1/accounts/{first}", false},
	} {
		q := strings.ReplaceAll(c.query, "{first}", first)
		var walls, cpus []time.Duration
		var sh shape
		for i := 0; i < 6; i++ {
			wall, cpu, how, size, err := getQuery(h, q, c.gz)
			if err != nil {
				return nil, err
			}
			if how != "hit" {
				return nil, fmt.Errorf("GET %s: cache %q, want a hit", q, how)
			}
			if i == 0 {
				sh.Bytes, sh.FirstMs, sh.FirstCPU = size, ms(wall), ms(cpu)
				continue
			}
			walls, cpus = append(walls, wall), append(cpus, cpu)
		}
		slices.Sort(walls)
		slices.Sort(cpus)
		sh.MedianMs, sh.MedianCPU = ms(walls[2]), ms(cpus[2])
		out[c.name] = sh
		if first == "" {
			id, err := firstAccount(h)
			if err != nil {
				return nil, err
			}
			first = url.PathEscape(id)
		}
	}
	// Every account, in pages of 1000: whole pages, then the rows alone.
	for name, fields := range map[string]string{"all_pages_of_1000": "", "all_pages_of_1000_rows": "&fields=accounts"} {
		c0, t0 := cpuTime(), time.Now()
		pages, total, after := 0, 0, ""
		for {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://127.0.0.1/v1/score?accounts=1000"+fields+"&after="+url.QueryEscape(after), nil))
			var p struct {
				Page struct{ Next *string } `json:"page"`
			}
			if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &p) != nil {
				return nil, fmt.Errorf("page after %q: %d", after, rec.Code)
			}
			pages, total = pages+1, total+rec.Body.Len()
			if p.Page.Next == nil {
				break
			}
			after = *p.Page.Next
		}
		out[name] = map[string]any{"pages": pages, "bytes": total, "wall_ms": ms(time.Since(t0)), "cpu_ms": ms(cpuTime() - c0)}
	}
	return out, nil
}

// firstAccount is the id of the report's first account row.
func firstAccount(h http.Handler) (string, error) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://127.0.0.1/v1/score?accounts=1", nil))
	var p struct{ Accounts []struct{ ID string } }
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || len(p.Accounts) == 0 {
		return "", fmt.Errorf("no account in the report: %d %v", rec.Code, err)
	}
	return p.Accounts[0].ID, nil
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// items counts the keys a read loads: the cells, and the day snapshots or,
// when the store keeps them merged and up to date, the merged value and the
// snapshots after it.
func items(dir string) (cells, snaps int, err error) {
	db, err := bbolt.Open(filepath.Join(dir, "sep.db"), 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	err = db.View(func(tx *bbolt.Tx) error {
		cells = tx.Bucket([]byte("cells")).Stats().KeyN
		b := tx.Bucket([]byte("snapshots"))
		if b == nil {
			return nil
		}
		after := []byte{0, 0, 0, 0} // the first day read as a snapshot
		if m := tx.Bucket([]byte("merged")); m != nil && m.Get([]byte("cells")) != nil &&
			u64Of(m.Get([]byte("ver"))) == u64Of(m.Get([]byte("snapver"))) {
			snaps = 1
			after = binary.BigEndian.AppendUint32(nil, binary.BigEndian.Uint32(m.Get([]byte("hi")))+1)
			fmt.Printf("merged: %d bytes\n", len(m.Get([]byte("cells"))))
		}
		size, n := 0, 0
		b.ForEach(func(k, v []byte) error {
			size += len(v)
			n++
			if bytes.Compare(k, after) >= 0 {
				snaps++
			}
			return nil
		})
		fmt.Printf("snapshots: %d bytes, %d a day\n", size, size/max(n, 1))
		return nil
	})
	return cells, snaps, err
}

// u64Of reads a version as bolt does (absent: 0).
func u64Of(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// vmHWM is the process's peak resident memory in bytes.
func vmHWM() int64 { return procStatus("VmHWM:") }

// procStatus is a size field of /proc/self/status in bytes, 0 where there is none.
func procStatus(field string) int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(v, "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
