package core

import (
	"errors"
	"fmt"
)

// cellsMagic starts the binary form of a Rollup's cells (AppendCells).
const cellsMagic = "SEPc1"

// ErrCorruptCells is returned for cells that cannot be decoded (AddCells).
var ErrCorruptCells = errors.New("corrupt merged cells")

// AppendCells appends the Rollup's cells (not its memberships, traits nor
// counters) to b in a compact binary form that AddCells reads back: its
// strings once each, then the cells in the table's order (user, day,
// account, event), a user's cells sharing its index and their days written
// as steps. A store keeps its closed days merged this way, so that a read
// decodes one value with no string lookup per cell instead of a snapshot a
// day (bolt's merged bucket).
func (r *Rollup) AppendCells(b []byte) []byte {
	r.counts.settle()
	w := wireWriter{b: b}
	w.b = append(w.b, cellsMagic...)
	for _, t := range []*table{&r.users, &r.accounts, &r.names} {
		w.uint(uint64(len(t.names)))
		for _, s := range t.names {
			w.str(s)
		}
	}
	for i := range r.names.names {
		w.bool(i < len(r.nav) && r.nav[i])
	}
	w.uint(uint64(len(r.counts.sorted)))
	var last countKey
	for i, c := range r.counts.sorted {
		k := c.key()
		// The user as a step from the previous cell's (0: the same user,
		// whose days only grow), then the day: absolute for a new user.
		if i == 0 || k.user != last.user {
			w.uint(uint64(k.user-last.user) + 1)
			w.int(int64(k.day))
		} else {
			w.uint(0)
			w.uint(uint64(k.day - last.day))
		}
		w.uint(uint64(k.account))
		w.uint(uint64(k.name))
		w.uint(uint64(c.n))
		last = k
	}
	return w.b
}

// AddCells adds the cells of AppendCells's form whose day is in from..to.
// Into an empty Rollup they are taken as they are (already in order, no
// sort); else their strings are interned and the cells sorted as
// AddDaySnapshots does. A corrupt form is an error and leaves the cells
// unchanged (strings it interned before failing stay, unused).
func (r *Rollup) AddCells(b []byte, from, to Day) error {
	if len(b) < len(cellsMagic) || string(b[:len(cellsMagic)]) != cellsMagic {
		return fmt.Errorf("%w: bad header", ErrCorruptCells)
	}
	rd := wireReader{b: b[len(cellsMagic):]}
	var remaps [3][]uint32
	identity := true
	for i, t := range []*table{&r.users, &r.accounts, &r.names} {
		n := rd.count()
		remaps[i] = make([]uint32, n)
		for j := 0; j < n && rd.err == nil; j++ {
			remaps[i][j] = t.idBytes(rd.bytes())
			identity = identity && remaps[i][j] == uint32(j)
		}
	}
	users, accounts, names := remaps[0], remaps[1], remaps[2]
	for len(r.nav) < len(r.names.names) {
		r.nav = append(r.nav, false)
	}
	nav := make([]bool, len(names))
	for i := range names {
		nav[i] = rd.bool()
	}
	n := rd.count()
	cells := make([]packedCell, 0, n)
	var k countKey
	var user uint64
	for i := 0; i < n && rd.err == nil; i++ {
		if step := rd.uint(); step != 0 || i == 0 {
			user += step - 1
			if step == 0 || user >= uint64(len(users)) {
				rd.fail()
				break
			}
			k.day = Day(rd.int())
		} else {
			k.day += Day(rd.uint())
		}
		a, name, c := rd.index(len(accounts)), rd.index(len(names)), rd.uint()
		if rd.err != nil || c == 0 || c > 1<<32-1 {
			rd.fail()
			break
		}
		k.user, k.account, k.name = users[user], accounts[a], names[name]
		if k.day >= from && k.day <= to {
			cells = append(cells, pack(k, uint32(c)))
		}
	}
	if rd.err == nil && len(rd.b) != 0 {
		rd.fail()
	}
	if rd.err != nil {
		return fmt.Errorf("%w: %v", ErrCorruptCells, rd.err)
	}
	for i, v := range nav {
		r.nav[names[i]] = r.nav[names[i]] || v
	}
	if len(cells) == 0 {
		return nil
	}
	if !identity {
		cells = sortByUser(cells, len(r.users.names))
	}
	r.ix = nil
	r.counts.addSorted(cells)
	return nil
}

// bytes reads a string without copying it.
func (r *wireReader) bytes() []byte {
	n := r.count()
	s := r.b[:n:n]
	r.b = r.b[n:]
	return s
}
