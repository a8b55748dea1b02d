package schedule_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/sep-project/sep/bolt"
	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/synth"
	"github.com/sep-project/sep/ingest"
	"github.com/sep-project/sep/notify"
	"github.com/sep-project/sep/schedule"
	"github.com/sep-project/sep/traits"
)

// BenchmarkScheduledRun is a daily run on a bolt store of 5,000 users in 625
// accounts over 90 days, with local receivers: "first" sends every alert and
// pushes every trait, "unchanged" finds them all sent (score, history and
// state reads only).
func BenchmarkScheduledRun(b *testing.B) {
	ctx := context.Background()
	var buf bytes.Buffer
	if _, err := synth.Write(&buf, synth.Options{Users: 5000, Days: 90, Seed: 3, Format: core.FormatSegment}); err != nil {
		b.Fatal(err)
	}
	events, _, err := ingest.DecodeEvents(ctx, buf.Bytes(), ingest.Options{Format: core.FormatSegment})
	if err != nil {
		b.Fatal(err)
	}
	rcv := &receiver{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	newJob := func(b *testing.B) *schedule.Job {
		store, err := bolt.Open(filepath.Join(b.TempDir(), "sep.db"), "UTC")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { store.Close() })
		for i := 0; i < len(events); i += 5000 {
			if _, err := store.Ingest(ctx, events[i:min(i+5000, len(events))]); err != nil {
				b.Fatal(err)
			}
		}
		tc, _ := traits.NewClient("bench-write-key-0001", srv.URL)
		return &schedule.Job{Store: store, History: store, Traits: tc, Sender: &notify.Sender{},
			Alerts: notify.Config{SlackURL: srv.URL + "/slack", WebhookURL: srv.URL + "/hook", WebhookSecret: "bench-secret"}}
	}
	b.Run("first", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			j := newJob(b)
			b.StartTimer()
			res, err := j.Run(ctx)
			if err != nil || len(res.Errors) > 0 || res.TraitsSent == 0 {
				b.Fatal(err, res)
			}
			b.ReportMetric(float64(res.TraitsSent), "traits")
			b.ReportMetric(float64(res.AlertsSent), "alerts")
		}
	})
	b.Run("unchanged", func(b *testing.B) {
		j := newJob(b)
		j.Now = func() time.Time { return time.Date(2026, 10, 1, 6, 0, 0, 0, time.UTC) }
		if _, err := j.Run(ctx); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			res, err := j.Run(ctx)
			if err != nil || res.TraitsSent != 0 || res.AlertsSent != 0 {
				b.Fatal(err, res)
			}
		}
	})
}
