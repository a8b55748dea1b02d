package core

import "math/bits"

// idSet is the set of event ids a Rollup has counted (SPEC "One event, once"):
// 64-bit hashes of the ids (IDHash) in an open-addressing table, 8 bytes a slot, kept
// at most 3/4 full (10.7 to 21 bytes per id, growing by doubling). Two
// distinct ids share a hash with odds about n²/2^65 for n ids (10 million
// ids: 3 in a million), in which case the later one is counted as a repeat.
type idSet struct {
	slots []uint64 // 0 is an empty slot; a hash of 0 is stored as 1
	n     int
}

// IDHash hashes an event id 8 bytes at a time (multiply and rotate, then
// MurmurHash3's 64-bit finalizer): fixed, the same on every platform and run.
// It is never 0. A Rollup keeps the hashes of the ids it counted (CheckIDs).
func IDHash(id string) uint64 {
	const m1, m2 = 0x9e3779b97f4a7c15, 0xc2b2ae3d27d4eb4f
	h := uint64(len(id)) * m1
	for ; len(id) >= 8; id = id[8:] {
		w := uint64(id[0]) | uint64(id[1])<<8 | uint64(id[2])<<16 | uint64(id[3])<<24 |
			uint64(id[4])<<32 | uint64(id[5])<<40 | uint64(id[6])<<48 | uint64(id[7])<<56
		h = bits.RotateLeft64(h^(w*m2), 31) * m1
	}
	var w uint64
	for i := 0; i < len(id); i++ {
		w |= uint64(id[i]) << (8 * i)
	}
	h = bits.RotateLeft64(h^(w*m2), 31) * m1
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	if h == 0 {
		h = 1
	}
	return h
}

// insert adds a hash and reports whether it was new.
func (s *idSet) insert(h uint64) bool {
	if (s.n+1)*4 > len(s.slots)*3 {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			s.slots[i] = h
			s.n++
			return true
		case h:
			return false
		}
	}
}

func (s *idSet) grow() {
	old := s.slots
	s.slots = make([]uint64, max(1024, 2*len(old)))
	s.n = 0
	for _, h := range old {
		if h != 0 {
			s.insert(h)
		}
	}
}

// insertAll marks dup[i] for each hash of hs already in the set and adds the
// others (a hash of 0, no id, is never a repeat), in order: one size check
// for the whole block instead of one per id.
func (s *idSet) insertAll(hs []uint64, dup []bool) {
	s.reserve(len(hs))
	slots := s.slots
	mask := uint64(len(slots) - 1)
	n := s.n
	for k, h := range hs {
		if h == 0 {
			dup[k] = false
			continue
		}
		i := h & mask
		for slots[i] != 0 && slots[i] != h {
			i = (i + 1) & mask
		}
		dup[k] = slots[i] == h
		if !dup[k] {
			slots[i] = h
			n++
		}
	}
	s.n = n
}

// Len returns the number of ids in the set.
func (s *idSet) Len() int { return s.n }

// reserve makes room for n more hashes at once (one rehash, not one per doubling).
func (s *idSet) reserve(n int) {
	size := max(1024, len(s.slots))
	for (s.n+n+1)*4 > size*3 {
		size *= 2
	}
	if size == len(s.slots) {
		return
	}
	old := s.slots
	s.slots, s.n = make([]uint64, size), 0
	for _, h := range old {
		if h != 0 {
			s.insert(h)
		}
	}
}

// CheckIDs checks a block of id hashes (IDHash; 0 for an event without id,
// never a repeat) against the ids the Rollup counted, in order: dup[i] is set
// for a hash counted before (or earlier in hs), and the others are counted.
// dup must be as long as hs. The events themselves are then added with
// AddChecked, or counted with CountDuplicate.
func (r *Rollup) CheckIDs(hs []uint64, dup []bool) { r.seen.insertAll(hs, dup) }

// ReserveIDs makes room for n more ids at once, when a reader can tell how
// many to expect: one allocation instead of a rehash at every doubling.
func (r *Rollup) ReserveIDs(n int) { r.seen.reserve(n) }

// IDSlots returns how many ids the Rollup counted and the slots of their set
// (kept at most 3/4 full): what ReserveIDs and the size of an input cost.
func (r *Rollup) IDSlots() (ids, slots int) { return r.seen.n, len(r.seen.slots) }

// IDs returns the hashes of the event ids the Rollup counted, in no order.
func (r *Rollup) IDs() []uint64 {
	out := make([]uint64, 0, r.seen.n)
	for _, h := range r.seen.slots {
		if h != 0 {
			out = append(out, h)
		}
	}
	return out
}

// SeedIDs marks ids (hashes from IDs) as counted before: records that carry
// them are then counted as duplicates.
func (r *Rollup) SeedIDs(ids []uint64) {
	for _, h := range ids {
		r.seen.insert(h)
	}
}
