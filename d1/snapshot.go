package d1

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/sep-project/sep/core"
)

// Closed days compacted (core.Compactor) in the tables and views of
// migrations/0003_snapshots.sql, whose comment gives the steps: seal, write
// the parts of the next version, commit. Each is one statement, so a report
// never changes with a compaction, even one that dies half-way.

var _ core.Compactor = (*Store)(nil)

// PartBytes is the most a snapshot part holds: half D1's limit on a row and
// on a bound value (2,000,000 bytes).
const PartBytes = 1_000_000

// CompactDaysPerRun is how many days one Compact folds at most: each costs
// about six queries, and a Worker invocation may run 1,000 (Workers Paid). The
// days left over are folded by the next run; reads count their staged rows
// meanwhile.
const CompactDaysPerRun = 100

// stagedDay is one closed day waiting to be folded: its staged rows and
// their counts, and its snapshot's version and parts (0 for none yet).
type stagedDay struct {
	day            core.Day
	rows, n        int64
	version, parts int64
}

// Compact moves the cells of the closed days (before today by the store's
// clock) into staged, folds each staged day into a new version of its
// snapshot, and drops the cells, staged rows and snapshots of days past the
// retention. It returns how many days it wrote.
func (s *Store) Compact(ctx context.Context) (int, error) {
	r, err := core.NewRollup(s.tz)
	if err != nil {
		return 0, err
	}
	now := s.now()
	from, _ := core.RetainedDays(r, now, s.retention)
	today := r.DayOf(now.UnixMilli())
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO seal (first, before) VALUES (?, ?)`, []any{int64(from), int64(today)}}, // also deletes the cells before first
		{`DELETE FROM snapshot_days WHERE day < ?`, []any{int64(from)}},                      // first: a day's parts are read through its row
		{`DELETE FROM snapshot_parts WHERE day < ?`, []any{int64(from)}},
		{`DELETE FROM staged WHERE day < ?`, []any{int64(from)}},
	} {
		if _, err := s.db.ExecContext(ctx, q.sql, q.args...); err != nil {
			return 0, fmt.Errorf("d1 compact (is migration 0003 applied?): %w", err)
		}
	}
	days, err := s.stagedDays(ctx)
	if err != nil {
		return 0, fmt.Errorf("d1 compact: %w", err)
	}
	written := 0
	for _, d := range days {
		ok, err := s.compactDay(ctx, d)
		if err != nil {
			return written, fmt.Errorf("d1 compact %s: %w", d.day, err)
		}
		if ok {
			written++
		}
	}
	return written, nil
}

// stagedDays lists the staged days, oldest first, at most CompactDaysPerRun.
func (s *Store) stagedDays(ctx context.Context) ([]stagedDay, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT s.day, count(*), sum(s.n), coalesce(d.version, 0), coalesce(d.parts, 0)
FROM staged s LEFT JOIN snapshot_days d ON d.day = s.day GROUP BY s.day ORDER BY s.day LIMIT ?`, CompactDaysPerRun)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []stagedDay
	for rows.Next() {
		var d stagedDay
		var day int64
		if err := rows.Scan(&day, &d.rows, &d.n, &d.version, &d.parts); err != nil {
			return nil, err
		}
		d.day = core.Day(day)
		out = append(out, d)
	}
	return out, rows.Err()
}

// compactDay writes the day's next snapshot version (its current snapshot
// plus its staged rows) and commits it; it reports false, writing nothing
// that a read uses, when a concurrent seal or compaction changed the day
// since it was listed (the next Compact folds it).
func (s *Store) compactDay(ctx context.Context, d stagedDay) (bool, error) {
	snap := core.NewDaySnapshot(d.day)
	if d.version > 0 {
		old, err := s.snapshotBytes(ctx, d.day, d.version, d.parts)
		if err != nil {
			return false, err
		}
		if _, err := core.DecodeDaySnapshot(old, snap.Add); err != nil {
			return false, fmt.Errorf("snapshot version %d: %w", d.version, err)
		}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT user, account, event, nav, n FROM staged WHERE day = ? ORDER BY user, account`, int64(d.day))
	if err != nil {
		return false, err
	}
	var got, sum int64
	for rows.Next() {
		c := core.Count{Day: d.day}
		var nav, n int64
		if err := rows.Scan(&c.User, &c.Account, &c.Event, &nav, &n); err != nil {
			rows.Close()
			return false, err
		}
		c.Navigation, c.N = nav == 1, uint32(n)
		snap.Add(c)
		got, sum = got+1, sum+n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	if got != d.rows || sum != d.n {
		return false, nil // sealed again meanwhile
	}
	next := d.version + 1
	if _, err := s.db.ExecContext(ctx, `DELETE FROM snapshot_parts WHERE day = ? AND version = ?`, int64(d.day), next); err != nil {
		return false, err // the parts of an attempt that died
	}
	parts := snap.Parts(PartBytes)
	for i, p := range parts {
		if _, err := s.db.ExecContext(ctx, `INSERT INTO snapshot_parts (day, version, part, data) VALUES (?, ?, ?, ?)`,
			int64(d.day), next, i, p); err != nil {
			return false, err
		}
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO commit_snapshot (day, version, parts, staged_rows, staged_n) VALUES (?, ?, ?, ?, ?)`,
		int64(d.day), next, len(parts), got, sum); err != nil {
		return false, err
	}
	var version int64
	if err := s.db.QueryRowContext(ctx, `SELECT version FROM snapshot_days WHERE day = ?`, int64(d.day)).Scan(&version); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, err
	}
	return version == next, nil
}

// snapshotBytes reads the parts of one version of a day's snapshot.
func (s *Store) snapshotBytes(ctx context.Context, day core.Day, version, parts int64) ([]byte, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT data FROM snapshot_parts WHERE day = ? AND version = ? AND part < ? ORDER BY part`, int64(day), version, parts)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []byte
	n := int64(0)
	for rows.Next() {
		var p []byte
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, p...)
		n++
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if n != parts {
		return nil, fmt.Errorf("%w: %d of its %d parts", core.ErrCorruptSnapshot, n, parts)
	}
	return out, nil
}

// loadCounts adds to r the counts of the days from..to: the cells (open days
// and late events), the staged rows not folded yet and the parts of the
// committed snapshots, in one statement. A compaction moves counts from one
// to the next (seal: cells to staged; commit: staged to a new version), so
// read in several statements, one running between them would count a day's
// counts twice or not at all; one statement sees one state of the database.
func (s *Store) loadCounts(ctx context.Context, r *core.Rollup, from, to core.Day) error {
	rows, err := s.db.QueryContext(ctx, `SELECT 0, user, account, event, nav, day, n, NULL FROM cells WHERE day BETWEEN ? AND ?
UNION ALL SELECT 0, user, account, event, nav, day, n, NULL FROM staged WHERE day BETWEEN ? AND ?
UNION ALL SELECT 1, '', '', '', p.part, d.day, d.parts, p.data FROM snapshot_days d
JOIN snapshot_parts p ON p.day = d.day AND p.version = d.version AND p.part < d.parts
WHERE d.day BETWEEN ? AND ?`, int64(from), int64(to), int64(from), int64(to), int64(from), int64(to))
	if err != nil {
		return err
	}
	defer rows.Close()
	parts := map[core.Day]*dayParts{}
	var snaps [][]byte // the days' snapshots, added at once (core.Rollup.AddDaySnapshots)
	for rows.Next() {
		var snap, nav, day, n int64
		var c core.Count
		var data []byte
		if err := rows.Scan(&snap, &c.User, &c.Account, &c.Event, &nav, &day, &n, &data); err != nil {
			return err
		}
		d := core.Day(day)
		if snap == 0 {
			c.Navigation, c.Day, c.N = nav == 1, d, uint32(n)
			r.AddCount(c)
			continue
		}
		// nav is the part's number, n the day's parts.
		dp := parts[d]
		if dp == nil {
			dp = &dayParts{data: make([][]byte, max(n, 0))}
			parts[d] = dp
		}
		if nav < 0 || nav >= int64(len(dp.data)) {
			return fmt.Errorf("snapshot of %s: %w: part %d of %d", d, core.ErrCorruptSnapshot, nav, n)
		}
		dp.data[nav], dp.got = data, dp.got+1
		if dp.got == len(dp.data) { // the day's parts joined, a single one without a copy
			b := dp.data[0]
			if len(dp.data) > 1 {
				b = slices.Concat(dp.data...)
			}
			snaps = append(snaps, b)
			dp.data = nil
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, d := range slices.Sorted(maps.Keys(parts)) {
		if dp := parts[d]; dp.data != nil {
			return fmt.Errorf("snapshot of %s: %w: %d of its %d parts", d, core.ErrCorruptSnapshot, dp.got, len(dp.data))
		}
	}
	return r.AddDaySnapshots(snaps)
}

// dayParts is the parts of a day's snapshot read so far, by number (data
// nil once decoded).
type dayParts struct {
	data [][]byte
	got  int
}

// SnapshotDays returns how many days have a snapshot (storetest.SnapshotCounter).
func (s *Store) SnapshotDays(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM snapshot_days`).Scan(&n)
	return n, err
}
