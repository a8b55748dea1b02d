// Package bolt is a core.Store in a bbolt file: the embedded, transactional
// store of the local server (sep serve). Each delivery is one read-write
// transaction, fsynced before Ingest returns.
package bolt

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/sep-project/sep/core"
	bbolt "go.etcd.io/bbolt"
)

// DedupTTL is how long a delivered messageId is remembered: a webhook retried
// later than that counts again. Segment retries for up to a few hours.
const DedupTTL = 7 * 24 * time.Hour

var (
	bucketDedup   = []byte("dedup")   // messageId -> seen at (unix ms)
	bucketCells   = []byte("cells")   // user, account, event, nav, day -> count
	bucketMembers = []byte("members") // user -> ts, account
	bucketTraits  = []byte("traits")  // kind, id, key -> ts, value
	bucketInput   = []byte("input")   // counter -> int64
	allBuckets    = [][]byte{bucketDedup, bucketCells, bucketMembers, bucketTraits, bucketInput, bucketSnapshots, bucketMerged}
)

// Store is a core.Store in a bbolt file.
type Store struct {
	db        *bbolt.DB
	tz        string
	retention int
	now       func() time.Time
	ingests   atomic.Int64 // Ingest calls, which run concurrently
	gen       atomic.Int64 // successful Ingest calls since Open (Generation)
	// compactBatch is CompactBatchCells (tests lower it).
	compactBatch int
}

// Open opens (or creates) the store file; tz is the time zone its days are
// counted in, which must stay the same for the life of the file.
func Open(path, tz string) (*Store, error) {
	if _, err := core.NewRollup(tz); err != nil {
		return nil, err
	}
	// The free pages' list is not written at each commit but rebuilt at open:
	// after a first compaction frees most of a large file, writing it made
	// every delivery's transaction write megabytes (1M users: 14 MB).
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 5 * time.Second, NoFreelistSync: true, FreelistType: bbolt.FreelistMapType})
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	// Concurrent deliveries share a transaction (Batch); bbolt waits up to
	// 10 ms to gather one, which was most of a delivery's latency under load
	// (50 clients: 17.7k events/s, p50 14 ms with 2 ms; 11–12.7k, p50 20 ms with 10).
	db.MaxBatchDelay = 2 * time.Millisecond
	s := &Store{db: db, tz: tz, retention: core.DefaultRetentionDays, now: time.Now, compactBatch: CompactBatchCells}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta, err := tx.CreateBucketIfNotExists([]byte("meta"))
		if err != nil {
			return err
		}
		if old := meta.Get([]byte("tz")); old != nil && string(old) != tz {
			return fmt.Errorf("the store counts days in %s, not %s: use another data folder to change the time zone", old, tz)
		}
		return meta.Put([]byte("tz"), []byte(tz))
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// Ingest stores the events' rollup in one transaction, counting the messageIds
// seen before as duplicates. Events dated outside the plausible range (from
// core.DefaultEarliest to a day past their receipt, else past the store's
// clock) or over a length limit are counted as skipped, their ids not
// remembered. It returns the events counted (stored or skipped), not the
// duplicates. Concurrent calls are batched into shared transactions (bbolt's
// Batch), each committed and fsynced before any of them returns.
func (s *Store) Ingest(ctx context.Context, events []core.Event) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	stored := 0
	err := s.db.Batch(func(tx *bbolt.Tx) error {
		stored = 0
		dedup := tx.Bucket(bucketDedup)
		delta, err := core.NewRollup(s.tz)
		if err != nil {
			return err
		}
		clock := s.now()
		delta.SetTimeRange(core.TimeRange{Now: clock})
		now := clock.UnixMilli()
		for i := range events {
			e := &events[i]
			if id := e.MessageID; id != "" && delta.Reject(e) == "" {
				if dedup.Get([]byte(id)) != nil {
					delta.CountDuplicate()
					continue
				}
				if err := dedup.Put([]byte(id), i64(now)); err != nil {
					return err
				}
			}
			delta.Add(e)
			stored++
		}
		return writeDelta(tx, delta)
	})
	if err != nil {
		return 0, fmt.Errorf("bolt ingest: %w", err)
	}
	s.gen.Add(1)
	if s.ingests.Add(1)%1000 == 1 {
		s.pruneDedup()
	}
	return stored, nil
}

// pruneDedup forgets messageIds older than DedupTTL.
func (s *Store) pruneDedup() {
	cutoff := s.now().Add(-DedupTTL).UnixMilli()
	s.db.Update(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketDedup).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(v) == 8 && int64(binary.BigEndian.Uint64(v)) < cutoff {
				if err := c.Delete(); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func writeDelta(tx *bbolt.Tx, d *core.Rollup) error {
	cells, members, traits, input := tx.Bucket(bucketCells), tx.Bucket(bucketMembers), tx.Bucket(bucketTraits), tx.Bucket(bucketInput)
	var err error
	d.Counts(func(c core.Count) {
		if err != nil {
			return
		}
		k := cellKey(c)
		n := uint64(c.N)
		if old := cells.Get(k); len(old) == 8 {
			n += binary.BigEndian.Uint64(old)
		}
		err = cells.Put(k, u64(n))
	})
	d.Memberships(func(m core.Membership) {
		if err != nil {
			return
		}
		k := []byte(m.User)
		if old := members.Get(k); len(old) >= 8 {
			ts := int64(binary.BigEndian.Uint64(old))
			if ts > m.TimeMs || (ts == m.TimeMs && string(old[8:]) >= m.Account) {
				return
			}
		}
		err = members.Put(k, append(i64(m.TimeMs), m.Account...))
	})
	d.Traits(func(t core.Trait) {
		if err != nil {
			return
		}
		kind := byte('u')
		if t.Account {
			kind = 'a'
		}
		k := appendStr(appendStr([]byte{kind}, t.ID), t.Key)
		if old := traits.Get(k); len(old) >= 8 {
			ts := int64(binary.BigEndian.Uint64(old))
			if ts > t.TimeMs || (ts == t.TimeMs && string(old[8:]) >= t.Value) {
				return
			}
		}
		err = traits.Put(k, append(i64(t.TimeMs), t.Value...))
	})
	if err != nil {
		return err
	}
	add := func(name string, n int64) error {
		if n == 0 {
			return nil
		}
		if old := input.Get([]byte(name)); len(old) == 8 {
			n += int64(binary.BigEndian.Uint64(old))
		}
		return input.Put([]byte(name), i64(n))
	}
	in := d.Input
	for name, n := range map[string]int64{"events": in.Events, "activity_events": in.ActivityEvents, "skipped": in.Skipped, "duplicates": in.Duplicates} {
		if err := add(name, n); err != nil {
			return err
		}
	}
	for reason, n := range in.SkippedByReason {
		if err := add("skip:"+reason, n); err != nil {
			return err
		}
	}
	return nil
}

// Load reads everything back into a Rollup. Retention counts from the store's
// clock, not from the data: cells more than the retention before today (in
// the store's time zone) are left out, and so are cells after tomorrow
// (stored before sep skipped implausible times), which would move "today".
func (s *Store) Load(ctx context.Context) (*core.Rollup, error) {
	r, err := core.NewRollup(s.tz)
	if err != nil {
		return nil, err
	}
	err = s.db.View(func(tx *bbolt.Tx) error {
		// The closed days first: into an empty rollup, the merged cells are
		// taken as they are. Then the cells: keys come sorted by user,
		// account and event, so their strings are made once per run.
		from, to := core.RetainedDays(r, s.now(), s.retention)
		if err := loadClosed(tx, r, from, to); err != nil {
			return err
		}
		cells := tx.Bucket(bucketCells)
		var strs keyStrings
		if err := cells.ForEach(func(k, v []byte) error {
			c, err := strs.parseCellKey(k)
			if err != nil {
				return err
			}
			if c.Day >= from && c.Day <= to {
				c.N = uint32(binary.BigEndian.Uint64(v))
				r.AddCount(c)
			}
			return nil
		}); err != nil {
			return err
		}
		tx.Bucket(bucketMembers).ForEach(func(k, v []byte) error {
			r.AddMembership(core.Membership{User: string(k), Account: string(v[8:]), TimeMs: int64(binary.BigEndian.Uint64(v))})
			return nil
		})
		if err := tx.Bucket(bucketTraits).ForEach(func(k, v []byte) error {
			id, rest, err1 := readStr(k[1:])
			key, _, err2 := readStr(rest)
			if err := errors.Join(err1, err2); err != nil {
				return err
			}
			r.AddTrait(core.Trait{Account: k[0] == 'a', ID: id, Key: key, Value: string(v[8:]), TimeMs: int64(binary.BigEndian.Uint64(v))})
			return nil
		}); err != nil {
			return err
		}
		in := &r.Input
		return tx.Bucket(bucketInput).ForEach(func(k, v []byte) error {
			in.AddCounter(string(k), int64(binary.BigEndian.Uint64(v)))
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("bolt load: %w", err)
	}
	return r, ctx.Err()
}

// cellKey is user, account, event (length-prefixed), the navigation flag and
// the day: one key per rollup cell.
func cellKey(c core.Count) []byte {
	k := appendStr(appendStr(appendStr(make([]byte, 0, 32+len(c.User)+len(c.Account)+len(c.Event)), c.User), c.Account), c.Event)
	nav := byte(0)
	if c.Navigation {
		nav = 1
	}
	k = append(k, nav)
	return binary.BigEndian.AppendUint32(k, uint32(c.Day))
}

// keyStrings makes the strings of a run of cell keys, reusing the previous
// key's user and account and every event name already seen.
type keyStrings struct {
	user, account string
	events        map[string]string
}

func (ks *keyStrings) parseCellKey(k []byte) (core.Count, error) {
	var c core.Count
	var err1, err2, err3 error
	var user, account, event []byte
	user, k, err1 = readBytes(k)
	account, k, err2 = readBytes(k)
	event, k, err3 = readBytes(k)
	if err := errors.Join(err1, err2, err3); err != nil || len(k) != 5 {
		return c, fmt.Errorf("corrupt cell key")
	}
	if ks.user != string(user) { // comparisons of a conversion do not allocate
		ks.user = string(user)
	}
	if ks.account != string(account) {
		ks.account = string(account)
	}
	name, ok := ks.events[string(event)]
	if !ok {
		if ks.events == nil {
			ks.events = map[string]string{}
		}
		name = string(event)
		ks.events[name] = name
	}
	c.User, c.Account, c.Event = ks.user, ks.account, name
	c.Navigation = k[0] == 1
	c.Day = core.Day(int32(binary.BigEndian.Uint32(k[1:])))
	return c, nil
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func readStr(b []byte) (string, []byte, error) {
	s, rest, err := readBytes(b)
	return string(s), rest, err
}

// readBytes reads a length-prefixed string, returning it without a copy.
func readBytes(b []byte) ([]byte, []byte, error) {
	n, w := binary.Uvarint(b)
	if w <= 0 || uint64(len(b)-w) < n {
		return nil, nil, errors.New("corrupt key")
	}
	return b[w : w+int(n)], b[w+int(n):], nil
}

func i64(n int64) []byte  { return binary.BigEndian.AppendUint64(nil, uint64(n)) }
func u64(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

// SetClock sets the store's clock (time.Now by default): retention, "today"
// and the plausible event times count from it. Tests set a fixed one.
func (s *Store) SetClock(now func() time.Time) { s.now = now }
