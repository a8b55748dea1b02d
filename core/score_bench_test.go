package core

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// benchRollup builds users × days of activity directly (no reader): each user is
// active on about 40% of days with 1-4 of 15 events, in one of users/8 accounts.
func benchRollup(b testing.TB, users, days int) *Rollup {
	r, _ := NewRollup("UTC")
	rng := rand.New(rand.NewPCG(1, 2))
	names := make([]string, 15)
	for i := range names {
		names[i] = "Event " + strconv.Itoa(i)
	}
	for u := 0; u < users; u++ {
		id := "user-" + strconv.Itoa(u)
		acc := "acct-" + strconv.Itoa(u%(users/8+1))
		r.Add(&Event{UserID: id, AccountID: acc, Kind: KindGroup, TimeMs: at(0)})
		for d := 0; d < days; d++ {
			if rng.IntN(10) >= 4 {
				continue
			}
			for n := rng.IntN(4) + 1; n > 0; n-- {
				r.Add(&Event{UserID: id, Name: names[rng.IntN(len(names))], Kind: KindTrack, TimeMs: at(d)})
			}
		}
	}
	return r
}

func BenchmarkRollupAdd(b *testing.B) {
	r, _ := NewRollup("UTC")
	ev := Event{Name: "Report Created", Kind: KindTrack}
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = "user-" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ev.UserID = ids[i%len(ids)]
		ev.TimeMs = at(i % 90)
		r.Add(&ev)
	}
}

// BenchmarkScore10kUsers90Days scores a fresh Rollup (as the hosted API does
// after loading one); the Rescore variant reuses the sorted cells (as the page
// does when a setting changes).
func BenchmarkScore10kUsers90Days(b *testing.B) {
	r := benchRollup(b, 10000, 90)
	b.ReportMetric(float64(r.Len()), "cells")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.ix = nil
		if _, err := Score(r, Settings{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRescore10kUsers90Days(b *testing.B) {
	r := benchRollup(b, 10000, 90)
	Score(r, Settings{})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Score(r, Settings{Window: 7 + i%2}); err != nil {
			b.Fatal(err)
		}
	}
}
