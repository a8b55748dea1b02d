//go:build js && wasm

package main

// The IANA time zone database inside the WebAssembly: workerd has no
// /usr/share/zoneinfo, so SEP_CONFIG's tz would be an unknown time zone.
import _ "time/tzdata"
