package bolt

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/storetest"
	bbolt "go.etcd.io/bbolt"
)

func TestDayBatches(t *testing.T) {
	for _, tc := range []struct {
		perDay map[core.Day]int
		limit  int
		want   string
	}{
		{map[core.Day]int{}, 10, "[]"},
		{map[core.Day]int{3: 4, 1: 4, 2: 4}, 10, "[map[1970-01-02:true 1970-01-03:true] map[1970-01-04:true]]"},
		{map[core.Day]int{1: 25, 2: 1}, 10, "[map[1970-01-02:true] map[1970-01-03:true]]"}, // a day over the limit is a batch of its own
		{map[core.Day]int{1: 5, 2: 5, 3: 5}, 100, "[map[1970-01-02:true 1970-01-03:true 1970-01-04:true]]"},
	} {
		if got := fmt.Sprint(dayBatches(tc.perDay, tc.limit)); got != tc.want {
			t.Errorf("dayBatches(%v, %d) = %s, want %s", tc.perDay, tc.limit, got, tc.want)
		}
	}
}

// A compaction split into many small transactions gives the same report.
func TestCompactInBatches(t *testing.T) {
	ctx := context.Background()
	st, err := Open(filepath.Join(t.TempDir(), "sep.db"), "UTC")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.SetClock(func() time.Time { return storetest.Clock })
	st.compactBatch = 40
	if _, err := st.Ingest(ctx, storetest.Product()); err != nil {
		t.Fatal(err)
	}
	s := core.Settings{Window: 14}
	before := storetest.Got(t, st, s)
	var perDay map[core.Day]int
	st.db.View(func(tx *bbolt.Tx) error {
		r, _ := core.NewRollup("UTC")
		perDay, err = closedCells(tx, r, storetest.Clock)
		return err
	})
	if n := len(dayBatches(perDay, 40)); n < 5 {
		t.Fatalf("%d batches: the test needs several", n)
	}
	days, err := st.Compact(ctx)
	if err != nil || days != len(perDay) {
		t.Fatalf("Compact: %d days, %v; want %d", days, err, len(perDay))
	}
	if got := storetest.Got(t, st, s); got != before {
		t.Fatalf("after a compaction in batches:\n%s\nwant:\n%s", got, before)
	}
}

// After a compaction a read decodes the merged cells (a corrupt merge is an
// error, not a silent fallback); a snapshot rewritten since (a late event
// compacted) makes the merge stale, read from the snapshots until the next
// Compact merges again; every step gives the report of the cells.
func TestMergedSnapshots(t *testing.T) {
	ctx := context.Background()
	st, err := Open(filepath.Join(t.TempDir(), "sep.db"), "UTC")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.SetClock(func() time.Time { return storetest.Clock })
	if _, err := st.Ingest(ctx, storetest.Product()); err != nil {
		t.Fatal(err)
	}
	s := core.Settings{Window: 14}
	before := storetest.Got(t, st, s)
	if _, err := st.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	merged := func() (cells []byte, fresh bool) {
		st.db.View(func(tx *bbolt.Tx) error {
			m := tx.Bucket(bucketMerged)
			cells = append([]byte(nil), m.Get([]byte("cells"))...)
			fresh = u64Of(m.Get([]byte("ver"))) == u64Of(m.Get([]byte("snapver")))
			return nil
		})
		return
	}
	if cells, fresh := merged(); len(cells) == 0 || !fresh {
		t.Fatalf("after Compact: merged cells %d bytes, up to date %v", len(cells), fresh)
	}
	if got := storetest.Got(t, st, s); got != before {
		t.Fatalf("read from the merged cells:\n%s\nwant:\n%s", got, before)
	}
	// A late event for a closed day, compacted: the merge is stale.
	// A new user on the product's last day (inside the merge): the
	// period's active users change.
	evs := storetest.Product()
	last := evs[0].TimeMs
	for _, e := range evs {
		last = max(last, e.TimeMs)
	}
	late := []core.Event{{MessageID: "late-1", UserID: "u-late", Name: "Feature 1", Kind: core.KindTrack, TimeMs: last}}
	if _, err := st.Ingest(ctx, late); err != nil {
		t.Fatal(err)
	}
	withLate := storetest.Got(t, st, s)
	if withLate == before {
		t.Fatal("the late event changed nothing: the test needs one that counts")
	}
	if err := st.db.Update(func(tx *bbolt.Tx) error {
		r, _ := core.NewRollup("UTC")
		_, err := compactDays(tx, r, storetest.Clock, st.retention, map[core.Day]bool{r.DayOf(late[0].TimeMs): true})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, fresh := merged(); fresh {
		t.Fatal("a snapshot rewritten: the merge still counts as up to date")
	}
	if got := storetest.Got(t, st, s); got != withLate {
		t.Fatalf("a stale merge, read from the snapshots:\n%s\nwant:\n%s", got, withLate)
	}
	if _, err := st.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if _, fresh := merged(); !fresh {
		t.Fatal("Compact did not merge again")
	}
	if got := storetest.Got(t, st, s); got != withLate {
		t.Fatalf("merged again:\n%s\nwant:\n%s", got, withLate)
	}
	st.db.Update(func(tx *bbolt.Tx) error {
		m := tx.Bucket(bucketMerged)
		c := append([]byte(nil), m.Get([]byte("cells"))...)
		return m.Put([]byte("cells"), c[:len(c)-1])
	})
	if _, err := st.Load(ctx); !errors.Is(err, core.ErrCorruptCells) {
		t.Fatalf("a truncated merge: %v, want ErrCorruptCells", err)
	}
}
