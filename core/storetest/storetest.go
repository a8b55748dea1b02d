// Package storetest is the conformance suite every core.Store runs (bolt,
// dynamodb, d1): what is loaded back scores exactly like the events rolled up
// directly, deliveries are deduplicated by messageId, and concurrent ingestion
// loses nothing.
package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sep-project/sep/core"
)

// Open returns a new, empty store counting days in tz; the suite closes it.
// The store must have a SetClock(func() time.Time) method: the suite runs it
// on a fixed clock (Clock), never the real one.
type Open func(t *testing.T, tz string) core.Store

// PerItemDedup is implemented by a store that drops a repeated messageId
// only where its first copy was counted (the same user, account and day),
// not across the whole store; DedupPerItem reports whether it does.
type PerItemDedup interface {
	DedupPerItem() bool
}

// Clock is the suite's "now", after every event of Product and of synth's
// default exports (which end on 2026-09-30).
var Clock = time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)

// clocked is a store whose clock a test sets.
type clocked interface {
	SetClock(now func() time.Time)
}

// openAt opens a store and sets its clock to *now (read at each use).
func openAt(t *testing.T, open Open, tz string, now *time.Time) core.Store {
	t.Helper()
	st := open(t, tz)
	c, ok := st.(clocked)
	if !ok {
		t.Fatalf("%T has no SetClock method", st)
	}
	c.SetClock(func() time.Time { return *now })
	return st
}

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
	r.SetTimeRange(core.TimeRange{Now: Clock})
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

// suite is what the conformance subtests share: the store opener and the
// clock every store it opens reads (a subtest may move it, and puts it back).
type suite struct {
	raw      Open
	clock    *time.Time
	settings core.Settings
}

// open opens an empty store counting days in tz, on the suite's clock.
func (su *suite) open(t *testing.T, tz string) core.Store { return openAt(t, su.raw, tz, su.clock) }

// Run runs the conformance suite against stores made by open.
func Run(t *testing.T, raw Open) {
	clock := Clock
	su := &suite{raw: raw, clock: &clock, settings: core.Settings{Window: 14}}

	t.Run("CompactionKeepsReportsExact", func(t *testing.T) { runCompaction(t, raw, &clock) })
	t.Run("Generation", func(t *testing.T) { runGeneration(t, raw, &clock) })

	t.Run("LoadScoresLikeTheEvents", su.loadScoresLikeTheEvents)
	t.Run("DeduplicatesByMessageID", su.deduplicatesByMessageID)
	t.Run("RepeatedMessageIDElsewhere", su.repeatedMessageIDElsewhere)
	t.Run("ImplausibleTimesAreSkipped", su.implausibleTimesAreSkipped)
	t.Run("OverlongStringsAreSkipped", su.overlongStringsAreSkipped)
	t.Run("RetentionFromTheClock", su.retentionFromTheClock)
	t.Run("NoMessageIDAlwaysCounts", su.noMessageIDAlwaysCounts)
	t.Run("ConcurrentIngestLosesNothing", su.concurrentIngestLosesNothing)
	t.Run("TimeZone", su.timeZone)
	t.Run("PartialDeliveryRetriedWhole", su.partialDeliveryRetriedWhole)
}

// loadScoresLikeTheEvents checks that Product delivered in pieces, in reverse
// order, loads back scoring exactly like the events rolled up directly.
func (su *suite) loadScoresLikeTheEvents(t *testing.T) {
	ctx := context.Background()
	settings := su.settings
	st := su.open(t, "UTC")
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
}

// deduplicatesByMessageID checks that a replayed delivery, and repeats within
// one delivery, store nothing and count as input.duplicates.
func (su *suite) deduplicatesByMessageID(t *testing.T) {
	ctx := context.Background()
	settings := su.settings
	st := su.open(t, "UTC")
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
	// The same stream rolled up directly: the repeats are counted in
	// input.duplicates (60 of 120 records), as the CLI counts them.
	stream := append(append(append([]core.Event{}, evs...), evs...), dup...)
	if got, want := Got(t, st, settings), Want(t, "UTC", stream, settings); got != want {
		t.Fatalf("after replays:\n%s\nwant:\n%s", got, want)
	}
	if r, _ := st.Load(ctx); r.Input.Duplicates != 60 || r.Input.Events != 120 {
		t.Fatalf("duplicates %d of %d records, want 60 of 120", r.Input.Duplicates, r.Input.Events)
	}
}

// repeatedMessageIDElsewhere checks a messageId repeated on another user and
// day (a copy that differs): bolt and D1 keep one set of ids and count the
// first copy only; a store whose ids live with the counts they guard
// (DynamoDB) counts both, the known difference docs/hosting.md names.
func (su *suite) repeatedMessageIDElsewhere(t *testing.T) {
	ctx := context.Background()
	st := su.open(t, "UTC")
	first := core.Event{MessageID: "same", UserID: "u1", Name: "A", Kind: core.KindTrack, TimeMs: ms(1, 0)}
	other := core.Event{MessageID: "same", UserID: "u2", AccountID: "acct-9", Name: "B", Kind: core.KindTrack, TimeMs: ms(2, 0)}
	if n, err := st.Ingest(ctx, []core.Event{first}); err != nil || n != 1 {
		t.Fatalf("first copy stored %d, %v", n, err)
	}
	want := 0
	if p, ok := st.(PerItemDedup); ok && p.DedupPerItem() {
		want = 1
	}
	if n, err := st.Ingest(ctx, []core.Event{other}); err != nil || n != want {
		t.Fatalf("the copy on another user and day stored %d, %v; want %d", n, err, want)
	}
	r, err := st.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Input.ActivityEvents != int64(1+want) || r.Input.Duplicates != int64(1-want) {
		t.Fatalf("activity %d, duplicates %d; want %d, %d", r.Input.ActivityEvents, r.Input.Duplicates, 1+want, 1-want)
	}
}

// implausibleTimesAreSkipped checks that events dated far from their receipt
// are skipped as timestamp_out_of_range and move no score; a fast client
// clock (hours ahead) is kept.
func (su *suite) implausibleTimesAreSkipped(t *testing.T) {
	ctx := context.Background()
	settings := su.settings
	st := su.open(t, "UTC")
	evs := Product()
	far := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).UnixMilli()
	evs = append(evs,
		core.Event{MessageID: "future", UserID: "u1", Name: "Feature 1", Kind: core.KindTrack, TimeMs: far},
		core.Event{MessageID: "epoch-1e14", UserID: "u2", Name: "Feature 1", Kind: core.KindTrack, TimeMs: 1e14},
		core.Event{MessageID: "y1999", UserID: "u3", Name: "Feature 1", Kind: core.KindTrack, TimeMs: time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC).UnixMilli()},
		// Received long ago, dated a week after: implausible even though the clock is later.
		core.Event{MessageID: "ahead", UserID: "u4", Name: "Feature 1", Kind: core.KindTrack, TimeMs: ms(20, 0), ReceivedMs: ms(13, 0)},
		core.Event{MessageID: "group-future", UserID: "u5", AccountID: "acct-9", Kind: core.KindGroup, TimeMs: far, Traits: map[string]string{"plan": "x"}},
		// Twelve hours ahead of the clock: a fast client clock, kept.
		core.Event{MessageID: "skew", UserID: "u6", Name: "Feature 2", Kind: core.KindTrack, TimeMs: Clock.Add(12 * time.Hour).UnixMilli()},
	)
	if n, err := st.Ingest(ctx, evs); err != nil || n != len(evs) {
		t.Fatalf("Ingest: %d, %v; want %d counted", n, err, len(evs))
	}
	r, err := st.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Input.SkippedByReason[core.ReasonTimeOutOfRange]; got != 5 {
		t.Fatalf("timestamp_out_of_range %d, want 5", got)
	}
	if got, want := Got(t, st, settings), Want(t, "UTC", evs, settings); got != want {
		t.Fatalf("with implausible times:\n%s\nwant:\n%s", got, want)
	}
	// Not a single score moved: the as-of day is the skewed event's, not 9999.
	rep, _ := core.Score(r, settings)
	if rep.PES == nil || rep.Settings.AsOf != "2026-10-02" {
		t.Fatalf("PES %v as of %s; want a score as of 2026-10-02", rep.PES, rep.Settings.AsOf)
	}
}

// overlongStringsAreSkipped checks that overlong ids, event names and trait
// keys are skipped by reason, with no error, and the rest scores as usual.
func (su *suite) overlongStringsAreSkipped(t *testing.T) {
	ctx := context.Background()
	settings := su.settings
	st := su.open(t, "UTC")
	evs := Product()[:100]
	long := strings.Repeat("x", 40<<10)
	evs = append(evs,
		core.Event{MessageID: "long-user", UserID: long, Name: "A", Kind: core.KindTrack, TimeMs: ms(3, 0)},
		core.Event{MessageID: "long-name", UserID: "u1", Name: long, Kind: core.KindTrack, TimeMs: ms(3, 0)},
		core.Event{MessageID: "long-trait", UserID: "u1", Kind: core.KindIdentify, TimeMs: ms(3, 0), Traits: map[string]string{long: "v"}},
		core.Event{MessageID: long, UserID: "u1", Name: "A", Kind: core.KindTrack, TimeMs: ms(3, 0)},
	)
	if n, err := st.Ingest(ctx, evs); err != nil || n != len(evs) {
		t.Fatalf("Ingest: %d, %v; want %d counted and no error", n, err, len(evs))
	}
	r, err := st.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sk := r.Input.SkippedByReason
	if sk[core.ReasonIDTooLong] != 2 || sk[core.ReasonEventNameTooLong] != 1 || sk[core.ReasonTraitKeyTooLong] != 1 {
		t.Fatalf("skipped %v; want id_too_long 2, event_name_too_long 1, trait_key_too_long 1", sk)
	}
	if got, want := Got(t, st, settings), Want(t, "UTC", evs, settings); got != want {
		t.Fatalf("with overlong strings:\n%s\nwant:\n%s", got, want)
	}
}

// retentionFromTheClock checks that Load keeps only the days within the
// retention by the store's clock: older days and days stored by a clock that
// ran ahead are left out.
func (su *suite) retentionFromTheClock(t *testing.T) {
	ctx := context.Background()
	*su.clock = Clock
	defer func() { *su.clock = Clock }()
	st := su.open(t, "UTC")
	day := func(d int) int64 { return Clock.AddDate(0, 0, d).UnixMilli() }
	old := core.Event{MessageID: "old", UserID: "u1", Name: "A", Kind: core.KindTrack, TimeMs: day(-core.DefaultRetentionDays - 5)}
	recent := core.Event{MessageID: "recent", UserID: "u2", Name: "A", Kind: core.KindTrack, TimeMs: day(-3)}
	if _, err := st.Ingest(ctx, []core.Event{old, recent}); err != nil {
		t.Fatal(err)
	}
	// A day stored by a server whose clock ran three years ahead: after
	// tomorrow by the right clock, it must move nothing.
	*su.clock = Clock.AddDate(3, 0, 0)
	ahead := core.Event{MessageID: "ahead", UserID: "u3", Name: "A", Kind: core.KindTrack, TimeMs: day(3 * 365)}
	if _, err := st.Ingest(ctx, []core.Event{ahead}); err != nil {
		t.Fatal(err)
	}
	*su.clock = Clock
	r, err := st.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var days []string
	r.Counts(func(c core.Count) { days = append(days, c.User+" "+c.Day.String()) })
	if len(days) != 1 || days[0] != "u2 2026-09-28" {
		t.Fatalf("cells %v; want only u2 on 2026-09-28 (the old day is past retention, the future one ignored)", days)
	}
}

// noMessageIDAlwaysCounts checks that an event with no messageId is never
// deduplicated: each delivery of it counts.
func (su *suite) noMessageIDAlwaysCounts(t *testing.T) {
	ctx := context.Background()
	st := su.open(t, "UTC")
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
}

// concurrentIngestLosesNothing checks that eight concurrent writers
// delivering Product store every event once.
func (su *suite) concurrentIngestLosesNothing(t *testing.T) {
	ctx := context.Background()
	settings := su.settings
	st := su.open(t, "UTC")
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
}

// timeZone checks that a store counts days in its zone: events next to
// midnight score as rolled up in that zone, not in UTC.
func (su *suite) timeZone(t *testing.T) {
	ctx := context.Background()
	for _, tz := range []string{"Asia/Kolkata", "America/Los_Angeles"} {
		st := su.open(t, tz)
		evs := NearMidnight(tz)
		if _, err := st.Ingest(ctx, evs); err != nil {
			t.Fatal(err)
		}
		s := core.Settings{Window: 14, TZ: tz}
		if CellsIn(t, tz, evs) == CellsIn(t, "UTC", evs) {
			t.Fatalf("%s: the events fall on the same days in UTC: they cannot tell a store that ignores the zone", tz)
		}
		if got, want := Got(t, st, s), Want(t, tz, evs, s); got != want {
			t.Fatalf("%s:\n%s\nwant:\n%s", tz, got, want)
		}
	}
}

// partialDeliveryRetriedWhole checks that a delivery that failed midway (its
// first events stored, the rest not) and is retried whole stores the rest,
// and each event counts once.
func (su *suite) partialDeliveryRetriedWhole(t *testing.T) {
	ctx := context.Background()
	settings := su.settings
	st := su.open(t, "UTC")
	evs := Product()
	half := len(evs) / 2
	if _, err := st.Ingest(ctx, evs[:half]); err != nil {
		t.Fatal(err)
	}
	if n, err := st.Ingest(ctx, evs); err != nil || n != len(evs)-half {
		t.Fatalf("retried delivery stored %d, %v; want %d", n, err, len(evs)-half)
	}
	// The stream the store received: the retry's first half are input.duplicates.
	stream := append(append([]core.Event{}, evs[:half]...), evs...)
	if got, want := Got(t, st, settings), Want(t, "UTC", stream, settings); got != want {
		t.Fatalf("after a partial delivery and its retry:\n%s\nwant:\n%s", got, want)
	}
}

// NearMidnight returns Product with every other event moved next to midnight
// in tz, on the side where its local day is not its UTC day (00:20 local east
// of UTC, 23:40 west of it): a store that counted days in the wrong zone would
// score it differently.
func NearMidnight(tz string) []core.Event {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		panic(err)
	}
	evs := Product()
	for i := range evs {
		if i%2 == 0 {
			continue
		}
		local := time.UnixMilli(evs[i].TimeMs).In(loc)
		y, m, d := local.Date()
		moved := time.Date(y, m, d+1, 0, 20, 0, 0, loc)
		if _, offset := local.Zone(); offset < 0 {
			moved = time.Date(y, m, d, 23, 40, 0, 0, loc)
		}
		// Seconds apart, to keep the events' order.
		evs[i].TimeMs = moved.UnixMilli() + int64(i%600)*1000
	}
	return evs
}

// CellsIn lists the counts the events roll up to, days counted in tz: two
// zones give different lists when some event falls on another local day.
func CellsIn(t *testing.T, tz string, events []core.Event) string {
	t.Helper()
	r, err := core.NewRollup(tz)
	if err != nil {
		t.Fatal(err)
	}
	for i := range events {
		r.Add(&events[i])
	}
	var b strings.Builder
	r.Counts(func(c core.Count) { fmt.Fprintln(&b, c) })
	return b.String()
}

// runCompaction checks a store that keeps closed days compacted
// (core.Compactor): compacting never changes a report, late events for a
// compacted day count, a retried delivery of compacted days counts once, and
// a day that closes later is compacted then.
func runCompaction(t *testing.T, open Open, clock *time.Time) {
	for _, tz := range []string{"UTC", "Asia/Kolkata"} {
		t.Run(tz, func(t *testing.T) {
			*clock = Clock
			defer func() { *clock = Clock }()
			st := openAt(t, open, tz, clock)
			c, ok := st.(core.Compactor)
			if !ok {
				t.Skipf("%T keeps no snapshots", st)
			}
			s := core.Settings{Window: 14, TZ: tz}
			evs := compactClosedDays(t, st, c, s)
			all := compactLateEvents(t, st, c, s, evs)
			want := retryCompactedDays(t, st, s, evs, all)
			// Two days later today's day is closed too: compacted, the same report.
			*clock = Clock.AddDate(0, 0, 2)
			if days, err := c.Compact(context.Background()); err != nil || days != 1 {
				t.Fatalf("Compact two days later wrote %d days, %v; want 1 (the day that closed)", days, err)
			}
			if got := Got(t, st, s); got != want {
				t.Fatalf("after the open day closed:\n%s\nwant:\n%s", got, want)
			}
			checkRetention(t, st, c, clock, s)
		})
	}
}

// compactClosedDays stores NearMidnight in s.TZ and one event today (an open
// day, never compacted), compacts, and checks the report did not move and a
// second Compact has nothing to write. It returns the events stored.
func compactClosedDays(t *testing.T, st core.Store, c core.Compactor, s core.Settings) []core.Event {
	ctx := context.Background()
	evs := NearMidnight(s.TZ)
	evs = append(evs, core.Event{MessageID: "today", UserID: "u3", Name: "Feature 1", Kind: core.KindTrack, TimeMs: Clock.Add(-time.Hour).UnixMilli()})
	if _, err := st.Ingest(ctx, evs); err != nil {
		t.Fatal(err)
	}
	before := Got(t, st, s)
	if want := Want(t, s.TZ, evs, s); before != want {
		t.Fatalf("before compaction:\n%s\nwant:\n%s", before, want)
	}
	days, err := c.Compact(ctx)
	if err != nil || days < 60 {
		t.Fatalf("Compact: %d days, %v; want the 70 closed days of Product", days, err)
	}
	if got := Got(t, st, s); got != before {
		t.Fatalf("after compaction the report differs:\n%s\nwant:\n%s", got, before)
	}
	if days, err := c.Compact(ctx); err != nil || days != 0 {
		t.Fatalf("a second Compact wrote %d days, %v; want 0", days, err)
	}
	return evs
}

// compactLateEvents stores late events for compacted days (an existing
// user's cell and a new user) and checks they count beside the snapshots and
// once folded into them. It returns evs and the late events, as stored.
func compactLateEvents(t *testing.T, st core.Store, c core.Compactor, s core.Settings, evs []core.Event) []core.Event {
	ctx := context.Background()
	late := []core.Event{
		{MessageID: "late-1", UserID: "u1", Name: "Feature 1", Kind: core.KindTrack, TimeMs: ms(30, 10)},
		{MessageID: "late-2", UserID: "late-user", AccountID: "acct-1", Name: "Feature 3", Kind: core.KindTrack, TimeMs: ms(65, 0)},
		{MessageID: "late-3", UserID: "u2", Name: "Home", Kind: core.KindPage, TimeMs: ms(69, 0)},
	}
	if n, err := st.Ingest(ctx, late); err != nil || n != 3 {
		t.Fatalf("late events stored %d, %v", n, err)
	}
	all := append(append([]core.Event{}, evs...), late...)
	want := Want(t, s.TZ, all, s)
	if got := Got(t, st, s); got != want {
		t.Fatalf("late events beside the snapshots:\n%s\nwant:\n%s", got, want)
	}
	if days, err := c.Compact(ctx); err != nil || days != 3 {
		t.Fatalf("Compact after late events wrote %d days, %v; want 3", days, err)
	}
	if got := Got(t, st, s); got != want {
		t.Fatalf("late events folded into the snapshots:\n%s\nwant:\n%s", got, want)
	}
	return all
}

// retryCompactedDays redelivers the first 40 of evs, all on compacted days:
// nothing is stored and each event counts once. It returns the report the
// store must give from now on (all and the retried delivery, rolled up).
func retryCompactedDays(t *testing.T, st core.Store, s core.Settings, evs, all []core.Event) string {
	if n, err := st.Ingest(context.Background(), evs[:40]); err != nil || n != 0 {
		t.Fatalf("a retried delivery of compacted days stored %d, %v; want 0", n, err)
	}
	all = append(all, evs[:40]...)
	want := Want(t, s.TZ, all, s)
	if got := Got(t, st, s); got != want {
		t.Fatalf("after a retried delivery:\n%s\nwant:\n%s", got, want)
	}
	return want
}

// SnapshotCounter is implemented by a store that keeps day snapshots
// (core.Compactor): SnapshotDays returns how many days have one, for the
// suite to see retention drop them.
type SnapshotCounter interface {
	SnapshotDays(ctx context.Context) (int, error)
}

// checkRetention moves the clock until July 2026 is past the retention: a
// Compact then drops July's snapshots and keeps the later ones, and the
// report is the one Load gave before it (Load leaves old days out already).
func checkRetention(t *testing.T, st core.Store, c core.Compactor, clock *time.Time, s core.Settings) {
	t.Helper()
	ctx := context.Background()
	sc, ok := st.(SnapshotCounter)
	if !ok {
		t.Fatalf("%T keeps snapshots but has no SnapshotDays method (storetest.SnapshotCounter)", st)
	}
	count := func() int {
		t.Helper()
		n, err := sc.SnapshotDays(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	kept := count()
	*clock = time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC).AddDate(0, 0, core.DefaultRetentionDays)
	before := Got(t, st, s)
	if _, err := c.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if got := Got(t, st, s); got != before {
		t.Fatalf("dropping old snapshots changed the report:\n%s\nwant:\n%s", got, before)
	}
	if n := count(); n >= kept-25 || n == 0 {
		t.Fatalf("%d day snapshots after July passed the retention, %d before: want July's (about 30) dropped, the later ones kept", n, kept)
	}
}

// runGeneration checks a store's generation (core.Generationer): reads and
// compaction leave it, a delivery and a new day change it.
func runGeneration(t *testing.T, open Open, clock *time.Time) {
	ctx := context.Background()
	*clock = Clock
	defer func() { *clock = Clock }()
	st := openAt(t, open, "UTC", clock)
	g, ok := st.(core.Generationer)
	if !ok {
		t.Skipf("%T has no generation", st)
	}
	gen := func() string {
		t.Helper()
		v, err := g.Generation(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	g0 := gen()
	if _, err := st.Ingest(ctx, Product()[:20]); err != nil {
		t.Fatal(err)
	}
	g1 := gen()
	if g1 == g0 {
		t.Fatalf("a delivery left the generation at %q", g0)
	}
	if _, err := st.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if c, ok := st.(core.Compactor); ok {
		if _, err := c.Compact(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if g := gen(); g != g1 {
		t.Fatalf("a read or a compaction moved the generation from %q to %q", g1, g)
	}
	// A replayed delivery stores nothing; a generation that moves anyway is
	// safe (a cache miss), one that stays must mean nothing changed.
	if _, err := st.Ingest(ctx, Product()[20:21]); err != nil {
		t.Fatal(err)
	}
	if g := gen(); g == g1 {
		t.Fatalf("a delivery of a new event left the generation at %q", g1)
	}
	g2 := gen()
	*clock = Clock.AddDate(0, 0, 1)
	if g := gen(); g == g2 {
		t.Fatalf("a new day (retention and today move) left the generation at %q", g2)
	}
}
