package cells

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
	"time"

	"github.com/sep-project/sep/core"
)

const metaCSV = `meta,,,,,,,,format,sep-cells/1
meta,,,,,,,,tz,Europe/Paris
meta,,,,,,,,window,30
meta,,,,,,,,as_of,2026-09-30
meta,,,,,,,,detail_from,2026-07-03
`

const header = "KIND,USER_ID,ACCOUNT_ID,EVENT,NAV,DAY,N,TIME_MS,NAME,VALUE\n"

func read(t *testing.T, body string) (*Set, error) {
	t.Helper()
	s := &Set{}
	err := s.Read(strings.NewReader(body), int64(len(body)), "dir/cells.csv")
	return s, err
}

func TestReadsEveryRowKind(t *testing.T) {
	body := header + metaCSV + `cell,u1,,Query Run,0,2026-09-29,3,,,
cell,u1,a1,Viewed Home Page,1,2026-09-30,1,,,
member,u1,a1,,,,,1790000000000,,
user_trait,u1,,,,,,1790000000000,plan,pro
account_trait,,a1,,,,,1790000000000,seats,12
counter,,,,,,4,,events,
counter,,,,,,4,,activity_events,
`
	// The same rows as JSON lines, gzipped, as BigQuery's EXPORT DATA writes them.
	var js bytes.Buffer
	zw := gzip.NewWriter(&js)
	zw.Write([]byte(`{"kind":"cell","user_id":"u1","account_id":null,"event":"Query Run","nav":0,"day":"2026-09-29","n":"3"}` + "\n"))
	zw.Close()
	for name, in := range map[string]string{"csv": body, "jsonl.gz": js.String()} {
		s, err := read(t, in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if name == "csv" {
			if err := s.Check(core.Settings{TZ: "Europe/Paris", Window: 30}); err != nil {
				t.Fatal(err)
			}
			r, err := s.Rollup()
			if err != nil {
				t.Fatal(err)
			}
			if r.TZ() != "Europe/Paris" || r.Len() != 2 || r.Input.Events != 4 || len(r.Input.Files) != 1 || r.Input.Files[0].Name != "cells.csv" {
				t.Fatalf("rollup: tz %s, %d cells, input %+v", r.TZ(), r.Len(), r.Input)
			}
			var nav bool
			r.Counts(func(c core.Count) {
				if c.Event == "Viewed Home Page" {
					nav = c.Navigation
				}
			})
			if !nav {
				t.Error("the page cell lost its navigation flag")
			}
		} else {
			r, err := s.Rollup()
			if err != nil {
				t.Fatal(err)
			}
			var cells []core.Count
			r.Counts(func(c core.Count) { cells = append(cells, c) })
			if len(cells) != 1 || cells[0].N != 3 || cells[0].Account != "" || cells[0].Day.String() != "2026-09-29" {
				t.Fatalf("%s: %+v", name, cells)
			}
		}
	}
}

func TestBadRowsNameFileLineAndField(t *testing.T) {
	for _, c := range []struct{ row, want string }{
		{"cell,u1,,Query Run,0,2026-13-01,1,,,", `dir/cells.csv:2: field "day"`},
		{"cell,u1,,Query Run,0,2026-09-01,zero,,,", `dir/cells.csv:2: field "n": "zero" is not an integer`},
		{"cell,u1,,Query Run,0,2026-09-01,0,,,", `field "n": 0 is out of range`},
		{"cell,,,Query Run,0,2026-09-01,1,,,", `field "user_id": missing`},
		{"member,u1,,,,,,5,,", `field "account_id": missing`},
		{"row,u1,,,,,,,,", `field "kind": "row" is not a row kind`},
		{"meta,,,,,,,,format,sep-cells/9", `format "sep-cells/9"`},
	} {
		_, err := read(t, header+c.row+"\n")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.row, err, c.want)
		}
	}
	if _, err := read(t, "user,event\nu1,x\n"); err == nil || !strings.Contains(err.Error(), "no kind column") {
		t.Errorf("a header without kind: %v", err)
	}
}

func TestCheckRefusesSettingsThatReadSummarisedDays(t *testing.T) {
	s, err := read(t, header+metaCSV)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		set  core.Settings
		want string
	}{
		{core.Settings{TZ: "UTC", Window: 30}, "time zone Europe/Paris, not UTC"},
		{core.Settings{TZ: "Europe/Paris", Window: 31}, "run sep sql with --window 31 --as-of 2026-09-30"},
		{core.Settings{TZ: "Europe/Paris", Window: 30, AsOf: "2026-10-01"}, "--as-of 2026-10-01"},
		{core.Settings{TZ: "Europe/Paris", Window: 30, Trend: true}, "--all-days"},
		{core.Settings{TZ: "Europe/Paris", Window: 14, AsOf: "2026-09-20"}, ""},
	} {
		err := s.Check(c.set)
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%+v: %v, want %q", c.set, err, c.want)
		}
	}
	empty, _ := read(t, header)
	if err := empty.Check(core.Settings{TZ: "UTC", Window: 30}); err != ErrNoMeta {
		t.Errorf("no meta rows: %v", err)
	}
}

// FuzzCells: any input gives a Set or an error, never a panic; an error
// names the file, and rows that read build a Rollup.
func FuzzCells(f *testing.F) {
	f.Add(header + metaCSV + "cell,u1,,Query Run,0,2026-09-29,3,,,\n")
	f.Add(`{"kind":"member","user_id":"u","account_id":"a","time_ms":"12"}` + "\n")
	f.Add("PAR1garbage")
	f.Add("\x1f\x8bnot gzip")
	f.Fuzz(func(t *testing.T, in string) {
		s := &Set{}
		err := s.Read(strings.NewReader(in), int64(len(in)), "f.csv")
		if err != nil && !strings.Contains(err.Error(), "f.csv") {
			t.Errorf("error without the file name: %v", err)
		}
		if err != nil {
			return
		}
		// Rows that read build a Rollup, unless the meta rows name no real zone.
		if _, zerr := time.LoadLocation(s.Meta.TZ); zerr == nil {
			if _, rerr := s.Rollup(); rerr != nil {
				t.Errorf("rows read but no rollup: %v", rerr)
			}
		}
	})
}
