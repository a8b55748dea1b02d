package core

import (
	"archive/zip"
	"compress/flate"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
)

// KeyedErrorf is fmt.Errorf with a message key and values: a *MessageError whose
// English sentence is the formatted text (unchanged for the CLI and the API)
// and whose key lets a page word it in its own language.
func KeyedErrorf(key string, values map[string]any, format string, a ...any) error {
	return &MessageError{Err: fmt.Errorf(format, a...), Msg: Message{Key: key, Values: values}}
}

// Error message keys of errors that carry no *MessageError of their own but
// are known by their type (ErrorMessage); docs/report.md lists every key.
const (
	KeyBadRecord    = "bad_record"    // a *ParseError: file, line, field, reason
	KeyInflateLimit = "inflate_limit" // an *InflateLimitError: file, limit (bytes)
	KeyBadZip       = "bad_zip"       // a broken .zip: file, problem (format, algorithm, checksum, path)
	KeyBadGzip      = "bad_gzip"      // a broken gzip stream: file, problem (header, checksum, corrupt, truncated)
	KeyCancelled    = "cancelled"     // the read was cancelled
	KeySettingsJSON = "settings_json" // settings that are not the JSON shape of Settings (the page's bridge)
)

// ErrorMessage returns err's message key and values, so that a page can word
// any error of the readers or the settings in its own language: the key of
// the first *MessageError in err's chain, else one told from the error's type
// (a bad record, a decompression limit, a broken zip or gzip stream). file
// names the input when the error does not (as a gzip stream's does not). ok
// is false for an error of unknown kind, which a page shows in English.
func ErrorMessage(err error, file string) (m Message, ok bool) {
	var me *MessageError
	var pe *ParseError
	var il *InflateLimitError
	var ci flate.CorruptInputError
	name := DisplayName(file)
	switch {
	case err == nil:
		return Message{}, false
	case errors.As(err, &me):
		return me.Msg, true
	case errors.As(err, &pe):
		return Message{Key: KeyBadRecord, Values: map[string]any{
			"file": DisplayName(pe.File), "line": pe.Line, "field": pe.Field, "reason": pe.Reason}}, true
	case errors.As(err, &il):
		return Message{Key: KeyInflateLimit, Values: map[string]any{"file": DisplayName(il.File), "limit": il.Limit}}, true
	case errors.Is(err, context.Canceled):
		return Message{Key: KeyCancelled}, true
	case errors.Is(err, zip.ErrFormat):
		return fileProblem(KeyBadZip, name, "format"), true
	case errors.Is(err, zip.ErrAlgorithm):
		return fileProblem(KeyBadZip, name, "algorithm"), true
	case errors.Is(err, zip.ErrChecksum):
		return fileProblem(KeyBadZip, name, "checksum"), true
	case errors.Is(err, zip.ErrInsecurePath):
		return fileProblem(KeyBadZip, name, "path"), true
	case errors.Is(err, gzip.ErrHeader):
		return fileProblem(KeyBadGzip, name, "header"), true
	case errors.Is(err, gzip.ErrChecksum):
		return fileProblem(KeyBadGzip, name, "checksum"), true
	case errors.As(err, &ci):
		return fileProblem(KeyBadGzip, name, "corrupt"), true
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fileProblem(KeyBadGzip, name, "truncated"), true
	}
	return Message{}, false
}

func fileProblem(key, file, problem string) Message {
	return Message{Key: key, Values: map[string]any{"file": file, "problem": problem}}
}
