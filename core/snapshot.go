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

// Parts cuts the snapshot's bytes into pieces of at most size bytes, in
// order (one piece when it is empty), for stores whose items or rows are
// smaller than a day's snapshot: DynamoDB's 400 KB items, D1's 2 MB rows.
// Joined again, the pieces are Bytes().
func (s *DaySnapshot) Parts(size int) [][]byte {
	b := s.Bytes()
	out := [][]byte{}
	for len(b) > size {
		out = append(out, b[:size])
		b = b[size:]
	}
	return append(out, b)
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
	d, err := newSnapDecoder(b)
	if err != nil {
		return 0, err
	}
	var names []string
	var c Count
	c.Day = d.day
	var sc snapCell
	for d.more() {
		if err := d.next(&sc); err != nil {
			return 0, err
		}
		if sc.flags&snapNewUser != 0 {
			c.User = string(sc.user)
		}
		if sc.flags&snapNewAccount != 0 {
			c.Account = string(sc.account)
		}
		if sc.flags&snapNewName != 0 {
			names = append(names, string(sc.newName))
		}
		c.Event, c.Navigation, c.N = names[sc.name], sc.flags&snapNav != 0, sc.n
		fn(c)
	}
	return d.day, nil
}

// snapDecoder reads an encoded snapshot's cells one at a time, without
// copying: the bytes it returns are the snapshot's.
type snapDecoder struct {
	b     []byte
	day   Day
	n, i  uint64 // cells in all, cells read
	names int    // event names defined so far
}

// snapCell is one decoded cell: user and account are set when the flags say
// they are new, newName when the name is; name indexes the names in the order
// the snapshot defines them.
type snapCell struct {
	flags         byte
	user, account []byte
	newName       []byte
	name          int
	n             uint32
}

func newSnapDecoder(b []byte) (snapDecoder, error) {
	if len(b) < len(snapshotMagic) || string(b[:len(snapshotMagic)]) != snapshotMagic {
		return snapDecoder{}, fmt.Errorf("%w: bad header", ErrCorruptSnapshot)
	}
	b = b[len(snapshotMagic):]
	day, w := binary.Varint(b)
	if w <= 0 || day != int64(Day(day)) {
		return snapDecoder{}, fmt.Errorf("%w: bad day", ErrCorruptSnapshot)
	}
	b = b[w:]
	n, w := binary.Uvarint(b)
	if w <= 0 {
		return snapDecoder{}, fmt.Errorf("%w: bad cell count", ErrCorruptSnapshot)
	}
	d := snapDecoder{b: b[w:], day: Day(day), n: n}
	if n == 0 && len(d.b) != 0 {
		return snapDecoder{}, fmt.Errorf("%w: %d bytes after the last cell", ErrCorruptSnapshot, len(d.b))
	}
	return d, nil
}

// more reports whether a cell is left to read.
func (d *snapDecoder) more() bool { return d.i < d.n }

// next reads the next cell into c.
func (d *snapDecoder) next(c *snapCell) error {
	b := d.b
	d.i++
	if len(b) == 0 {
		return fmt.Errorf("%w: cell %d of %d missing", ErrCorruptSnapshot, d.i, d.n)
	}
	c.flags = b[0]
	b = b[1:]
	var err error
	if c.flags&snapNewUser != 0 {
		if c.user, b, err = readSnapBytes(b); err != nil {
			return err
		}
	}
	if c.flags&snapNewAccount != 0 {
		if c.account, b, err = readSnapBytes(b); err != nil {
			return err
		}
	}
	if c.flags&snapNewName != 0 {
		if c.newName, b, err = readSnapBytes(b); err != nil {
			return err
		}
		c.name = d.names
		d.names++
	} else {
		id, w := binary.Uvarint(b)
		if w <= 0 || id >= uint64(d.names) {
			return fmt.Errorf("%w: bad event index in cell %d", ErrCorruptSnapshot, d.i)
		}
		c.name, b = int(id), b[w:]
	}
	count, w := binary.Uvarint(b)
	if w <= 0 || count == 0 || count > 1<<32-1 {
		return fmt.Errorf("%w: bad count in cell %d", ErrCorruptSnapshot, d.i)
	}
	c.n, d.b = uint32(count), b[w:]
	if d.i == d.n && len(d.b) != 0 {
		return fmt.Errorf("%w: %d bytes after the last cell", ErrCorruptSnapshot, len(d.b))
	}
	return nil
}

func readSnapBytes(b []byte) ([]byte, []byte, error) {
	n, w := binary.Uvarint(b)
	if w <= 0 || uint64(len(b)-w) < n {
		return nil, nil, fmt.Errorf("%w: bad string", ErrCorruptSnapshot)
	}
	return b[w : w+int(n)], b[w+int(n):], nil
}
