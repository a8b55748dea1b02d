package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sep-project/sep/internal/apitest"
	"github.com/sep-project/sep/internal/testenv"
)

// The warehouse tables of Segment's schema the test builds, with their
// columns and SQL types (timestamps are instants: timestamptz).
var warehouseTables = []struct {
	name string
	cols [][2]string
}{
	{"tracks", [][2]string{{"id", "VARCHAR"}, {"user_id", "VARCHAR"}, {"anonymous_id", "VARCHAR"}, {"context_group_id", "VARCHAR"},
		{"event", "VARCHAR"}, {"event_text", "VARCHAR"}, {"timestamp", "TIMESTAMPTZ"}, {"received_at", "TIMESTAMPTZ"}}},
	{"pages", [][2]string{{"id", "VARCHAR"}, {"user_id", "VARCHAR"}, {"anonymous_id", "VARCHAR"}, {"context_group_id", "VARCHAR"},
		{"name", "VARCHAR"}, {"timestamp", "TIMESTAMPTZ"}, {"received_at", "TIMESTAMPTZ"}}},
	{"screens", [][2]string{{"id", "VARCHAR"}, {"user_id", "VARCHAR"}, {"anonymous_id", "VARCHAR"}, {"context_group_id", "VARCHAR"},
		{"name", "VARCHAR"}, {"timestamp", "TIMESTAMPTZ"}, {"received_at", "TIMESTAMPTZ"}}},
	{"identifies", [][2]string{{"id", "VARCHAR"}, {"user_id", "VARCHAR"}, {"anonymous_id", "VARCHAR"}, {"role", "VARCHAR"},
		{"timestamp", "TIMESTAMPTZ"}, {"received_at", "TIMESTAMPTZ"}}},
	{"groups", [][2]string{{"id", "VARCHAR"}, {"user_id", "VARCHAR"}, {"anonymous_id", "VARCHAR"}, {"group_id", "VARCHAR"},
		{"name", "VARCHAR"}, {"seats", "BIGINT"}, {"plan", "VARCHAR"}, {"timestamp", "TIMESTAMPTZ"}, {"received_at", "TIMESTAMPTZ"}}},
}

// oddEvents are the awkward records of real Segment data, added to the
// generated product: an anonymous visitor, a +05:30 offset late in the
// evening (the next day in UTC), unnamed pages and screens, a record with no
// user, a user who changes account (their latest group call wins).
const oddEvents = `{"messageId":"odd-1","type":"track","anonymousId":"anon-77","event":"Report Created","timestamp":"2026-09-29T10:00:00Z","receivedAt":"2026-09-29T10:00:01Z"}
{"messageId":"odd-2","type":"track","userId":"user-3","event":"Query Run","timestamp":"2026-09-29T23:40:00+05:30","receivedAt":"2026-09-29T18:10:02Z"}
{"messageId":"odd-3","type":"page","userId":"user-4","timestamp":"2026-09-28T09:00:00Z","receivedAt":"2026-09-28T09:00:01Z"}
{"messageId":"odd-4","type":"screen","userId":"user-5","name":"Home","timestamp":"2026-09-28T09:00:00Z","receivedAt":"2026-09-28T09:00:01Z"}
{"messageId":"odd-5","type":"screen","userId":"user-5","timestamp":"2026-09-28T09:05:00Z","receivedAt":"2026-09-28T09:05:01Z"}
{"messageId":"odd-6","type":"track","event":"Query Run","timestamp":"2026-09-28T09:00:00Z","receivedAt":"2026-09-28T09:00:01Z"}
{"messageId":"odd-7","type":"group","userId":"user-6","groupId":"acct-zz","traits":{"name":"Late Co","seats":4,"plan":"pro"},"timestamp":"2026-09-30T08:00:00Z","receivedAt":"2026-09-30T08:00:01Z"}
{"messageId":"odd-8","type":"track","userId":"user-6","event":"Chart Edited","timestamp":"2026-09-30T08:10:00Z","receivedAt":"2026-09-30T08:10:01Z"}
`

// writeWarehouse writes the Segment JSON-lines export as the warehouse's
// tables: schema.sql and one CSV per table.
func writeWarehouse(t *testing.T, export, dir string) {
	t.Helper()
	f, err := os.Open(export)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	writers := map[string]*csv.Writer{}
	var schema strings.Builder
	for _, tb := range warehouseTables {
		out, err := os.Create(filepath.Join(dir, tb.name+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		defer out.Close()
		w := csv.NewWriter(out)
		var header, defs []string
		for _, c := range tb.cols {
			header = append(header, c[0])
			defs = append(defs, fmt.Sprintf("%q %s", c[0], c[1]))
		}
		w.Write(header)
		writers[tb.name] = w
		fmt.Fprintf(&schema, "CREATE TABLE %s (%s);\n", tb.name, strings.Join(defs, ", "))
	}
	writeSchemas(t, dir, schema.String())
	type event struct {
		MessageID, Type, UserID, AnonymousID, Event, Name, GroupID, Timestamp, ReceivedAt string
		Context                                                                           struct{ GroupID string }
		Traits                                                                            map[string]any
	}
	table := map[string]string{"track": "tracks", "page": "pages", "screen": "screens", "identify": "identifies", "group": "groups"}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		trait := func(k string) string {
			switch v := e.Traits[k].(type) {
			case nil:
				return ""
			case float64:
				return strconv.FormatFloat(v, 'f', -1, 64)
			default:
				return fmt.Sprint(v)
			}
		}
		name := table[e.Type]
		var rec []string
		for _, c := range warehouseTables[indexOfTable(name)].cols {
			v := ""
			switch c[0] {
			case "id":
				v = e.MessageID
			case "user_id":
				v = e.UserID
			case "anonymous_id":
				v = e.AnonymousID
			case "context_group_id":
				v = e.Context.GroupID
			case "event", "event_text":
				v = e.Event
			case "name":
				if e.Type == "group" {
					v = trait("name")
				} else {
					v = e.Name
				}
			case "group_id":
				v = e.GroupID
			case "timestamp":
				v = e.Timestamp
			case "received_at":
				v = e.ReceivedAt
			default:
				v = trait(c[0])
			}
			rec = append(rec, v)
		}
		writers[name].Write(rec)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, w := range writers {
		w.Flush()
		if err := w.Error(); err != nil {
			t.Fatal(err)
		}
	}
}

// writeSchemas writes the CREATE TABLE statements for DuckDB (schema.sql)
// and PostgreSQL (schema.pg.sql): JSONTEXT is VARCHAR in one, jsonb in the other.
func writeSchemas(t *testing.T, dir, schema string) {
	t.Helper()
	duck := strings.ReplaceAll(schema, "JSONTEXT", "VARCHAR")
	pg := strings.ReplaceAll(strings.ReplaceAll(schema, "VARCHAR", "TEXT"), "JSONTEXT", "jsonb")
	if err := os.WriteFile(filepath.Join(dir, "schema.sql"), []byte(duck), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "schema.pg.sql"), []byte(pg), 0o644); err != nil {
		t.Fatal(err)
	}
}

func indexOfTable(name string) int {
	for i, tb := range warehouseTables {
		if tb.name == name {
			return i
		}
	}
	panic("no table " + name)
}

// warehouseProduct writes the generated product plus the odd events, and the
// same events as warehouse tables in dir.
func warehouseProduct(t *testing.T) (export, dir string) {
	t.Helper()
	export = generate(t, "segment", 160, 130)
	f, err := os.OpenFile(export, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(oddEvents)
	f.Close()
	dir = t.TempDir()
	writeWarehouse(t, export, dir)
	return export, dir
}

var warehouseCases = []struct {
	name      string
	args      []string // of both sep sql and sep score
	sqlArgs   []string
	scoreArgs []string
}{
	{name: "utc"},
	{name: "paris-w14-asof", args: []string{"--tz", "Europe/Paris", "--window", "14", "--as-of", "2026-09-20"}},
	{name: "all-days-trend", sqlArgs: []string{"--all-days"}, scoreArgs: []string{"--trend"}},
	// --earliest after the product's first days: both skip them the same.
	{name: "earliest", args: []string{"--earliest", "2026-07-01"}},
}

const traitArgs = "--user-traits=role --account-traits=name,seats,plan"

func TestWarehouseQueryInDuckDB(t *testing.T) {
	testenv.NodeModule(t, "@duckdb/node-api")
	export, dir := warehouseProduct(t)
	script := filepath.Join(testenv.Root(t), "e2e", "warehouse", "duckdb.mjs")
	formats := [][]string{{"parquet", "csv"}, {"json"}, {"csv"}, {"csv"}}
	cellRows := map[string]int{}
	for i, c := range warehouseCases {
		for _, fm := range formats[i] {
			t.Run(c.name+"-"+fm, func(t *testing.T) {
				query := filepath.Join(t.TempDir(), "q.sql")
				q := mustSep(t, nil, append(append([]string{"sql", "--dialect", "duckdb", "--user-traits=role", "--account-traits=name,seats,plan"}, c.args...), c.sqlArgs...)...)
				os.WriteFile(query, []byte(q), 0o644)
				out := filepath.Join(t.TempDir(), "cells."+fm)
				cmd := exec.Command("node", script, dir, query, out, fm)
				cmd.Dir = filepath.Join(testenv.Root(t), "e2e")
				if b, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("duckdb: %v\n%s", err, b)
				}
				compareCellsReport(t, export, out, append(c.args, c.scoreArgs...))
				if fm == "csv" {
					b, _ := os.ReadFile(out)
					cellRows[c.name] = strings.Count(string(b), "\ncell,")
				}
			})
		}
	}
	// The summary of the days before the spans must leave cells out (130 days
	// of history, 89 read), and the all-days result must still refuse nothing.
	if u, all := cellRows["utc"], cellRows["all-days-trend"]; u == 0 || u >= all {
		t.Errorf("cells: %d with the summary, %d with --all-days: the summary left nothing out", u, all)
	} else {
		t.Logf("cells: %d with the summary, %d with --all-days", u, all)
	}
	// A summarised result refuses settings that would read the days it summarised.
	q := mustSep(t, nil, "sql", "--dialect", "duckdb", "--user-traits=role", "--account-traits=name,seats,plan")
	query := filepath.Join(t.TempDir(), "q.sql")
	os.WriteFile(query, []byte(q), 0o644)
	out := filepath.Join(t.TempDir(), "cells.csv")
	cmd := exec.Command("node", script, dir, query, out, "csv")
	cmd.Dir = filepath.Join(testenv.Root(t), "e2e")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("duckdb: %v\n%s", err, b)
	}
	// Other settings within the detailed days rescore exactly.
	compareCellsReport(t, export, out, []string{"--window", "14", "--as-of", "2026-09-20", "--unit", "account", "--ratio", "wau/mau"})
	// A warehouse table unloaded as Parquet scores as the same table in CSV
	// (core's segment_tracks layout).
	selectTracks := filepath.Join(t.TempDir(), "tracks.sql")
	os.WriteFile(selectTracks, []byte("SELECT * FROM tracks"), 0o644)
	tracksPq := filepath.Join(t.TempDir(), "tracks.parquet")
	cmd = exec.Command("node", script, dir, selectTracks, tracksPq, "parquet")
	cmd.Dir = filepath.Join(testenv.Root(t), "e2e")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("duckdb: %v\n%s", err, b)
	}
	fromCSV := apitest.DropFiles(mustSep(t, nil, "score", "--json", filepath.Join(dir, "tracks.csv")))
	fromPq := mustSep(t, nil, "score", "--json", tracksPq)
	if !strings.Contains(fromPq, `"layout": "segment_tracks"`) || apitest.DropFiles(fromPq) != fromCSV {
		t.Errorf("the tracks table as Parquet scores differently from its CSV:\n%s", fromPq[:min(len(fromPq), 2000)])
	}
	// A Parquet result given as an export is recognised and sent to --cells.
	pq := filepath.Join(t.TempDir(), "cells.parquet")
	cmd = exec.Command("node", script, dir, query, pq, "parquet")
	cmd.Dir = filepath.Join(testenv.Root(t), "e2e")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("duckdb: %v\n%s", err, b)
	}
	if _, errs, code := sep(t, nil, "score", pq); code != 1 || !strings.Contains(errs, "score it with sep score --cells") {
		t.Errorf("sep score on a Parquet result: exit %d, %s", code, errs)
	}
	for _, args := range [][]string{{"--window", "40"}, {"--trend"}, {"--tz", "Asia/Kolkata"}} {
		_, errs, code := sep(t, nil, append([]string{"score", "--cells", out}, args...)...)
		if code != 1 || !strings.Contains(errs, "sep sql") {
			t.Errorf("score --cells %v: exit %d, %s; want 1 and the sep sql flags to rerun", args, code, errs)
		}
	}
}

// compareCellsReport checks that scoring the cells gives the raw export's
// report byte for byte, input.files aside.
func compareCellsReport(t *testing.T, export, cells string, args []string) {
	t.Helper()
	want := apitest.DropFiles(mustSep(t, nil, append([]string{"score", "--json", export}, args...)...))
	got := apitest.DropFiles(mustSep(t, nil, append([]string{"score", "--json", "--cells", cells}, args...)...))
	if got != want {
		os.WriteFile("/tmp/wh-want.json", []byte(want), 0o644)
		os.WriteFile("/tmp/wh-got.json", []byte(got), 0o644)
		t.Fatalf("the cells score differently from the raw events (want /tmp/wh-want.json, got /tmp/wh-got.json)")
	}
	var top struct{ PES *float64 }
	if err := json.Unmarshal([]byte(want), &top); err != nil || top.PES == nil {
		t.Fatalf("the raw report has no PES (%v):\n%s", err, want)
	}
}

// postgres starts a PostgreSQL server in a temporary folder on a free
// loopback port and returns a psql command builder; the server stops with
// the test. Under root the server runs as the postgres user (initdb refuses root).
func postgres(t *testing.T) func(args ...string) *exec.Cmd {
	t.Helper()
	bin := "/usr/lib/postgresql"
	initdb, err := exec.LookPath("initdb")
	if err != nil {
		entries, _ := os.ReadDir(bin)
		for _, e := range entries {
			if p := filepath.Join(bin, e.Name(), "bin", "initdb"); fileExists(p) {
				initdb = p
			}
		}
	}
	if initdb == "" {
		t.Fatal("PostgreSQL is not installed: run `make deps` (scripts/install-test-deps.sh installs Debian's postgresql)")
	}
	binDir := filepath.Dir(initdb)
	if real, err := filepath.EvalSymlinks(initdb); err == nil {
		binDir = filepath.Dir(real)
	}
	dir, err := os.MkdirTemp("", "sep-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var prefix []string
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root needs the postgres user (Debian's postgresql creates it): %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		prefix = []string{"runuser", "-u", "postgres", "--"}
	}
	run := func(name string, args ...string) {
		t.Helper()
		all := append(append(append([]string{}, prefix...), filepath.Join(binDir, name)), args...)
		cmd := exec.Command(all[0], all[1:]...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, b)
		}
	}
	data := filepath.Join(dir, "data")
	run("initdb", "-D", data, "-U", "sep", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8")
	port := testenv.FreePort(t)
	run("pg_ctl", "-D", data, "-l", filepath.Join(dir, "log"), "-w", "-t", "60",
		"-o", fmt.Sprintf("-p %d -k %s -h 127.0.0.1 -c fsync=off -c TimeZone=UTC", port, dir), "start")
	t.Cleanup(func() {
		all := append(append(append([]string{}, prefix...), filepath.Join(binDir, "pg_ctl")), "-D", data, "-m", "immediate", "-w", "stop")
		exec.Command(all[0], all[1:]...).Run()
	})
	return func(args ...string) *exec.Cmd {
		base := []string{"-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "sep", "-d", "postgres"}
		return exec.Command(filepath.Join(binDir, "psql"), append(base, args...)...)
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// loadPostgres creates dir's tables (schema.pg.sql) and copies each TABLE.csv in.
func loadPostgres(t *testing.T, psql func(args ...string) *exec.Cmd, dir string) {
	t.Helper()
	schema, err := os.ReadFile(filepath.Join(dir, "schema.pg.sql"))
	if err != nil {
		t.Fatal(err)
	}
	var load strings.Builder
	load.Write(schema)
	files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	for _, f := range files {
		fmt.Fprintf(&load, "\\copy %s FROM '%s' WITH (FORMAT csv, HEADER true)\n", strings.TrimSuffix(filepath.Base(f), ".csv"), f)
	}
	loadFile := filepath.Join(dir, "load.sql")
	os.WriteFile(loadFile, []byte(load.String()), 0o644)
	if b, err := psql("-f", loadFile).CombinedOutput(); err != nil {
		t.Fatalf("load: %v\n%s", err, b)
	}
}

func TestWarehouseQueryInPostgres(t *testing.T) {
	export, dir := warehouseProduct(t)
	psql := postgres(t)
	loadPostgres(t, psql, dir)
	for _, c := range warehouseCases {
		t.Run(c.name, func(t *testing.T) {
			q := mustSep(t, nil, append(append([]string{"sql", "--dialect", "postgres", "--user-traits=role", "--account-traits=name,seats,plan"}, c.args...), c.sqlArgs...)...)
			body := strings.TrimSuffix(strings.TrimSpace(q), ";")
			qf := filepath.Join(t.TempDir(), "q.sql")
			os.WriteFile(qf, []byte("COPY ("+body+") TO STDOUT WITH (FORMAT csv, HEADER true);\n"), 0o644)
			start := time.Now()
			b, err := psql("-f", qf).Output()
			if err != nil {
				t.Fatalf("query: %v\n%s", err, b)
			}
			t.Logf("postgres ran the query in %v", time.Since(start).Round(time.Millisecond))
			out := filepath.Join(t.TempDir(), "cells.csv")
			os.WriteFile(out, b, 0o644)
			compareCellsReport(t, export, out, append(c.args, c.scoreArgs...))
		})
	}
}

// Parquet exports score as their JSON-lines originals do: the raw Segment
// shape (nested structs) and PostHog's S3 batch export (properties as JSON
// text), written by DuckDB, detected by their magic bytes.
func TestParquetExportsScoreAsTheirJSON(t *testing.T) {
	testenv.NodeModule(t, "@duckdb/node-api")
	script := filepath.Join(testenv.Root(t), "e2e", "warehouse", "parquet.mjs")
	for _, format := range []string{"segment", "posthog"} {
		t.Run(format, func(t *testing.T) {
			export := generate(t, format, 120, 75)
			pq := filepath.Join(t.TempDir(), "events.parquet")
			cmd := exec.Command("node", script, export, pq, format)
			cmd.Dir = filepath.Join(testenv.Root(t), "e2e")
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("duckdb: %v\n%s", err, b)
			}
			want := apitest.DropFiles(mustSep(t, nil, "score", "--json", export))
			got := mustSep(t, nil, "score", "--json", pq)
			if !strings.Contains(got, `"name": "events.parquet"`) {
				t.Errorf("input.files does not name the Parquet file:\n%s", got)
			}
			if apitest.DropFiles(got) != want {
				os.WriteFile("/tmp/wh-pq-want.json", []byte(want), 0o644)
				os.WriteFile("/tmp/wh-pq-got.json", []byte(apitest.DropFiles(got)), 0o644)
				t.Fatalf("the Parquet file scores differently from its JSON lines (/tmp/wh-pq-*.json)")
			}
		})
	}
}

// PostHog's odd records: an event whose distinct_id is only in its
// properties, a numeric group id, a +05:30 offset, a $groupidentify without
// a key (no record at all), SDK events that are no activity, a $pageview, an
// alias, and a track whose $set changes the user's role.
const posthogOdd = `{"uuid":"ph-odd-1","event":"Query Run","distinct_id":"","timestamp":"2026-09-29T10:00:00Z","properties":{"distinct_id":"user-9","$groups":{"company":"acct-2"}}}
{"uuid":"ph-odd-2","event":"Report Created","distinct_id":"user-10","timestamp":"2026-09-29T23:50:00+05:30","properties":{"$groups":{"company":42}}}
{"uuid":"ph-odd-3","event":"$groupidentify","distinct_id":"user-11","timestamp":"2026-09-29T10:00:00Z","properties":{"$group_type":"company","$group_set":{"seats":99}}}
{"uuid":"ph-odd-4","event":"$feature_flag_called","distinct_id":"user-12","timestamp":"2026-09-29T10:00:00Z","properties":{"$feature_flag":"beta"}}
{"uuid":"ph-odd-5","event":"$pageview","distinct_id":"user-12","timestamp":"2026-09-29T10:01:00Z","properties":{"$current_url":"https://app.example.com/"}}
{"uuid":"ph-odd-6","event":"$create_alias","distinct_id":"user-12","timestamp":"2026-09-29T10:02:00Z","properties":{"alias":"anon-1"}}
{"uuid":"ph-odd-7","event":"Chart Edited","distinct_id":"user-13","timestamp":"2026-09-30T10:00:00Z","properties":{"$set":{"role":"owner"},"org_id":"acct-3"}}
{"uuid":"ph-odd-8","event":"Query Run","timestamp":"2026-09-29T10:00:00Z","properties":{}}
`

// tableColumn is one column of a tool's exported events table, taken from
// a record of its JSON-lines export.
type tableColumn struct {
	name, sqlType string
	value         func(rec map[string]json.RawMessage) string
}

// field reads a JSON value at a path of keys as CSV text: a string as is, an
// object or array as its JSON, a number as written.
func field(path ...string) func(map[string]json.RawMessage) string {
	return func(rec map[string]json.RawMessage) string {
		var raw json.RawMessage
		cur := rec
		for i, k := range path {
			v, ok := cur[k]
			if !ok {
				return ""
			}
			if i == len(path)-1 {
				raw = v
				break
			}
			cur = map[string]json.RawMessage{}
			if json.Unmarshal(v, &cur) != nil {
				return ""
			}
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		if string(raw) == "null" {
			return ""
		}
		return string(raw)
	}
}

// msTime reads an epoch-ms number at a path as RFC 3339.
func msTime(path ...string) func(map[string]json.RawMessage) string {
	return func(rec map[string]json.RawMessage) string {
		ms, err := strconv.ParseFloat(field(path...)(rec), 64)
		if err != nil {
			return ""
		}
		return time.UnixMilli(int64(ms)).UTC().Format(time.RFC3339Nano)
	}
}

// oneTableWarehouse writes sep gen's product in format plus the odd records,
// and the same events as the tool's exported events table in dir.
func oneTableWarehouse(t *testing.T, format, table, odd string, cols []tableColumn) (export, dir string) {
	t.Helper()
	export = generate(t, format, 160, 100)
	f, err := os.OpenFile(export, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(odd)
	f.Close()
	dir = t.TempDir()
	var defs, header []string
	for _, c := range cols {
		defs = append(defs, fmt.Sprintf("%q %s", c.name, c.sqlType))
		header = append(header, c.name)
	}
	writeSchemas(t, dir, fmt.Sprintf("CREATE TABLE %s (%s);\n", table, strings.Join(defs, ", ")))
	in, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(filepath.Join(dir, table+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	w := csv.NewWriter(out)
	w.Write(header)
	for _, line := range strings.Split(strings.TrimSpace(string(in)), "\n") {
		rec := map[string]json.RawMessage{}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, c := range cols {
			row[i] = c.value(rec)
		}
		w.Write(row)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return export, dir
}

var posthogColumns = []tableColumn{{"uuid", "VARCHAR", field("uuid")}, {"event", "VARCHAR", field("event")},
	{"distinct_id", "VARCHAR", field("distinct_id")}, {"properties", "JSONTEXT", field("properties")},
	{"timestamp", "TIMESTAMPTZ", field("timestamp")}}

// Mixpanel's JSON pipeline table, from the raw export's properties.
var mixpanelColumns = []tableColumn{{"event_name", "VARCHAR", field("event")},
	{"time", "TIMESTAMPTZ", msTime("properties", "time")}, {"distinct_id", "VARCHAR", field("properties", "distinct_id")},
	{"user_id", "VARCHAR", field("properties", "$user_id")}, {"device_id", "VARCHAR", field("properties", "$device_id")},
	{"insert_id", "VARCHAR", field("properties", "$insert_id")}, {"properties", "JSONTEXT", field("properties")}}

// Amplitude's export fields as columns (event_time is UTC).
var amplitudeColumns = []tableColumn{{"uuid", "VARCHAR", field("uuid")}, {"event_type", "VARCHAR", field("event_type")},
	{"event_time", "TIMESTAMPTZ", field("event_time")}, {"server_received_time", "TIMESTAMPTZ", field("server_received_time")},
	{"user_id", "VARCHAR", field("user_id")}, {"device_id", "VARCHAR", field("device_id")},
	{"groups", "JSONTEXT", field("groups")}, {"event_properties", "JSONTEXT", field("event_properties")},
	{"user_properties", "JSONTEXT", field("user_properties")}, {"group_properties", "JSONTEXT", field("group_properties")}}

// Mixpanel's odd records: a $user_id beside the distinct_id, a device id
// alone, a system event, a group key among the properties only on some events.
const mixpanelOdd = `{"event":"Query Run","properties":{"time":1790700000000,"distinct_id":"$device:abc","$user_id":"user-5","$insert_id":"mp-odd-1","org_id":"acct-9"}}
{"event":"Report Created","properties":{"time":1790700000000,"$device_id":"dev-77","$insert_id":"mp-odd-2"}}
{"event":"$ae_session","properties":{"time":1790700000000,"distinct_id":"user-6","$insert_id":"mp-odd-3"}}
{"event":"Chart Edited","properties":{"time":1790786000000,"distinct_id":"user-7","$insert_id":"mp-odd-4","$mp_api_timestamp_ms":1790786001000}}
`

// Amplitude's odd records: a device id alone, a scalar group id, session
// markers and an automatic event, a $groupidentify without groups.
const amplitudeOdd = `{"event_type":"Query Run","device_id":"dev-9","event_time":"2026-09-29 10:00:00.000000","uuid":"amp-odd-1","groups":{"company":"acct-4"}}
{"event_type":"session_start","user_id":"user-3","event_time":"2026-09-29 10:00:00.000000","uuid":"amp-odd-2"}
{"event_type":"[Amplitude] Page Viewed","user_id":"user-3","event_time":"2026-09-29 10:01:00.000000","uuid":"amp-odd-3"}
{"event_type":"$groupidentify","user_id":"user-3","event_time":"2026-09-29 10:02:00.000000","uuid":"amp-odd-4","group_properties":{"seats":5}}
{"event_type":"Chart Edited","user_id":"user-8","event_time":"2026-09-30 23:59:59.999000","uuid":"amp-odd-5","groups":{"company":["acct-5","acct-6"]}}
`

// queryInBoth runs sep sql's query for sqlArgs in DuckDB and in PostgreSQL
// over dir's tables and compares each report with sep score on export.
func queryInBoth(t *testing.T, export, dir string, sqlArgs, args []string, check func(t *testing.T, report string)) {
	t.Helper()
	testenv.NodeModule(t, "@duckdb/node-api")
	t.Run("duckdb", func(t *testing.T) {
		q := mustSep(t, nil, append(append([]string{"sql", "--dialect", "duckdb"}, sqlArgs...), args...)...)
		query := filepath.Join(t.TempDir(), "q.sql")
		os.WriteFile(query, []byte(q), 0o644)
		out := filepath.Join(t.TempDir(), "cells.parquet")
		cmd := exec.Command("node", filepath.Join(testenv.Root(t), "e2e", "warehouse", "duckdb.mjs"), dir, query, out, "parquet")
		cmd.Dir = filepath.Join(testenv.Root(t), "e2e")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("duckdb: %v\n%s", err, b)
		}
		compareCellsReport(t, export, out, args)
		if check != nil {
			check(t, mustSep(t, nil, "score", "--json", "--cells", out))
		}
	})
	t.Run("postgres", func(t *testing.T) {
		psql := postgres(t)
		loadPostgres(t, psql, dir)
		q := mustSep(t, nil, append(append([]string{"sql", "--dialect", "postgres"}, sqlArgs...), args...)...)
		qf := filepath.Join(t.TempDir(), "q.sql")
		os.WriteFile(qf, []byte("COPY ("+strings.TrimSuffix(strings.TrimSpace(q), ";")+") TO STDOUT WITH (FORMAT csv, HEADER true);\n"), 0o644)
		b, err := psql("-f", qf).Output()
		if err != nil {
			t.Fatalf("query: %v\n%s", err, b)
		}
		out := filepath.Join(t.TempDir(), "cells.csv")
		os.WriteFile(out, b, 0o644)
		compareCellsReport(t, export, out, args)
	})
}

func TestMixpanelQueryInDuckDBAndPostgres(t *testing.T) {
	export, dir := oneTableWarehouse(t, "mixpanel", "mp_master_event", mixpanelOdd, mixpanelColumns)
	queryInBoth(t, export, dir, []string{"--schema", "mixpanel"}, []string{"--tz", "Asia/Kolkata", "--window", "21"},
		func(t *testing.T, report string) {
			if !strings.Contains(report, `"id": "acct-9"`) {
				t.Error("the account of a property group key is missing")
			}
		})
}

func TestAmplitudeQueryInDuckDBAndPostgres(t *testing.T) {
	export, dir := oneTableWarehouse(t, "amplitude", "events", amplitudeOdd, amplitudeColumns)
	queryInBoth(t, export, dir, []string{"--schema", "amplitude", "--user-traits=role", "--account-traits=name,seats,plan"}, nil,
		func(t *testing.T, report string) {
			for _, want := range []string{`"id": "acct-4"`, `"id": "acct-5"`} {
				if !strings.Contains(report, want) {
					t.Errorf("the report lacks %s", want)
				}
			}
		})
}

func TestPostHogQueryInDuckDBAndPostgres(t *testing.T) {
	export, dir := oneTableWarehouse(t, "posthog", "events", posthogOdd, posthogColumns)
	queryInBoth(t, export, dir, []string{"--schema", "posthog", "--user-traits=role", "--account-traits=name,seats,plan"},
		[]string{"--tz", "America/Los_Angeles"},
		func(t *testing.T, report string) {
			// The odd records reached the report: the one without a user is
			// skipped, the numeric group id is an account.
			for _, want := range []string{`"no_user": 1`, `"id": "42"`} {
				if !strings.Contains(report, want) {
					t.Errorf("the report lacks %s", want)
				}
			}
		})
}
