package apitest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/sep-project/sep/core"
)

// CappedAnswer is the answer limit (SEP_MAX_ANSWER) of the host RunCapped
// runs against: the suite's report (30 KB, 5 KB gzipped) is over it, a page
// of two accounts gzipped is not.
const CappedAnswer = 4000

// EnvCapped is Env with the answer limit lowered to CappedAnswer, for RunCapped.
func EnvCapped() []string { return append(Env(), fmt.Sprintf("SEP_MAX_ANSWER=%d", CappedAnswer)) }

// page is a paged answer: the report's parts that pages cut, and where it is.
type page struct {
	Accounts []json.RawMessage `json:"accounts"`
	Insights struct {
		Accounts []json.RawMessage `json:"accounts"`
		Alerts   []json.RawMessage `json:"alerts"`
	} `json:"insights"`
	Page struct {
		Accounts int     `json:"accounts"`
		After    string  `json:"after"`
		Next     *string `json:"next"`
	} `json:"page"`
}

// gunzip decodes a gzip answer, failing the test when it is not one.
func gunzip(t *testing.T, r Response) []byte {
	t.Helper()
	if r.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(r.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("asked for gzip: Content-Encoding %q, Vary %q", r.Header.Get("Content-Encoding"), r.Header.Get("Vary"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("a gzip answer that is not gzip: %v (%.40q)", err, r.Body)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return b
}

// decoded is an answer's body, gunzipped when the host gzipped it (a host
// may compress any answer, errors too, for a client that accepts gzip).
func decoded(t *testing.T, r Response) []byte {
	t.Helper()
	if r.Header.Get("Content-Encoding") == "gzip" {
		return gunzip(t, r)
	}
	return r.Body
}

// walkPages reads every page of query's accounts, size at a time, following
// page.next, and returns the pages.
func walkPages(t *testing.T, do Do, query string, size int, header map[string]string) []page {
	t.Helper()
	var pages []page
	after := ""
	for {
		q := fmt.Sprintf("%s&accounts=%d", query, size)
		if after != "" {
			q += "&after=" + url.QueryEscape(after)
		}
		r := do(t, "GET", q, nil, header)
		body := decoded(t, r)
		var p page
		if r.Status != 200 || json.Unmarshal(body, &p) != nil {
			t.Fatalf("GET %s: %d %.300s", q, r.Status, body)
		}
		if len(p.Accounts) > size || p.Page.After != after {
			t.Fatalf("GET %s: %d accounts, page %+v", q, len(p.Accounts), p.Page)
		}
		pages = append(pages, p)
		if p.Page.Next == nil {
			return pages
		}
		if len(pages) > p.Page.Accounts {
			t.Fatalf("more pages than accounts: next keeps coming (%q)", *p.Page.Next)
		}
		after = *p.Page.Next
	}
}

// checkPages checks that pages hold, in order, every account row, insight
// and alert of the whole report, once.
func checkPages(t *testing.T, whole []byte, pages []page) {
	t.Helper()
	var all page
	if err := json.Unmarshal(whole, &all); err != nil {
		t.Fatal(err)
	}
	var got page
	for _, p := range pages {
		if p.Page.Accounts != len(all.Accounts) {
			t.Errorf("page.accounts %d, the report has %d", p.Page.Accounts, len(all.Accounts))
		}
		got.Accounts = append(got.Accounts, p.Accounts...)
		got.Insights.Accounts = append(got.Insights.Accounts, p.Insights.Accounts...)
		got.Insights.Alerts = append(got.Insights.Alerts, p.Insights.Alerts...)
	}
	same := func(what string, a, b []json.RawMessage) {
		eq := len(a) == len(b)
		for i := 0; eq && i < len(a); i++ {
			eq = compact(a[i]) == compact(b[i])
		}
		if !eq {
			t.Errorf("the pages' %s (%d) differ from the report's (%d)", what, len(a), len(b))
		}
	}
	same("accounts", got.Accounts, all.Accounts)
	same("insights.accounts", got.Insights.Accounts, all.Insights.Accounts)
	// Alerts come in the report's order within a page, page after page.
	sortRaw := func(l []json.RawMessage) []string {
		out := make([]string, len(l))
		for i, m := range l {
			out[i] = compact(m)
		}
		slices.Sort(out)
		return out
	}
	if !slices.Equal(sortRaw(got.Insights.Alerts), sortRaw(all.Insights.Alerts)) {
		t.Errorf("the pages' alerts (%d) differ from the report's (%d)", len(got.Insights.Alerts), len(all.Insights.Alerts))
	}
}

func compact(m json.RawMessage) string {
	var b bytes.Buffer
	json.Compact(&b, m)
	return b.String()
}

// answers checks the shapes of a big deployment's answers on the store the
// suite filled: pages of the accounts that add up to the report, the
// product's part alone (accounts=0), gzip answers equal to the plain ones,
// one account gzipped, a bad page size.
func answers(t *testing.T, do Do) {
	a := answerChecks{
		do:     do,
		plain:  map[string]string{"Authorization": "Bearer " + ReadToken, "Accept-Encoding": "identity"},
		zipped: map[string]string{"Authorization": "Bearer " + ReadToken, "Accept-Encoding": "gzip"},
	}
	whole := a.wholeGzipped(t)
	a.pages(t, whole)
	full := a.productOnly(t, whole)
	a.oneAccountGzipped(t, full)
	a.csvExports(t, full)
	a.badParameters(t)
}

// answersQuery is the score the answers checks read.
const answersQuery = "/v1/score?window=14&ratio=wau/mau"

// answerChecks are the answers checks: the host and the read headers asking
// for a plain and a gzip answer.
type answerChecks struct {
	do            Do
	plain, zipped map[string]string
}

// wholeGzipped reads the whole report plain and gzipped: the same bytes,
// the gzip answer under a third of them. It returns the plain answer.
func (a answerChecks) wholeGzipped(t *testing.T) Response {
	const query = answersQuery
	whole := a.do(t, "GET", query, nil, a.plain)
	if whole.Status != 200 || whole.Header.Get("Content-Encoding") != "" {
		t.Fatalf("GET %s without gzip: %d %q %.200s", query, whole.Status, whole.Header.Get("Content-Encoding"), whole.Body)
	}
	z := a.do(t, "GET", query, nil, a.zipped)
	if z.Status != 200 || !bytes.Equal(gunzip(t, z), whole.Body) {
		t.Fatalf("the gzip answer differs from the plain one")
	}
	if len(z.Body)*3 > len(whole.Body) {
		t.Errorf("gzip answer: %d bytes for %d plain", len(z.Body), len(whole.Body))
	}
	return whole
}

// pages walks the accounts' pages of several sizes, plain and gzipped, and
// with fields=accounts (the rows alone, with the settings and period): they
// add up to the whole report.
func (a answerChecks) pages(t *testing.T, whole Response) {
	const query = answersQuery
	for _, size := range []int{1, 2, 1000} {
		checkPages(t, whole.Body, walkPages(t, a.do, query, size, a.plain))
	}
	checkPages(t, whole.Body, walkPages(t, a.do, query, 2, a.zipped))
	rows := walkPages(t, a.do, query+"&fields=accounts", 2, a.plain)
	checkPages(t, whole.Body, rows)
	r0 := a.do(t, "GET", query+"&fields=accounts&accounts=1", nil, a.plain)
	var only map[string]json.RawMessage
	if json.Unmarshal(r0.Body, &only) != nil || only["pes"] != nil || only["settings"] == nil || only["period"] == nil || only["page"] == nil {
		t.Errorf("fields=accounts: %.300s", r0.Body)
	}
}

// productOnly reads accounts=0: the product's part, the same numbers, no
// row. It returns the whole report, decoded.
func (a answerChecks) productOnly(t *testing.T, whole Response) core.Report {
	r := a.do(t, "GET", answersQuery+"&accounts=0", nil, a.plain)
	var product, full core.Report
	var p page
	if r.Status != 200 || json.Unmarshal(r.Body, &product) != nil || json.Unmarshal(r.Body, &p) != nil || json.Unmarshal(whole.Body, &full) != nil {
		t.Fatalf("accounts=0: %s", r)
	}
	if len(product.Accounts) != 0 || len(product.Insights.Accounts) != 0 || p.Page.Next != nil || p.Page.Accounts != len(full.Accounts) ||
		*product.PES != *full.PES || product.Counts != full.Counts || len(product.Insights.Users) != len(full.Insights.Users) {
		t.Fatalf("accounts=0: %.600s", r.Body)
	}
	return full
}

// oneAccountGzipped reads the report's last account: gzipped, it is the
// plain answer.
func (a answerChecks) oneAccountGzipped(t *testing.T, full core.Report) {
	id := full.Accounts[len(full.Accounts)-1].ID
	one := a.do(t, "GET", "/v1/accounts/"+url.PathEscape(id)+"?window=14&ratio=wau/mau", nil, a.plain)
	oneZ := a.do(t, "GET", "/v1/accounts/"+url.PathEscape(id)+"?window=14&ratio=wau/mau", nil, a.zipped)
	if one.Status != 200 || oneZ.Status != 200 || !bytes.Equal(gunzip(t, oneZ), one.Body) || !bytes.Contains(one.Body, []byte(`"id":"`+id+`"`)) {
		t.Fatalf("account %s: %s; gzip %d", id, one, oneZ.Status)
	}
}

// csvExports reads the CSV exports: the CLI's (--accounts-csv, --users-csv)
// of the same report, plain and gzipped.
func (a answerChecks) csvExports(t *testing.T, full core.Report) {
	for path, write := range map[string]func(io.Writer, *core.Report) error{"/v1/accounts.csv": core.WriteAccountsCSV, "/v1/users.csv": core.WriteUsersCSV} {
		var want bytes.Buffer
		if err := write(&want, &full); err != nil {
			t.Fatal(err)
		}
		q := path + "?window=14&ratio=wau/mau"
		r, z := a.do(t, "GET", q, nil, a.plain), a.do(t, "GET", q, nil, a.zipped)
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !bytes.Equal(r.Body, want.Bytes()) {
			t.Errorf("GET %s: %d %v, %d bytes, want the CLI's %d:\n%.300q", q, r.Status, r.Header, len(r.Body), want.Len(), r.Body)
		}
		// Gzipped when the host gzips (a host that compresses on its own,
		// the Worker, may leave it plain).
		if z.Status != 200 || !bytes.Equal(decoded(t, z), want.Bytes()) {
			t.Errorf("GET %s asking for gzip: %d %v, differs from the CLI's", q, z.Status, z.Header)
		}
	}
}

// badParameters sends bad page sizes and fields: 400 naming the parameter.
func (a answerChecks) badParameters(t *testing.T) {
	for _, bad := range []string{"accounts=-1", "accounts=x", "accounts=", "fields=pes"} {
		r := a.do(t, "GET", answersQuery+"&"+bad, nil, a.plain)
		if name, _, _ := strings.Cut(bad, "="); r.Status != 400 || !bytes.Contains(r.Body, []byte(name+"=")) {
			t.Errorf("%s: %s, want 400 naming %s", bad, r, name)
		}
	}
}

// RunCapped runs against an empty store behind a host whose answer limit is
// CappedAnswer (EnvCapped): the whole report is over it, plain and gzipped,
// and gets a 422 whose advice (a page size) gives answers under it that add
// up to the report.
func RunCapped(t *testing.T, do Do) {
	ingest := map[string]string{"Authorization": "Bearer " + IngestToken}
	lines := strings.Split(strings.TrimSpace(string(Export())), "\n")
	for i := 0; i < len(lines); i += 200 {
		body := []byte("[" + strings.Join(lines[i:min(i+200, len(lines))], ",") + "]")
		if r := do(t, "POST", "/v1/events", body, ingest); r.Status != 200 {
			t.Fatalf("delivery at line %d: %s", i, r)
		}
	}
	const query = "/v1/score?window=14&ratio=wau/mau"
	plain := map[string]string{"Authorization": "Bearer " + ReadToken, "Accept-Encoding": "identity"}
	zipped := map[string]string{"Authorization": "Bearer " + ReadToken, "Accept-Encoding": "gzip"}
	type tooBig struct {
		Error  string `json:"error"`
		Detail struct {
			Size, Limit, Accounts int
			Gzip                  bool
		} `json:"detail"`
	}
	refused := func(r Response) tooBig {
		t.Helper()
		var e tooBig
		if err := json.Unmarshal(decoded(t, r), &e); err != nil || r.Status != 422 || e.Detail.Limit != CappedAnswer {
			t.Fatalf("want a 422 over the limit of %d: %d %.300s (%v)", CappedAnswer, r.Status, decoded(t, r), err)
		}
		return e
	}
	// Workers see every request accept gzip (Cloudflare gzips for the
	// client and inflates for one that did not ask): their limit counts the
	// gzip size whatever the client sent, and needs no gzip advice.
	if e := refused(do(t, "GET", query, nil, plain)); !e.Detail.Gzip && !strings.Contains(e.Error, "Accept-Encoding: gzip") {
		t.Fatalf("the whole report over the limit: %+v; want advice to send gzip", e)
	}
	e := refused(do(t, "GET", query, nil, zipped))
	if e.Detail.Accounts < 1 || !strings.Contains(e.Error, fmt.Sprintf("accounts=%d", e.Detail.Accounts)) {
		t.Fatalf("the whole report gzipped over the limit: %+v; want advice to ask for accounts=N", e)
	}
	// The advice works: pages of that size fit, and hold every account.
	pages := walkPages(t, do, query, e.Detail.Accounts, zipped)
	if len(pages) < 2 {
		t.Fatalf("%d accounts a page made %d pages", e.Detail.Accounts, len(pages))
	}
	var rows int
	for _, p := range pages {
		rows += len(p.Accounts)
	}
	if rows != pages[0].Page.Accounts {
		t.Fatalf("the pages hold %d accounts, the report %d", rows, pages[0].Page.Accounts)
	}
	// A page too big for the limit gets the same advice.
	if e := refused(do(t, "GET", query+"&accounts=1000", nil, zipped)); !strings.Contains(e.Error, "accounts=") {
		t.Fatalf("a page over the limit: %+v", e)
	}
	// One account fits.
	if r := do(t, "GET", "/v1/accounts/"+url.PathEscape(*pages[0].Page.Next)+"?window=14&ratio=wau/mau", nil, zipped); r.Status != 200 {
		t.Fatalf("one account under the limit: %s", r)
	}
}
