//go:build js && wasm

package main

// The bridge of the page's pool of Web Workers (site/worker.js): one file of
// JSON lines is cut into slices at line ends, the first read by the session
// that scores, the others each by a helper worker's session; the helpers'
// rollups come back in their binary form and are put together in slice
// order by ingest.Sliced, which keeps "one event, once" exact across slices.
//
//	sepSliceFormat(id, fileName, Uint8Array head) -> {"format", "slices"} or {"error"}
//	sepSliceBegin(id, fileName, format, nowMs, first, seed) -> ""   reads a slice (then sepPush, sepSliceFinish)
//	sepSliceFinish(id) -> SliceNotes JSON or {"error"}
//	sepSliceIDs(id) -> Uint8Array                 the ids a helper's slice counted (8 bytes each)
//	sepSliceRepeats(id, Uint8Array ids) -> Uint8Array   those an earlier slice counted (call in slice order)
//	sepSliceRollup(id) -> Uint8Array              a helper's rollup (core.Rollup.MarshalBinary)
//	sepSliceAdd(id, Uint8Array rollup, notesJSON) -> "" or an error   in slice order
//	sepSliceEnd(id)                                the file's summary

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"syscall/js"
	"time"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/ingest"
)

func init() {
	for name, f := range map[string]func(js.Value, []js.Value) any{
		"sepSliceFormat": sliceFormat, "sepSliceBegin": sliceBegin, "sepSliceFinish": sliceFinish,
		"sepSliceIDs": sliceIDs, "sepSliceRepeats": sliceRepeats, "sepSliceRollup": sliceRollup,
		"sepSliceAdd": sliceAdd, "sepSliceEnd": sliceEnd,
	} {
		js.Global().Set(name, js.FuncOf(f))
	}
}

// bytesOf copies a Uint8Array into Go.
func bytesOf(v js.Value) []byte {
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b
}

// toJS copies bytes into a new Uint8Array.
func toJS(b []byte) js.Value {
	a := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(a, b)
	return a
}

func idsFrom(v js.Value) []uint64 {
	if v.Type() != js.TypeObject {
		return nil
	}
	b := bytesOf(v)
	ids := make([]uint64, len(b)/8)
	for i := range ids {
		ids[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	return ids
}

func idsTo(ids []uint64) js.Value {
	b := make([]byte, 8*len(ids))
	for i, h := range ids {
		binary.LittleEndian.PutUint64(b[8*i:], h)
	}
	return toJS(b)
}

func sliceFormat(_ js.Value, args []js.Value) any {
	s := get(args[0])
	if s == nil {
		return errJSON(io.ErrClosedPipe)
	}
	opt, err := ingest.OptionsOf(s.cfg)
	if err != nil {
		return errJSON(err)
	}
	opt.File = args[1].String()
	f, ok, err := ingest.SliceFormat(bytesOf(args[2]), opt)
	if err != nil {
		return errJSON(inputError{err})
	}
	b, _ := json.Marshal(map[string]any{"format": f, "slices": ok})
	return string(b)
}

// sliceBegin starts reading one slice on a pipe, as begin does a file: the
// first slice into the session's rollup (which then puts the file's slices
// together), another into a fresh rollup seeded with the ids given.
func sliceBegin(_ js.Value, args []js.Value) any {
	s := get(args[0])
	if s == nil {
		return "no such session"
	}
	opt, err := ingest.OptionsOf(s.cfg)
	if err != nil {
		return err.Error()
	}
	opt.File = args[1].String()
	opt.Format = core.Format(args[2].String())
	opt.Range.Now = time.UnixMilli(int64(args[3].Float())) // one clock for every slice
	s.last = nil
	if args[4].Bool() {
		s.sliced = ingest.BeginSlices(s.rollup, opt.File, opt.Format)
	} else {
		r, err := core.NewRollup(s.cfg.TZ)
		if err != nil {
			return err.Error()
		}
		r.SeedIDs(idsFrom(args[5]))
		s.rollup, s.sliced = r, nil
	}
	pr, pw := io.Pipe()
	s.pw, s.done = pw, make(chan error, 1)
	into := s.rollup
	go func() {
		notes, err := ingest.ReadSlice(context.Background(), pr, opt, into)
		pr.CloseWithError(err)
		s.notes = notes
		s.done <- err
	}()
	return ""
}

func sliceFinish(_ js.Value, args []js.Value) any {
	s := get(args[0])
	if s == nil || s.pw == nil {
		return errJSON(io.ErrClosedPipe)
	}
	s.pw.Close()
	err := <-s.done
	s.pw = nil
	if err != nil {
		return errJSON(inputError{err})
	}
	if s.sliced != nil {
		if err := s.sliced.Add(nil, s.notes); err != nil {
			return errJSON(err)
		}
	}
	b, _ := json.Marshal(s.notes)
	return string(b)
}

func sliceIDs(_ js.Value, args []js.Value) any {
	s := get(args[0])
	if s == nil {
		return idsTo(nil)
	}
	return idsTo(s.rollup.IDs())
}

func sliceRepeats(_ js.Value, args []js.Value) any {
	s := get(args[0])
	if s == nil || s.sliced == nil {
		return idsTo(nil)
	}
	return idsTo(s.sliced.Repeats(idsFrom(args[1])))
}

func sliceRollup(_ js.Value, args []js.Value) any {
	s := get(args[0])
	if s == nil {
		return toJS(nil)
	}
	b, err := s.rollup.MarshalBinary()
	if err != nil {
		return toJS(nil)
	}
	return toJS(b)
}

func sliceAdd(_ js.Value, args []js.Value) any {
	s := get(args[0])
	if s == nil || s.sliced == nil {
		return "no sliced file is open"
	}
	part, err := core.UnmarshalRollup(bytesOf(args[1]))
	if err != nil {
		return err.Error()
	}
	var notes ingest.SliceNotes
	if err := json.Unmarshal([]byte(args[2].String()), &notes); err != nil {
		return err.Error()
	}
	if err := s.sliced.Add(part, notes); err != nil {
		return err.Error()
	}
	return ""
}

func sliceEnd(_ js.Value, args []js.Value) any {
	if s := get(args[0]); s != nil && s.sliced != nil {
		s.sliced.End()
		s.sliced = nil
	}
	return nil
}
