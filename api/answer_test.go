package api

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net/http/httptest"
	"testing"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/synth"
	"github.com/sep-project/sep/ingest"
)

func TestAcceptsGzip(t *testing.T) {
	for _, c := range []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"gzip, deflate, br", true},
		{"br;q=1.0, gzip;q=0.8, *;q=0.1", true},
		{"GZIP", true},
		{"x-gzip", true},
		{"*", true},
		{"identity", false},
		{"gzip;q=0", false},
		{"gzip; q=0.0, identity", false},
		{"deflate, br", false},
	} {
		r := httptest.NewRequest("GET", "/v1/score", nil)
		if c.header != "" {
			r.Header.Set("Accept-Encoding", c.header)
		}
		if got := acceptsGzip(r); got != c.want {
			t.Errorf("Accept-Encoding %q: gzip %v, want %v", c.header, got, c.want)
		}
	}
}

// benchReport is synth's product of 10k users (1,250 accounts) scored.
func benchReport(b *testing.B) *core.Report {
	b.Helper()
	var buf bytes.Buffer
	if _, err := synth.Write(&buf, synth.Options{Users: 10000, Days: 90, Seed: 1, Format: core.FormatSegment}); err != nil {
		b.Fatal(err)
	}
	roll, err := core.NewRollup("UTC")
	if err != nil {
		b.Fatal(err)
	}
	if err := ingest.Read(context.Background(), &buf, ingest.Options{Format: core.FormatSegment}, roll); err != nil {
		b.Fatal(err)
	}
	rep, err := core.Score(roll, core.Settings{TZ: "UTC"})
	if err != nil {
		b.Fatal(err)
	}
	return rep
}

// BenchmarkAnswers measures what each shape of answer costs once the report
// is cached: cutting and encoding a page, gzipping it, one account.
func BenchmarkAnswers(b *testing.B) {
	rep := benchReport(b)
	whole, err := rep.JSON()
	if err != nil {
		b.Fatal(err)
	}
	id := rep.Accounts[len(rep.Accounts)/2].ID
	for _, c := range []struct {
		name string
		f    func() int
	}{
		{"page_100", func() int {
			b, _ := encodeIndented(cutPage(rep, pageQuery{Paged: true, Limit: 100, After: id}))
			return len(b)
		}},
		{"page_1000", func() int { b, _ := encodeIndented(cutPage(rep, pageQuery{Paged: true, Limit: 1000})); return len(b) }},
		{"page_1000_gzip", func() int {
			b, _ := encodeIndented(cutPage(rep, pageQuery{Paged: true, Limit: 1000}))
			return len(gzipped(b))
		}},
		{"product_only", func() int { b, _ := encodeIndented(cutPage(rep, pageQuery{Paged: true, Limit: 0})); return len(b) }},
		{"one_account", func() int { a, _ := accountAnswer(rep, id); b, _ := json.Marshal(a); return len(b) }},
		{"whole_gzip_once", func() int { return len(gzipped(whole)) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			n := 0
			for i := 0; i < b.N; i++ {
				n = c.f()
			}
			b.ReportMetric(float64(n), "answer-bytes")
		})
	}
}

// TestCutPage: pages of one row cover every row, insight and alert once, an
// insight or alert of an id without a row included (on the page whose ids
// run past it), and say where the next page starts.
func TestCutPage(t *testing.T) {
	rep := &core.Report{Accounts: []core.AccountScore{{ID: "a"}, {ID: "c"}, {ID: "e"}}, Insights: &core.Insights{
		Accounts: []core.AccountInsight{{ID: "a"}, {ID: "b"}, {ID: "c"}, {ID: "d"}, {ID: "e"}, {ID: "f"}},
		Alerts:   []core.Alert{{Account: "b"}, {Account: "f"}, {Account: "a"}, {Account: "e"}},
	}}
	ids := func(p pagedReport) (rows, ins, alerts string) {
		for _, a := range p.Accounts {
			rows += a.ID
		}
		for _, a := range p.Insights.Accounts {
			ins += a.ID
		}
		for _, a := range p.Insights.Alerts {
			alerts += a.Account
		}
		return
	}
	for _, c := range []struct {
		after                   string
		limit                   int
		rows, ins, alerts, next string
	}{
		{"", 1, "a", "a", "a", "a"},
		{"a", 1, "c", "bc", "b", "c"},
		{"c", 1, "e", "def", "fe", ""},
		{"", 2, "ac", "abc", "ba", "c"},
		{"", -1, "ace", "abcdef", "bfae", ""},
		{"", 0, "", "", "", ""},
		{"b", 5, "ce", "cdef", "fe", ""},
		{"z", 5, "", "", "", ""},
		{"a", math.MaxInt, "ce", "bcdef", "bfe", ""},
	} {
		p := cutPage(rep, pageQuery{Paged: true, After: c.after, Limit: c.limit})
		rows, ins, alerts := ids(p)
		next := ""
		if p.Page.Next != nil {
			next = *p.Page.Next
		}
		if rows != c.rows || ins != c.ins || alerts != c.alerts || next != c.next || p.Page.Accounts != 3 {
			t.Errorf("after %q limit %d: rows %q insights %q alerts %q next %q; want %q %q %q %q", c.after, c.limit, rows, ins, alerts, next, c.rows, c.ins, c.alerts, c.next)
		}
	}
	if len(rep.Accounts) != 3 || len(rep.Insights.Alerts) != 4 {
		t.Fatal("cutting a page changed the cached report")
	}
}
