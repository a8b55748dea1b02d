package core

import (
	"fmt"
	"slices"
)

// AddDaySnapshots adds the cells of encoded day snapshots (DaySnapshot.Bytes)
// to r, as DecodeDaySnapshot and AddCount would one cell at a time, in less
// time and memory: each snapshot's strings are interned once per run of a
// user (not per cell), the cells are collected in one array sized from the
// snapshots' headers, and put in the table's order by user with a counting
// sort instead of comparison sorts. The snapshots may come in any order and
// their bytes are not kept. A corrupt snapshot is an error naming its day and
// leaves r unchanged.
func (r *Rollup) AddDaySnapshots(snaps [][]byte) error {
	decs := make([]snapDecoder, len(snaps))
	total := 0
	for i, b := range snaps {
		d, err := newSnapDecoder(b)
		if err != nil {
			return fmt.Errorf("snapshot %d of %d: %w", i+1, len(snaps), err)
		}
		decs[i] = d
		total += int(min(d.n, uint64(len(b)))) // a cell takes 2 bytes at least
	}
	// Days in order: each user's cells then come by day (see sortByUser).
	slices.SortStableFunc(decs, func(a, b snapDecoder) int { return int(a.day) - int(b.day) })
	cells := make([]packedCell, 0, total)
	users, accounts, names := len(r.users.names), len(r.accounts.names), len(r.names.names)
	var nav []bool // by r's name index: a navigation cell was read
	for i := range decs {
		var err error
		if cells, nav, err = r.decodeSnapshot(&decs[i], cells, nav); err != nil {
			r.users.truncate(users)
			r.accounts.truncate(accounts)
			r.names.truncate(names)
			return fmt.Errorf("snapshot of %s: %w", decs[i].day, err)
		}
	}
	for len(r.nav) < len(r.names.names) {
		r.nav = append(r.nav, false)
	}
	for i, n := range nav {
		r.nav[i] = r.nav[i] || n
	}
	if len(cells) == 0 {
		return nil
	}
	r.ix = nil
	r.counts.addSorted(sortByUser(cells, len(r.users.names)))
	return nil
}

// decodeSnapshot appends a snapshot's cells to cells with r's indexes, and
// marks in nav the names of its navigation cells.
func (r *Rollup) decodeSnapshot(d *snapDecoder, cells []packedCell, nav []bool) ([]packedCell, []bool, error) {
	var ids []uint32 // the snapshot's name index -> r's
	var c snapCell
	var k countKey
	k.day = d.day
	for d.more() {
		if err := d.next(&c); err != nil {
			return cells, nav, err
		}
		if c.flags&snapNewUser != 0 {
			k.user = r.users.idBytes(c.user)
		}
		if c.flags&snapNewAccount != 0 {
			k.account = r.accounts.idBytes(c.account)
		}
		if c.flags&snapNewName != 0 {
			ids = append(ids, r.names.idBytes(c.newName))
		}
		k.name = ids[c.name]
		if c.flags&snapNav != 0 {
			for len(nav) <= int(k.name) {
				nav = append(nav, false)
			}
			nav[k.name] = true
		}
		cells = append(cells, pack(k, c.n))
	}
	return cells, nav, nil
}

// sortByUser returns cells sorted (by user, day, account, name) with the
// counts of equal keys summed. cells hold each user's cells in day order (the
// snapshots are decoded by day): a counting sort by user keeps that order, and
// an insertion sort sets each user's few cells of one day right.
func sortByUser(cells []packedCell, users int) []packedCell {
	start := make([]int, users+1)
	for _, c := range cells {
		start[c.hi>>32+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	out := make([]packedCell, len(cells))
	next := start[:users] // reused as each user's next free place
	for _, c := range cells {
		u := c.hi >> 32
		out[next[u]] = c
		next[u]++
	}
	// next[u] is now the end of user u's cells, where u+1's start.
	from := 0
	for u := 0; u < users; u++ {
		to := next[u]
		for i := from + 1; i < to; i++ {
			c := out[i]
			j := i
			for j > from && comparePacked(out[j-1], c) > 0 {
				out[j] = out[j-1]
				j--
			}
			out[j] = c
		}
		from = to
	}
	w := 0
	for _, c := range out {
		if w > 0 && out[w-1].hi == c.hi && out[w-1].lo == c.lo {
			out[w-1].n += c.n
			continue
		}
		out[w] = c
		w++
	}
	return out[:w]
}

// addSorted folds sorted cells with unique keys into the table, adopting
// their memory when the table is empty.
func (t *cellTable) addSorted(add []packedCell) {
	t.compact()
	if len(t.sorted) == 0 {
		t.sorted = add
		return
	}
	t.mergeSorted(add)
}

// idBytes is id for a string given as bytes (not kept: copied when new).
func (t *table) idBytes(b []byte) uint32 {
	if i, ok := t.ids[string(b)]; ok {
		return i
	}
	if t.ids == nil {
		t.ids = make(map[string]uint32)
	}
	s := string(b)
	i := uint32(len(t.names))
	t.ids[s] = i
	t.names = append(t.names, s)
	return i
}

// truncate forgets the strings interned after the first n.
func (t *table) truncate(n int) {
	for _, s := range t.names[n:] {
		delete(t.ids, s)
	}
	t.names = t.names[:n]
}
