package d1_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/storetest"
)

// A compaction that died after sealing the cells and writing half a new
// version (a part of garbage) leaves the report as it was; the next Compact
// finishes it, and a late event still counts.
func TestCompactionDiedHalfWay(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	st := open(t, db, "UTC")
	st.SetClock(func() time.Time { return storetest.Clock })
	evs := storetest.Product()
	if _, err := st.Ingest(ctx, evs); err != nil {
		t.Fatal(err)
	}
	s := core.Settings{Window: 14}
	want := storetest.Want(t, "UTC", evs, s)
	day := core.Day(20636) // 2026-07-02: one of Product's days
	for _, q := range []string{
		`INSERT INTO seal (first, before) VALUES (0, 20727)`, // every day before 2026-10-01
		`INSERT INTO snapshot_parts (day, version, part, data) VALUES (20636, 1, 0, x'00ff')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if got := storetest.Got(t, st, s); got != want {
		t.Fatalf("after a seal and a stray part:\n%s\nwant:\n%s", got, want)
	}
	var cells int
	db.QueryRowContext(ctx, `SELECT count(*) FROM cells`).Scan(&cells)
	if cells != 0 {
		t.Fatalf("%d cells left after the seal, want 0", cells)
	}
	days, err := st.Compact(ctx)
	if err != nil || days < 60 {
		t.Fatalf("Compact: %d days, %v", days, err)
	}
	if got := storetest.Got(t, st, s); got != want {
		t.Fatalf("after the compaction resumed:\n%s\nwant:\n%s", got, want)
	}
	var staged, parts int
	db.QueryRowContext(ctx, `SELECT count(*) FROM staged`).Scan(&staged)
	db.QueryRowContext(ctx, `SELECT count(*) FROM snapshot_parts WHERE day = ?`, int(day)).Scan(&parts)
	if staged != 0 || parts != 1 {
		t.Fatalf("%d staged rows and %d parts of %s left, want 0 and 1", staged, parts, day)
	}
}

// A snapshot larger than a part is stored in several and read back whole.
func TestSnapshotInParts(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	st := open(t, db, "UTC")
	st.SetClock(func() time.Time { return storetest.Clock })
	var evs []core.Event
	pad := strings.Repeat("x", 900)
	for u := 0; u < 2500; u++ { // 2,500 users of ~900 bytes: 2.3 MB
		evs = append(evs, core.Event{UserID: fmt.Sprintf("%s-%d", pad, u), Name: "Feature", Kind: core.KindTrack,
			TimeMs: time.Date(2026, 9, 20, 10, 0, 0, 0, time.UTC).UnixMilli()})
	}
	if _, err := st.Ingest(ctx, evs); err != nil {
		t.Fatal(err)
	}
	s := core.Settings{Window: 14}
	want := storetest.Want(t, "UTC", evs, s)
	if days, err := st.Compact(ctx); err != nil || days != 1 {
		t.Fatalf("Compact: %d days, %v", days, err)
	}
	var parts int
	db.QueryRowContext(ctx, `SELECT parts FROM snapshot_days`).Scan(&parts)
	if parts < 2 {
		t.Fatalf("the day's snapshot is in %d part(s); the test needs several", parts)
	}
	if got := storetest.Got(t, st, s); got != want {
		t.Fatalf("a snapshot in %d parts:\n%s\nwant:\n%s", parts, got, want)
	}
	// A part gone: the read fails naming the day, it does not drop it.
	if _, err := db.ExecContext(ctx, `DELETE FROM snapshot_parts WHERE part = 1`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load(ctx); !errors.Is(err, core.ErrCorruptSnapshot) || !strings.Contains(err.Error(), "snapshot of 2026-09-20") {
		t.Fatalf("a read with a part gone: %v", err)
	}
}

// hookConnector opens connections of the SQLite driver that call before
// ahead of each query.
type hookConnector struct {
	name   string
	drv    driver.Driver
	before func()
}

func (c hookConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.name)
	return hookConn{conn, c.before}, err
}

func (c hookConnector) Driver() driver.Driver { return c.drv }

type hookConn struct {
	driver.Conn
	before func()
}

func (c hookConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	c.before()
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

func (c hookConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

// A compaction that runs between the queries of a read: before the read's
// 2nd query on a fresh database (it seals and commits every closed day), and
// before its 3rd with the closed days sealed already (it commits them). The
// read is exact: it reads the cells, the staged rows and the snapshots in one
// statement, where a compaction moves counts from one to the next.
func TestReadDuringCompaction(t *testing.T) {
	for _, c := range []struct {
		name   string
		sealed bool
		query  int
	}{
		{"a fresh database", false, 2},
		{"the closed days sealed", true, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			db, name := newDBName(t)
			st := open(t, db, "UTC")
			st.SetClock(func() time.Time { return storetest.Clock })
			evs := storetest.Product()
			if _, err := st.Ingest(ctx, evs); err != nil {
				t.Fatal(err)
			}
			if c.sealed {
				if _, err := db.ExecContext(ctx, `INSERT INTO seal (first, before) VALUES (0, 20727)`); err != nil {
					t.Fatal(err)
				}
			}
			var armed atomic.Bool
			queries, compacted := 0, 0
			hooked := sql.OpenDB(hookConnector{name: name, drv: db.Driver(), before: func() {
				if !armed.Load() {
					return
				}
				if queries++; queries == c.query {
					n, err := st.Compact(ctx)
					if err != nil {
						t.Errorf("Compact during the read: %v", err)
					}
					compacted = n
				}
			}})
			defer hooked.Close()
			reader := open(t, hooked, "UTC")
			reader.SetClock(func() time.Time { return storetest.Clock })
			s := core.Settings{Window: 14}
			armed.Store(true)
			got := storetest.Got(t, reader, s)
			armed.Store(false)
			if want := storetest.Want(t, "UTC", evs, s); got != want {
				t.Errorf("a read during a compaction:\n%s\nwant:\n%s", got, want)
			}
			if compacted < 60 {
				t.Fatalf("the compaction during the read committed %d days, want every closed day", compacted)
			}
		})
	}
}
