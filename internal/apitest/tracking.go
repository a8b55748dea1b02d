package apitest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"testing"

	"github.com/sep-project/sep/api"
	"github.com/sep-project/sep/core"
)

// TrackingBatch is a /v1/batch call as RudderStack's Node SDK makes it: a
// batch wrapper with the SDK's sentAt and timestamp beside it, originalTimestamp
// (no timestamp) on each event, a +05:30 offset, a numeric userId.
const TrackingBatch = `{"batch":[
 {"type":"group","messageId":"trk-1","userId":"t1","groupId":"globex","traits":{"name":"Globex","seats":"4"},"originalTimestamp":"2026-09-03T13:30:00.000+05:30","sentAt":"2026-09-03T08:00:01.000Z","context":{"library":{"name":"analytics-node","version":"3.0.13"}},"channel":"server"},
 {"type":"track","messageId":"trk-2","userId":"t1","event":"Report Created","properties":{"groupId":"globex"},"originalTimestamp":"2026-09-03T13:31:00.000+05:30","sentAt":"2026-09-03T08:00:01.000Z"},
 {"type":"screen","messageId":"trk-3","userId":42,"name":"Dashboard","originalTimestamp":"2026-09-03T08:02:00.000Z","sentAt":"2026-09-03T08:00:01.000Z"}
],"sentAt":"2026-09-03T08:00:01.000Z","timestamp":"2026-09-03T08:00:01.000Z"}`

// RunTracking posts TrackingBatch to /v1/batch with the write key as HTTP
// Basic user (empty password), gzipped and labelled form-encoded as
// RudderStack's Node SDK sends it, then again (a retry), and checks the
// answers and that the store counts the events once. It leaves 3 events
// stored.
func RunTracking(t *testing.T, do Do) {
	read := map[string]string{"Authorization": "Bearer " + ReadToken}
	events := func(t *testing.T) int64 {
		t.Helper()
		r := do(t, "GET", "/v1/score", nil, read)
		var rep core.Report
		if r.Status != 200 || json.Unmarshal(r.Body, &rep) != nil {
			t.Fatalf("GET /v1/score: %s", r)
		}
		return rep.Input.Events - rep.Input.Duplicates // retries are records, not events
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(TrackingBatch))
	zw.Close()
	hdr := map[string]string{"Authorization": api.BasicAuth(IngestToken),
		"Content-Type": "application/x-www-form-urlencoded", "Content-Encoding": "gzip"}

	before := events(t)
	if r := do(t, "POST", "/v1/batch", gz.Bytes(), map[string]string{"Authorization": api.BasicAuth("wrong"), "Content-Type": "application/json"}); r.Status != 401 {
		t.Errorf("bad write key: %s, want 401", r)
	}
	for i, want := range []int{3, 0} {
		r := do(t, "POST", "/v1/batch", gz.Bytes(), hdr)
		var ans struct {
			Success    bool
			Stored     int
			Duplicates int
		}
		if r.Status != 200 || json.Unmarshal(r.Body, &ans) != nil || !ans.Success || ans.Stored != want || ans.Duplicates != 3-want {
			t.Fatalf("/v1/batch call %d: %s, want 200 with success and %d stored", i, r, want)
		}
	}
	if got := events(t) - before; got != 3 {
		t.Fatalf("the tracking API stored %d events, want 3", got)
	}
}
