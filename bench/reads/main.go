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
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sep-project/sep/api"
	"github.com/sep-project/sep/bolt"
	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/synth"
	bbolt "go.etcd.io/bbolt"
)

var clock = time.Date(2026, 9, 30, 20, 0, 0, 0, time.UTC)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: reads gen|read|compact [-users N] [-days N] [-dir D]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	users := fs.Int("users", 10000, "users")
	days := fs.Int("days", 90, "days of history")
	dir := fs.String("dir", "/tmp/sep-reads", "folder of the store")
	fs.Parse(os.Args[2:])
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(*dir, *users, *days)
	case "read":
		err = read(*dir)
	case "compact":
		err = compact(*dir)
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
		if err := core.Ingest(ctx, strings.NewReader(body), core.ReadOptions{Format: core.FormatSegment}, r); err != nil {
			return err
		}
		if err := st.WriteRollup(ctx, r); err != nil {
			return err
		}
	}
	fmt.Printf("gen: %d users x %d days in %.1f s\n", users, days, time.Since(start).Seconds())
	return nil
}

func compact(dir string) error {
	st, err := openStore(dir)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	n, err := st.Compact(context.Background())
	if err != nil {
		return err
	}
	fmt.Printf("compact: %d days in %.2f s, peak RSS %d MB\n", n, time.Since(start).Seconds(), vmHWM()>>20)
	return nil
}

// read measures one fresh read, five cached ones, and four concurrent reads
// after a delivery invalidated the cache.
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
		t := time.Now()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://127.0.0.1/v1/score", nil))
		if rec.Code != 200 {
			return 0, "", 0, fmt.Errorf("GET /v1/score: %d %s", rec.Code, rec.Body)
		}
		return time.Since(t), rec.Header().Get(api.CacheHeader), rec.Body.Len(), nil
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
		"items_read": cells + snaps, "cells": cells, "snapshots": snaps, "answer_bytes": size,
		"fresh_s": fresh.Seconds(), "fresh_cache": how, "peak_rss_mb": peak >> 20,
		"cached_median_ms":  float64(cached[2].Microseconds()) / 1000,
		"four_concurrent_s": four.Seconds(), "four_cache": hows, "peak_rss_after_four_mb": vmHWM() >> 20,
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
	return nil
}

// items counts the keys a read loads: the cells and the day snapshots.
func items(dir string) (cells, snaps int, err error) {
	db, err := bbolt.Open(filepath.Join(dir, "sep.db"), 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	err = db.View(func(tx *bbolt.Tx) error {
		cells = tx.Bucket([]byte("cells")).Stats().KeyN
		if b := tx.Bucket([]byte("snapshots")); b != nil {
			snaps = b.Stats().KeyN
			size := 0
			b.ForEach(func(_, v []byte) error { size += len(v); return nil })
			fmt.Printf("snapshots: %d bytes, %d a day\n", size, size/max(snaps, 1))
		}
		return nil
	})
	return cells, snaps, err
}

// vmHWM is the process's peak resident memory in bytes.
func vmHWM() int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(line, "VmHWM:"), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
