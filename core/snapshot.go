package core

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Compactor is implemented by a store that keeps closed days compacted: each
// day before today (by the store's clock) is one snapshot, which Load reads
// instead of the day's cells. Snapshots are additive: an event that arrives
// late for a compacted day lands in an ordinary cell beside the snapshot and
// Load adds the two, so a report never depends on when compaction ran; the
// next Compact folds the late cells into the day's snapshot.
type Compactor interface {
	// Compact folds the cells of every closed day into the day's snapshot
	// and returns how many days it wrote.
	Compact(ctx context.Context) (days int, err error)
}

// Generationer is implemented by a store whose loaded Rollup can be told
// unchanged cheaply: Generation returns a value that changes whenever Load's
// result may change (an ingestion, or a new day moving retention and "today")
// and costs one small read. The API caches reports by it.
type Generationer interface {
	Generation(ctx context.Context) (string, error)
}

// ClosedDay reports whether day is closed at now (before today in the
// rollup's time zone): its cells may be compacted.
func ClosedDay(r *Rollup, now time.Time, day Day) bool { return day < r.DayOf(now.UnixMilli()) }

// snapshotMagic starts every encoded day snapshot (version 1).
const snapshotMagic = "SEPd1"

// DaySnapshot encodes the cells of one day compactly. Add the cells in any
// order; a cell added twice is kept twice and adds up when loaded (Rollup
// sums cells). Consecutive cells of one user (a store's key order) share the
// user's bytes, and each event name is written once.
type DaySnapshot struct {
	Day   Day
	buf   []byte
	n     int
	user  string
	acct  string
	names map[string]uint32
}

// NewDaySnapshot returns an empty snapshot of day.
func NewDaySnapshot(day Day) *DaySnapshot {
	return &DaySnapshot{Day: day, names: map[string]uint32{}}
}

// Cell flags.
const (
	snapNewUser = 1 << iota
	snapNewAccount
	snapNav
	snapNewName
)

// Add appends one cell (its Day is ignored: the snapshot's day is used).
func (s *DaySnapshot) Add(c Count) {
	if c.N == 0 {
		return
	}
	flags := byte(0)
	if s.n == 0 || c.User != s.user {
		flags |= snapNewUser
	}
	if s.n == 0 || c.Account != s.acct || flags&snapNewUser != 0 {
		flags |= snapNewAccount
	}
	if c.Navigation {
		flags |= snapNav
	}
	id, known := s.names[c.Event]
	if !known {
		flags |= snapNewName
	}
	s.buf = append(s.buf, flags)
	if flags&snapNewUser != 0 {
		s.buf = appendSnapStr(s.buf, c.User)
		s.user = c.User
	}
	if flags&snapNewAccount != 0 {
		s.buf = appendSnapStr(s.buf, c.Account)
		s.acct = c.Account
	}
	if known {
		s.buf = binary.AppendUvarint(s.buf, uint64(id))
	} else {
		s.names[c.Event] = uint32(len(s.names))
		s.buf = appendSnapStr(s.buf, c.Event)
	}
	s.buf = binary.AppendUvarint(s.buf, uint64(c.N))
	s.n++
}

// Len returns how many cells were added.
func (s *DaySnapshot) Len() int { return s.n }

// Bytes returns the encoded snapshot: magic, day, cell count, cells.
func (s *DaySnapshot) Bytes() []byte {
	out := make([]byte, 0, len(snapshotMagic)+16+len(s.buf))
	out = append(out, snapshotMagic...)
	out = binary.AppendVarint(out, int64(s.Day))
	out = binary.AppendUvarint(out, uint64(s.n))
	return append(out, s.buf...)
}

func appendSnapStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// ErrCorruptSnapshot is returned for a snapshot that cannot be decoded.
var ErrCorruptSnapshot = errors.New("corrupt day snapshot")

// DecodeDaySnapshot calls fn for every cell of an encoded snapshot and returns
// its day. The strings passed to fn are fresh copies, shared by the
// consecutive cells of one user.
func DecodeDaySnapshot(b []byte, fn func(Count)) (Day, error) {
	if len(b) < len(snapshotMagic) || string(b[:len(snapshotMagic)]) != snapshotMagic {
		return 0, fmt.Errorf("%w: bad header", ErrCorruptSnapshot)
	}
	b = b[len(snapshotMagic):]
	day, w := binary.Varint(b)
	if w <= 0 {
		return 0, fmt.Errorf("%w: bad day", ErrCorruptSnapshot)
	}
	b = b[w:]
	n, w := binary.Uvarint(b)
	if w <= 0 {
		return 0, fmt.Errorf("%w: bad cell count", ErrCorruptSnapshot)
	}
	b = b[w:]
	var names []string
	var c Count
	c.Day = Day(day)
	for i := uint64(0); i < n; i++ {
		if len(b) == 0 {
			return 0, fmt.Errorf("%w: cell %d of %d missing", ErrCorruptSnapshot, i+1, n)
		}
		flags := b[0]
		b = b[1:]
		var err error
		if flags&snapNewUser != 0 {
			if c.User, b, err = readSnapStr(b); err != nil {
				return 0, err
			}
		}
		if flags&snapNewAccount != 0 {
			if c.Account, b, err = readSnapStr(b); err != nil {
				return 0, err
			}
		}
		if flags&snapNewName != 0 {
			if c.Event, b, err = readSnapStr(b); err != nil {
				return 0, err
			}
			names = append(names, c.Event)
		} else {
			id, w := binary.Uvarint(b)
			if w <= 0 || id >= uint64(len(names)) {
				return 0, fmt.Errorf("%w: bad event index in cell %d", ErrCorruptSnapshot, i+1)
			}
			c.Event, b = names[id], b[w:]
		}
		c.Navigation = flags&snapNav != 0
		count, w := binary.Uvarint(b)
		if w <= 0 || count == 0 || count > 1<<32-1 {
			return 0, fmt.Errorf("%w: bad count in cell %d", ErrCorruptSnapshot, i+1)
		}
		c.N, b = uint32(count), b[w:]
		fn(c)
	}
	if len(b) != 0 {
		return 0, fmt.Errorf("%w: %d bytes after the last cell", ErrCorruptSnapshot, len(b))
	}
	return Day(day), nil
}

func readSnapStr(b []byte) (string, []byte, error) {
	n, w := binary.Uvarint(b)
	if w <= 0 || uint64(len(b)-w) < n {
		return "", nil, fmt.Errorf("%w: bad string", ErrCorruptSnapshot)
	}
	return string(b[w : w+int(n)]), b[w+int(n):], nil
}
