package ingest

import (
	"fmt"

	"github.com/sep-project/sep/core"
)

// LineDecoder decodes the records of a JSON format given one line at a time
// by a reader that cuts them apart itself (a Parquet file's rows written as
// JSON lines, decoded on ReadBatches' workers), as the JSON-lines path decodes
// each line of a block. One is used by one goroutine at a time.
type LineDecoder struct {
	dec recordDecoder
}

// NewLineDecoder returns a decoder of f's JSON lines for these options; f
// must be a JSON format without notes of its own (Segment): the others read
// as files.
func NewLineDecoder(f core.Format, opt Options) (*LineDecoder, error) {
	if f != core.FormatSegment {
		return nil, fmt.Errorf("format %s is not read line by line", f)
	}
	dec, err := newRecordDecoder(f, &opt)
	if err != nil {
		return nil, err
	}
	forRollup(dec)
	return &LineDecoder{dec: dec}, nil
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
