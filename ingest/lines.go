package ingest

import "github.com/sep-project/sep/core"

// LineDecoder decodes the records of a JSON format given one line at a time
// by a reader that cuts them apart itself (a Parquet file's rows written as
// JSON lines, decoded on ReadBatches' workers), as the JSON-lines path decodes
// each line of a block. One is used by one goroutine at a time.
type LineDecoder struct {
	dec recordDecoder
}

// NewSegmentLines returns a decoder of Segment's JSON lines (a format
// without options or notes of its own).
func NewSegmentLines() *LineDecoder {
	dec := &segmentDecoder{}
	forRollup(dec)
	return &LineDecoder{dec: dec}
}

// Line decodes one record, its text without the newline (never blank). The
// events' strings may be views of rec: keep it unchanged until the events are
// rolled up (ReadBatches does, for the events of a Batch).
func (d *LineDecoder) Line(rec []byte, emit func(*core.Event)) *core.ParseError {
	if len(rec)+1 > chunkSize {
		return lineTooLong()
	}
	return d.dec.decode(rec, emit)
}

// PeekSize is how much of an input's start Read looks at to detect its
// format: a reader that detects the format of a text it writes itself looks
// at as much, to find the same.
const PeekSize = peekSize
