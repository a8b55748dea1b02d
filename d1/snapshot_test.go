package d1_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/storetest"
)

// A compaction that died after sealing the cells and writing half a new
// version (a part of garbage) leaves the report as it was; the next Compact
// finishes it, and a late event still counts.
func TestCompactionDiedHalfWay(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	st := open(t, db, "UTC")
	st.SetClock(func() time.Time { return storetest.Clock })
	evs := storetest.Product()
	if _, err := st.Ingest(ctx, evs); err != nil {
		t.Fatal(err)
	}
	s := core.Settings{Window: 14}
	want := storetest.Want(t, "UTC", evs, s)
	day := core.Day(20636) // 2026-07-02: one of Product's days
	for _, q := range []string{
		`INSERT INTO seal (first, before) VALUES (0, 20727)`, // every day before 2026-10-01
		`INSERT INTO snapshot_parts (day, version, part, data) VALUES (20636, 1, 0, x'00ff')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if got := storetest.Got(t, st, s); got != want {
		t.Fatalf("after a seal and a stray part:\n%s\nwant:\n%s", got, want)
	}
	var cells int
	db.QueryRowContext(ctx, `SELECT count(*) FROM cells`).Scan(&cells)
	if cells != 0 {
		t.Fatalf("%d cells left after the seal, want 0", cells)
	}
	days, err := st.Compact(ctx)
	if err != nil || days < 60 {
		t.Fatalf("Compact: %d days, %v", days, err)
	}
	if got := storetest.Got(t, st, s); got != want {
		t.Fatalf("after the compaction resumed:\n%s\nwant:\n%s", got, want)
	}
	var staged, parts int
	db.QueryRowContext(ctx, `SELECT count(*) FROM staged`).Scan(&staged)
	db.QueryRowContext(ctx, `SELECT count(*) FROM snapshot_parts WHERE day = ?`, int(day)).Scan(&parts)
	if staged != 0 || parts != 1 {
		t.Fatalf("%d staged rows and %d parts of %s left, want 0 and 1", staged, parts, day)
	}
}

// A snapshot larger than a part is stored in several and read back whole.
func TestSnapshotInParts(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	st := open(t, db, "UTC")
	st.SetClock(func() time.Time { return storetest.Clock })
	var evs []core.Event
	pad := strings.Repeat("x", 900)
	for u := 0; u < 2500; u++ { // 2,500 users of ~900 bytes: 2.3 MB
		evs = append(evs, core.Event{UserID: fmt.Sprintf("%s-%d", pad, u), Name: "Feature", Kind: core.KindTrack,
			TimeMs: time.Date(2026, 9, 20, 10, 0, 0, 0, time.UTC).UnixMilli()})
	}
	if _, err := st.Ingest(ctx, evs); err != nil {
		t.Fatal(err)
	}
	s := core.Settings{Window: 14}
	want := storetest.Want(t, "UTC", evs, s)
	if days, err := st.Compact(ctx); err != nil || days != 1 {
		t.Fatalf("Compact: %d days, %v", days, err)
	}
	var parts int
	db.QueryRowContext(ctx, `SELECT parts FROM snapshot_days`).Scan(&parts)
	if parts < 2 {
		t.Fatalf("the day's snapshot is in %d part(s); the test needs several", parts)
	}
	if got := storetest.Got(t, st, s); got != want {
		t.Fatalf("a snapshot in %d parts:\n%s\nwant:\n%s", parts, got, want)
	}
}
