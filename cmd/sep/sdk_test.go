package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/sep-project/sep/internal/apitest"
	"github.com/sep-project/sep/internal/sdktest"
)

// sdkCore is the core events of e2e/sdk/send.mjs's product.
const sdkCore = "Report Created,Dashboard Shared,Export Run"

// TestSDKsAgainstServe sends a product's events with the real Segment and
// RudderStack Node SDKs to the real `sep serve` (through a proxy that drops
// one acknowledgement, so the SDK retries a stored batch), then compares
// GET /v1/score with `sep score --json` on the events the SDK sent.
func TestSDKsAgainstServe(t *testing.T) {
	for _, sdk := range sdktest.SDKs {
		t.Run(sdk, func(t *testing.T) {
			dir := t.TempDir()
			srv := startServer(t, dir) // SEP_INGEST_TOKEN=serveToken
			rec := sdktest.Send(t, sdk, sdktest.Upstream(srv.base), serveToken)
			rec.CheckWire(t, serveToken)

			for _, settings := range []url.Values{
				{"core_events": {sdkCore}},
				{"core_events": {sdkCore}, "unit": {"account"}, "window": {"14"}, "ratio": {"wau/mau"}},
			} {
				res, err := http.Get(srv.base + "/v1/score?" + settings.Encode())
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					t.Fatalf("GET /v1/score: %d %s", res.StatusCode, got)
				}
				args := []string{"score", "--json", "--format", "segment", "--core-events", sdkCore}
				for _, k := range []string{"unit", "window", "ratio"} {
					if v := settings.Get(k); v != "" {
						args = append(args, "--"+k, v)
					}
				}
				want, stderr, code := sep(t, nil, append(args, rec.WriteEvents(t, dir))...)
				if code != 0 {
					t.Fatalf("sep score: %d %s", code, stderr)
				}
				// A report read from a file says how (input.files); one
				// scored from stored deliveries has no file to describe.
				if want = apitest.DropFiles(want); string(got) != want {
					t.Fatalf("%s: GET /v1/score (%s) differs from sep score --json on the SDK's events:\n%s\nwant:\n%s", sdk, settings.Encode(), got, want)
				}
				var rep struct {
					Input    struct{ Events, ActivityEvents, Duplicates int64 } `json:"input"`
					Accounts []struct{ ID string }
				}
				json.Unmarshal(got, &rep)
				if rep.Input.Events-rep.Input.Duplicates != int64(rec.Unique) || rep.Input.Duplicates == 0 || len(rep.Accounts) != 3 {
					t.Fatalf("%s: stored %d events (%d repeats) in %d accounts, the SDK sent %d distinct messageIds in 3 accounts (%d calls, one batch retried)",
						sdk, rep.Input.Events, rep.Input.Duplicates, len(rep.Accounts), rec.Unique, rec.Calls)
				}
			}
			t.Logf("%s: %d calls, %d distinct events, %d requests (one acknowledgement dropped and retried); Content-Type %q, Content-Encoding %q", sdk, rec.Calls, rec.Unique, len(rec.Requests), rec.Requests[0].Header.Get("Content-Type"), rec.Requests[0].Header.Get("Content-Encoding"))
		})
	}
}
