package core

import (
	"fmt"
	"testing"
)

func TestIDSetGrowsAndCounts(t *testing.T) {
	var s idSet
	for i := 0; i < 100000; i++ {
		if !s.insert(IDHash(fmt.Sprint("id-", i))) {
			t.Fatalf("id-%d reported as a repeat", i)
		}
	}
	for i := 0; i < 100000; i += 7 {
		if s.insert(IDHash(fmt.Sprint("id-", i))) {
			t.Fatalf("id-%d not found again", i)
		}
	}
	if s.Len() != 100000 || len(s.slots)*3 < s.Len()*4 {
		t.Fatalf("%d ids in %d slots", s.Len(), len(s.slots))
	}
	// The hash is fixed (the same on every platform and run).
	if h := IDHash("ajs-next-69bd8b4c7a2c41a4bb0a9e5b0f7a1d2e"); h != IDHash("ajs-next-69bd8b4c7a2c41a4bb0a9e5b0f7a1d2e") || h == IDHash("ajs-next-69bd8b4c7a2c41a4bb0a9e5b0f7a1d2f") {
		t.Fatal("IDHash is not a function of the id")
	}
}

// IDHash spreads ids that differ in one byte, or only in length, apart.
func TestIDHashSpreads(t *testing.T) {
	seen := map[uint64]string{}
	for _, base := range []string{"", "m-1", "0191a6c2-1c1e-7000-8000-000000000001", "ajs-next-69bd8b4c7a2c41a4bb0a9e5b0f7a1d2e"} {
		for i := 0; i <= len(base); i++ {
			for _, id := range []string{base[:i], base[:i] + "\x00", base[:i] + "x"} {
				h := IDHash(id)
				if other, ok := seen[h]; ok && other != id {
					t.Fatalf("%q and %q share a hash", id, other)
				}
				seen[h] = id
			}
		}
	}
}

// TestIDSetInsertAll: a block's hashes are marked as repeats exactly as one
// insert after the other would: repeats of earlier blocks and of the same
// block, 0 (no id) never, and the set grows across blocks.
func TestIDSetInsertAll(t *testing.T) {
	var one, all idSet
	for b := 0; b < 40; b++ {
		hs := make([]uint64, 500)
		for i := range hs {
			switch i % 5 {
			case 0:
				hs[i] = 0
			case 1:
				hs[i] = IDHash(fmt.Sprint("id-", b*500+i))
			case 2:
				hs[i] = hs[i-1] // same block
			case 3:
				hs[i] = IDHash(fmt.Sprint("id-", (b*500+i)/3)) // often an earlier block's
			default:
				hs[i] = IDHash(fmt.Sprint("id-", b*500+i))
			}
		}
		dup := make([]bool, len(hs))
		for i := range dup {
			dup[i] = true // insertAll must set every entry
		}
		all.insertAll(hs, dup)
		for i, h := range hs {
			want := h != 0 && !one.insert(h)
			if dup[i] != want {
				t.Fatalf("block %d, hash %d: repeat %v, want %v", b, i, dup[i], want)
			}
		}
	}
	if all.Len() != one.Len() || all.Len() == 0 || len(all.slots)*3 < all.Len()*4 {
		t.Fatalf("%d ids in %d slots, want %d ids", all.Len(), len(all.slots), one.Len())
	}
}
