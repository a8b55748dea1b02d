// Package warehouse writes the SQL query that computes, inside a data
// warehouse, what the score needs and nothing more: the rollup cells (user,
// account, local day, event, count) over the spans SPEC reads, the users'
// latest group calls, the traits the report reads and the input counters. The
// query's result, unloaded as CSV, JSON lines or Parquet, is read back by
// package cells into a core.Rollup that scores exactly as the raw events do.
package warehouse

import (
	"fmt"
	"strings"
	"time"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/ingest"
)

// CellsFormat is the version of the result's layout, written in its meta rows.
const CellsFormat = "sep-cells/1"

// Options describe the query to write.
type Options struct {
	Dialect Dialect
	Schema  Schema
	// TZ is the IANA zone of local days (default UTC).
	TZ string
	// AsOf is the last day of the period, YYYY-MM-DD; "" lets the query take
	// the last day with activity, as sep score does.
	AsOf string
	// Window is the period length W in days (default 30).
	Window int
	// Prefix qualifies every table ("analytics." reads analytics.tracks).
	Prefix string
	// AllDays keeps every day's cells instead of summarising the days before
	// the spans scoring reads (--trend needs them all).
	AllDays bool
	// UserTraits and AccountTraits are the traits to carry (plan, seats, name,
	// renewal_date, ...): columns of Segment's identifies and groups tables,
	// keys of PostHog's $set and $group_set.
	UserTraits, AccountTraits []string
	// Earliest is the first plausible event day, YYYY-MM-DD in UTC (default
	// 2000-01-01, as core.DefaultEarliest; sep score --earliest).
	Earliest string
	// Table names the events table of one-table schemas (PostHog: events).
	Table string
	// GroupKeys are the group types and properties that hold an event's
	// account in one-table schemas (default ingest.DefaultGroupKeys).
	GroupKeys []string
}

func (o *Options) groupKeys() []string {
	if len(o.GroupKeys) > 0 {
		return o.GroupKeys
	}
	return ingest.DefaultGroupKeys
}

// DetailDays is how many days before the as-of day D the query keeps every
// cell (D itself excluded): the previous period's previous period (insights
// score the previous period) or P's first MAU window, whichever starts first.
func DetailDays(window int) int { return max(3*window-1, 2*window+28) }

// normalize checks and completes the options.
func (o *Options) normalize() error {
	if o.Dialect == "" {
		o.Dialect = DuckDB
	}
	if _, err := ParseDialect(string(o.Dialect)); err != nil {
		return err
	}
	if o.Schema == "" {
		o.Schema = Segment
	}
	if _, err := ParseSchema(string(o.Schema)); err != nil {
		return err
	}
	if o.TZ == "" {
		o.TZ = "UTC"
	}
	if _, err := time.LoadLocation(o.TZ); err != nil {
		return fmt.Errorf("time zone %q: %w", o.TZ, err)
	}
	if o.Window == 0 {
		o.Window = 30
	}
	if o.Window < 1 || o.Window > 3660 {
		return fmt.Errorf("window %d: want 1 to 3660 days", o.Window)
	}
	if o.AsOf != "" {
		if _, err := core.ParseDay(o.AsOf); err != nil {
			return fmt.Errorf("as-of: %w", err)
		}
	}
	if o.Earliest == "" {
		o.Earliest = core.DefaultEarliest.UTC().Format(time.DateOnly)
	}
	if _, err := time.Parse(time.DateOnly, o.Earliest); err != nil {
		return fmt.Errorf("earliest %q: want a YYYY-MM-DD day", o.Earliest)
	}
	if o.Prefix != "" && !identLike(strings.TrimSuffix(o.Prefix, ".")) {
		return fmt.Errorf("prefix %q: want names of letters, digits, _ and $ separated by dots, ending with a dot (analytics.)", o.Prefix)
	}
	if o.Prefix != "" && !strings.HasSuffix(o.Prefix, ".") {
		o.Prefix += "."
	}
	if o.Table != "" && (!identLike(o.Table) || strings.Contains(o.Table, ".")) {
		return fmt.Errorf("table %q: want a table name (use --prefix for its schema)", o.Table)
	}
	t, oneTable := plainTables[o.Schema]
	if o.Table != "" && !oneTable {
		return fmt.Errorf("--table names the events table of the mixpanel, amplitude and posthog schemas; %s has its tables' own names", o.Schema)
	}
	if oneTable && (len(o.UserTraits) > 0 && t.userTraits == nil || len(o.AccountTraits) > 0 && t.accountTraits == nil) {
		return fmt.Errorf("%s's events carry no traits: give them with sep score --accounts (a CRM export) instead", o.Schema)
	}
	for _, k := range o.GroupKeys {
		if k == "" || strings.ContainsAny(k, "'\"\\") {
			return fmt.Errorf("group key %q: want a name without quotes or backslashes", k)
		}
	}
	for _, list := range [][]string{o.UserTraits, o.AccountTraits} {
		for _, t := range list {
			if !identLike(t) || strings.Contains(t, ".") {
				return fmt.Errorf("trait %q: want a column or key name (letters, digits, _, $)", t)
			}
		}
	}
	return nil
}

// identLike reports whether s is dotted plain identifiers (no quoting needed).
func identLike(s string) bool {
	if s == "" {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" {
			return false
		}
		for i, c := range part {
			ok := c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || (i > 0 && c >= '0' && c <= '9') || c == '-'
			if !ok {
				return false
			}
		}
	}
	return true
}

// Query returns the query for the options.
func Query(o Options) (string, error) {
	if err := o.normalize(); err != nil {
		return "", err
	}
	q := &queryWriter{o: &o, d: o.Dialect}
	q.header()
	q.events()
	q.activity()
	q.spans()
	q.membersAndTraits()
	q.counters()
	q.meta()
	q.result()
	return q.b.String(), nil
}

// queryWriter writes the query one part at a time: each method writes its
// common table expressions, in the order the query reads them.
type queryWriter struct {
	o *Options
	d Dialect
	b strings.Builder
}

// w writes one formatted piece of the query.
func (q *queryWriter) w(format string, a ...any) { fmt.Fprintf(&q.b, format, a...) }

// header writes the comment that says what the query is and how to use it.
func (q *queryWriter) header() {
	o := q.o
	asOf := "the last day with activity"
	if o.AsOf != "" {
		asOf = o.AsOf
	}
	q.w("-- %s: the score's rollup cells, computed in the warehouse (sep sql).\n", CellsFormat)
	q.w("-- schema %s, dialect %s, time zone %s, window %d, as of %s", o.Schema, q.d, o.TZ, o.Window, asOf)
	if o.AllDays {
		q.w(", every day kept")
	}
	q.w(".\n-- Tables: %s. Unload the result as CSV, JSON lines or Parquet and run:\n", strings.Join(Tables(*o), ", "))
	q.w("--   sep score --cells RESULT\n")
}

// events writes raw, ev, ok and used: every record, then the user id rule,
// the plausible-time rule and one event once (SPEC "Inputs").
func (q *queryWriter) events() {
	o, d := q.o, q.d
	q.w("WITH raw AS (\n%s\n),\n", rawRows(o))
	traitCols := ""
	for i := range o.UserTraits {
		traitCols += fmt.Sprintf(", ut_%d", i)
	}
	for i := range o.AccountTraits {
		traitCols += fmt.Sprintf(", at_%d", i)
	}
	unit := "COALESCE(NULLIF(uid, ''), NULLIF(anon, ''))"
	q.w("ev AS (\n  SELECT NULLIF(mid, '') AS mid, %s AS unit, NULLIF(aid, '') AS aid, name, kind, ts, rcv%s,\n", unit, traitCols)
	q.w("    CASE\n      WHEN ts IS NULL THEN 'missing_field'\n      WHEN %s IS NULL THEN 'no_user'\n", unit)
	q.w("      WHEN ts < %s OR ts > %s THEN 'timestamp_out_of_range'\n    END AS reject\n  FROM raw\n),\n",
		d.instant(o.Earliest+" 00:00:00"), d.plus24h("LEAST(COALESCE(rcv, CURRENT_TIMESTAMP), CURRENT_TIMESTAMP)"))
	q.w("ok AS (\n  SELECT ev.*, CASE WHEN reject IS NULL AND mid IS NOT NULL\n")
	q.w("    THEN ROW_NUMBER() OVER (PARTITION BY reject, mid ORDER BY rcv, ts, kind, %s, %s, %s) ELSE 1 END AS copy\n  FROM ev\n),\n",
		d.bytewise("unit"), d.bytewise("aid"), d.bytewise("name"))
	q.w("used AS (SELECT * FROM ok WHERE reject IS NULL AND copy = 1),\n")
}

// activity writes act and cells: track, page and screen calls, named as core
// names them, counted per (user, account, event, local day).
func (q *queryWriter) activity() {
	q.w("act AS (\n  SELECT unit, COALESCE(aid, '') AS aid,\n")
	q.w("    CASE kind WHEN 'track' THEN name\n")
	q.w("      WHEN 'page' THEN CASE WHEN COALESCE(name, '') = '' THEN 'Page Viewed' ELSE 'Viewed ' || name || ' Page' END\n")
	q.w("      ELSE CASE WHEN COALESCE(name, '') = '' THEN 'Screen Viewed' ELSE 'Viewed ' || name || ' Screen' END END AS event,\n")
	q.w("    CASE WHEN kind = 'track' THEN 0 ELSE 1 END AS nav,\n    %s AS day\n", q.d.localDay("ts", q.o.TZ))
	q.w("  FROM used\n  WHERE kind IN ('track', 'page', 'screen') AND NOT (kind = 'track' AND COALESCE(name, '') = '')\n),\n")
	q.w("cells AS (\n  SELECT unit, aid, event, day, MAX(nav) AS nav, COUNT(*) AS n FROM act GROUP BY unit, aid, event, day\n),\n")
}

// spans writes as_of_day, bounds, marked and kept: every cell from DetailDays
// before the as-of day to it; before that, each (user, account, event)'s first
// and last cells; after it, its last cell (enough for first activity days, the
// input's last day, users, accounts and event names, which scoring reads
// beyond the spans).
func (q *queryWriter) spans() {
	o := q.o
	if o.AsOf != "" {
		q.w("as_of_day AS (SELECT DATE '%s' AS d),\n", o.AsOf)
	} else {
		q.w("as_of_day AS (SELECT MAX(day) AS d FROM cells),\n")
	}
	q.w("bounds AS (SELECT d, %s AS lo FROM as_of_day),\n", q.d.addDays("d", -DetailDays(o.Window)))
	q.w("marked AS (\n  SELECT c.unit, c.aid, c.event, c.day, c.n, b.d, b.lo,\n")
	q.w("    MAX(c.nav) OVER (PARTITION BY c.event) AS nav,\n")
	q.w("    MIN(CASE WHEN c.day < b.lo THEN c.day END) OVER (PARTITION BY c.unit, c.aid, c.event) AS first_before,\n")
	q.w("    MAX(CASE WHEN c.day < b.lo THEN c.day END) OVER (PARTITION BY c.unit, c.aid, c.event) AS last_before,\n")
	q.w("    MAX(CASE WHEN c.day > b.d THEN c.day END) OVER (PARTITION BY c.unit, c.aid, c.event) AS last_after\n")
	q.w("  FROM cells c CROSS JOIN bounds b\n),\n")
	if o.AllDays {
		q.w("kept AS (SELECT unit, aid, event, day, nav, n FROM marked),\n")
	} else {
		q.w("kept AS (\n  SELECT unit, aid, event, day, nav, n FROM marked\n")
		q.w("  WHERE (day >= lo AND day <= d) OR day = first_before OR day = last_before OR day = last_after\n),\n")
	}
}

// membersAndTraits writes members, each user's latest group call (ties: the
// larger account id), and user_traits and account_traits.
func (q *queryWriter) membersAndTraits() {
	q.w("members AS (\n  SELECT unit, aid, ts, ROW_NUMBER() OVER (PARTITION BY unit ORDER BY ts DESC, %s DESC) AS rn\n", q.d.bytewise("aid"))
	q.w("  FROM used WHERE kind = 'group' AND aid IS NOT NULL\n),\n")
	q.traits("user_traits", "identify', 'track', 'page', 'screen", "unit", "ut", q.o.UserTraits)
	q.traits("account_traits", "group", "aid", "at", q.o.AccountTraits)
}

// traits writes one traits table: the latest value of each named trait (ties:
// the larger value), from the calls of the kinds listed.
func (q *queryWriter) traits(cte, kind, idCol, prefix string, names []string) {
	d := q.d
	q.w("%s AS (\n  SELECT id, k, v, ts, ROW_NUMBER() OVER (PARTITION BY id, k ORDER BY ts DESC, %s DESC) AS rn FROM (\n", cte, d.bytewise("v"))
	if len(names) == 0 {
		q.w("    SELECT %s AS id, %s AS k, %s AS v, ts FROM used WHERE 1 = 0\n", d.nullText(), d.nullText(), d.nullText())
	}
	for i, n := range names {
		if i > 0 {
			q.w("    UNION ALL\n")
		}
		q.w("    SELECT %s AS id, %s AS k, %s_%d AS v, ts FROM used WHERE kind IN ('%s') AND %s IS NOT NULL AND %s_%d IS NOT NULL\n",
			idCol, quote(n), prefix, i, kind, idCol, prefix, i)
	}
	q.w("  ) t\n),\n")
}

// counters writes the input counters, under the names stores keep them
// (core.InputStats.AddCounter).
func (q *queryWriter) counters() {
	q.w("counters AS (\n")
	q.w("  SELECT 'events' AS k, COUNT(*) AS n FROM ok\n")
	q.w("  UNION ALL SELECT 'activity_events', COUNT(*) FROM act\n")
	q.w("  UNION ALL SELECT 'duplicates', COUNT(*) FROM ok WHERE reject IS NULL AND copy > 1\n")
	q.w("  UNION ALL SELECT 'skip:' || reject, COUNT(*) FROM ok WHERE reject IS NOT NULL GROUP BY reject\n")
	q.w("  UNION ALL SELECT 'skip:no_event_name', COUNT(*) FROM used WHERE kind = 'track' AND COALESCE(name, '') = '' HAVING COUNT(*) > 0\n")
	q.w("  UNION ALL SELECT 'skipped', COUNT(*) FROM ok WHERE reject IS NOT NULL OR (copy = 1 AND kind = 'track' AND COALESCE(name, '') = '')\n")
	q.w("),\n")
}

// meta writes the meta rows: the layout's version and the options the cells
// were computed with.
func (q *queryWriter) meta() {
	o, d := q.o, q.d
	detail := d.dayText("lo")
	if o.AllDays {
		detail = d.nullText()
	}
	q.w("meta AS (\n")
	q.w("  SELECT 'format' AS k, %s AS v\n", quote(CellsFormat))
	q.w("  UNION ALL SELECT 'schema', %s\n", quote(string(o.Schema)))
	q.w("  UNION ALL SELECT 'tz', %s\n", quote(o.TZ))
	q.w("  UNION ALL SELECT 'window', '%d'\n", o.Window)
	q.w("  UNION ALL SELECT 'as_of', %s FROM bounds\n", d.dayText("d"))
	q.w("  UNION ALL SELECT 'detail_from', %s FROM bounds\n", detail)
	q.w(")\n")
}

// result writes the one result: every row the same columns.
func (q *queryWriter) result() {
	d := q.d
	T, I := d.text(), d.integer()
	nt, ni := d.nullText(), d.nullInt()
	row := func(kind, user, account, event, nav, day, n, timeMs, name, value, from string) {
		q.w("SELECT '%s' AS kind, %s AS user_id, %s AS account_id, %s AS event, %s AS nav, %s AS day, %s AS n, %s AS time_ms, %s AS name, %s AS value FROM %s",
			kind, user, account, event, nav, day, n, timeMs, name, value, from)
	}
	cast := func(e, t string) string { return "CAST(" + e + " AS " + t + ")" }
	row("cell", "unit", "aid", "event", cast("nav", I), d.dayText("day"), cast("n", I), ni, nt, nt, "kept")
	q.w("\nUNION ALL\n")
	row("member", "unit", "aid", nt, ni, nt, ni, cast(d.epochMs("ts"), I), nt, nt, "members WHERE rn = 1")
	q.w("\nUNION ALL\n")
	row("user_trait", "id", nt, nt, ni, nt, ni, cast(d.epochMs("ts"), I), "k", "v", "user_traits WHERE rn = 1")
	q.w("\nUNION ALL\n")
	row("account_trait", nt, "id", nt, ni, nt, ni, cast(d.epochMs("ts"), I), "k", "v", "account_traits WHERE rn = 1")
	q.w("\nUNION ALL\n")
	row("counter", nt, nt, nt, ni, nt, cast("n", I), ni, cast("k", T), nt, "counters")
	q.w("\nUNION ALL\n")
	row("meta", nt, nt, nt, ni, nt, ni, ni, cast("k", T), cast("v", T), "meta")
	q.w(";\n")
}
