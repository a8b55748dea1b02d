package bolt

import (
	"context"
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
