package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/notify"
)

func TestSenderRetries(t *testing.T) {
	for _, tc := range []struct {
		name     string
		answers  []int
		retry    string
		posts    int
		ok       bool
		waits    []time.Duration
		inReason string
	}{
		{"ok at once", []int{200}, "", 1, true, nil, ""},
		{"5xx then ok", []int{502, 200}, "", 2, true, []time.Duration{time.Second}, ""},
		{"bounded", []int{500, 500, 500, 500, 500}, "", 4, false, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, "HTTP 500"},
		{"429 with Retry-After", []int{429, 204}, "7", 2, true, []time.Duration{7 * time.Second}, ""},
		{"Retry-After capped", []int{503, 200}, "3600", 2, true, []time.Duration{notify.MaxBackoff}, ""},
		{"4xx is final", []int{404}, "", 1, false, nil, "HTTP 404"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			posts := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				code := tc.answers[posts]
				posts++
				if tc.retry != "" {
					w.Header().Set("Retry-After", tc.retry)
				}
				w.WriteHeader(code)
			}))
			defer srv.Close()
			var waits []time.Duration
			s := &notify.Sender{Sleep: func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
			err := s.Post(context.Background(), "slack", srv.URL+"/services/SECRET", []byte(`{}`), nil)
			if (err == nil) != tc.ok || posts != tc.posts || len(waits) != len(tc.waits) {
				t.Fatalf("err %v, %d posts, waits %v", err, posts, waits)
			}
			for i := range waits {
				if waits[i] != tc.waits[i] {
					t.Errorf("wait %d = %v, want %v", i, waits[i], tc.waits[i])
				}
			}
			if err != nil && (!strings.Contains(err.Error(), tc.inReason) || strings.Contains(err.Error(), "SECRET")) {
				t.Errorf("error %q", err)
			}
		})
	}
}

func TestTransportErrorHidesTheURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/services/T0/B0/XSECRETX"
	srv.Close() // nothing listens any more
	s := &notify.Sender{Attempts: 2, Sleep: func(context.Context, time.Duration) error { return nil }}
	err := s.Post(context.Background(), "slack", url, []byte(`{}`), nil)
	if err == nil || strings.Contains(err.Error(), "XSECRETX") || !strings.HasPrefix(err.Error(), "slack: delivery failed after 2 attempt(s)") {
		t.Errorf("error %v", err)
	}
}

func TestConfigFromEnv(t *testing.T) {
	for _, tc := range []struct {
		env map[string]string
		bad string
	}{
		{map[string]string{}, ""},
		{map[string]string{notify.EnvSlackURL: "https://hooks.slack.com/services/T/B/X"}, ""},
		{map[string]string{notify.EnvSlackURL: "http://hooks.slack.com/services/T/B/X"}, "must be https"},
		{map[string]string{notify.EnvSlackURL: "hooks.slack.com/x"}, "not an absolute URL"},
		{map[string]string{notify.EnvWebhookURL: "http://127.0.0.1:9/x"}, "needs SEP_ALERT_WEBHOOK_SECRET"},
		{map[string]string{notify.EnvWebhookURL: "http://127.0.0.1:9/x", notify.EnvWebhookSecret: "s"}, ""},
	} {
		_, err := notify.ConfigFromEnv(func(k string) string { return tc.env[k] })
		if (err == nil) != (tc.bad == "") || (err != nil && !strings.Contains(err.Error(), tc.bad)) {
			t.Errorf("%v: %v, want %q", tc.env, err, tc.bad)
		}
	}
}

func TestSlackMessage(t *testing.T) {
	pes := 41.26
	n := notify.Notice{Key: "a<1>|pes_below", Account: "a<1>", Name: "Acme & Co", Rule: core.RulePESBelow, Value: 41.26, Threshold: 60,
		Message: "a<1>: SEP 41.3 is below 60.", PES: &pes, Explanation: []string{"SEP fell 12.0 points.", "Bob stopped."}, Day: "2026-09-08"}
	b, _ := json.Marshal(notify.SlackMessage([]notify.Notice{n}))
	want := `{"blocks":[{"text":{"text":"sep: 1 alert started (2026-09-08)","type":"plain_text"},"type":"header"},` +
		`{"fields":[{"text":"*Value*\n41.3","type":"mrkdwn"},{"text":"*Threshold*\n60","type":"mrkdwn"},{"text":"*Account SEP*\n41.3","type":"mrkdwn"}],` +
		`"text":{"text":"*Acme &amp; Co* (` + "`a&lt;1&gt;`" + `): SEP below threshold\na&lt;1&gt;: SEP 41.3 is below 60.","type":"mrkdwn"},"type":"section"},` +
		`{"elements":[{"text":"SEP fell 12.0 points. Bob stopped.","type":"mrkdwn"}],"type":"context"},{"type":"divider"}],` +
		`"text":"sep: 1 alert started (2026-09-08): Acme \u0026 Co"}`
	want = strings.ReplaceAll(want, "&", `\u0026`) // encoding/json's HTML-safe escape
	if string(b) != want {
		t.Errorf("slack message\n%s\nwant\n%s", b, want)
	}
}

func TestMessagesSplitAndSign(t *testing.T) {
	plan := func(n int) notify.Plan {
		var p notify.Plan
		for i := 0; i < n; i++ {
			a := fmt.Sprintf("acct-%03d", i)
			p.Start = append(p.Start, notify.Notice{Key: a + "|usage_drop", Account: a, Rule: "usage_drop", Day: "2026-09-08"})
		}
		return p
	}
	c := notify.Config{SlackURL: "https://x", WebhookURL: "https://y", WebhookSecret: "k"}
	at := time.Date(2026, 9, 9, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		alerts     int
		slackKeys  []int // alerts each Slack message delivers
		hookKeys   []int
		countedOut int // alerts only counted in Slack's last message
	}{
		{1, []int{1}, []int{1}, 0},
		{notify.MaxPerMessage + 1, []int{notify.MaxPerMessage, 1}, []int{notify.MaxPerMessage + 1}, 0},
		{notify.MaxSlackAlerts, []int{12, 12, 12}, []int{36}, 0},
		{250, []int{12, 12, 12 + 214}, []int{100, 100, 50}, 214},
	} {
		msgs, err := c.Messages(plan(tc.alerts), at)
		if err != nil {
			t.Fatal(err)
		}
		var slack, hook []int
		for _, m := range msgs {
			if m.Label == "slack" {
				slack = append(slack, len(m.Keys))
			} else {
				hook = append(hook, len(m.Keys))
				if sig := notify.Sign("k", m.Body); !strings.HasPrefix(sig, "sha256=") || len(sig) != 71 || !notify.Verify("k", m.Body, sig) {
					t.Errorf("signature %q", sig)
				}
			}
		}
		if fmt.Sprint(slack) != fmt.Sprint(tc.slackKeys) || fmt.Sprint(hook) != fmt.Sprint(tc.hookKeys) {
			t.Errorf("%d alerts: slack %v, webhook %v; want %v, %v", tc.alerts, slack, hook, tc.slackKeys, tc.hookKeys)
		}
		last := msgs[len(tc.slackKeys)-1].Body
		if more := fmt.Sprintf("and %d more alerts started", tc.countedOut); strings.Contains(string(last), more) != (tc.countedOut > 0) {
			t.Errorf("%d alerts: the last Slack message and %q: %s", tc.alerts, more, last)
		}
		if tc.countedOut > 0 && !strings.Contains(string(msgs[1].Body), fmt.Sprintf(`"sep: %d alerts started (2026-09-08), 13 to 24"`, tc.alerts)) {
			t.Errorf("the header must count every alert: %s", msgs[0].Body)
		}
	}
	// The same alerts on the same day: the same delivery id.
	a, _ := c.Messages(plan(3), at)
	b, _ := c.Messages(plan(3), at.Add(time.Hour))
	if a[0].ID != b[0].ID || a[0].ID == "" {
		t.Errorf("ids %s %s", a[0].ID, b[0].ID)
	}
}
