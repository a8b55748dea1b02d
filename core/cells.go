package core

import (
	"cmp"
	"slices"
)

// cellTable holds a Rollup's counts per cell (user, account, event, day).
//
// Adding a count appends to a log; when the log grows as large as the table
// (and at least minCompact), it is sorted and folded into the sorted, unique
// table. Appends are sequential writes, where a hash map costs a random access
// into a table far larger than the caches for every event; the sorts cost
// O(log n) per added count, and memory stays within twice the number of
// distinct cells, whatever the number of events.
type cellTable struct {
	sorted []packedCell // unique keys, ascending
	log    []packedCell // pending adds, any order, keys may repeat
	spare  []packedCell // the previous table's memory, reused by the next merge
}

// minCompact is the smallest log that is folded in (below it, scanning a small
// table again would cost more than it saves).
const minCompact = 1 << 16

// packedCell is a countKey packed into two words that sort as (user, day,
// account, name), and its count.
type packedCell struct {
	hi, lo uint64
	n      uint32
}

const daySign = 1 << 31

func pack(k countKey, n uint32) packedCell {
	return packedCell{
		hi: uint64(k.user)<<32 | uint64(uint32(k.day)^daySign),
		lo: uint64(k.account)<<32 | uint64(k.name),
		n:  n,
	}
}

func (c packedCell) key() countKey {
	return countKey{user: uint32(c.hi >> 32), day: Day(int32(uint32(c.hi) ^ daySign)),
		account: uint32(c.lo >> 32), name: uint32(c.lo)}
}

func comparePacked(a, b packedCell) int {
	if c := cmp.Compare(a.hi, b.hi); c != 0 {
		return c
	}
	return cmp.Compare(a.lo, b.lo)
}

// add counts n more for the cell k.
func (t *cellTable) add(k countKey, n uint32) {
	limit := max(minCompact, len(t.sorted))
	if len(t.log) == cap(t.log) {
		// Double, from a small start (a webhook delivery's rollup holds a few
		// cells), up to the size that triggers the next compaction.
		grown := make([]packedCell, len(t.log), min(limit, max(256, 2*cap(t.log))))
		copy(grown, t.log)
		t.log = grown
	}
	t.log = append(t.log, pack(k, n))
	if len(t.log) >= limit {
		t.compact()
	}
}

// compact folds the log into the sorted table.
func (t *cellTable) compact() {
	if len(t.log) == 0 {
		return
	}
	slices.SortFunc(t.log, comparePacked)
	// Sum repeated keys of the log in place.
	w := 0
	for _, c := range t.log {
		if w > 0 && t.log[w-1].hi == c.hi && t.log[w-1].lo == c.lo {
			t.log[w-1].n += c.n
			continue
		}
		t.log[w] = c
		w++
	}
	t.mergeSorted(t.log[:w])
	t.log = t.log[:0]
}

// mergeSorted folds add (sorted, keys unique) into the sorted table.
func (t *cellTable) mergeSorted(add []packedCell) {
	if len(t.sorted) == 0 {
		t.sorted = append(t.sorted[:0], add...)
		return
	}
	need := len(t.sorted) + len(add)
	out := t.spare[:0]
	if cap(out) < need {
		out = make([]packedCell, 0, need+need/4)
	}
	out = out[:need]
	sorted := t.sorted
	i, j, k := 0, 0, 0
	for i < len(sorted) && j < len(add) {
		a, b := sorted[i], add[j]
		switch {
		case a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo):
			out[k] = a
			i++
		case a.hi == b.hi && a.lo == b.lo:
			a.n += b.n
			out[k] = a
			i++
			j++
		default:
			out[k] = b
			j++
		}
		k++
	}
	k += copy(out[k:], sorted[i:])
	k += copy(out[k:], add[j:])
	out = out[:k]
	t.spare, t.sorted = t.sorted, out
}

// addRemapped adds every cell of o with its user, account and name indexes
// replaced through the given maps (one-to-one, as Rollup.Merge builds them).
// It sorts nothing large: o's cells come grouped by user, a user's group stays
// whole under the new indexes and keeps its days in order, so the groups are
// put in the new users' order and each is set right by an insertion sort
// (its cells of one day may change places), then merged in one pass.
func (t *cellTable) addRemapped(o *cellTable, users, accounts, names []uint32) {
	o.compact()
	t.compact()
	type group struct {
		user     uint32 // new index
		from, to int    // o.sorted[from:to]
	}
	var groups []group
	for i := 0; i < len(o.sorted); {
		u := uint32(o.sorted[i].hi >> 32)
		j := i + 1
		for j < len(o.sorted) && uint32(o.sorted[j].hi>>32) == u {
			j++
		}
		groups = append(groups, group{users[u], i, j})
		i = j
	}
	slices.SortFunc(groups, func(a, b group) int { return cmp.Compare(a.user, b.user) })
	add := make([]packedCell, 0, len(o.sorted))
	for _, g := range groups {
		start := len(add)
		for _, c := range o.sorted[g.from:g.to] {
			k := c.key()
			k.user, k.account, k.name = g.user, accounts[k.account], names[k.name]
			c = pack(k, c.n)
			// Insertion: the cell moves back past the few of its day it now precedes.
			i := len(add)
			add = append(add, c)
			for i > start && comparePacked(add[i-1], c) > 0 {
				add[i] = add[i-1]
				i--
			}
			add[i] = c
		}
	}
	t.mergeSorted(add)
}

// len returns the number of distinct cells.
func (t *cellTable) len() int {
	t.settle()
	return len(t.sorted)
}

// settle compacts the table and lets go of the buffers only adding needs: a
// table is read once the input is read, and its memory then matters most.
func (t *cellTable) settle() {
	t.compact()
	t.spare = nil
	if cap(t.log) > minCompact {
		t.log = nil
	}
}

// each calls fn for every cell, sorted by user, day, account and event index.
func (t *cellTable) each(fn func(k countKey, n uint32)) {
	t.settle()
	for _, c := range t.sorted {
		fn(c.key(), c.n)
	}
}

// empty reports whether no count was added.
func (t *cellTable) empty() bool { return len(t.sorted) == 0 && len(t.log) == 0 }
