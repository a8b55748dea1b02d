//go:build sep_stdjson

package ingest

// The readers use encoding/json in builds tagged sep_stdjson (see jsonlib.go).
import gojson "encoding/json"

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
