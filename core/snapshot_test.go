package core

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func snapshotCells() []Count {
	return []Count{
		{User: "u1", Account: "", Event: "Signup", Day: 20000, N: 1},
		{User: "u1", Account: "", Event: "Home", Navigation: true, Day: 20000, N: 3},
		{User: "u1", Account: "acct-1", Event: "Signup", Day: 20000, N: 2},
		{User: "u2", Account: "acct-1", Event: "Export", Day: 20000, N: 4000000000},
		{User: "", Account: "", Event: "", Day: 20000, N: 7},                         // empty strings survive
		{User: "u1", Account: "", Event: "Home", Navigation: true, Day: 20000, N: 1}, // a user again, later
	}
}

func TestDaySnapshotRoundTrip(t *testing.T) {
	snap := NewDaySnapshot(20000)
	for _, c := range snapshotCells() {
		snap.Add(c)
	}
	snap.Add(Count{User: "u9", Event: "Zero", N: 0}) // nothing to keep
	var got []Count
	day, err := DecodeDaySnapshot(snap.Bytes(), func(c Count) { got = append(got, c) })
	if err != nil || day != 20000 {
		t.Fatalf("decode: day %d, %v", day, err)
	}
	if !reflect.DeepEqual(got, snapshotCells()) || snap.Len() != len(got) {
		t.Fatalf("cells\n%v\nwant\n%v", got, snapshotCells())
	}
}

func TestDaySnapshotCorrupt(t *testing.T) {
	snap := NewDaySnapshot(20000)
	for _, c := range snapshotCells() {
		snap.Add(c)
	}
	b := snap.Bytes()
	for i := 0; i < len(b); i++ {
		if _, err := DecodeDaySnapshot(b[:i], func(Count) {}); !errors.Is(err, ErrCorruptSnapshot) {
			t.Fatalf("truncated to %d of %d bytes: %v, want ErrCorruptSnapshot", i, len(b), err)
		}
	}
	if _, err := DecodeDaySnapshot(append(b, 0), func(Count) {}); !errors.Is(err, ErrCorruptSnapshot) {
		t.Fatalf("a trailing byte: %v", err)
	}
}

func FuzzDecodeDaySnapshot(f *testing.F) {
	snap := NewDaySnapshot(20000)
	for _, c := range snapshotCells() {
		snap.Add(c)
	}
	f.Add(snap.Bytes())
	f.Add([]byte(snapshotMagic + "\x00\x02\x08"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var cells []Count
		day, err := DecodeDaySnapshot(b, func(c Count) { cells = append(cells, c) })
		if err != nil {
			return
		}
		// What decodes re-encodes to a snapshot with the same cells.
		again := NewDaySnapshot(day)
		for _, c := range cells {
			again.Add(c)
		}
		var back []Count
		if _, err := DecodeDaySnapshot(again.Bytes(), func(c Count) { back = append(back, c) }); err != nil || fmt.Sprint(back) != fmt.Sprint(cells) {
			t.Fatalf("re-encoded: %v, %v; want %v", back, err, cells)
		}
	})
}

// TestDaySnapshotParts: the pieces are at most size bytes, in order, and
// join back into Bytes(); an empty snapshot is one piece.
func TestDaySnapshotParts(t *testing.T) {
	s := NewDaySnapshot(20000)
	for _, c := range snapshotCells() {
		s.Add(c)
	}
	whole := s.Bytes()
	for _, size := range []int{1, 7, len(whole) - 1, len(whole), len(whole) + 1} {
		parts := s.Parts(size)
		var joined []byte
		for i, p := range parts {
			if len(p) > size || len(p) == 0 {
				t.Errorf("size %d: part %d has %d bytes", size, i, len(p))
			}
			joined = append(joined, p...)
		}
		if want := (len(whole) + size - 1) / size; len(parts) != want || string(joined) != string(whole) {
			t.Errorf("size %d: %d parts joining into %d bytes, want %d parts of %d bytes", size, len(parts), len(joined), want, len(whole))
		}
	}
	if parts := NewDaySnapshot(1).Parts(1 << 20); len(parts) != 1 {
		t.Errorf("an empty snapshot in %d parts, want 1", len(parts))
	}
}
