package api_test

import (
	"net/http/httptest"
	"testing"

	"github.com/sep-project/sep/api"
	"github.com/sep-project/sep/internal/apitest"
)

// The host-agnostic suite on the local server's stack (bolt behind net/http).
func TestHostSuiteOnTheLocalServer(t *testing.T) {
	h, _ := newServer(t, api.Options{WebhookSecret: apitest.WebhookSecret, IngestToken: apitest.IngestToken, ReadToken: apitest.ReadToken})
	srv := httptest.NewServer(h)
	defer srv.Close()
	apitest.Run(t, apitest.HTTP(srv.URL))
}
