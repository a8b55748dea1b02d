package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/sep-project/sep/core"
	bbolt "go.etcd.io/bbolt"
)

// bucketSnapshots holds the compacted cells of the closed days in parts: the
// day (4 bytes, big-endian) and a part number (8 bytes, big-endian; absent in
// stores compacted before parts) -> core.DaySnapshot bytes. A day's parts add
// up (the same cell in two parts counts their sum): each compaction
// transaction writes one part for each day it folded cells of.
var bucketSnapshots = []byte("snapshots")

// bucketMerged keeps the cells of every snapshot merged into one value, so
// that a read decodes it instead of a snapshot a day: "cells" (core's
// AppendCells form), "lo" and "hi" (the first and last day merged), "ver" (the
// snapshots' version it was built from) and "snapver" (the snapshots' version,
// which every snapshot write moves). Load uses it only when the versions
// match, so a snapshot rewritten since (late events folded in) is read as a
// snapshot until the next Compact merges again.
var bucketMerged = []byte("merged")

func dayKeyBytes(d core.Day) []byte { return binary.BigEndian.AppendUint32(nil, uint32(d)) }

// partKey is the key of a day's snapshot part.
func partKey(d core.Day, part uint64) []byte {
	return binary.BigEndian.AppendUint64(dayKeyBytes(d), part)
}

// snapshotDay is the day of a snapshot key (a day, or a day and a part).
func snapshotDay(k []byte) (core.Day, error) {
	if len(k) != 4 && len(k) != 12 {
		return 0, fmt.Errorf("corrupt snapshot key %x", k)
	}
	return core.Day(int32(binary.BigEndian.Uint32(k))), nil
}

// CompactBatchCells is how many cells one compaction transaction reads at
// most. The cells are keyed by user first, so a transaction takes a run of
// consecutive keys: it rewrites only the pages holding them, and each page
// of the cells is rewritten once in a whole compaction.
const CompactBatchCells = 1 << 20

// Compact folds the cells of every closed day (before today by the store's
// clock) into snapshot parts and drops snapshots past the retention. It
// reads the cells in key order, CompactBatchCells at a time, one transaction
// each: the transaction deletes the closed cells it read and writes a part
// for each of their days, so a compaction stopped between two transactions
// leaves the store exact and the next one goes on where it stopped. A late
// event for a compacted day is stored as an ordinary cell and added at load;
// the next Compact folds it into a new part. It returns how many days it
// wrote parts of.
func (s *Store) Compact(ctx context.Context) (int, error) {
	r, err := core.NewRollup(s.tz)
	if err != nil {
		return 0, err
	}
	now := s.now()
	written := map[core.Day]bool{}
	var after []byte // the last key read by the previous batch
	for {
		var next []byte
		if err := s.db.Update(func(tx *bbolt.Tx) error {
			next, err = compactBatch(tx, r, now, s.retention, after, s.compactBatch, written)
			return err
		}); err != nil {
			return len(written), fmt.Errorf("bolt compact: %w", err)
		}
		if next == nil {
			break
		}
		after = next
		if err := ctx.Err(); err != nil {
			return len(written), err
		}
	}
	if err := s.db.Update(func(tx *bbolt.Tx) error { return dropOldSnapshots(tx, r, now, s.retention) }); err != nil {
		return len(written), fmt.Errorf("bolt compact: %w", err)
	}
	if err := s.mergeSnapshots(now); err != nil {
		return len(written), fmt.Errorf("bolt compact: %w", err)
	}
	return len(written), nil
}

// mergeSnapshots rebuilds the merged cells from the retained snapshots when
// they changed since the last merge or an expired day is in it. It reads in
// one transaction and writes in another: when a snapshot was written in
// between, it writes nothing (the merge is stale; Load reads the snapshots).
func (s *Store) mergeSnapshots(now time.Time) error {
	r, err := core.NewRollup(s.tz)
	if err != nil {
		return err
	}
	from, to := core.RetainedDays(r, now, s.retention)
	var ver uint64
	var lo, hi core.Day
	var merged []byte
	err = s.db.View(func(tx *bbolt.Tx) error {
		m := tx.Bucket(bucketMerged)
		ver = u64Of(m.Get([]byte("snapver")))
		if m.Get([]byte("cells")) != nil && u64Of(m.Get([]byte("ver"))) == ver && dayOf(m.Get([]byte("lo"))) >= from {
			return nil // up to date
		}
		var snaps [][]byte
		lo, hi = to+1, from-1
		err := eachSnapshot(tx, from, to, func(d core.Day, v []byte) {
			snaps = append(snaps, v)
			lo, hi = min(lo, d), max(hi, d)
		})
		if err != nil || len(snaps) == 0 {
			return err
		}
		if err := r.AddDaySnapshots(snaps); err != nil {
			return err
		}
		merged = r.AppendCells(nil)
		return nil
	})
	if err != nil || merged == nil {
		return err
	}
	return s.db.Update(func(tx *bbolt.Tx) error {
		m := tx.Bucket(bucketMerged)
		if u64Of(m.Get([]byte("snapver"))) != ver {
			return nil
		}
		return errors.Join(m.Put([]byte("cells"), merged), m.Put([]byte("lo"), dayKeyBytes(lo)),
			m.Put([]byte("hi"), dayKeyBytes(hi)), m.Put([]byte("ver"), u64(ver)))
	})
}

// bumpSnapshots moves the snapshots' version (see bucketMerged).
func bumpSnapshots(tx *bbolt.Tx) error {
	m := tx.Bucket(bucketMerged)
	return m.Put([]byte("snapver"), u64(u64Of(m.Get([]byte("snapver")))+1))
}

func u64Of(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func dayOf(b []byte) core.Day {
	if len(b) != 4 {
		return math.MinInt32
	}
	return core.Day(int32(binary.BigEndian.Uint32(b)))
}

// compactBatch reads up to limit cells after the key after (from the first
// when nil), deletes the closed ones and writes a snapshot part for each of
// their retained days (days past retention are deleted only: Load would
// leave them out), marking those days in written. It returns the last key
// read (a copy), nil when it read the last cell.
func compactBatch(tx *bbolt.Tx, r *core.Rollup, now time.Time, retention int, after []byte, limit int, written map[core.Day]bool) ([]byte, error) {
	from, _ := core.RetainedDays(r, now, retention)
	cells, snaps := tx.Bucket(bucketCells), tx.Bucket(bucketSnapshots)
	built := map[core.Day]*core.DaySnapshot{}
	var done [][]byte // valid for the transaction
	var strs keyStrings
	c := cells.Cursor()
	k, v := c.First()
	if after != nil {
		if k, v = c.Seek(after); bytes.Equal(k, after) {
			k, v = c.Next()
		}
	}
	var last []byte
	for n := 0; k != nil && n < limit; k, v = c.Next() {
		n++
		last = k
		if len(k) < 5 {
			return nil, fmt.Errorf("corrupt cell key %x", k)
		}
		d := core.Day(int32(binary.BigEndian.Uint32(k[len(k)-4:])))
		if !core.ClosedDay(r, now, d) {
			continue
		}
		done = append(done, k)
		if d < from {
			continue
		}
		cell, err := strs.parseCellKey(k)
		if err != nil {
			return nil, err
		}
		if len(v) != 8 {
			return nil, fmt.Errorf("corrupt count of cell %x", k)
		}
		cell.N = uint32(binary.BigEndian.Uint64(v))
		snap := built[d]
		if snap == nil {
			snap = core.NewDaySnapshot(d)
			built[d] = snap
		}
		snap.Add(cell)
	}
	if k != nil {
		last = append([]byte(nil), last...)
	} else {
		last = nil
	}
	for _, k := range done { // one cursor: Bucket.Delete makes one a key
		if got, _ := c.Seek(k); !bytes.Equal(got, k) {
			return nil, fmt.Errorf("cell %x went missing", k)
		}
		if err := c.Delete(); err != nil {
			return nil, err
		}
	}
	if len(built) > 0 {
		part, err := snaps.NextSequence()
		if err != nil {
			return nil, err
		}
		for d, snap := range built {
			if err := snaps.Put(partKey(d, part), snap.Bytes()); err != nil {
				return nil, err
			}
			written[d] = true
		}
		if err := bumpSnapshots(tx); err != nil {
			return nil, err
		}
	}
	return last, nil
}

// dropOldSnapshots deletes the snapshots of days past the retention.
func dropOldSnapshots(tx *bbolt.Tx, r *core.Rollup, now time.Time, retention int) error {
	from, _ := core.RetainedDays(r, now, retention)
	snaps := tx.Bucket(bucketSnapshots)
	var old [][]byte
	if err := snaps.ForEach(func(k, _ []byte) error {
		d, err := snapshotDay(k)
		if err == nil && d < from {
			old = append(old, k)
		}
		return err
	}); err != nil {
		return err
	}
	for _, k := range old {
		if err := snaps.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// loadClosed adds the closed days from..to to r: the merged cells when they
// are up to date, and the snapshots of the days after them.
func loadClosed(tx *bbolt.Tx, r *core.Rollup, from, to core.Day) error {
	m := tx.Bucket(bucketMerged)
	if cells := m.Get([]byte("cells")); cells != nil && u64Of(m.Get([]byte("ver"))) == u64Of(m.Get([]byte("snapver"))) {
		hi := dayOf(m.Get([]byte("hi")))
		if err := r.AddCells(cells, from, min(hi, to)); err != nil {
			return fmt.Errorf("merged snapshots: %w", err)
		}
		from = max(from, hi+1)
	}
	var snaps [][]byte // valid for the transaction, as r.AddDaySnapshots needs them
	if err := eachSnapshot(tx, from, to, func(_ core.Day, v []byte) { snaps = append(snaps, v) }); err != nil {
		return err
	}
	return r.AddDaySnapshots(snaps)
}

// eachSnapshot calls fn with the snapshots of the days from..to, in order.
func eachSnapshot(tx *bbolt.Tx, from, to core.Day, fn func(core.Day, []byte)) error {
	c := tx.Bucket(bucketSnapshots).Cursor()
	for k, v := c.Seek(dayKeyBytes(max(from, 0))); k != nil; k, v = c.Next() {
		d, err := snapshotDay(k)
		if err != nil {
			return err
		}
		if d > to {
			break
		}
		fn(d, v)
	}
	return nil
}

// Generation changes with every stored delivery and with the store's day
// (which moves retention and "today"); it reads no data. It counts from
// Open: the bbolt file is one process's, so no other writer can change it.
func (s *Store) Generation(ctx context.Context) (string, error) {
	r, err := core.NewRollup(s.tz)
	if err != nil {
		return "", err
	}
	today := r.DayOf(s.now().UnixMilli())
	return strconv.FormatInt(s.gen.Load(), 10) + "/" + strconv.Itoa(int(today)), ctx.Err()
}

// WriteRollup stores a rollup's cells, memberships, traits and counters in one
// transaction as Ingest would, without message ids (nothing to deduplicate
// against later): for bulk loads and measurements (bench/reads).
func (s *Store) WriteRollup(ctx context.Context, r *core.Rollup) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if r.TZ() != s.tz {
		return fmt.Errorf("bolt write rollup: its days are in %s, the store's in %s", r.TZ(), s.tz)
	}
	// Cells in key order: bbolt appends instead of splitting pages at random.
	type kv struct{ k, v []byte }
	var cells []kv
	r.Counts(func(c core.Count) { cells = append(cells, kv{cellKey(c), u64(uint64(c.N))}) })
	slices.SortFunc(cells, func(a, b kv) int { return bytes.Compare(a.k, b.k) })
	cellsOnly := func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketCells)
		for _, c := range cells {
			if old := b.Get(c.k); len(old) == 8 {
				c.v = u64(binary.BigEndian.Uint64(old) + binary.BigEndian.Uint64(c.v))
			}
			if err := b.Put(c.k, c.v); err != nil {
				return err
			}
		}
		return nil
	}
	rest, err := core.NewRollup(s.tz) // memberships, traits and counters
	if err != nil {
		return err
	}
	r.Memberships(rest.AddMembership)
	r.Traits(rest.AddTrait)
	rest.Input = r.Input
	if err := s.db.Update(func(tx *bbolt.Tx) error { return errors.Join(cellsOnly(tx), writeDelta(tx, rest)) }); err != nil {
		return fmt.Errorf("bolt write rollup: %w", err)
	}
	s.gen.Add(1)
	return nil
}

// SnapshotDays returns how many days have a snapshot (storetest.SnapshotCounter).
func (s *Store) SnapshotDays(ctx context.Context) (int, error) {
	n := 0
	err := s.db.View(func(tx *bbolt.Tx) error {
		prev := core.Day(math.MinInt32)
		return tx.Bucket(bucketSnapshots).ForEach(func(k, _ []byte) error {
			d, err := snapshotDay(k)
			if d != prev {
				n++
				prev = d
			}
			return err
		})
	})
	return n, err
}
