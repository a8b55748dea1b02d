package dynamodb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/sep-project/sep/api"
	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/synth"
	"github.com/sep-project/sep/dynamodb"
	"github.com/sep-project/sep/internal/testenv"
)

// scanCounter counts the items and bytes (DynamoDB's item size rule: names
// plus values) that Scans return, and the GetItems.
type scanCounter struct {
	*ddb.Client
	items, bytes, gets, updates atomic.Int64
}

func (c *scanCounter) UpdateItem(ctx context.Context, in *ddb.UpdateItemInput, opt ...func(*ddb.Options)) (*ddb.UpdateItemOutput, error) {
	c.updates.Add(1)
	return c.Client.UpdateItem(ctx, in, opt...)
}

func (c *scanCounter) Scan(ctx context.Context, in *ddb.ScanInput, opt ...func(*ddb.Options)) (*ddb.ScanOutput, error) {
	out, err := c.Client.Scan(ctx, in, opt...)
	if err == nil {
		c.items.Add(int64(len(out.Items)))
		for _, it := range out.Items {
			c.bytes.Add(itemSize(it))
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
		default:
			n += 8
		}
	}
	return n
}

// TestMeasureReads is a measurement, not a test (README "Performance",
// docs/hosting-costs.md): with SEP_MEASURE_READS_USERS=N it stores synth's
// N users x 90 days in a dynalite table through Ingest, then measures GET
// /v1/score fresh and cached, the items, bytes and read units a read costs.
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
	clock := time.Date(2026, 9, 30, 20, 0, 0, 0, time.UTC)
	st.SetClock(func() time.Time { return clock })
	var export bytes.Buffer
	synth.Write(&export, synth.Options{Users: users, Days: 90, Seed: 1, Format: core.FormatSegment})
	evs, _, err := core.DecodeEvents(ctx, export.Bytes(), core.ReadOptions{Format: core.FormatSegment})
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
	h, err := api.New(api.Options{Store: st, OpenReads: true})
	if err != nil {
		t.Fatal(err)
	}
	get := func() (time.Duration, string) {
		t0 := time.Now()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://127.0.0.1/v1/score", nil))
		if rec.Code != 200 {
			t.Fatalf("GET /v1/score: %d %s", rec.Code, rec.Body)
		}
		return time.Since(t0), rec.Header().Get(api.CacheHeader)
	}
	fresh, how := get()
	items, size := c.items.Load(), c.bytes.Load()
	cached, how2 := get()
	scannedCached := c.items.Load() - items
	r, err := st.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(map[string]any{
		"users": users, "events": len(evs), "updates_ingest": c.updates.Load(), "deliveries": (len(evs) + 999) / 1000, "cells": r.Len(), "ingest_s": load.Seconds(),
		"fresh_s": fresh.Seconds(), "fresh_cache": how, "cached_ms": float64(cached.Microseconds()) / 1000, "cached_cache": how2,
		"items_scanned": items, "bytes_scanned": size, "bytes_per_item": size / max(items, 1),
		"rcu_strong": (size + 4095) / 4096, "getitems": c.gets.Load(),
		"items_scanned_cached": scannedCached,
	})
	t.Log(string(out))
}
