//go:build js && wasm

package main

import (
	"net/http"

	"github.com/syumai/workers/cloudflare/fetch"
)

// fetchClient does the scheduled run's POSTs with the Workers Fetch API
// (net/http's client would add its TLS stack to the Worker: +1 MB). A request
// whose context ends stops waiting; the platform bounds the fetch itself.
type fetchClient struct{}

func (fetchClient) Do(req *http.Request) (*http.Response, error) {
	type result struct {
		resp *http.Response
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := fetch.NewClient().Do(&fetch.Request{Request: req}, nil)
		done <- result{resp, err}
	}()
	select {
	case r := <-done:
		return r.resp, r.err
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
}
