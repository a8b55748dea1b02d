package core

import (
	"strconv"
	"testing"
)

// BenchmarkIDSetInsert inserts 2 million distinct ids in the order the
// parallel ingest checks them (the table ends far larger than the CPU
// caches): about 2.7 M such inserts are the id set's cost on make bench's export.
func BenchmarkIDSetInsert(b *testing.B) {
	const n = 2_000_000
	hashes := make([]uint64, n)
	for i := range hashes {
		hashes[i] = IDHash("msg-" + strconv.Itoa(i))
	}
	b.ResetTimer()
	for range b.N {
		var s idSet
		for _, h := range hashes {
			s.insert(h)
		}
		if s.Len() != n {
			b.Fatalf("%d ids in the set, want %d", s.Len(), n)
		}
	}
}
