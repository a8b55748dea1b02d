package core

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// chunkSize is the size of the blocks JSON lines are cut into for the parallel
// decoders; each block ends at a line end.
var chunkSize = 4 << 20

// Ingest reads one whole input into a Rollup: it gunzips by magic bytes, detects
// the format (unless opt.Format says it), and rolls up every event. Bad records
// are counted in into.Input by reason (the first ones described with file, line
// and field); with opt.Strict the first one is returned as a *ParseError.
//
// JSON lines are decoded in parallel: the input is cut into blocks at line ends,
// each decoder rolls its blocks up on its own, and the rollups are merged, which
// gives the same Rollup as reading in order. Memory stays flat in the input size.
func Ingest(ctx context.Context, r io.Reader, opt ReadOptions, into *Rollup) error {
	br, f, err := prepare(r, &opt)
	if err != nil {
		return err
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	jsonFormat := f == FormatSegment || f == FormatMixpanel || f == FormatAmplitude ||
		(f == FormatPostHog && isJSONLines(br))
	if jsonFormat && isJSONLines(br) && workers > 1 && !opt.Strict {
		return ingestParallel(ctx, br, f, &opt, workers, into)
	}
	src, err := newSource(br, f, &opt)
	if err != nil {
		return err
	}
	switch s := src.(type) {
	case *linesSource:
		forRollup(s.dec)
	case *documentSource:
		forRollup(s.rec)
	}
	return drain(ctx, src, into, opt.Strict)
}

type chunk struct {
	buf       *[]byte
	data      []byte
	firstLine int // line number of data's first line
}

func ingestParallel(ctx context.Context, br *bufio.Reader, f Format, opt *ReadOptions, workers int, into *Rollup) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	free := make(chan *[]byte, workers*2+1)
	for i := 0; i < cap(free); i++ {
		b := make([]byte, chunkSize)
		free <- &b
	}
	work := make(chan chunk, workers)
	parts := make([]*Rollup, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		part, err := NewRollup(into.TZ())
		if err != nil {
			return err
		}
		dec, err := newRecordDecoder(f, opt)
		if err != nil {
			return err
		}
		forRollup(dec)
		parts[w] = part
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				decodeChunk(c, dec, part, opt.File)
				free <- c.buf
			}
			part.counts.settle() // sort the last adds here, on this core
		}()
	}

	readErr := splitLines(ctx, br, free, work)
	close(work)
	wg.Wait()
	if readErr != nil {
		return readErr
	}
	// Merge the smaller rollups into the largest, which an empty target adopts
	// as it is: merging costs a map insert per cell of what is merged.
	slices.SortFunc(parts, func(a, b *Rollup) int { return b.Len() - a.Len() })
	for i, p := range parts[1:] {
		if err := parts[0].Merge(p); err != nil {
			return err
		}
		parts[i+1] = nil // its memory can go
	}
	return into.Merge(parts[0])
}

// splitLines cuts the input into blocks that end at a line end and sends them.
func splitLines(ctx context.Context, br *bufio.Reader, free chan *[]byte, work chan<- chunk) error {
	var carry []byte
	line := 1
	for {
		var buf *[]byte
		select {
		case buf = <-free:
		case <-ctx.Done():
			return ctx.Err()
		}
		b := (*buf)[:0]
		b = append(b, carry...)
		carry = carry[:0]
		// Fill the block.
		for len(b) < cap(b) {
			n, err := br.Read(b[len(b):cap(b)])
			b = b[:len(b)+n]
			if err == io.EOF {
				if len(b) > 0 {
					work <- chunk{buf: buf, data: b, firstLine: line}
				} else {
					free <- buf
				}
				return nil
			}
			if err != nil {
				return err
			}
		}
		cut := bytes.LastIndexByte(b, '\n')
		if cut < 0 {
			// One line longer than the block: grow it and keep reading.
			grown := make([]byte, len(b), 2*cap(b))
			copy(grown, b)
			carry = append(carry[:0], grown...)
			*buf = (*buf)[:0]
			free <- buf
			continue
		}
		carry = append(carry[:0], b[cut+1:]...)
		data := b[:cut+1]
		n := bytes.Count(data, []byte{'\n'})
		work <- chunk{buf: buf, data: data, firstLine: line}
		line += n
	}
}

func decodeChunk(c chunk, dec recordDecoder, into *Rollup, file string) {
	data := c.data
	line := c.firstLine
	add := into.Add
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var rec []byte
		if i < 0 {
			rec, data = data, nil
		} else {
			rec, data = data[:i], data[i+1:]
		}
		rec = bytes.TrimSpace(rec)
		if len(rec) > 0 {
			if pe := dec.decode(rec, add); pe != nil {
				pe.File, pe.Line = file, line
				into.Skip(pe.Reason, pe)
			}
		}
		line++
	}
}

// IngestZip reads every file of a .zip archive (Amplitude exports are a zip of
// .json.gz files) into a Rollup. Entries are named "archive.zip/entry" in
// errors; folders and hidden files (__MACOSX, .DS_Store) are passed over.
func IngestZip(ctx context.Context, ra io.ReaderAt, size int64, opt ReadOptions, into *Rollup) error {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return fmt.Errorf("%s: zip: %w", displayName(opt.File), err)
	}
	archive := displayName(opt.File)
	progress := opt.Progress
	var done int64
	for _, zf := range zr.File {
		base := path.Base(zf.Name)
		if zf.FileInfo().IsDir() || strings.HasPrefix(base, ".") || strings.HasPrefix(zf.Name, "__MACOSX/") {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return fmt.Errorf("%s/%s: %w", archive, zf.Name, err)
		}
		eopt := opt
		eopt.File = archive + "/" + zf.Name
		if progress != nil {
			start := done
			eopt.Progress = func(n int64) { progress(start + n) }
		}
		err = Ingest(ctx, rc, eopt, into)
		rc.Close()
		if err != nil {
			var pe *ParseError
			if errors.As(err, &pe) {
				return err
			}
			return fmt.Errorf("%s: %w", eopt.File, err)
		}
		done += int64(zf.CompressedSize64)
	}
	return nil
}
