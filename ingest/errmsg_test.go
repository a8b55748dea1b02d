package ingest

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/sep-project/sep/core"
)

// errorPaths are the errors a page can meet: bad settings, the manual
// calculator's bad counts and unreadable files, each made the way a surface
// makes it. Add a case with each new error a page can show.
func errorPaths() map[string]func() error {
	normalized := func(s core.Settings) func() error {
		return func() error { _, err := s.Normalized(); return err }
	}
	set := func(name, value string) func() error {
		return func() error { var s core.Settings; return s.Set(name, value) }
	}
	calc := func(in core.CalcInput) func() error {
		return func() error { _, err := core.Calc(in); return err }
	}
	read := func(data []byte, opt Options) func() error {
		return func() error {
			r, _ := core.NewRollup("UTC")
			opt.File = "export.json"
			return Read(context.Background(), bytes.NewReader(data), opt, r)
		}
	}
	readZip := func(data []byte) func() error {
		return func() error {
			r, _ := core.NewRollup("UTC")
			return ReadZip(context.Background(), bytes.NewReader(data), int64(len(data)), Options{File: "export.zip"}, r)
		}
	}
	line := []byte(`{"type":"track","event":"Login","userId":"u1","messageId":"m1","timestamp":"2026-09-01T10:00:00Z"}` + "\n")
	gz := gzipped(bytes.Repeat(line, 2000))
	corrupt := append([]byte(nil), gz...)
	for i := 20; i < len(corrupt)-20; i += 7 {
		corrupt[i] ^= 0x55
	}
	return map[string]func() error{
		"setting window out of range": normalized(core.Settings{Window: 5000}),
		"setting unknown tz":          normalized(core.Settings{TZ: "Mars/Olympus"}),
		"setting as_of not a day":     normalized(core.Settings{AsOf: "garbage"}),
		"setting ratio":               normalized(core.Settings{Ratio: "x"}),
		"setting unit":                normalized(core.Settings{Unit: "team"}),
		"setting weight_k":            normalized(core.Settings{WeightK: 99}),
		"setting activation_share":    normalized(core.Settings{ActivationShare: 2}),
		"setting negative weight":     normalized(core.Settings{Weights: map[string]float64{"Login": -1}}),
		"set window not a number":     set("window", "abc"),
		"set window 0":                set("window", "0"),
		"set weights not a pair":      set("weights", "Login"),
		"set weight not a number":     set("weights", "Login:x"),
		"set trend":                   set("trend", "maybe"),
		"set unknown setting":         set("colour", "red"),
		"calc negative":               calc(core.CalcInput{DAU: -1}),
		"calc adopted over events":    calc(core.CalcInput{CoreEvents: 2, Adopted: 3}),
		"calc dau over mau":           calc(core.CalcInput{DAU: 5, MAU: 2}),
		"calc ratio":                  calc(core.CalcInput{Ratio: "x"}),
		"binary file":                 read([]byte("PK\x03\x04\x00\x00binary"), Options{}),
		"empty file":                  read(nil, Options{}),
		"neither JSON nor CSV":        read([]byte("this is not an analytics export\n"), Options{}),
		"JSON of no known export":     read([]byte(`{"foo": 1, "bar": 2}`+"\n"), Options{}),
		"CSV of no known layout":      read([]byte("a,b\n1,2\n"), Options{}),
		"empty CSV":                   read(nil, Options{Format: core.FormatCSV}),
		"CSV header syntax":           read([]byte("ev\"ent,b\n1,2\n"), Options{Format: core.FormatCSV}),
		"CSV columns missing":         read([]byte("a,b\n1,2\n"), Options{Format: core.FormatCSV, Columns: core.CSVColumns{Event: "ev"}}),
		"bad record (strict)":         read([]byte(`{"type":"track","event":"Login","userId":"u1","timestamp":"yesterday"}`+"\n"), Options{Strict: true, Format: core.FormatSegment}),
		"gzip header":                 read([]byte("\x1f\x8bnot gzip at all"), Options{}),
		"gzip truncated":              read(gz[:len(gz)/2], Options{}),
		"gzip corrupt":                read(corrupt, Options{}),
		"over the inflate limit":      read(gz, Options{MaxInflated: 1000}),
		"zip broken":                  readZip([]byte("PK\x03\x04 this is no zip")),
		"zip entry method":            readZip(zipped(zipEntry{"a.json", line, 99})),
		"zip entry binary":            readZip(zipped(zipEntry{"a.json", []byte("\x00\x01\x02"), zip.Deflate})),
		"zip entry broken gzip":       readZip(zipped(zipEntry{"a.json.gz", []byte("\x1f\x8bjunk"), zip.Store})),
		"cancelled": func() error {
			ctx, stop := context.WithCancel(context.Background())
			stop()
			r, _ := core.NewRollup("UTC")
			return Read(ctx, bytes.NewReader(bytes.Repeat(line, 5000)), Options{Workers: 1}, r)
		},
	}
}

// TestEveryErrorHasAKey: each error a page can meet has a message key that
// the page words in French and English (site/src/i18n.js), so that no
// English is left on the French page; a new error path without a key fails
// here.
func TestEveryErrorHasAKey(t *testing.T) {
	fr, en := pageErrorKeys(t, "ERRORS_FR"), pageErrorKeys(t, "ERRORS_EN")
	for name, make := range errorPaths() {
		err := make()
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		m, ok := core.ErrorMessage(err, "export.json")
		if !ok || m.Key == "" {
			t.Errorf("%s: %v: no message key", name, err)
			continue
		}
		if !fr[m.Key] || !en[m.Key] {
			t.Errorf("%s: key %q is not worded in site/src/i18n.js (French %v, English %v)", name, m.Key, fr[m.Key], en[m.Key])
		}
		if f, ok := m.Values["file"]; ok && (f == "" || f == "stdin") {
			t.Errorf("%s: key %q names no file: %v", name, m.Key, m.Values)
		}
	}
}

// TestErrorMessageKeys pins the key and values of a few errors, and some of
// their English sentences, the ones the CLI always printed.
func TestErrorMessageKeys(t *testing.T) {
	paths := errorPaths()
	for _, c := range []struct {
		path, key, text string
		values          map[string]any
	}{
		{"setting unknown tz", "setting_tz_unknown", `setting tz: unknown time zone "Mars/Olympus"`, map[string]any{"setting": "tz", "value": "Mars/Olympus"}},
		{"setting window out of range", "setting_window_range", "setting window: 5000 is out of range 1..3660 days", map[string]any{"setting": "window", "value": 5000, "min": 1, "max": 3660}},
		{"setting as_of not a day", "setting_as_of_day", `setting as_of: invalid day "garbage": want YYYY-MM-DD`, map[string]any{"setting": "as_of", "value": "garbage"}},
		{"binary file", "binary_file", "export.json: binary file, not an export (sep reads JSON, JSON lines and CSV, gzipped or not, and .zip archives of them)", map[string]any{"file": "export.json"}},
		{"zip broken", "bad_zip", "", map[string]any{"file": "export.json", "problem": "format"}},
		{"gzip truncated", "bad_gzip", "", map[string]any{"file": "export.json", "problem": "truncated"}},
		{"over the inflate limit", "inflate_limit", "", map[string]any{"file": "export.json", "limit": int64(1000)}},
		{"zip entry binary", "binary_file", "", map[string]any{"file": "export.zip/a.json"}},
	} {
		err := paths[c.path]()
		m, _ := core.ErrorMessage(err, "export.json")
		if m.Key != c.key || !equalValues(m.Values, c.values) {
			t.Errorf("%s: got %q %v, want %q %v", c.path, m.Key, m.Values, c.key, c.values)
		}
		if c.text != "" && err.Error() != c.text {
			t.Errorf("%s: English %q, want %q", c.path, err.Error(), c.text)
		}
	}
	if _, ok := core.ErrorMessage(errors.New("something else"), "f"); ok {
		t.Error("an error of unknown kind has a key")
	}
}

func equalValues(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// pageErrorKeys reads the keys of the object const name of site/src/i18n.js.
func pageErrorKeys(t *testing.T, name string) map[string]bool {
	t.Helper()
	src, err := os.ReadFile("../site/src/i18n.js")
	if err != nil {
		t.Fatal(err)
	}
	_, body, ok := strings.Cut(string(src), "const "+name+" = {\n")
	if !ok {
		t.Fatalf("site/src/i18n.js has no const %s", name)
	}
	body, _, _ = strings.Cut(body, "\n};")
	keys := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^  (\w+): `).FindAllStringSubmatch(body, -1) {
		keys[m[1]] = true
	}
	if len(keys) == 0 {
		t.Fatalf("no keys in %s", name)
	}
	return keys
}

type zipEntry struct {
	name   string
	data   []byte
	method uint16
}

// zipped makes a .zip of one entry stored with the given method.
func zipped(e zipEntry) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	if e.method == 99 { // a method no reader knows: written raw
		w, _ := zw.CreateRaw(&zip.FileHeader{Name: e.name, Method: 99, CompressedSize64: uint64(len(e.data)), UncompressedSize64: uint64(len(e.data))})
		w.Write(e.data)
	} else {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: e.method})
		w.Write(e.data)
	}
	zw.Close()
	return b.Bytes()
}

func gzipped(data []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	return b.Bytes()
}
