package dynamodb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/sep-project/sep/api"
	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/synth"
	"github.com/sep-project/sep/dynamodb"
	"github.com/sep-project/sep/ingest"
	"github.com/sep-project/sep/internal/testenv"
)

// scanCounter counts the items and bytes (DynamoDB's item size rule: names
// plus values) that Scans return, and the GetItems.
type scanCounter struct {
	*ddb.Client
	items, bytes, gets, updates      atomic.Int64
	indexItems, indexBytes           atomic.Int64 // Scans of the live index (eventually consistent)
	batchItems, batchBytes, batchRRU atomic.Int64
}

func (c *scanCounter) BatchGetItem(ctx context.Context, in *ddb.BatchGetItemInput, opt ...func(*ddb.Options)) (*ddb.BatchGetItemOutput, error) {
	out, err := c.Client.BatchGetItem(ctx, in, opt...)
	if err == nil {
		for _, items := range out.Responses {
			for _, it := range items {
				n := itemSize(it)
				c.batchItems.Add(1)
				c.batchBytes.Add(n)
				unit := int64(4096) // each item rounded up to 4 KB strongly consistent, 8 KB eventually
				if k := in.RequestItems; len(k) > 0 {
					for _, ka := range k {
						if !aws.ToBool(ka.ConsistentRead) {
							unit = 8192
						}
					}
				}
				c.batchRRU.Add((n + unit - 1) / unit)
			}
		}
	}
	return out, err
}

func (c *scanCounter) UpdateItem(ctx context.Context, in *ddb.UpdateItemInput, opt ...func(*ddb.Options)) (*ddb.UpdateItemOutput, error) {
	c.updates.Add(1)
	return c.Client.UpdateItem(ctx, in, opt...)
}

func (c *scanCounter) Scan(ctx context.Context, in *ddb.ScanInput, opt ...func(*ddb.Options)) (*ddb.ScanOutput, error) {
	out, err := c.Client.Scan(ctx, in, opt...)
	if err == nil {
		items, bytes := &c.items, &c.bytes
		if in.IndexName != nil {
			items, bytes = &c.indexItems, &c.indexBytes
		}
		items.Add(int64(len(out.Items)))
		for _, it := range out.Items {
			bytes.Add(itemSize(it))
		}
	}
	return out, err
}

func (c *scanCounter) GetItem(ctx context.Context, in *ddb.GetItemInput, opt ...func(*ddb.Options)) (*ddb.GetItemOutput, error) {
	c.gets.Add(1)
	return c.Client.GetItem(ctx, in, opt...)
}

func itemSize(it map[string]types.AttributeValue) int64 {
	n := int64(0)
	for k, v := range it {
		n += int64(len(k))
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			n += int64(len(v.Value))
		case *types.AttributeValueMemberN:
			n += int64(len(v.Value)+1)/2 + 1
		case *types.AttributeValueMemberSS:
			for _, s := range v.Value {
				n += int64(len(s))
			}
		case *types.AttributeValueMemberBOOL:
			n++
		case *types.AttributeValueMemberB:
			n += int64(len(v.Value))
		case *types.AttributeValueMemberM:
			n += 3 + itemSize(v.Value) + int64(len(v.Value))
		default:
			n += 8
		}
	}
	return n
}

// TestMeasureReads is a measurement, not a test (README "Performance",
// docs/hosting-costs.md): with SEP_MEASURE_READS_USERS=N it stores synth's
// N users x 90 days in a dynalite table through Ingest, then measures GET
// /v1/score fresh (an empty report cache) before and after Compact: seconds,
// CPU, bytes allocated, the items, bytes and read units a read costs.
// Without the variable it is skipped.
func TestMeasureReads(t *testing.T) {
	users, _ := strconv.Atoi(os.Getenv("SEP_MEASURE_READS_USERS"))
	if users <= 0 {
		t.Skip("set SEP_MEASURE_READS_USERS to measure")
	}
	ctx := context.Background()
	c := &scanCounter{Client: client(t, testenv.Dynalite(t))}
	table := newTable(t, c)
	st, err := dynamodb.Open(ctx, c, table, "UTC")
	if err != nil {
		t.Fatal(err)
	}
	st.Settle = 0 // dynalite's index has no lag
	clock := time.Date(2026, 9, 30, 20, 0, 0, 0, time.UTC)
	st.SetClock(func() time.Time { return clock })
	var export bytes.Buffer
	synth.Write(&export, synth.Options{Users: users, Days: 90, Seed: 1, Format: core.FormatSegment})
	evs, _, err := ingest.DecodeEvents(ctx, export.Bytes(), ingest.Options{Format: core.FormatSegment})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := 0; i < len(evs); i += 1000 {
		if _, err := st.Ingest(ctx, evs[i:min(i+1000, len(evs))]); err != nil {
			t.Fatal(err)
		}
	}
	load := time.Since(start)
	// A fresh read (a new handler: an empty cache), counted and timed.
	type reading struct {
		Seconds, CPUSeconds                 float64
		AllocMB                             float64
		TableItems, TableBytes, TableRRU    int64 // Scan of the table, strongly consistent: 4 KB a unit
		IndexItems, IndexBytes, IndexRRU    int64 // Scan of the live index, eventually consistent: 8 KB a unit
		PartItems, PartBytes, PartRRU, Gets int64
		TotalRRU                            int64
		Cache                               string
	}
	read := func() reading {
		h, err := api.New(api.Options{Store: st, OpenReads: true})
		if err != nil {
			t.Fatal(err)
		}
		i0, b0, x0, xb0, p0, pb0, pr0, g0 := c.items.Load(), c.bytes.Load(), c.indexItems.Load(), c.indexBytes.Load(), c.batchItems.Load(), c.batchBytes.Load(), c.batchRRU.Load(), c.gets.Load()
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		cpu0 := cpuSeconds()
		t0 := time.Now()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://127.0.0.1/v1/score", nil))
		if rec.Code != 200 {
			t.Fatalf("GET /v1/score: %d %s", rec.Code, rec.Body)
		}
		rd := reading{Seconds: time.Since(t0).Seconds(), CPUSeconds: cpuSeconds() - cpu0, Cache: rec.Header().Get(api.CacheHeader)}
		runtime.ReadMemStats(&m1)
		rd.AllocMB = float64(m1.TotalAlloc-m0.TotalAlloc) / 1e6
		rd.TableItems, rd.TableBytes = c.items.Load()-i0, c.bytes.Load()-b0
		rd.IndexItems, rd.IndexBytes = c.indexItems.Load()-x0, c.indexBytes.Load()-xb0
		rd.PartItems, rd.PartBytes, rd.PartRRU, rd.Gets = c.batchItems.Load()-p0, c.batchBytes.Load()-pb0, c.batchRRU.Load()-pr0, c.gets.Load()-g0
		rd.TableRRU, rd.IndexRRU = (rd.TableBytes+4095)/4096, (rd.IndexBytes+8191)/8192
		rd.TotalRRU = rd.TableRRU + rd.IndexRRU + rd.PartRRU + rd.Gets
		return rd
	}
	before := read()
	u0 := c.updates.Load()
	t0, cpu0 := time.Now(), cpuSeconds()
	days, err := st.Compact(ctx)
	if err != nil {
		t.Fatal(err)
	}
	compact := map[string]any{"days": days, "seconds": time.Since(t0).Seconds(), "cpu_seconds": cpuSeconds() - cpu0, "updates": c.updates.Load() - u0}
	after := read()
	r, err := st.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(map[string]any{
		"users": users, "events": len(evs), "updates_ingest": u0, "deliveries": (len(evs) + 999) / 1000, "cells": r.Len(), "ingest_s": load.Seconds(),
		"before_compaction": before, "compaction": compact, "after_compaction": after,
	})
	t.Log(string(out))
}

// cpuSeconds is the process's user+system CPU time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
