//go:build !sep_stdjson

package ingest

import gojson "github.com/goccy/go-json"

// The readers decode JSON with github.com/goccy/go-json, 5-7x faster than
// encoding/json on export lines. Builds with the tag sep_stdjson (the Worker,
// whose size limit matters more than its ingestion speed) use encoding/json.
var (
	jsonUnmarshal  = gojson.Unmarshal
	jsonValid      = gojson.Valid
	jsonNewDecoder = gojson.NewDecoder
)

type (
	jsonRawMessage = gojson.RawMessage
	jsonNumber     = gojson.Number
	jsonDecoder    = gojson.Decoder
)
