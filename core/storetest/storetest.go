// Package storetest is the conformance suite every core.Store runs (bolt,
// dynamodb, d1): what is loaded back scores exactly like the events rolled up
// directly, deliveries are deduplicated by messageId, and concurrent ingestion
// loses nothing.
package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sep-project/sep/core"
)

// Open returns a new, empty store counting days in tz; the suite closes it.
type Open func(t *testing.T, tz string) core.Store

var day0 = time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)

func ms(day, minute int) int64 {
	return day0.AddDate(0, 0, day).Add(time.Duration(minute) * time.Minute).UnixMilli()
}

// Product returns a small product: 12 users in 3 accounts over 70 days, with
// group calls (traits), identify calls, page views, events with explicit
// accounts and a few events with no user id.
func Product() []core.Event {
	var evs []core.Event
	id := 0
	next := func() string { id++; return fmt.Sprintf("msg-%d", id) }
	for u := 0; u < 12; u++ {
		user := fmt.Sprintf("u%d", u)
		acct := fmt.Sprintf("acct-%d", u%3)
		evs = append(evs, core.Event{MessageID: next(), UserID: user, AccountID: acct, Kind: core.KindGroup, TimeMs: ms(u, 0),
			Traits: map[string]string{"seats": fmt.Sprint(5 + u%3), "plan": "pro"}})
		evs = append(evs, core.Event{MessageID: next(), UserID: user, Kind: core.KindIdentify, TimeMs: ms(u, 1), Traits: map[string]string{"role": "dev"}})
		for d := u; d < 70; d += 1 + u%4 {
			evs = append(evs, core.Event{MessageID: next(), UserID: user, Name: fmt.Sprintf("Feature %d", (d+u)%5), Kind: core.KindTrack, TimeMs: ms(d, 10)})
			if d%7 == 0 {
				evs = append(evs, core.Event{MessageID: next(), UserID: user, Name: "Home", Kind: core.KindPage, TimeMs: ms(d, 11)})
			}
			if u == 11 && d > 60 {
				evs = append(evs, core.Event{MessageID: next(), UserID: user, AccountID: "acct-x", Name: "Feature 0", Kind: core.KindTrack, TimeMs: ms(d, 12)})
			}
		}
	}
	// A later group call moves u0 to acct-2; no user id: skipped.
	evs = append(evs, core.Event{MessageID: next(), UserID: "u0", AccountID: "acct-2", Kind: core.KindGroup, TimeMs: ms(40, 0)})
	evs = append(evs, core.Event{MessageID: next(), Name: "Feature 1", Kind: core.KindTrack, TimeMs: ms(50, 0)})
	return evs
}

// Want scores events rolled up directly, as the store's report must be.
func Want(t *testing.T, tz string, events []core.Event, s core.Settings) string {
	t.Helper()
	r, err := core.NewRollup(tz)
	if err != nil {
		t.Fatal(err)
	}
	for i := range events {
		r.Add(&events[i])
	}
	return reportOf(t, r, s)
}

func reportOf(t *testing.T, r *core.Rollup, s core.Settings) string {
	t.Helper()
	rep, err := core.Score(r, s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := rep.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Got loads the store and scores it.
func Got(t *testing.T, st core.Store, s core.Settings) string {
	t.Helper()
	r, err := st.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return reportOf(t, r, s)
}

// Run runs the conformance suite against stores made by open.
func Run(t *testing.T, open Open) {
	ctx := context.Background()
	settings := core.Settings{Window: 14}

	t.Run("LoadScoresLikeTheEvents", func(t *testing.T) {
		st := open(t, "UTC")
		evs := Product()
		// Deliveries of various sizes, in reverse order: order must not matter.
		for i := len(evs); i > 0; i -= 37 {
			from := max(0, i-37)
			if n, err := st.Ingest(ctx, evs[from:i]); err != nil || n != i-from {
				t.Fatalf("Ingest: %d, %v; want %d", n, err, i-from)
			}
		}
		if got, want := Got(t, st, settings), Want(t, "UTC", evs, settings); got != want {
			t.Fatalf("stored report differs:\n%s\nwant:\n%s", got, want)
		}
	})

	t.Run("DeduplicatesByMessageID", func(t *testing.T) {
		st := open(t, "UTC")
		evs := Product()[:50]
		if n, _ := st.Ingest(ctx, evs); n != 50 {
			t.Fatalf("first delivery stored %d", n)
		}
		if n, err := st.Ingest(ctx, evs); err != nil || n != 0 {
			t.Fatalf("replayed delivery stored %d, %v; want 0", n, err)
		}
		// Within one delivery, and a partial overlap.
		dup := append(append([]core.Event{}, Product()[50:60]...), Product()[50:60]...)
		if n, _ := st.Ingest(ctx, dup); n != 10 {
			t.Fatalf("delivery with duplicates inside stored %d, want 10", n)
		}
		if got, want := Got(t, st, settings), Want(t, "UTC", Product()[:60], settings); got != want {
			t.Fatalf("after replays:\n%s\nwant:\n%s", got, want)
		}
	})

	t.Run("NoMessageIDAlwaysCounts", func(t *testing.T) {
		st := open(t, "UTC")
		e := core.Event{UserID: "u", Name: "A", Kind: core.KindTrack, TimeMs: ms(1, 0)}
		for i := 0; i < 3; i++ {
			if n, _ := st.Ingest(ctx, []core.Event{e}); n != 1 {
				t.Fatalf("stored %d", n)
			}
		}
		r, _ := st.Load(ctx)
		total := uint32(0)
		r.Counts(func(c core.Count) { total += c.N })
		if total != 3 || r.Input.ActivityEvents != 3 {
			t.Fatalf("count %d, activity %d; want 3", total, r.Input.ActivityEvents)
		}
	})

	t.Run("ConcurrentIngestLosesNothing", func(t *testing.T) {
		st := open(t, "UTC")
		evs := Product()
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := w * 10; i < len(evs); i += 80 {
					if _, err := st.Ingest(ctx, evs[i:min(i+10, len(evs))]); err != nil {
						errs <- err
						return
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if got, want := Got(t, st, settings), Want(t, "UTC", evs, settings); got != want {
			t.Fatalf("after concurrent ingestion:\n%s\nwant:\n%s", got, want)
		}
	})

	t.Run("TimeZone", func(t *testing.T) {
		st := open(t, "Asia/Kolkata")
		evs := Product()
		if _, err := st.Ingest(ctx, evs); err != nil {
			t.Fatal(err)
		}
		s := core.Settings{Window: 14, TZ: "Asia/Kolkata"}
		if got, want := Got(t, st, s), Want(t, "Asia/Kolkata", evs, s); got != want {
			t.Fatalf("Asia/Kolkata:\n%s\nwant:\n%s", got, want)
		}
	})
}
