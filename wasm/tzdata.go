//go:build js && wasm

package main

// The zone database is embedded: WebAssembly has no system zoneinfo, and
// without it every zone but UTC fails with "unknown time zone".
import _ "time/tzdata"
