//go:build !sep_nopush

// The push client is left out of builds tagged sep_nopush (the page's
// WebAssembly, which only writes the CSV): it links net/http, about 0.5 MB
// gzipped that would take the page over its 3 MB limit.

package traits

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sep-project/sep/notify"
)

// Environment of the push (the scheduled run and `sep score`).
const (
	EnvWriteKey = "SEP_SEGMENT_WRITE_KEY"
	EnvHost     = "SEP_SEGMENT_HOST"
)

// DefaultHost is Segment's tracking API; RudderStack's is the source's data
// plane URL, EU Segment workspaces use https://events.eu1.segmentapis.com.
const DefaultHost = "https://api.segment.io"

// Batch limits: Segment takes 500 KB a batch and 32 KB a call.
const (
	MaxBatchCalls = 100
	MaxBatchBytes = 400 << 10
)

// Client pushes calls to a tracking API.
type Client struct {
	// Host is the API's base URL, without /v1/batch.
	Host     string
	WriteKey string
	Sender   *notify.Sender
}

// ClientFromEnv returns the client SEP_SEGMENT_WRITE_KEY and SEP_SEGMENT_HOST
// describe, or nil when no write key is set.
func ClientFromEnv(getenv func(string) string) (*Client, error) {
	return NewClient(getenv(EnvWriteKey), getenv(EnvHost))
}

// NewClient checks the host (https, or http to a loopback host); an empty
// key gives nil, an empty host DefaultHost.
func NewClient(writeKey, host string) (*Client, error) {
	writeKey = strings.TrimSpace(writeKey)
	if writeKey == "" {
		return nil, nil
	}
	host = strings.TrimRight(strings.TrimSpace(host), "/")
	if host == "" {
		host = DefaultHost
	}
	if err := notify.CheckURL("the Segment host", host); err != nil {
		return nil, err
	}
	return &Client{Host: host, WriteKey: writeKey, Sender: &notify.Sender{}}, nil
}

// message is one call as the tracking API takes it.
type message struct {
	Type        string         `json:"type"`
	UserID      string         `json:"userId,omitempty"`
	AnonymousID string         `json:"anonymousId,omitempty"`
	GroupID     string         `json:"groupId,omitempty"`
	Traits      map[string]any `json:"traits"`
	MessageID   string         `json:"messageId"`
	Timestamp   string         `json:"timestamp"`
	Context     map[string]any `json:"context"`
}

// Messages returns the calls as tracking API messages. A call's messageId is
// derived from its key, traits and time, so a retried batch repeats it and
// the receiver counts it once.
func Messages(calls []Call, sentAt time.Time) []json.RawMessage {
	at := sentAt.UTC().Format(time.RFC3339)
	lib := map[string]any{"library": map[string]any{"name": "sep", "version": "1"}}
	out := make([]json.RawMessage, 0, len(calls))
	for _, c := range calls {
		m := message{Type: c.Type, Traits: c.Traits, Timestamp: at, Context: lib}
		if c.Type == "group" {
			m.GroupID, m.AnonymousID = c.ID, AnonymousID
		} else {
			m.UserID = c.ID
		}
		sum := sha256.Sum256([]byte(c.Key() + "\x00" + c.Hash() + "\x00" + at))
		m.MessageID = "sep-" + hex.EncodeToString(sum[:12])
		b, _ := json.Marshal(m)
		out = append(out, b)
	}
	return out
}

// Batches cuts messages into /v1/batch bodies of at most MaxBatchCalls
// calls and MaxBatchBytes bytes; each returned count is how many calls the
// body holds.
func Batches(msgs []json.RawMessage, sentAt time.Time) (bodies [][]byte, counts []int) {
	head := fmt.Sprintf(`{"sentAt":%q,"batch":[`, sentAt.UTC().Format(time.RFC3339))
	for i := 0; i < len(msgs); {
		b := []byte(head)
		n := 0
		for i < len(msgs) && n < MaxBatchCalls && (n == 0 || len(b)+len(msgs[i])+2 <= MaxBatchBytes) {
			if n > 0 {
				b = append(b, ',')
			}
			b = append(b, msgs[i]...)
			n++
			i++
		}
		bodies, counts = append(bodies, append(b, "]}"...)), append(counts, n)
	}
	return bodies, counts
}

// Push sends the calls in batches, in order, and returns how many were
// taken; it stops at the first batch that fails after its retries.
func (c *Client) Push(ctx context.Context, calls []Call, sentAt time.Time) (int, error) {
	bodies, counts := Batches(Messages(calls, sentAt), sentAt)
	h := http.Header{}
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(c.WriteKey+":")))
	sent := 0
	for i, body := range bodies {
		if err := c.Sender.Post(ctx, "segment", c.Host+"/v1/batch", body, h); err != nil {
			return sent, err
		}
		sent += counts[i]
	}
	return sent, nil
}
