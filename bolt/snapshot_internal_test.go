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

// A compaction split into many small transactions gives the same report,
// and one stopped between two of them leaves the reports exact: the next
// Compact goes on and writes the rest.
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
	cellCount := func() (n int) {
		st.db.View(func(tx *bbolt.Tx) error { n = tx.Bucket(bucketCells).Stats().KeyN; return nil })
		return n
	}
	all := cellCount()
	if all < 5*40 {
		t.Fatalf("%d cells: the test needs several batches of 40", all)
	}
	// Stopped after its first transaction (the context is checked between two).
	stopped, cancel := context.WithCancel(ctx)
	cancel()
	days, err := st.Compact(stopped)
	if !errors.Is(err, context.Canceled) || days == 0 {
		t.Fatalf("a stopped Compact: %d days, %v; want some days and context.Canceled", days, err)
	}
	if left := cellCount(); left >= all || left < all-40 {
		t.Fatalf("a stopped Compact left %d of %d cells, want one batch of 40 folded", left, all)
	}
	if got := storetest.Got(t, st, s); got != before {
		t.Fatalf("after a stopped compaction:\n%s\nwant:\n%s", got, before)
	}
	days, err = st.Compact(ctx)
	if err != nil || days != 70 {
		t.Fatalf("Compact after a stopped one: %d days, %v; want the 70 closed days of Product", days, err)
	}
	if got := storetest.Got(t, st, s); got != before {
		t.Fatalf("after a compaction in batches:\n%s\nwant:\n%s", got, before)
	}
	if n, err := st.SnapshotDays(ctx); err != nil || n != 70 {
		t.Fatalf("SnapshotDays = %d, %v; want 70 (a day in several parts counts once)", n, err)
	}
}

// A store compacted before snapshot parts (one snapshot a day, keyed by the
// day alone) reads the same, and its days take new parts.
func TestSnapshotsWithoutParts(t *testing.T) {
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
	// Rename every part to its day alone and forget the merge.
	if err := st.db.Update(func(tx *bbolt.Tx) error {
		snaps := tx.Bucket(bucketSnapshots)
		type kv struct{ k, v []byte }
		var all []kv
		snaps.ForEach(func(k, v []byte) error {
			all = append(all, kv{append([]byte(nil), k...), append([]byte(nil), v...)})
			return nil
		})
		for _, p := range all {
			if len(p.k) != 12 {
				return fmt.Errorf("snapshot key %x, want a day and a part", p.k)
			}
			if err := errors.Join(snaps.Delete(p.k), snaps.Put(p.k[:4], p.v)); err != nil {
				return err
			}
		}
		return errors.Join(tx.DeleteBucket(bucketMerged), func() error { _, err := tx.CreateBucket(bucketMerged); return err }())
	}); err != nil {
		t.Fatal(err)
	}
	if got := storetest.Got(t, st, s); got != before {
		t.Fatalf("snapshots keyed by day:\n%s\nwant:\n%s", got, before)
	}
	if _, err := st.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if got := storetest.Got(t, st, s); got != before {
		t.Fatalf("snapshots keyed by day, merged:\n%s\nwant:\n%s", got, before)
	}
	if n, err := st.SnapshotDays(ctx); err != nil || n != 70 {
		t.Fatalf("SnapshotDays = %d, %v; want 70", n, err)
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
		_, err := compactBatch(tx, r, storetest.Clock, st.retention, nil, 1<<30, map[core.Day]bool{})
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
