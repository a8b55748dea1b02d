package core

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// snapshotsOfDays returns three days' snapshots.
func snapshotsOfDays(t *testing.T) [][]byte {
	t.Helper()
	var snaps [][]byte
	// Days out of order, a user on several days, one cell twice in a day,
	// accounts and names appearing late, navigation on one day only.
	for _, day := range []Day{20003, 20001, 20002} {
		snap := NewDaySnapshot(day)
		for _, c := range snapshotCells() {
			c.Day = day
			if day == 20002 {
				c.Account += "-b"
				c.Navigation = false
			}
			snap.Add(c)
		}
		snap.Add(Count{User: "u" + day.String(), Event: "Late " + day.String(), N: 2})
		snaps = append(snaps, snap.Bytes())
	}
	return snaps
}

func TestAddDaySnapshotsSameAsCellByCell(t *testing.T) {
	snaps := snapshotsOfDays(t)
	for _, before := range []bool{false, true} {
		one, _ := NewRollup("UTC")
		bulk, _ := NewRollup("UTC")
		if before { // cells already there (a store's open day) are kept and added to
			for _, r := range []*Rollup{one, bulk} {
				r.AddCount(Count{User: "u2", Account: "acct-1", Event: "Export", Day: 20001, N: 5})
				r.AddCount(Count{User: "z", Event: "Home", Day: 20009, N: 1})
			}
		}
		// The cell-by-cell way, in day order as a store reads them.
		for _, i := range []int{1, 2, 0} {
			if _, err := DecodeDaySnapshot(snaps[i], one.AddCount); err != nil {
				t.Fatal(err)
			}
		}
		if err := bulk.AddDaySnapshots(snaps); err != nil {
			t.Fatal(err)
		}
		a, err1 := one.MarshalBinary()
		b, err2 := bulk.MarshalBinary()
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			t.Fatalf("cells before: %v: bulk load differs from cell by cell (%v, %v)", before, err1, err2)
		}
		if one.Len() != bulk.Len() || bulk.Len() == 0 {
			t.Fatalf("cells: %d and %d", one.Len(), bulk.Len())
		}
		repA, err1 := Score(one, Settings{})
		repB, err2 := Score(bulk, Settings{})
		ja, _ := repA.JSON()
		jb, _ := repB.JSON()
		if err1 != nil || err2 != nil || !bytes.Equal(ja, jb) {
			t.Fatalf("reports differ: %v, %v", err1, err2)
		}
	}
}

func TestAddDaySnapshotsCorrupt(t *testing.T) {
	snaps := snapshotsOfDays(t)
	bad := snaps[2][:len(snaps[2])-1]
	r, _ := NewRollup("UTC")
	r.AddCount(Count{User: "u1", Event: "Home", Day: 20000, N: 1})
	want, _ := r.MarshalBinary()
	err := r.AddDaySnapshots([][]byte{snaps[0], snaps[1], bad})
	if !errors.Is(err, ErrCorruptSnapshot) || !strings.Contains(err.Error(), "snapshot of "+Day(20002).String()) {
		t.Fatalf("a truncated snapshot: %v; want ErrCorruptSnapshot naming its day", err)
	}
	if got, _ := r.MarshalBinary(); !bytes.Equal(got, want) {
		t.Fatal("a failed load changed the rollup")
	}
	if err := r.AddDaySnapshots([][]byte{[]byte("SEPx")}); !errors.Is(err, ErrCorruptSnapshot) {
		t.Fatalf("a bad header: %v", err)
	}
}

// ScoreOnce gives Score's report, and lets go of the rollup's cells.
func TestScoreOnceSameReport(t *testing.T) {
	for _, s := range []Settings{{}, {Window: 1, Trend: true}, {Unit: UnitAccount, By: []string{"plan"}}} {
		a, _ := NewRollup("UTC")
		b, _ := NewRollup("UTC")
		for _, r := range []*Rollup{a, b} {
			if err := r.AddDaySnapshots(snapshotsOfDays(t)); err != nil {
				t.Fatal(err)
			}
		}
		want, err1 := Score(a, s)
		got, err2 := ScoreOnce(b, s)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		ja, _ := want.JSON()
		jb, _ := got.JSON()
		if !bytes.Equal(ja, jb) {
			t.Fatalf("settings %+v: ScoreOnce\n%s\nScore\n%s", s, jb, ja)
		}
		if !b.counts.empty() {
			t.Fatal("ScoreOnce kept the cells")
		}
	}
}
