package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/sep-project/sep/core"
)

// phases times a fresh read's parts on their own (the store's Load, ScoreOnce as the API's,
// the report's JSON): wall and CPU seconds and the live heap after each,
// optionally under a CPU and an allocation profile.
func phases(dir, cpuProfile, memProfile, report string) error {
	st, err := openStore(dir)
	if err != nil {
		return err
	}
	defer st.Close()
	if memProfile != "" {
		runtime.MemProfileRate = 64 << 10
	}
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
	out := map[string]any{}
	step := func(name string, fn func() error) error {
		t, c := time.Now(), cpuTime()
		if err := fn(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		out[name] = map[string]any{"wall_s": round3(time.Since(t).Seconds()), "cpu_s": round3((cpuTime() - c).Seconds()),
			"live_heap_mb": ms.HeapAlloc >> 20}
		return nil
	}
	var r *core.Rollup
	var rep *core.Report
	var b []byte
	var cells int
	ctx := context.Background()
	st1 := core.Settings{TZ: "UTC"}
	for _, ph := range []struct {
		name string
		fn   func() error
	}{
		{"load", func() (err error) { r, err = st.Load(ctx); return err }},
		{"score", func() (err error) { cells = r.Len(); rep, err = core.ScoreOnce(r, st1); return err }},
		{"json", func() (err error) { b, err = rep.JSON(); return err }},
	} {
		if err := step(ph.name, ph.fn); err != nil {
			return err
		}
	}
	out["cells"], out["answer_bytes"], out["peak_rss_mb"] = cells, len(b), vmHWM()>>20
	if report != "" {
		if err := os.WriteFile(report, b, 0o644); err != nil {
			return err
		}
	}
	if memProfile != "" {
		f, err := os.Create(memProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			return err
		}
	}
	j, _ := json.Marshal(out)
	fmt.Println(string(j))
	return nil
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }
