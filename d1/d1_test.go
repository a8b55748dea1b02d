package d1_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/storetest"
	"github.com/sep-project/sep/d1"
	_ "modernc.org/sqlite" // a pure-Go SQLite: D1 runs SQLite (a test dependency only)
)

// newDB returns a SQLite database in a temporary file with the Worker's
// migrations applied, as `wrangler d1 migrations apply` does. Several
// connections write at once: SQLite serializes them, and the busy timeout
// makes a writer wait for the lock instead of failing (D1 itself runs one
// query at a time).
func newDB(t *testing.T) *sql.DB {
	t.Helper()
	db, _ := newDBName(t)
	return db
}

// newDBName is newDB, and the name the database was opened by.
func newDBName(t *testing.T) (*sql.DB, string) {
	t.Helper()
	name := "file:" + filepath.Join(t.TempDir(), "d1.sqlite") + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"
	db, err := sql.Open("sqlite", name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	migrations, err := filepath.Glob(filepath.Join("migrations", "*.sql"))
	if err != nil || len(migrations) == 0 {
		t.Fatalf("no migrations in d1/migrations: %v", err)
	}
	for _, m := range migrations {
		text, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(string(text)); err != nil {
			t.Fatalf("apply %s: %v", m, err)
		}
	}
	return db, name
}

func open(t *testing.T, db *sql.DB, tz string) *d1.Store {
	t.Helper()
	st, err := d1.Open(context.Background(), db, tz)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// The shared conformance suite on D1's SQL, run by SQLite.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tz string) core.Store { return open(t, newDB(t), tz) })
}

func TestDatabaseKeepsItsTimeZone(t *testing.T) {
	db := newDB(t)
	open(t, db, "Europe/Paris")
	if _, err := d1.Open(context.Background(), db, "UTC"); err == nil || !strings.Contains(err.Error(), "Europe/Paris") {
		t.Fatalf("opening in another time zone: %v; want an error naming Europe/Paris", err)
	}
	open(t, db, "Europe/Paris")
	if _, err := d1.Open(context.Background(), newDB(t), "Mars/Olympus"); err == nil {
		t.Fatal("an unknown time zone must be refused")
	}
}

// bigDelivery returns more events than one statement carries: the Product
// twice, the copy with its own messageIds one day later, without its events
// with no user (skipped each time they come, they are not "stored" once).
func bigDelivery() []core.Event {
	var evs []core.Event
	for copy, prefix := range []string{"", "b-"} {
		for _, e := range storetest.Product() {
			if e.UserID == "" {
				continue
			}
			e.MessageID = prefix + e.MessageID
			e.TimeMs += int64(copy) * 24 * 3600 * 1000
			evs = append(evs, e)
		}
	}
	return evs
}

// A delivery that dies midway in D1 (a statement refused: the first chunk of
// events committed, the next rolled back whole; or every event stored but the
// memberships not) and is retried whole by the sender counts each event once
// and ends with the same report as one clean delivery.
func TestFailedStatementRetriedWhole(t *testing.T) {
	ctx := context.Background()
	evs := bigDelivery()
	if len(evs) < 600 {
		t.Fatalf("the delivery has %d events: it must span two statements of 500", len(evs))
	}
	settings := core.Settings{Window: 14}
	for _, c := range []struct {
		name, failpoint string
		firstStored     int // events new to the store on the first attempt
	}{
		// The 600th event's messageId is refused: its statement (events
		// 500..999) is rolled back, the first one stays.
		{"second statement of events", `CREATE TRIGGER fail BEFORE INSERT ON seen WHEN NEW.id = '` + evs[599].MessageID + `'
			BEGIN SELECT RAISE(ABORT, 'injected failure'); END`, 500},
		// All events stored, then the memberships' upsert fails.
		{"memberships", `CREATE TRIGGER fail BEFORE INSERT ON members BEGIN SELECT RAISE(ABORT, 'injected failure'); END`, len(evs)},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := newDB(t)
			st := open(t, db, "UTC")
			if _, err := db.Exec(c.failpoint); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Ingest(ctx, evs); err == nil || !strings.Contains(err.Error(), "injected failure") {
				t.Fatalf("first attempt: %v; want the injected failure", err)
			}
			var seen int
			if err := db.QueryRow(`SELECT count(*) FROM seen`).Scan(&seen); err != nil || seen != c.firstStored {
				t.Fatalf("after the failure %d messageIds are stored (%v), want %d", seen, err, c.firstStored)
			}
			if _, err := db.Exec(`DROP TRIGGER fail`); err != nil {
				t.Fatal(err)
			}
			n, err := st.Ingest(ctx, evs)
			if err != nil || n != len(evs)-c.firstStored {
				t.Fatalf("retry stored %d, %v; want %d", n, err, len(evs)-c.firstStored)
			}
			if n, err := st.Ingest(ctx, evs); err != nil || n != 0 {
				t.Fatalf("second retry stored %d, %v; want 0", n, err)
			}
			// What the store received, rolled up directly: the first
			// attempt's committed events, then the delivery twice (its
			// repeats are input.duplicates).
			stream := append(append(append([]core.Event{}, evs[:c.firstStored]...), evs...), evs...)
			if got, want := storetest.Got(t, st, settings), storetest.Want(t, "UTC", stream, settings); got != want {
				t.Fatalf("after the retries:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// Deliveries from many goroutines at once, some of them retries of others,
// on one database: SQLite serializes the statements, nothing is lost or
// counted twice.
func TestConcurrentRetries(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	st := open(t, db, "Europe/Paris")
	evs := storetest.NearMidnight("Europe/Paris")
	errs := make(chan error, 16)
	for w := 0; w < 16; w++ {
		go func(w int) {
			// Workers w and w+8 deliver the same slices: each is a retry of the other.
			var err error
			for i := (w % 8) * 25; i < len(evs) && err == nil; i += 200 {
				_, err = st.Ingest(ctx, evs[i:min(i+25, len(evs))])
			}
			errs <- err
		}(w)
	}
	for w := 0; w < 16; w++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	s := core.Settings{Window: 14, TZ: "Europe/Paris"}
	// Every event was delivered twice: once counted, once in input.duplicates.
	twice := append(append([]core.Event{}, evs...), evs...)
	if got, want := storetest.Got(t, st, s), storetest.Want(t, "Europe/Paris", twice, s); got != want {
		t.Fatalf("after concurrent deliveries and retries:\n%s\nwant:\n%s", got, want)
	}
	var received int
	db.QueryRow(`SELECT n FROM input WHERE name = 'events'`).Scan(&received)
	if received != 2*len(evs) {
		t.Fatalf("input counter says %d events received, want %d", received, 2*len(evs))
	}
}

// The history conformance suite (the scheduled run's daily rows and state) on
// D1's SQL, migration 0002 applied by SQLite.
func TestHistoryConformance(t *testing.T) {
	storetest.RunHistory(t, func(t *testing.T) core.HistoryStore { return open(t, newDB(t), "UTC") })
}
