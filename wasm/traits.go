//go:build js && wasm

package main

import (
	"bytes"
	"syscall/js"
	"time"

	"github.com/sep-project/sep/traits"
)

// traitsCSV is sepTraitsCSV(id, settingsJSON): the account traits of a CRM
// import (traits.WriteCSV, the same traits the scheduled run pushes as
// group calls), scored now.
func traitsCSV(_ js.Value, args []js.Value) any {
	s := get(args[0])
	if s == nil {
		return ""
	}
	rep, err := s.report(args[1])
	if err != nil {
		return ""
	}
	var b bytes.Buffer
	traits.WriteCSV(&b, rep, time.Now())
	return b.String()
}
