//go:build js && wasm

// Command wasm is the WebAssembly bridge of the online calculator: the page's
// Web Worker loads it and calls the functions it sets on globalThis. The core
// does all the work; nothing here computes a number.
//
//	sepCheck(configJSON, settingsJSON) -> ""   or the first bad setting's error JSON
//	sepOpen(configJSON) -> session id          a Rollup in the config's time zone
//	sepBegin(id, fileName)                      starts reading one file (streamed)
//	sepPush(id, Uint8Array)                     feeds the next chunk of that file
//	sepFinish(id) -> "" or the error JSON       ends the file
//	sepZip(id, fileName, Uint8Array) -> ""/JSON reads a whole .zip (entries streamed inside)
//	sepScore(id, settingsJSON) -> report JSON   exactly `sep score --json`
//	sepMonthly(id, settingsJSON) -> JSON        the score month by month
//	sepAccountTrends(id, settingsJSON) -> JSON  each account's months
//	sepPictures(id, settingsJSON) -> JSON       lifecycle, daily stickiness, event matrix (core.PicturesOf)
//	sepAccountsCSV(id, settingsJSON) -> CSV     the per-account table
//	sepTraitsCSV(id, settingsJSON) -> CSV       the account traits for a CRM import
//	sepCalc(inputJSON) -> JSON                  the manual calculator
//	sepCount(id) -> events read so far         for the progress bar
//	sepClose(id)                                frees the session
//	sepSlice*                                   a file read in slices by a pool of workers (slices.go)
//
// Errors are returned as {"error": "..."} JSON, with "kind": "input" when the
// files rather than the settings are at fault, and the message's "key" and
// "values" (core.ErrorMessage) when the page can word it in its language
// (sepBegin and sepPush return a bare message): the bridge never throws.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"syscall/js"
	"time"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/ingest"
)

type session struct {
	cfg    core.Config
	rollup *core.Rollup
	pw     *io.PipeWriter
	done   chan error
	// chunk is the buffer push copies each piece of a file into: a pipe's
	// Write returns once the reader has consumed it all, so it is reused.
	chunk []byte
	// The last report and the settings it was computed with: the monthly
	// scores and the CSV of the same settings reuse it.
	last     *core.Report
	lastWith string
	// A file read in slices by the pool of workers (wasm/slices.go).
	sliced *ingest.Sliced
	notes  ingest.SliceNotes
	// file is the file being read, named in the messages of errors that do
	// not name it themselves (a broken gzip stream).
	file string
}

// report scores the session, or returns the report already computed with the
// same settings since the last read.
func (s *session) report(arg js.Value) (*core.Report, error) {
	key := ""
	if arg.Type() == js.TypeString {
		key = arg.String()
	}
	if s.last != nil && s.lastWith == key {
		return s.last, nil
	}
	// Input with no activity is an error on every surface, not a report of "n/a".
	if err := s.rollup.Input.NoActivityError(); err != nil {
		return nil, inputError{err}
	}
	st, err := s.settings(arg)
	if err != nil {
		return nil, err
	}
	rep, err := core.Score(s.rollup, st)
	if err != nil {
		return nil, err
	}
	s.last, s.lastWith = rep, key
	return rep, nil
}

var (
	sessions = map[int]*session{}
	nextID   = 1
)

// inputError is an error about the files read rather than the settings: the
// page says "could not score this file" for it, and keeps the settings.
type inputError struct{ error }

// Unwrap returns the error about the files (a core.MessageError keeps its key).
func (e inputError) Unwrap() error { return e.error }

// errJSON is {"error": message}, with "kind": "input" for an inputError and
// the message's "key" and "values" when core.ErrorMessage knows them.
func errJSON(err error) string { return fileErrJSON(err, "") }

// fileErrJSON is errJSON for an error of reading file.
func fileErrJSON(err error, file string) string {
	m := map[string]any{"error": err.Error()}
	if errors.As(err, new(inputError)) {
		m["kind"] = "input"
	}
	if msg, ok := core.ErrorMessage(err, file); ok {
		m["key"], m["values"] = msg.Key, msg.Values
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// settingsJSONError is the error of a config or settings that is not JSON of
// the shape every surface shares (core.KeySettingsJSON).
func settingsJSONError(what string, err error) error {
	return &core.MessageError{Err: fmt.Errorf("%s: %w", what, err), Msg: core.Message{Key: core.KeySettingsJSON, Values: map[string]any{"what": what}}}
}

func get(id js.Value) *session { return sessions[id.Int()] }

// check validates the config and the page's settings over it before any file
// is read, so that a bad zone or day is reported at once and in the same
// words as every other surface.
func check(_ js.Value, args []js.Value) any {
	var cfg core.Config
	if err := json.Unmarshal([]byte(args[0].String()), &cfg); err != nil {
		return errJSON(settingsJSONError("config", err))
	}
	if _, err := ingest.OptionsOf(cfg); err != nil {
		return errJSON(err)
	}
	st := cfg.Settings
	if raw := args[1].String(); raw != "" {
		if err := json.Unmarshal([]byte(raw), &st); err != nil {
			return errJSON(settingsJSONError("settings", err))
		}
	}
	if _, err := st.Normalized(); err != nil {
		return errJSON(err)
	}
	return ""
}

func open(_ js.Value, args []js.Value) any {
	cfg, err := core.ParseConfig("settings", []byte(args[0].String()))
	if err == nil {
		err = ingest.CheckConfig("settings", cfg)
	}
	if err != nil {
		return errJSON(err)
	}
	r, err := core.NewRollup(cfg.TZ)
	if err != nil {
		return errJSON(err)
	}
	id := nextID
	nextID++
	sessions[id] = &session{cfg: cfg, rollup: r}
	return id
}

// begin starts ingest.Read on a pipe in a goroutine; push writes chunks into
// it. A push blocks until the decoder has taken the chunk, which keeps memory
// flat whatever the file size (Go runs the decoder goroutine meanwhile).
func begin(_ js.Value, args []js.Value) any {
	s := get(args[0])
	if s == nil {
		return "no such session"
	}
	opt, err := ingest.OptionsOf(s.cfg)
	if err != nil {
		return err.Error()
	}
	opt.File = args[1].String()
	opt.Range.Now = time.Now() // the browser's clock bounds the events' times
	s.last, s.file = nil, opt.File
	pr, pw := io.Pipe()
	s.pw, s.done = pw, make(chan error, 1)
	go func() {
		err := ingest.Read(context.Background(), pr, opt, s.rollup)
		pr.CloseWithError(err) // unblocks a pending push when reading failed early
		s.done <- err
	}()
	return ""
}

func push(_ js.Value, args []js.Value) any {
	s := get(args[0])
	if s == nil || s.pw == nil {
		return "no file is open"
	}
	n := args[1].Get("length").Int()
	if cap(s.chunk) < n {
		s.chunk = make([]byte, n)
	}
	buf := s.chunk[:n]
	js.CopyBytesToGo(buf, args[1])
	if _, err := s.pw.Write(buf); err != nil {
		return err.Error()
	}
	return ""
}

func finish(_ js.Value, args []js.Value) any {
	s := get(args[0])
	if s == nil || s.pw == nil {
		return "no file is open"
	}
	s.pw.Close()
	err := <-s.done
	s.pw = nil
	if err != nil {
		return fileErrJSON(inputError{err}, s.file)
	}
	return ""
}

func zip(_ js.Value, args []js.Value) any {
	s := get(args[0])
	if s == nil {
		return "no such session"
	}
	opt, err := ingest.OptionsOf(s.cfg)
	if err != nil {
		return err.Error()
	}
	opt.File = args[1].String()
	opt.Range.Now = time.Now() // the browser's clock bounds the events' times
	s.last = nil
	buf := make([]byte, args[2].Get("length").Int())
	js.CopyBytesToGo(buf, args[2])
	if err := ingest.ReadZip(context.Background(), bytes.NewReader(buf), int64(len(buf)), opt, s.rollup); err != nil {
		return fileErrJSON(inputError{err}, opt.File)
	}
	return ""
}

// settings parses the page's settings over the session's config.
func (s *session) settings(arg js.Value) (core.Settings, error) {
	st := s.cfg.Settings
	if arg.Type() == js.TypeString && arg.String() != "" {
		if err := json.Unmarshal([]byte(arg.String()), &st); err != nil {
			return st, err
		}
	}
	st.TZ = s.rollup.TZ()
	return st, nil
}

func score(_ js.Value, args []js.Value) any {
	s := get(args[0])
	if s == nil {
		return errJSON(io.ErrClosedPipe)
	}
	rep, err := s.report(args[1])
	if err != nil {
		return errJSON(err)
	}
	b, err := rep.JSON()
	if err != nil {
		return errJSON(err)
	}
	return string(b)
}

// fromReport answers, as JSON, what part computes from the session's
// report under the page's settings (args[0] the session, args[1] the
// settings), or the error.
func fromReport(args []js.Value, part func(*session, *core.Report) (any, error)) any {
	s := get(args[0])
	if s == nil {
		return errJSON(io.ErrClosedPipe)
	}
	rep, err := s.report(args[1])
	if err != nil {
		return errJSON(err)
	}
	v, err := part(s, rep)
	if err != nil {
		return errJSON(err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// monthly answers the monthly scores (core.MonthlyScoresOf).
func monthly(_ js.Value, args []js.Value) any {
	return fromReport(args, func(s *session, rep *core.Report) (any, error) {
		return core.MonthlyScoresOf(s.rollup, rep)
	})
}

// accountTrends answers each account's months ({"id": [AccountMonth...]}):
// the report's settings with the trend on (setting trend, `sep score
// --trend`), for the page's account view.
func accountTrends(_ js.Value, args []js.Value) any {
	return fromReport(args, func(s *session, _ *core.Report) (any, error) {
		st, err := s.settings(args[1])
		if err != nil {
			return nil, err
		}
		st.Trend = true
		rep, err := core.Score(s.rollup, st)
		if err != nil {
			return nil, err
		}
		out := map[string][]core.AccountMonth{}
		if rep.Insights != nil {
			for _, a := range rep.Insights.Accounts {
				out[a.ID] = a.Trend
			}
		}
		return out, nil
	})
}

// pictures answers the page's charts beyond the report (core.PicturesOf).
func pictures(_ js.Value, args []js.Value) any {
	return fromReport(args, func(s *session, rep *core.Report) (any, error) {
		return core.PicturesOf(s.rollup, rep)
	})
}

func accountsCSV(_ js.Value, args []js.Value) any {
	s := get(args[0])
	if s == nil {
		return ""
	}
	rep, err := s.report(args[1])
	if err != nil {
		return ""
	}
	var b bytes.Buffer
	core.WriteAccountsCSV(&b, rep)
	return b.String()
}

func calc(_ js.Value, args []js.Value) any {
	var in core.CalcInput
	if err := json.Unmarshal([]byte(args[0].String()), &in); err != nil {
		return errJSON(err)
	}
	res, err := core.Calc(in)
	if err != nil {
		return errJSON(err)
	}
	b, _ := json.Marshal(res)
	return string(b)
}

// count returns the events read so far. The decoder goroutine only runs while
// Go has control (WebAssembly is single-threaded), so reading is safe here.
func count(_ js.Value, args []js.Value) any {
	if s := get(args[0]); s != nil {
		return float64(s.rollup.Input.Events)
	}
	return 0
}

func closeSession(_ js.Value, args []js.Value) any {
	if s := get(args[0]); s != nil && s.pw != nil {
		s.pw.CloseWithError(io.ErrClosedPipe)
	}
	delete(sessions, args[0].Int())
	return nil
}

func main() {
	for name, f := range map[string]func(js.Value, []js.Value) any{
		"sepCheck": check, "sepOpen": open, "sepBegin": begin, "sepPush": push, "sepFinish": finish, "sepZip": zip,
		"sepScore": score, "sepMonthly": monthly, "sepAccountTrends": accountTrends, "sepPictures": pictures, "sepAccountsCSV": accountsCSV, "sepTraitsCSV": traitsCSV, "sepCalc": calc, "sepCount": count, "sepClose": closeSession,
	} {
		js.Global().Set(name, js.FuncOf(f))
	}
	js.Global().Set("sepReady", true)
	select {}
}
