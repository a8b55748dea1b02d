package core

import "testing"

// randomCells adds n pseudo-random counts to tab and to want.
func randomCells(tab *cellTable, want map[countKey]uint32, n int, seed uint64) {
	x := seed
	for i := 0; i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
		k := countKey{user: uint32(x>>40) % 5000, account: uint32(x>>20) % 3, name: uint32(x>>10) % 7, day: Day(int32(x%400) - 200)}
		c := uint32(x>>60) + 1
		tab.add(k, c)
		want[k] += c
	}
}

// checkCells fails unless tab holds exactly want, in ascending key order.
func checkCells(t *testing.T, tab *cellTable, want map[countKey]uint32) {
	t.Helper()
	got := map[countKey]uint32{}
	var last packedCell
	first := true
	tab.each(func(k countKey, n uint32) {
		if p := pack(k, n); !first && comparePacked(last, p) >= 0 {
			t.Fatalf("not sorted at %+v", k)
		} else {
			last, first = p, false
		}
		got[k] = n
	})
	if len(got) != len(want) {
		t.Fatalf("%d cells, want %d", len(got), len(want))
	}
	for k, n := range want {
		if got[k] != n {
			t.Fatalf("cell %+v: %d, want %d", k, got[k], n)
		}
	}
}

// The cell table gives the same counts as a map, across many compactions.
func TestCellTableAgainstAMap(t *testing.T) {
	var tab cellTable
	want := map[countKey]uint32{}
	randomCells(&tab, want, minCompact+18, 1)
	if tab.len() != len(want) {
		t.Fatalf("after %d adds: %d cells, want %d", minCompact+18, tab.len(), len(want))
	}
	randomCells(&tab, want, 4*minCompact, 2)
	checkCells(t, &tab, want)
}

// Merging a table under new indexes (Rollup.Merge) gives the counts of both,
// sorted, whatever the new order of users, accounts and events.
func TestCellTableAddRemapped(t *testing.T) {
	// One-to-one maps that reverse or shuffle each index space.
	perm := func(n, mul, add uint32) []uint32 {
		m := make([]uint32, n)
		for i := range m {
			m[i] = (uint32(i)*mul + add) % n
		}
		return m
	}
	users, accounts, names := perm(5000, 4999, 17), perm(3, 2, 1), perm(7, 3, 5)
	var a, b cellTable
	want := map[countKey]uint32{}
	randomCells(&a, want, 2*minCompact, 3)
	bWant := map[countKey]uint32{}
	randomCells(&b, bWant, 3*minCompact+5, 4)
	for k, n := range bWant {
		want[countKey{user: users[k.user], account: accounts[k.account], name: names[k.name], day: k.day}] += n
	}
	b.add(countKey{user: 1, day: 9}, 1) // a pending add in the merged table's log
	want[countKey{user: users[1], account: accounts[0], name: names[0], day: 9}]++
	a.addRemapped(&b, users, accounts, names)
	checkCells(t, &a, want)
}
