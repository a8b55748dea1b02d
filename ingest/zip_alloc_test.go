package ingest

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/sep-project/sep/core"
)

// A zip of many small members (an Amplitude export holds one file per hour)
// reuses the parallel reader's blocks from member to member: reading it
// allocates well under one block per member (it allocated 2×workers+1 blocks
// of chunkSize for each member, 6.7 s for 1,339 members instead of 0.05 s for
// the same lines).
func TestZipOfSmallMembersReusesBlocks(t *testing.T) {
	const members = 150
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for m := 0; m < members; m++ {
		w, _ := zw.Create(fmt.Sprintf("318806/318806_2026-09-%02d_%d#0.json", 1+m/24, m%24))
		fmt.Fprintf(w, `{"event_type":"Query Run","user_id":"u%d","event_time":"2026-09-%02d %02d:10:00.000000","insert_id":"i%d"}`+"\n", m%7, 1+m/24, m%24, m)
	}
	zw.Close()
	read := func() {
		r, _ := core.NewRollup("UTC")
		if err := ReadZip(context.Background(), bytes.NewReader(buf.Bytes()), int64(buf.Len()), Options{Workers: 4}, r); err != nil {
			t.Fatal(err)
		}
		if r.Input.ActivityEvents != members {
			t.Fatalf("read %d events, want %d", r.Input.ActivityEvents, members)
		}
	}
	read() // fills the pool
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	read()
	runtime.ReadMemStats(&after)
	perMember := (after.TotalAlloc - before.TotalAlloc) / members
	t.Logf("%d KB allocated per member", perMember>>10)
	if perMember > uint64(chunkSize)/2 {
		t.Fatalf("%d bytes allocated per member of the zip: the blocks (%d bytes) are not reused", perMember, chunkSize)
	}
}
