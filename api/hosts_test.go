package api_test

import (
	"net/http/httptest"
	"strings"
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

// The capped suite on the local server: answers over a lowered limit.
func TestCappedSuiteOnTheLocalServer(t *testing.T) {
	opt, err := api.OptionsFromEnv(envOf(apitest.EnvCapped()))
	if err != nil {
		t.Fatal(err)
	}
	h, _ := newServer(t, opt)
	srv := httptest.NewServer(h)
	defer srv.Close()
	apitest.RunCapped(t, apitest.HTTP(srv.URL))
}

// envOf is a getenv over KEY=value pairs.
func envOf(kv []string) func(string) string {
	return func(k string) string {
		for _, e := range kv {
			if name, v, ok := strings.Cut(e, "="); ok && name == k {
				return v
			}
		}
		return ""
	}
}
