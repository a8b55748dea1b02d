package core

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
)

// AddCells of AppendCells gives the cells back: into an empty Rollup as they
// are, into one holding other strings and cells through a remap, and only
// the days asked for.
func TestAppendCellsRoundTrip(t *testing.T) {
	src, _ := NewRollup("UTC")
	if err := src.AddDaySnapshots(snapshotsOfDays(t)); err != nil {
		t.Fatal(err)
	}
	b := src.AppendCells(nil)
	other := []Count{
		{User: "zz", Account: "acct-9", Event: "Other", Day: 20001, N: 4},
		{User: "u2", Account: "acct-1", Event: "Export", Day: 20001, N: 5}, // a cell of src too
	}
	for _, tc := range []struct {
		name     string
		before   []Count
		from, to Day
	}{
		{"empty", nil, 0, 30000},
		{"remapped", other, 0, 30000},
		{"days 20002-20003", other, 20002, 20003},
	} {
		got, _ := NewRollup("UTC")
		want, _ := NewRollup("UTC")
		for _, c := range tc.before {
			got.AddCount(c)
			want.AddCount(c)
		}
		src.Counts(func(c Count) {
			if c.Day >= tc.from && c.Day <= tc.to {
				want.AddCount(c)
			}
		})
		if err := got.AddCells(b, tc.from, tc.to); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if cellsOf(got) != cellsOf(want) || got.Len() == 0 {
			t.Fatalf("%s:\n%s\nwant\n%s", tc.name, cellsOf(got), cellsOf(want))
		}
	}
}

// cellsOf lists a Rollup's cells by their strings, in a fixed order.
func cellsOf(r *Rollup) string {
	var lines []string
	r.Counts(func(c Count) {
		lines = append(lines, fmt.Sprintf("%q %q %q %s %d %v", c.User, c.Account, c.Event, c.Day, c.N, c.Navigation))
	})
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func TestAddCellsCorrupt(t *testing.T) {
	src, _ := NewRollup("UTC")
	if err := src.AddDaySnapshots(snapshotsOfDays(t)); err != nil {
		t.Fatal(err)
	}
	b := src.AppendCells(nil)
	for i := 0; i < len(b); i++ {
		r, _ := NewRollup("UTC")
		if err := r.AddCells(b[:i], 0, 30000); !errors.Is(err, ErrCorruptCells) || r.Len() != 0 {
			t.Fatalf("truncated to %d of %d bytes: %v, %d cells; want ErrCorruptCells and none", i, len(b), err, r.Len())
		}
	}
	r, _ := NewRollup("UTC")
	if err := r.AddCells(append(b, 0), 0, 30000); !errors.Is(err, ErrCorruptCells) {
		t.Fatalf("a trailing byte: %v", err)
	}
}
