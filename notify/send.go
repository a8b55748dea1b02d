// Package notify delivers sep's alerts to people: a Slack incoming webhook
// (a Block Kit message) and a generic webhook (JSON signed with HMAC-SHA256),
// each alert once when it starts and not again until it clears (the open
// alerts are kept in a core.HistoryStore, so the rule survives restarts).
//
// Outbound URLs and secrets come from the environment only (ConfigFromEnv),
// never from a request; every POST has a timeout and bounded retries with
// backoff; errors never carry a URL or a secret.
package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Delivery limits (docs/schedules.md).
const (
	DefaultTimeout  = 10 * time.Second // one POST, answer included
	DefaultAttempts = 4                // one POST and up to 3 retries
	DefaultBackoff  = time.Second      // before the first retry, doubled each time
	MaxBackoff      = 30 * time.Second // cap of a backoff and of a Retry-After
)

// Sender posts JSON bodies with a timeout and bounded retries: a transport
// error, 408, 429 and 5xx are retried after a backoff (1 s, 2 s, 4 s by
// default, or the answer's Retry-After up to MaxBackoff); other answers are
// final. The zero Sender uses the defaults.
type Sender struct {
	// Client does the POSTs (default: an http.Client with DefaultTimeout;
	// on js/wasm, where net/http's client would add 1 MB to the Worker, the
	// host sets one: the Worker's uses the Fetch API).
	Client Doer
	// Attempts is the most POSTs of one delivery (default DefaultAttempts).
	Attempts int
	// Backoff is the wait before the first retry, doubled after each.
	Backoff time.Duration
	// Sleep waits between attempts (tests replace it); it returns early with
	// the context's error.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Doer does one HTTP request: *http.Client is one.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// DeliveryError is a delivery that failed after its attempts. Its text names
// the destination by its label ("slack", "webhook", "segment"), never by its
// URL, which is a secret for Slack.
type DeliveryError struct {
	Label    string
	Attempts int
	Status   int    // the last HTTP status, 0 for a transport error
	Reason   string // the last failure, without the URL
}

func (e *DeliveryError) Error() string {
	return fmt.Sprintf("%s: delivery failed after %d attempt(s): %s", e.Label, e.Attempts, e.Reason)
}

// Post sends body to target with the headers, retrying as the Sender says.
// label names the destination in errors.
func (s *Sender) Post(ctx context.Context, label, target string, body []byte, header http.Header) error {
	client := s.Client
	if client == nil {
		client = defaultClient()
	}
	attempts := s.Attempts
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	backoff := s.Backoff
	if backoff <= 0 {
		backoff = DefaultBackoff
	}
	sleep := s.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	last := &DeliveryError{Label: label}
	for i := 1; i <= attempts; i++ {
		last.Attempts = i
		retry, wait := s.once(ctx, client, target, body, header, last)
		if last.Reason == "" {
			return nil
		}
		if !retry || i == attempts {
			break
		}
		if wait <= 0 {
			wait = backoff
		}
		if err := sleep(ctx, min(wait, MaxBackoff)); err != nil {
			last.Reason += " (then " + err.Error() + ")"
			break
		}
		backoff *= 2
	}
	return last
}

// once does one POST; it records a failure in last (Reason "" on success) and
// says whether to retry and after how long the server asked.
func (s *Sender) once(ctx context.Context, client Doer, target string, body []byte, header http.Header, last *DeliveryError) (retry bool, wait time.Duration) {
	last.Reason, last.Status = "", 0
	ctx, cancel := context.WithTimeout(ctx, DefaultTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		last.Reason = "bad URL"
		return false, 0
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "sep-notify")
	resp, err := client.Do(req)
	if err != nil {
		last.Reason = withoutURL(err)
		return true, 0
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return false, 0
	}
	last.Status = resp.StatusCode
	last.Reason = fmt.Sprintf("HTTP %d %s", resp.StatusCode, oneLine(answer))
	switch {
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode >= 500:
		if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 {
			wait = time.Duration(secs) * time.Second
		}
		return true, wait
	}
	return false, 0
}

// withoutURL returns a transport error's text without the URL it names (a
// Slack webhook URL is its secret).
func withoutURL(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	return err.Error()
}

func oneLine(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return strings.TrimSpace(s)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// checkURL accepts an absolute https URL, or http to a loopback host (a local
// receiver); name is the environment variable it came from.
func checkURL(name, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%s is not an absolute URL", name)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		switch u.Hostname() {
		case "127.0.0.1", "localhost", "::1":
			return nil
		}
		return fmt.Errorf("%s must be https (http only to a loopback host)", name)
	}
	return fmt.Errorf("%s must be an https URL", name)
}

// CheckURL is checkURL for the other packages that post (traits).
func CheckURL(name, raw string) error { return checkURL(name, raw) }
