// Package d1 is a core.Store in SQL: Cloudflare D1 (SQLite) through
// database/sql, the store of the Cloudflare Workers host. The schema is
// migrations/0001_rollups.sql.
//
// D1 has no transactions through database/sql, so each write is one statement,
// atomic on its own: the events of a delivery go into the view "incoming",
// whose trigger counts an event and records its messageId together, only when
// the messageId is new. Memberships and traits are latest-timestamp-wins
// upserts, idempotent by nature.
package d1

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/sep-project/sep/core"
)

// DedupTTL is how long a delivered messageId is remembered.
const DedupTTL = 7 * 24 * time.Hour

// chunk is how many events go in one statement (D1 allows 2 MB a value).
const chunk = 500

// Store is a core.Store in a D1 (or any SQLite) database with the schema applied.
type Store struct {
	db        *sql.DB
	tz        string
	retention int
	now       func() time.Time
}

// Open returns the store of db, whose days are counted in tz; it records tz on
// first use and refuses another one later.
func Open(ctx context.Context, db *sql.DB, tz string) (*Store, error) {
	if _, err := core.NewRollup(tz); err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('tz', ?) ON CONFLICT (key) DO NOTHING`, tz); err != nil {
		return nil, fmt.Errorf("d1: open (is the schema applied? wrangler d1 migrations apply): %w", err)
	}
	var stored string
	if err := db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'tz'`).Scan(&stored); err != nil {
		return nil, fmt.Errorf("d1: open: %w", err)
	}
	if stored != tz {
		return nil, fmt.Errorf("d1: the database counts days in %s, not %s: use another database to change the time zone", stored, tz)
	}
	return &Store{db: db, tz: tz, retention: core.DefaultRetentionDays, now: time.Now}, nil
}

// Close does nothing: the database belongs to the caller.
func (s *Store) Close() error { return nil }

const insertIncoming = `INSERT INTO incoming (id, at, delivery, user, account, event, nav, day, skip)
SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
       json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]'),
       json_extract(value, '$[6]'), json_extract(value, '$[7]'), json_extract(value, '$[8]')
FROM json_each(?)`

const upsertMembers = `INSERT INTO members (user, account, ts)
SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(?) WHERE true
ON CONFLICT (user) DO UPDATE SET account = excluded.account, ts = excluded.ts
WHERE excluded.ts > members.ts OR (excluded.ts = members.ts AND excluded.account > members.account)`

const upsertTraits = `INSERT INTO traits (kind, id, key, value, ts)
SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
       json_extract(value, '$[3]'), json_extract(value, '$[4]') FROM json_each(?) WHERE true
ON CONFLICT (kind, id, key) DO UPDATE SET value = excluded.value, ts = excluded.ts
WHERE excluded.ts > traits.ts OR (excluded.ts = traits.ts AND excluded.value > traits.value)`

// Ingest stores the events; it returns how many were new.
func (s *Store) Ingest(ctx context.Context, events []core.Event) (int, error) {
	clock, err := core.NewRollup(s.tz)
	if err != nil {
		return 0, err
	}
	var token [12]byte
	rand.Read(token[:])
	delivery := hex.EncodeToString(token[:])
	now := s.now().UnixMilli()
	clock.SetTimeRange(core.TimeRange{Now: s.now()})
	var b batch
	received := len(events)
	events = core.FirstOfEachMessageID(events)
	for i := range events {
		b.add(clock, &events[i], now, delivery)
	}
	if err := errors.Join(s.execChunks(ctx, insertIncoming, b.rows), s.execChunks(ctx, upsertMembers, b.members), s.execChunks(ctx, upsertTraits, b.traits), s.bumpGeneration(ctx)); err != nil {
		return 0, fmt.Errorf("d1 ingest: %w", err)
	}
	stored, err := s.countDuplicates(ctx, delivery, received, b.noID)
	if err != nil {
		return stored, err
	}
	// Forget old messageIds now and then (one delivery in 100).
	if token[0] < 3 {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM seen WHERE at < ?`, s.now().Add(-DedupTTL).UnixMilli()); err != nil {
			return stored, fmt.Errorf("d1 prune: %w", err)
		}
	}
	return stored, nil
}

// batch is one delivery's rows for D1: one incoming row per event (its
// messageId, for deduplication, and its cell or skip reason), the account
// memberships and the traits.
type batch struct {
	rows, members, traits [][]any
	noID                  int // rows stored with no messageId: none given, or skipped
}

// add appends e's rows, received by delivery at now (Unix ms); clock decides
// whether e is skipped and on which day it counts.
func (b *batch) add(clock *core.Rollup, e *core.Event, now int64, delivery string) {
	reject := clock.Reject(e)
	id := e.MessageID
	if reject != "" {
		// A skipped event (no user, implausible, overlong) is counted as
		// skipped each time it comes, its id not remembered, as core and
		// bolt do.
		id = ""
	}
	if id == "" {
		b.noID++
	}
	row := []any{id, now, delivery, e.UserID, "", nil, 0, 0, nil}
	activity := e.Kind == core.KindTrack || e.Kind == core.KindPage || e.Kind == core.KindScreen
	switch {
	case reject != "":
		row[3], row[8] = "", reject
	case activity && e.ActivityName() == "":
		row[8] = "no_event_name"
	case activity:
		nav := 0
		if e.Kind != core.KindTrack {
			nav = 1
		}
		row[4], row[5], row[6], row[7] = e.AccountID, e.ActivityName(), nav, int(clock.DayOf(e.TimeMs))
	}
	b.rows = append(b.rows, row)
	if reject != "" {
		return
	}
	addTraits := func(kind, id string) {
		for k, v := range e.Traits {
			b.traits = append(b.traits, []any{kind, id, k, v, e.TimeMs})
		}
	}
	switch {
	case activity && e.ActivityName() != "":
		addTraits("u", e.UserID)
	case e.Kind == core.KindGroup && e.AccountID != "":
		b.members = append(b.members, []any{e.UserID, e.AccountID, e.TimeMs})
		addTraits("a", e.AccountID)
	case e.Kind == core.KindIdentify:
		addTraits("u", e.UserID)
	}
}

// countDuplicates counts the delivery's new events (the ids seen for the
// first time, and those stored with none) and adds the received events that
// were neither to input.duplicates and input.events. It returns the new ones.
func (s *Store) countDuplicates(ctx context.Context, delivery string, received, noID int) (int, error) {
	var withID int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM seen WHERE delivery = ?`, delivery).Scan(&withID); err != nil {
		return 0, fmt.Errorf("d1 ingest: %w", err)
	}
	if dups := received - withID - noID; dups > 0 {
		if _, err := s.db.ExecContext(ctx, `INSERT INTO input (name, n) VALUES ('duplicates', ?), ('events', ?)
ON CONFLICT (name) DO UPDATE SET n = n + excluded.n`, dups, dups); err != nil {
			return withID + noID, fmt.Errorf("d1 ingest: counting %d duplicates: %w", dups, err)
		}
		if err := s.bumpGeneration(ctx); err != nil {
			return withID + noID, err
		}
	}
	return withID + noID, nil
}

// Load reads everything back into a Rollup: the cells of open days and late
// events, and the snapshots of closed days (snapshot.go). Days more than the
// retention before today by the store's clock, or after tomorrow, are left
// out (core.RetainedDays).
func (s *Store) Load(ctx context.Context) (*core.Rollup, error) {
	r, err := core.NewRollup(s.tz)
	if err != nil {
		return nil, err
	}
	query := func(q string, scan func(*sql.Rows) error) error {
		rows, err := s.db.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	from, to := core.RetainedDays(r, s.now(), s.retention)
	in := &r.Input
	err = errors.Join(
		// Open days and late events, the sealed cells not folded yet and
		// the snapshots of the closed days, in one statement (snapshot.go).
		s.loadCounts(ctx, r, from, to),
		query(`SELECT user, account, ts FROM members`, func(rows *sql.Rows) error {
			var m core.Membership
			if err := rows.Scan(&m.User, &m.Account, &m.TimeMs); err != nil {
				return err
			}
			r.AddMembership(m)
			return nil
		}),
		query(`SELECT kind, id, key, value, ts FROM traits`, func(rows *sql.Rows) error {
			var t core.Trait
			var kind string
			if err := rows.Scan(&kind, &t.ID, &t.Key, &t.Value, &t.TimeMs); err != nil {
				return err
			}
			t.Account = kind == "a"
			r.AddTrait(t)
			return nil
		}),
		query(`SELECT name, n FROM input`, func(rows *sql.Rows) error {
			var name string
			var n int64
			if err := rows.Scan(&name, &n); err != nil {
				return err
			}
			in.AddCounter(name, n)
			return nil
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("d1 load: %w", err)
	}
	return r, ctx.Err()
}

// SetClock sets the store's clock (time.Now by default): retention, "today"
// and the plausible event times count from it. Tests set a fixed one.
func (s *Store) SetClock(now func() time.Time) { s.now = now }
