package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/sep-project/sep/core"
)

// How a report is answered (docs/hosting.md, "Big reports"): whole, or a page
// of its accounts (accounts=N, after=ID), gzipped when the client accepts it.
// Pages and one-account answers are cut from the one cached report: no page
// computes the report again.

// pageQuery is a request's page of the accounts: the accounts after After in
// id order, at most Limit of them (Limit < 0: all of them); RowsOnly leaves
// the product's part out (fields=accounts).
type pageQuery struct {
	Paged    bool
	Limit    int
	After    string
	RowsOnly bool
}

// parsePage reads accounts=, after= and fields= from a query.
func parsePage(q url.Values) (pageQuery, error) {
	p := pageQuery{Limit: -1}
	if v, ok := q["accounts"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v[0]))
		if err != nil || n < 0 {
			return p, fmt.Errorf("accounts=%q: want a number of accounts, 0 or more (0: the product's scores without account rows)", v[0])
		}
		p.Paged, p.Limit = true, n
	}
	if v, ok := q["after"]; ok {
		p.Paged, p.After = true, v[0]
	}
	if v, ok := q["fields"]; ok {
		if v[0] != "accounts" {
			return p, fmt.Errorf("fields=%q: the only choice is fields=accounts (a page's account rows, insights and alerts without the product's part)", v[0])
		}
		p.Paged, p.RowsOnly = true, true
	}
	return p, nil
}

// pageInfo says where a page is in the report's accounts.
type pageInfo struct {
	// Accounts is how many account rows the whole report has.
	Accounts int `json:"accounts"`
	// After is the page's after= (the page starts past this id).
	After string `json:"after"`
	// Next is the after= of the next page; null on the last page (and when
	// accounts=0 asked for no row).
	Next *string `json:"next"`
}

// pagedReport is a report cut to a page of its accounts, with where it is.
type pagedReport struct {
	*core.Report
	Page pageInfo `json:"page"`
}

// cutPage returns the report with only the page's accounts: their rows in
// accounts and insights.accounts, and their alerts. Both lists are sorted by
// id, so a page is a range of ids; the rest of the report is shared.
func cutPage(rep *core.Report, p pageQuery) pagedReport {
	all := rep.Accounts
	lo := sort.Search(len(all), func(i int) bool { return all[i].ID > p.After })
	hi := len(all)
	// Compared before adding: lo+Limit overflows for accounts= near MaxInt.
	if p.Limit >= 0 && p.Limit < hi-lo {
		hi = lo + p.Limit
	}
	out := *rep
	out.Accounts = all[lo:hi]
	info := pageInfo{Accounts: len(all), After: p.After}
	if hi < len(all) && hi > lo {
		next := all[hi-1].ID
		info.Next = &next
	}
	if rep.Insights != nil {
		ins := *rep.Insights
		ins.Accounts, ins.Alerts = nil, []core.Alert{}
		if hi > lo {
			// The page's ids run past After up to its last row, and to the
			// end on the last page: an insight or alert of an id without a
			// row would still be on exactly one page.
			last, end := all[hi-1].ID, hi == len(all)
			in := func(id string) bool { return id > p.After && (end || id <= last) }
			ins.Accounts = accountRange(rep.Insights.Accounts, p.After, last, end)
			for _, a := range rep.Insights.Alerts {
				if in(a.Account) {
					ins.Alerts = append(ins.Alerts, a)
				}
			}
		}
		if ins.Accounts == nil {
			ins.Accounts = []core.AccountInsight{}
		}
		out.Insights = &ins
	}
	return pagedReport{Report: &out, Page: info}
}

// pageRows is a page without the product's part (fields=accounts): the
// settings and period it was scored with, the rows, and where it is.
type pageRows struct {
	Settings core.ReportSettings `json:"settings"`
	Period   core.Period         `json:"period"`
	Accounts []core.AccountScore `json:"accounts"`
	Insights *rowInsights        `json:"insights,omitempty"`
	Page     pageInfo            `json:"page"`
}

// rowInsights is the insights of a page's accounts.
type rowInsights struct {
	Accounts []core.AccountInsight `json:"accounts"`
	Alerts   []core.Alert          `json:"alerts"`
}

// rowsOf leaves a page's rows only.
func rowsOf(p pagedReport) pageRows {
	out := pageRows{Settings: p.Settings, Period: p.Period, Accounts: p.Accounts, Page: p.Page}
	if p.Insights != nil {
		out.Insights = &rowInsights{Accounts: p.Insights.Accounts, Alerts: p.Insights.Alerts}
	}
	return out
}

// accountRange returns the insights of a list sorted by id whose ids are
// after after and, unless end, at most last.
func accountRange(list []core.AccountInsight, after, last string, end bool) []core.AccountInsight {
	lo := sort.Search(len(list), func(i int) bool { return list[i].ID > after })
	hi := len(list)
	if !end {
		hi = sort.Search(len(list), func(i int) bool { return list[i].ID > last })
	}
	return list[lo:max(lo, hi)]
}

// encodeIndented encodes an answer as the report's own JSON is (indented by
// two spaces, a final newline).
func encodeIndented(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// accountAnswer is GET /v1/accounts/{id}'s answer: the account's row, its
// insights (with its trend and explanation) and its alerts.
func accountAnswer(rep *core.Report, id string) (map[string]any, bool) {
	all := rep.Accounts
	i := sort.Search(len(all), func(i int) bool { return all[i].ID >= id })
	if i == len(all) || all[i].ID != id {
		return nil, false
	}
	out := map[string]any{"account": all[i], "settings": rep.Settings, "period": rep.Period}
	if rep.Insights != nil {
		list := rep.Insights.Accounts
		if i := sort.Search(len(list), func(i int) bool { return list[i].ID >= id }); i < len(list) && list[i].ID == id {
			out["insights"] = list[i]
		}
		alerts := []core.Alert{}
		for _, al := range rep.Insights.Alerts {
			if al.Account == id {
				alerts = append(alerts, al)
			}
		}
		out["alerts"] = alerts
	}
	return out, true
}

// acceptsGzip reports whether a request's Accept-Encoding takes gzip (or *)
// with a weight above zero.
func acceptsGzip(r *http.Request) bool {
	for _, h := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(h, ",") {
			name, params, _ := strings.Cut(part, ";")
			name = strings.ToLower(strings.TrimSpace(name))
			if name != "gzip" && name != "x-gzip" && name != "*" {
				continue
			}
			if q, ok := strings.CutPrefix(strings.ReplaceAll(strings.TrimSpace(params), " ", ""), "q="); ok {
				if w, err := strconv.ParseFloat(q, 64); err == nil && w <= 0 {
					continue
				}
			}
			return true
		}
	}
	return false
}

// gzipLevel trades an answer's size for the CPU time of compressing it (on
// a 3.2 MB report, 10k users: level 1 6.9x in 14 ms, level 2 8.5x in 14 ms,
// the default 6 10.7x in 35 ms, level 9 11.7x in 270 ms). Every answer uses
// the same level, so that a page's gzip size follows from the whole report's
// (the 422's advice).
const gzipLevel = gzip.DefaultCompression

// gzipped compresses an answer.
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/8 + 64)
	zw, _ := gzip.NewWriterLevel(&buf, gzipLevel)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// answerCache keeps what every read of a cached report shares once
// computed: the whole report gzipped.
type answerCache struct {
	gzOnce sync.Once
	gz     []byte
}

// gzipOnce compresses an entry's encoded report once for every read that
// asks for it gzipped.
func (e *cached) gzipOnce(b []byte) []byte {
	e.answers.gzOnce.Do(func() { e.answers.gz = gzipped(b) })
	return e.answers.gz
}

// answer is an encoded answer to write: its bytes, and its gzip when the
// entry keeps one (nil: compressed on demand).
type answer struct {
	body []byte
	gz   func() []byte
	// rep is the report the answer holds rows of (nil: not a report), and
	// rows how many; the 422's advice is measured on them.
	rep      *core.Report
	rows     int
	rowsOnly bool
}

// writeAnswer writes an answer, gzipped when the client accepts it. Over
// MaxAnswer bytes as sent, it is a 422 that says how to ask for less. A host
// that compresses (HostCompresses) gets the plain bytes with the header; the
// gzip is then made here only to measure an answer whose plain bytes are
// over the limit.
func (s *server) writeAnswer(w http.ResponseWriter, r *http.Request, a answer) {
	w.Header().Add("Vary", "Accept-Encoding")
	gz := acceptsGzip(r)
	body, size := a.body, len(a.body)
	if gz && (!s.opt.HostCompresses || size > s.opt.MaxAnswer) {
		z := a.gzipped()
		size = len(z)
		if !s.opt.HostCompresses {
			body = z
		}
	}
	if size > s.opt.MaxAnswer {
		s.writeTooBig(w, a, size, gz)
		return
	}
	if gz {
		w.Header().Set("Content-Encoding", "gzip")
	}
	writeRaw(w, http.StatusOK, body)
}

// gzipped returns the answer gzipped: the entry's kept gzip, or made now.
func (a answer) gzipped() []byte {
	if a.gz != nil {
		return a.gz()
	}
	return gzipped(a.body)
}

// writeTooBig answers 422 for an answer of size bytes as sent. The message
// names what gets a smaller answer: gzip, and a page size that fits,
// measured from the answer without rows (the product's part) and the rows'
// mean size.
func (s *server) writeTooBig(w http.ResponseWriter, a answer, size int, gz bool) {
	limit := s.opt.MaxAnswer
	as := "bytes"
	if gz {
		as = "bytes gzipped"
	}
	msg := fmt.Sprintf("the answer takes %d %s, over the answer limit of %d", size, as, limit)
	detail := map[string]any{"size": size, "limit": limit, "gzip": gz}
	var asks []string
	if !gz {
		asks = append(asks, "send Accept-Encoding: gzip (reports compress about 10 times)")
	}
	if n, ok := rowsThatFit(a, size, limit, gz); ok {
		if n > 0 {
			asks = append(asks, fmt.Sprintf("ask for a page of the accounts with accounts=%d (then after=<page.next> for the next page)", n))
			detail["accounts"] = n
		}
		asks = append(asks, "read one account with GET /v1/accounts/{id}")
		if n == 0 {
			asks = append(asks, "ask for fewer trend months or segments, or a shorter period (without its account rows the report is still over the limit)")
		}
	} else {
		asks = append(asks, "ask for fewer trend months or segments, or a shorter period")
	}
	writeError(w, http.StatusUnprocessableEntity, msg+": "+strings.Join(asks, "; or "), detail)
}

// rowsThatFit returns how many account rows a page may hold to keep under
// limit with a margin of a tenth (0: not even the page without rows fits);
// false when the answer has no rows to page.
func rowsThatFit(a answer, size, limit int, gz bool) (int, bool) {
	if a.rep == nil || a.rows == 0 {
		return 0, false
	}
	var v any = cutPage(a.rep, pageQuery{Paged: true, Limit: 0})
	if a.rowsOnly {
		v = rowsOf(v.(pagedReport))
	}
	b, err := encodeIndented(v)
	if err != nil {
		return 0, false
	}
	if gz {
		b = gzipped(b)
	}
	// In integers: the rows' bytes are size-len(b), room/rowBytes*rows of
	// them fit in the room (no float, so no fused multiply-add on arm64).
	rowBytes := int64(max(size-len(b), 1))
	room := int64(limit)*9/10 - int64(len(b))
	if room <= 0 {
		return 0, true
	}
	return int(room * int64(a.rows) / rowBytes), true
}
