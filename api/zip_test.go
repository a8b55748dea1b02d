package api_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sep-project/sep/api"
	"github.com/sep-project/sep/internal/apitest"
	"github.com/sep-project/sep/internal/testenv"
)

// POST /v1/score with an Amplitude Export API archive in the body answers the
// report of the same records posted as plain JSON lines, and a broken
// record in a member is counted and named with its member.
func TestPostScoreZip(t *testing.T) {
	h, err := api.New(api.Options{IngestToken: apitest.IngestToken, ReadToken: apitest.ReadToken})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	post := func(query string, body []byte) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+"/v1/score?"+query, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+apitest.ReadToken)
		req.Header.Set("Content-Type", "application/zip")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	archive, lines := testenv.AmplitudeExport(t, 20, 40)
	for _, query := range []string{"window=14", "window=14&tz=Europe/Paris&unit=account"} {
		code, want := post(query, lines)
		if code != 200 || !strings.Contains(want, `"pes"`) {
			t.Fatalf("the plain lines (%s): %d %s", query, code, want)
		}
		// The same report but for input.files, which lists the archive's members.
		if code, got := post(query, archive); code != 200 || apitest.DropFiles(got) != apitest.DropFiles(want) || !strings.Contains(got, "_2026-09-29_23#0.json.gz") {
			t.Fatalf("the archive (%s): %d\n%s\nwant:\n%s", query, code, got, want)
		}
	}

	member := testenv.AmplitudeProject + "/" + testenv.AmplitudeProject + "_2026-09-30_9#1.json.gz"
	broken := testenv.ZipWith(t, archive, member, []byte(`{"event_type":"Query Run","user_id":"u1","event_time":"2026-09-30 09:00:00.000000"}`+"\n"+`{"event_type":"Query Run","event_time":"soon"`+"\n"))
	// The broken record is counted, named by member and line, and the rest scored.
	code, body := post("window=14", broken)
	if code != 200 || !strings.Contains(body, `"invalid_json": 1`) || !strings.Contains(body, `"body/`+member+`:2: invalid JSON`) {
		t.Fatalf("archive with a broken record: %d %s; want 200 counting it as invalid_json in %s", code, body, member)
	}
}
