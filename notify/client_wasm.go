//go:build js && wasm

package notify

import (
	"errors"
	"net/http"
)

// noClient is the default on js/wasm: the host must set Sender.Client (the
// Worker sets a Fetch API one), so that net/http's client and TLS stack stay
// out of the WebAssembly builds.
type noClient struct{}

func (noClient) Do(*http.Request) (*http.Response, error) {
	return nil, errors.New("no HTTP client on this platform: the host sets notify.Sender.Client")
}

func defaultClient() Doer { return noClient{} }
