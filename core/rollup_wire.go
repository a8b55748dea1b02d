package core

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
)

// rollupMagic starts a Rollup's binary form (MarshalBinary).
const rollupMagic = "SEPR1"

// MarshalBinary writes the Rollup's content (time zone, cells, memberships,
// traits and input counts; not its set of ids nor its time range) in a
// compact binary form that UnmarshalRollup reads back, so that a Rollup can
// move between WebAssembly memories (the page's Web Workers). Files summaries
// are carried as JSON without their warnings.
func (r *Rollup) MarshalBinary() ([]byte, error) {
	w := wireWriter{b: make([]byte, 0, 64+r.counts.len()*8)}
	w.b = append(w.b, rollupMagic...)
	w.str(r.tz)
	for _, t := range []*table{&r.users, &r.accounts, &r.names} {
		w.uint(uint64(len(t.names)))
		for _, s := range t.names {
			w.str(s)
		}
	}
	for i := range r.names.names {
		w.bool(i < len(r.nav) && r.nav[i])
	}
	w.uint(uint64(r.counts.len()))
	r.counts.each(func(k countKey, n uint32) {
		w.uint(uint64(k.user))
		w.uint(uint64(k.account))
		w.uint(uint64(k.name))
		w.int(int64(k.day))
		w.uint(uint64(n))
	})
	w.uint(uint64(len(r.members)))
	for u, s := range r.members {
		w.uint(uint64(u))
		w.uint(uint64(s.account))
		w.int(s.timeMs)
	}
	for _, m := range []map[traitKey]traitVal{r.userTraits, r.accountTraits} {
		w.uint(uint64(len(m)))
		for k, v := range m {
			w.uint(uint64(k.id))
			w.str(k.key)
			w.str(v.value)
			w.int(v.timeMs)
		}
	}
	in := &r.Input
	for _, v := range []int64{in.Events, in.ActivityEvents, in.Skipped, in.Duplicates} {
		w.int(v)
	}
	w.uint(uint64(len(in.SkippedByReason)))
	for k, v := range in.SkippedByReason {
		w.str(k)
		w.int(v)
	}
	w.uint(uint64(len(in.Errors)))
	for _, e := range in.Errors {
		w.str(e.File)
		w.int(int64(e.Line))
		w.str(e.Message)
	}
	files, err := json.Marshal(in.Files)
	if err != nil {
		return nil, fmt.Errorf("rollup: %w", err)
	}
	w.str(string(files))
	return w.b, nil
}

// UnmarshalRollup reads a Rollup written by MarshalBinary.
func UnmarshalRollup(b []byte) (*Rollup, error) {
	if len(b) < len(rollupMagic) || string(b[:len(rollupMagic)]) != rollupMagic {
		return nil, errors.New("rollup: not a rollup's binary form")
	}
	rd := wireReader{b: b[len(rollupMagic):]}
	r, err := NewRollup(rd.str())
	if err != nil {
		return nil, err
	}
	for _, t := range []*table{&r.users, &r.accounts, &r.names} {
		n := rd.count()
		for i := 0; i < n; i++ {
			if s := rd.str(); t.id(s) != uint32(i) {
				rd.fail()
			}
		}
	}
	r.nav = make([]bool, len(r.names.names))
	for i := range r.nav {
		r.nav[i] = rd.bool()
	}
	for n := rd.count(); n > 0; n-- {
		k := countKey{user: rd.index(len(r.users.names)), account: rd.index(len(r.accounts.names)),
			name: rd.index(len(r.names.names)), day: Day(rd.int())}
		r.counts.add(k, uint32(rd.uint()))
	}
	for n := rd.count(); n > 0; n-- {
		u := rd.index(len(r.users.names))
		r.members[u] = stamp{account: rd.index(len(r.accounts.names)), timeMs: rd.int()}
	}
	for i, m := range []map[traitKey]traitVal{r.userTraits, r.accountTraits} {
		size := len(r.users.names)
		if i == 1 {
			size = len(r.accounts.names)
		}
		for n := rd.count(); n > 0; n-- {
			k := traitKey{id: rd.index(size), key: rd.str()}
			m[k] = traitVal{value: rd.str(), timeMs: rd.int()}
		}
	}
	in := &r.Input
	for _, v := range []*int64{&in.Events, &in.ActivityEvents, &in.Skipped, &in.Duplicates} {
		*v = rd.int()
	}
	for n := rd.count(); n > 0; n-- {
		if in.SkippedByReason == nil {
			in.SkippedByReason = map[string]int64{}
		}
		k := rd.str()
		in.SkippedByReason[k] = rd.int()
	}
	for n := rd.count(); n > 0; n-- {
		in.Errors = append(in.Errors, RecordError{File: rd.str(), Line: int(rd.int()), Message: rd.str()})
	}
	files := rd.str()
	if rd.err == nil && len(rd.b) != 0 {
		rd.fail()
	}
	if rd.err != nil {
		return nil, rd.err
	}
	if err := json.Unmarshal([]byte(files), &in.Files); err != nil {
		return nil, fmt.Errorf("rollup: files: %w", err)
	}
	return r, nil
}

type wireWriter struct{ b []byte }

func (w *wireWriter) uint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *wireWriter) int(v int64)   { w.b = binary.AppendVarint(w.b, v) }
func (w *wireWriter) str(s string)  { w.uint(uint64(len(s))); w.b = append(w.b, s...) }
func (w *wireWriter) bool(v bool) {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}

// wireReader reads what wireWriter wrote; after the first error every read
// returns zero and err says what went wrong.
type wireReader struct {
	b   []byte
	err error
}

func (r *wireReader) fail() {
	if r.err == nil {
		r.err = errors.New("rollup: truncated or corrupt binary form")
	}
	r.b = nil
}

func (r *wireReader) uint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *wireReader) int() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a length, bounded by the bytes left (each item takes one at least).
func (r *wireReader) count() int {
	v := r.uint()
	if v > uint64(len(r.b)) {
		r.fail()
		return 0
	}
	return int(v)
}

// index reads a table index below size.
func (r *wireReader) index(size int) uint32 {
	v := r.uint()
	if v >= uint64(size) {
		r.fail()
		return 0
	}
	return uint32(v)
}

func (r *wireReader) str() string {
	n := r.count()
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *wireReader) bool() bool {
	if len(r.b) == 0 {
		r.fail()
		return false
	}
	v := r.b[0] != 0
	r.b = r.b[1:]
	return v
}
