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
	add := t.log[:w]
	if len(t.sorted) == 0 {
		t.sorted = append(t.sorted[:0], add...)
		t.log = t.log[:0]
		return
	}
	out := t.spare[:0]
	if need := len(t.sorted) + len(add); cap(out) < need {
		out = make([]packedCell, 0, need+need/4)
	}
	i, j := 0, 0
	for i < len(t.sorted) && j < len(add) {
		switch c := comparePacked(t.sorted[i], add[j]); {
		case c < 0:
			out = append(out, t.sorted[i])
			i++
		case c > 0:
			out = append(out, add[j])
			j++
		default:
			s := t.sorted[i]
			s.n += add[j].n
			out = append(out, s)
			i++
			j++
		}
	}
	out = append(out, t.sorted[i:]...)
	out = append(out, add[j:]...)
	t.spare, t.sorted = t.sorted, out
	t.log = t.log[:0]
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
