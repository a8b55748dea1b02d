package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/traits"
)

// pushTraits is `sep score --segment-write-key`: every account's group call
// and every user's identify call, batched, to the tracking API at host
// (default Segment's). An export has no memory of earlier pushes, so all are
// sent; the calls' messageIds make a repeat of the same push count once.
func pushTraits(ctx context.Context, writeKey, host string, rep *core.Report, log io.Writer) error {
	if writeKey == "" {
		if host != "" {
			return usagef("--segment-host needs --segment-write-key")
		}
		return nil
	}
	c, err := traits.NewClient(writeKey, host)
	if err != nil {
		return usagef("%v", err)
	}
	calls := traits.Calls(rep, time.Now())
	n, err := c.Push(ctx, calls, time.Now())
	groups := 0
	for _, call := range calls[:n] {
		if call.Type == "group" {
			groups++
		}
	}
	fmt.Fprintf(log, "sep score: pushed %d of %d trait calls (%d group, %d identify) to %s\n", n, len(calls), groups, n-groups, c.Host)
	if err != nil {
		return fmt.Errorf("pushing traits: %w", err)
	}
	return nil
}
