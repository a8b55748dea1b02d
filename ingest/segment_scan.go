package ingest

import (
	"encoding/binary"
	"math/bits"
	"strconv"
	"strings"
	"unsafe"

	"github.com/sep-project/sep/core"
)

// scanSegment is the fast path of the Segment reader: it fills f from one
// line of an export in a single pass, without allocating, when the line is an
// activity event (track, page, screen) the JSON library would decode into
// exactly the same values. Its strings are views of b: valid only while b is
// neither changed nor reused, which is why only decoders that feed a Rollup
// (which copies what it keeps) use it.
//
// It reports false, leaving f in any state, for every line it cannot read
// that way, and the caller decodes the line with the JSON library instead:
// invalid JSON, a read field that is not a plain string (an escape, a byte
// outside printable ASCII, a number, null), a key read twice or written in
// another case than Segment's (the library matches keys case-insensitively),
// traits or a batch at the top level, an identify or group call, nesting
// deeper than maxScanDepth. So it may be strict, never lenient: a line it
// accepts, the library accepts with the same result (FuzzSegmentScan checks).
func scanSegment(b []byte, f *segmentFast) bool {
	*f = segmentFast{}
	s := jsonScanner{b: b}
	var seen uint32
	ok := s.object(func(key []byte) bool {
		field, bit := segmentField(f, key)
		switch {
		case bit == 0:
			return s.skipValue(0)
		case seen&bit != 0:
			return false // a repeated key: the library's last-wins is not worth copying
		}
		seen |= bit
		switch bit {
		case fieldContext:
			return s.groupIDObject(&f.Context.GroupID)
		case fieldProperties:
			return s.groupIDObject(&f.Properties.GroupID)
		case fieldRefused:
			return false
		}
		v, ok := s.plainString()
		*field = view(v)
		return ok
	})
	if !ok {
		return false
	}
	s.space()
	if s.i != len(b) {
		return false
	}
	if f.Type == "" {
		return f.Event != ""
	}
	k, known := core.ParseKind(f.Type)
	return known && k.IsActivity()
}

// Bits of the top-level keys scanSegment reads.
const (
	fieldContext uint32 = 1 << (iota + 16)
	fieldProperties
	fieldRefused // traits, batch, or a known key in another case
)

// segmentField maps a top-level key to the string it fills and its bit in
// the seen set; bit 0 means a key to skip.
func segmentField(f *segmentFast, key []byte) (*string, uint32) {
	switch string(key) { // no allocation: the compiler compares in place
	case "type":
		return &f.Type, 1 << 0
	case "event":
		return &f.Event, 1 << 1
	case "name":
		return &f.Name, 1 << 2
	case "userId":
		return &f.UserID, 1 << 3
	case "anonymousId":
		return &f.AnonymousID, 1 << 4
	case "messageId":
		return &f.MessageID, 1 << 5
	case "timestamp":
		return &f.Timestamp, 1 << 6
	case "originalTimestamp":
		return &f.OriginalTimestamp, 1 << 7
	case "sentAt":
		return &f.SentAt, 1 << 8
	case "receivedAt":
		return &f.ReceivedAt, 1 << 9
	case "groupId":
		return &f.GroupID, 1 << 10
	case "context":
		return nil, fieldContext
	case "properties":
		return nil, fieldProperties
	case "traits", "batch":
		return nil, fieldRefused
	}
	if foldsTo(key, segmentKeys) {
		return nil, fieldRefused
	}
	return nil, 0
}

var groupIDKey = []string{"groupId"}

var segmentKeys = []string{"type", "event", "name", "userId", "anonymousId", "messageId", "timestamp",
	"originalTimestamp", "sentAt", "receivedAt", "groupId", "context", "properties", "traits", "batch"}

// foldsTo reports whether key equals one of names case-insensitively.
func foldsTo(key []byte, names []string) bool {
	for _, n := range names {
		if len(n) == len(key) && strings.EqualFold(n, string(key)) {
			return true
		}
	}
	return false
}

// view returns b as a string sharing its bytes.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// maxScanDepth bounds the nesting jsonScanner skips over.
const maxScanDepth = 64

// jsonScanner validates and walks strict JSON (RFC 8259) in a byte slice.
type jsonScanner struct {
	b []byte
	i int
	// floats refuses numbers beyond a float64's range, which the library
	// refuses when it decodes them into an any (PostHog's properties map).
	floats bool
}

func (s *jsonScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// consume skips white space and then c, reporting whether c was there.
func (s *jsonScanner) consume(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// items reads the comma-separated items of an object or an array whose
// opening byte is consumed, up to its closing byte end.
func (s *jsonScanner) items(end byte, item func() bool) bool {
	if s.consume(end) {
		return true
	}
	for {
		s.space()
		if !item() {
			return false
		}
		if !s.consume(',') {
			return s.consume(end)
		}
	}
}

// object reads an object whose keys are plain strings, calling member with
// each key once the scanner stands at its value (after white space).
func (s *jsonScanner) object(member func(key []byte) bool) bool {
	return s.consume('{') && s.items('}', func() bool {
		key, ok := s.plainString()
		if !ok || !s.consume(':') {
			return false
		}
		s.space()
		return member(key)
	})
}

// groupIDObject reads an object (context or properties), keeping its groupId.
func (s *jsonScanner) groupIDObject(dst *string) bool {
	seen := false
	return s.object(func(key []byte) bool {
		switch {
		case string(key) == "groupId":
			if seen {
				return false
			}
			seen = true
			v, ok := s.plainString()
			*dst = view(v)
			return ok
		case foldsTo(key, groupIDKey):
			return false
		}
		return s.skipValue(0)
	})
}

// plainString reads a string of printable ASCII without escapes.
func (s *jsonScanner) plainString() ([]byte, bool) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false
	}
	start := s.i + 1
	j := stringStop(s.b, start, true)
	if j >= len(s.b) || s.b[j] != '"' {
		return nil, false
	}
	s.i = j + 1
	return s.b[start:j], true
}

// stringStop returns the index of the first byte from i on that ends or
// interrupts a plain string: a quote, a backslash, a control byte, and with
// high a byte from 0x80 up; len(b) when there is none. It tests eight bytes
// at a time: subtracting from a word flags a byte below the subtrahend, and a
// borrow can only flag bytes after a flagged one, so the lowest flag is exact.
func stringStop(b []byte, i int, high bool) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	var highMask uint64
	if high {
		highMask = highs
	}
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		q := w ^ (ones * '"')
		bs := w ^ (ones * '\\')
		m := (q-ones)&^q | (bs-ones)&^bs | (w-ones*0x20)&^w
		if m = m&highs | w&highMask; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 || (high && c >= 0x80) {
			return i
		}
	}
	return i
}

// skipValue passes over one JSON value of any kind.
func (s *jsonScanner) skipValue(depth int) bool {
	if s.i >= len(s.b) || depth > maxScanDepth {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		return s.skipString()
	case c == '{':
		s.i++
		return s.items('}', func() bool {
			if !s.skipString() || !s.consume(':') {
				return false
			}
			s.space()
			return s.skipValue(depth + 1)
		})
	case c == '[':
		s.i++
		return s.items(']', func() bool { return s.skipValue(depth + 1) })
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.skipNumber()
	}
	return false
}

func (s *jsonScanner) literal(word string) bool {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return false
	}
	s.i += len(word)
	return true
}

// skipString passes over a string, checking its escapes. Bytes from 0x80 up
// are taken as they are, as the JSON library takes them.
func (s *jsonScanner) skipString() bool {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return false
	}
	for j := s.i + 1; ; {
		j = stringStop(s.b, j, false)
		if j >= len(s.b) {
			return false
		}
		switch s.b[j] {
		case '"':
			s.i = j + 1
			return true
		case '\\':
			if j+1 >= len(s.b) {
				return false
			}
			switch s.b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if j+6 > len(s.b) {
					return false
				}
				for _, h := range s.b[j+2 : j+6] {
					if !isHex(h) {
						return false
					}
				}
				j += 6
			default:
				return false
			}
		default: // a control byte
			return false
		}
	}
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// skipNumber passes over a number in JSON's grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *jsonScanner) skipNumber() bool {
	b, i := s.b, s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	exp := i < len(b) && (b[i] == 'e' || b[i] == 'E')
	if exp {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	// A number ends at a delimiter: "1x" or "01" is not JSON.
	if i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r', ',', '}', ']':
		default:
			return false
		}
	}
	if s.floats && (exp || i-s.i > 300) {
		if _, err := strconv.ParseFloat(string(b[s.i:i]), 64); err != nil {
			return false
		}
	}
	s.i = i
	return true
}
