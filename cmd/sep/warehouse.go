package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sep-project/sep/cells"
	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/ingest"
	"github.com/sep-project/sep/parquetrows"
	"github.com/sep-project/sep/warehouse"
)

// runSQL prints the warehouse query (sep sql).
func runSQL(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sql", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dialect := fs.String("dialect", "duckdb", "SQL dialect: "+strings.Join(names(warehouse.Dialects), ", "))
	schema := fs.String("schema", "segment", "the warehouse tables: "+strings.Join(names(warehouse.Schemas), ", "))
	tz := fs.String("tz", "UTC", "IANA time zone of calendar days")
	asOf := fs.String("as-of", "", "last day of the period, YYYY-MM-DD (default: the last day with activity)")
	window := fs.Int("window", 30, "period length W in days")
	prefix := fs.String("prefix", "", "qualify the tables, e.g. analytics. (default: unqualified)")
	allDays := fs.Bool("all-days", false, "keep every day's cells (for --trend) instead of summarising the days before the spans read")
	userTraits := fs.String("user-traits", "", "comma-separated user traits to carry: columns of identifies, keys of user_properties or $set (e.g. plan)")
	accountTraits := fs.String("account-traits", "", "comma-separated account traits to carry: columns of groups, keys of group_properties or $group_set (e.g. name,seats,plan,renewal_date)")
	earliest := fs.String("earliest", "", "first plausible event day, YYYY-MM-DD (default 2000-01-01), as sep score --earliest")
	table := fs.String("table", "", "the events table of the mixpanel, amplitude and posthog schemas (default mp_master_event, events, events)")
	groupKeys := fs.String("group-keys", "", "comma-separated group types and properties holding an event's account (mixpanel, amplitude, posthog; default core's list)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("sql takes no file: it prints the query")
	}
	d, err := warehouse.ParseDialect(*dialect)
	if err != nil {
		return usagef("%v", err)
	}
	sc, err := warehouse.ParseSchema(*schema)
	if err != nil {
		return usagef("%v", err)
	}
	q, err := warehouse.Query(warehouse.Options{Dialect: d, Schema: sc, TZ: *tz, AsOf: *asOf, Window: *window,
		Prefix: *prefix, AllDays: *allDays, UserTraits: splitList(*userTraits), AccountTraits: splitList(*accountTraits),
		Table: *table, GroupKeys: splitList(*groupKeys), Earliest: *earliest})
	if err != nil {
		return usagef("%v", err)
	}
	_, err = io.WriteString(stdout, q)
	return err
}

func names[T ~string](list []T) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = string(v)
	}
	return out
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// readCells reads the results of sep sql's query into a rollup. The time zone,
// window and as-of day default to the query's; given ones must read only days
// the result details.
func readCells(files []string, given, settings core.Settings) (*core.Rollup, core.Settings, error) {
	set := &cells.Set{}
	for _, name := range files {
		if name == "-" {
			return nil, settings, usagef("--cells reads files (a Parquet file needs seeking), not stdin")
		}
		if err := set.ReadFile(name); err != nil {
			return nil, settings, err
		}
	}
	m := set.Meta
	if given.TZ == "" && m.TZ != "" {
		settings.TZ = m.TZ
	}
	if given.Window == 0 && m.Window > 0 {
		settings.Window = m.Window
	}
	if given.AsOf == "" && m.Format != "" {
		settings.AsOf = m.AsOf.String()
	}
	if err := set.Check(settings); err != nil {
		return nil, settings, err
	}
	r, err := set.Rollup()
	if err != nil {
		return nil, settings, err
	}
	if r.Input.ActivityEvents == 0 && r.Len() == 0 {
		return nil, settings, fmt.Errorf("%s: the query found no activity event (track, page or screen) in the tables", strings.Join(files, ", "))
	}
	return r, settings, nil
}

// ingestParquet reads a Parquet export (see parquetrows.Ingest): PostHog's
// S3 batch export column by column on every core; warehouse tables as CSV and
// nested rows (the raw Segment shape) as JSON lines, through core's detection.
func ingestParquet(ctx context.Context, f *os.File, size int64, opt ingest.Options, into *core.Rollup) error {
	pf, err := parquetrows.Open(f, size)
	if err != nil {
		return fmt.Errorf("%s: %w", opt.File, err)
	}
	if isCellsResult(parquetrows.Columns(pf)) {
		return fmt.Errorf("%s is the result of sep sql's query, not an export: score it with sep score --cells %s", opt.File, opt.File)
	}
	return parquetrows.Ingest(ctx, pf, opt, into)
}

// isCellsResult reports whether columns are those of sep sql's result.
func isCellsResult(cols []string) bool {
	has := map[string]bool{}
	for _, c := range cols {
		has[strings.ToLower(c)] = true
	}
	return has["kind"] && has["n"] && has["day"] && has["time_ms"]
}
