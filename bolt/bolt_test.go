package bolt_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/sep-project/sep/bolt"
	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/storetest"
)

func open(t *testing.T, tz string) core.Store {
	s, err := bolt.Open(filepath.Join(t.TempDir(), "sep.db"), tz)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) { storetest.Run(t, open) }

func TestReopenKeepsDataAndTimeZone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sep.db")
	s, err := bolt.Open(path, "Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	evs := storetest.Product()
	if _, err := s.Ingest(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := bolt.Open(path, "UTC"); err == nil {
		t.Fatal("reopening in another time zone must fail")
	}
	s, err = bolt.Open(path, "Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st := core.Settings{TZ: "Europe/Paris", Window: 14}
	if got, want := storetest.Got(t, s, st), storetest.Want(t, "Europe/Paris", evs, st); got != want {
		t.Fatalf("after reopening:\n%s\nwant:\n%s", got, want)
	}
	if n, _ := s.Ingest(context.Background(), evs[:5]); n != 0 {
		t.Fatalf("dedup lost across reopen: stored %d", n)
	}
}

func BenchmarkIngest100EventDeliveries(b *testing.B) {
	s, err := bolt.Open(filepath.Join(b.TempDir(), "sep.db"), "UTC")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	evs := storetest.Product()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		batch := make([]core.Event, 100)
		copy(batch, evs[(i*100)%(len(evs)-100):])
		for j := range batch {
			batch[j].MessageID = ""
		}
		if _, err := s.Ingest(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/event")
}

// BenchmarkIngestConcurrentDeliveries is the local server's case: 50
// concurrent webhook deliveries of 5 events, each with a random-looking
// messageId, as the load test sends them.
func BenchmarkIngestConcurrentDeliveries(b *testing.B) {
	s, err := bolt.Open(filepath.Join(b.TempDir(), "sep.db"), "UTC")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	evs := storetest.Product()
	var next atomic.Uint64
	b.SetParallelism(25) // × GOMAXPROCS(2) = 50 clients
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		batch := make([]core.Event, 5)
		for pb.Next() {
			i := next.Add(1)
			copy(batch, evs[(i*5)%uint64(len(evs)-5):])
			for j := range batch {
				batch[j].MessageID = fmt.Sprintf("%016x", (i*5+uint64(j))*0x9E3779B97F4A7C15)
			}
			if _, err := s.Ingest(context.Background(), batch); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*5), "ns/event")
}
