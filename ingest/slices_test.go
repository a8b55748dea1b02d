package ingest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/sep-project/sep/core"
)

// slicedExport is a Segment export whose repeats fall far from their first
// copy, so that cutting it into 2..4 slices puts copies in different slices:
// track repeats whose copies differ (another event name, day and account),
// identify and group repeats whose traits differ (the first copy's traits
// must win, even when a later copy is newer), records without an id, bad
// lines (their line numbers must come out as in one read) and an event
// from far in the future.
func slicedExport() []byte {
	var b strings.Builder
	events := []string{"Report Created", "Dashboard Shared", "Export Run", "Alert Set"}
	for i := 0; i < 600; i++ {
		day := 1 + i%28
		user := fmt.Sprintf("u%d", i%37)
		acct := fmt.Sprintf("acct-%d", i%37%6)
		switch {
		case i%97 == 13:
			b.WriteString("{\"type\":\"track\",\"event\":broken\n")
		case i%53 == 7:
			fmt.Fprintf(&b, `{"type":"identify","userId":%q,"messageId":"id-%d","timestamp":"2026-08-%02dT08:00:00Z","traits":{"plan":"p%d"}}`+"\n", user, i, day, i)
		case i%41 == 5:
			fmt.Fprintf(&b, `{"type":"group","userId":%q,"groupId":%q,"messageId":"grp-%d","timestamp":"2026-08-%02dT09:00:00+05:30","traits":{"seats":"%d"}}`+"\n", user, acct, i, day, 3+i%5)
		case i%31 == 3:
			fmt.Fprintf(&b, `{"type":"track","event":%q,"userId":%q,"timestamp":"2026-08-%02dT10:00:00Z"}`+"\n", events[i%4], user, day)
		default:
			fmt.Fprintf(&b, `{"type":"track","event":%q,"userId":%q,"messageId":"m-%d","context":{"groupId":%q},"timestamp":"2026-08-%02dT11:%02d:00Z"}`+"\n", events[i%4], user, i, acct, day, i%60)
		}
		// Repeats of a record ~150 lines earlier, whose copies differ.
		if j := i - 150; j >= 0 && i%7 == 0 {
			switch {
			case j%53 == 7:
				fmt.Fprintf(&b, `{"type":"identify","userId":"u%d","messageId":"id-%d","timestamp":"2026-08-28T23:00:00Z","traits":{"plan":"later-%d"}}`+"\n", j%37, j, i)
			case j%41 == 5:
				fmt.Fprintf(&b, `{"type":"group","userId":"u%d","groupId":"acct-late","messageId":"grp-%d","timestamp":"2026-08-28T23:00:00Z","traits":{"seats":"99"}}`+"\n", j%37, j)
			case j%31 == 3 || j%97 == 13:
			default:
				fmt.Fprintf(&b, `{"type":"track","event":"Copy %d","userId":"u%d","messageId":"m-%d","context":{"groupId":"acct-copy"},"timestamp":"2026-08-27T11:00:00Z"}`+"\n", i, i%37, j)
			}
		}
		if i == 300 {
			b.WriteString(`{"type":"track","event":"Report Created","userId":"u1","messageId":"future","timestamp":"2099-01-01T00:00:00Z"}` + "\n")
		}
	}
	return []byte(b.String())
}

// cutLines cuts data into n slices of about equal size, each ending at a line end.
func cutLines(data []byte, n int) [][]byte {
	var out [][]byte
	start := 0
	for k := 1; k <= n && start < len(data); k++ {
		end := len(data)
		if k < n {
			end = max(start, k*len(data)/n)
			if i := bytes.IndexByte(data[end:], '\n'); i >= 0 {
				end += i + 1
			} else {
				end = len(data)
			}
		}
		out = append(out, data[start:end])
		start = end
	}
	return out
}

// readSliced reads data as the page's pool does: the first slice into into,
// the others each into its own Rollup carried through its binary form, read
// again with their repeats seeded, and added in slice order.
func readSliced(t *testing.T, data []byte, n int, opt Options, into *core.Rollup) {
	t.Helper()
	ctx := context.Background()
	f, ok, err := SliceFormat(data[:min(len(data), peekSize)], opt)
	if err != nil || !ok {
		t.Fatalf("SliceFormat: %s, %v, %v", f, ok, err)
	}
	opt.Format = f
	s := BeginSlices(into, opt.File, f)
	slices := cutLines(data, n)
	notes, err := ReadSlice(ctx, bytes.NewReader(slices[0]), opt, into)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Add(nil, notes); err != nil {
		t.Fatal(err)
	}
	repeated := 0
	for _, sl := range slices[1:] {
		read := func(seed []uint64) (*core.Rollup, SliceNotes) {
			part, _ := core.NewRollup(into.TZ())
			part.SeedIDs(seed)
			notes, err := ReadSlice(ctx, bytes.NewReader(sl), opt, part)
			if err != nil {
				t.Fatal(err)
			}
			return part, notes
		}
		part, notes := read(nil)
		if rep := s.Repeats(part.IDs()); len(rep) > 0 {
			repeated++
			part, notes = read(rep)
		}
		b, err := part.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if part, err = core.UnmarshalRollup(b); err != nil {
			t.Fatal(err)
		}
		if err := s.Add(part, notes); err != nil {
			t.Fatal(err)
		}
	}
	s.End()
	if n > 1 && repeated == 0 {
		t.Fatalf("%d slices: no slice repeats an earlier one's id: the test does not cross slices", n)
	}
}

// TestSlicedReadEqualsOneRead checks that reading an export in 1 to 4 slices
// (after another file whose ids it repeats) gives the report of one
// sequential read, byte for byte, and of the parallel native reader.
func TestSlicedReadEqualsOneRead(t *testing.T) {
	data := slicedExport()
	earlier := []byte(`{"type":"track","event":"Alert Set","userId":"u2","messageId":"m-20","timestamp":"2026-08-02T07:00:00Z"}` + "\n" +
		`{"type":"identify","userId":"u9","messageId":"id-60","timestamp":"2026-08-01T07:00:00Z","traits":{"plan":"earliest"}}` + "\n")
	ctx := context.Background()
	s := core.Settings{CoreEvents: []string{"Report Created", "Export Run"}, AsOf: "2026-08-28", Window: 14}
	first := Options{Workers: 1, File: "earlier.jsonl", Range: core.TimeRange{Now: testClock}}
	opt := Options{Workers: 1, File: "dir/export.jsonl", Range: core.TimeRange{Now: testClock}}
	for _, tz := range []string{"UTC", "Asia/Kolkata"} {
		s.TZ = tz
		seq, _ := core.NewRollup(tz)
		for _, in := range []struct {
			data []byte
			opt  Options
		}{{earlier, first}, {data, opt}} {
			if err := Read(ctx, bytes.NewReader(in.data), in.opt, seq); err != nil {
				t.Fatal(err)
			}
		}
		want := reportJSON(t, mustScore(t, seq, s))
		if seq.Input.Duplicates < 30 || seq.Input.Skipped == 0 || len(seq.Input.Errors) == 0 {
			t.Fatalf("fixture: %+v", seq.Input)
		}
		par, _ := core.NewRollup(tz)
		popt := opt
		popt.Workers = 3
		for _, in := range []struct {
			data []byte
			opt  Options
		}{{earlier, first}, {data, popt}} {
			if err := Read(ctx, bytes.NewReader(in.data), in.opt, par); err != nil {
				t.Fatal(err)
			}
		}
		if got := reportJSON(t, mustScore(t, par, s)); got != want {
			t.Fatalf("%s: the native parallel reader differs from one read", tz)
		}
		for n := 1; n <= 4; n++ {
			into, _ := core.NewRollup(tz)
			if err := Read(ctx, bytes.NewReader(earlier), first, into); err != nil {
				t.Fatal(err)
			}
			readSliced(t, data, n, opt, into)
			if got := reportJSON(t, mustScore(t, into, s)); got != want {
				t.Errorf("%s, %d slices: report differs from one read:\n%s\n---\n%s", tz, n, got, want)
			}
		}
	}
}

// TestSlicesWithoutRepeatMergeWithoutRereading checks that an export whose
// repeats stay within a slice needs no second read.
func TestSlicesWithoutRepeatMergeWithoutRereading(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&b, `{"type":"track","event":"E%d","userId":"u%d","messageId":"m-%d","timestamp":"2026-08-%02dT11:00:00Z"}`+"\n", i%3, i%11, i/2, 1+i%20)
	}
	data := []byte(b.String())
	into, _ := core.NewRollup("UTC")
	opt := Options{Format: core.FormatSegment, File: "x.jsonl", Range: core.TimeRange{Now: testClock}}
	cut := bytes.Index(data, []byte(`"m-50"`))
	cut = bytes.LastIndexByte(data[:cut], '\n') + 1
	sl := [][]byte{data[:cut], data[cut:]}
	if _, err := ReadSlice(context.Background(), bytes.NewReader(sl[0]), opt, into); err != nil {
		t.Fatal(err)
	}
	s := BeginSlices(into, "x.jsonl", core.FormatSegment)
	part, _ := core.NewRollup("UTC")
	if _, err := ReadSlice(context.Background(), bytes.NewReader(sl[1]), opt, part); err != nil {
		t.Fatal(err)
	}
	if rep := s.Repeats(part.IDs()); len(rep) != 0 {
		t.Fatalf("%d repeats across a cut between the two copies of an id: want 0", len(rep))
	}
	if into.Input.Duplicates+part.Input.Duplicates != 100 {
		t.Fatalf("duplicates %d + %d, want 100", into.Input.Duplicates, part.Input.Duplicates)
	}
}

// TestUnmarshalRollupRefusesDamage checks that a cut or altered binary form is
// an error, never a panic.
func TestUnmarshalRollupRefusesDamage(t *testing.T) {
	r, _ := core.NewRollup("Europe/Paris")
	if err := Read(context.Background(), bytes.NewReader(slicedExport()), Options{Workers: 1, File: "x", Range: core.TimeRange{Now: testClock}}, r); err != nil {
		t.Fatal(err)
	}
	b, err := r.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	back, err := core.UnmarshalRollup(b)
	if err != nil {
		t.Fatal(err)
	}
	if a, c := reportJSON(t, mustScore(t, r, core.Settings{TZ: "Europe/Paris"})), reportJSON(t, mustScore(t, back, core.Settings{TZ: "Europe/Paris"})); a != c {
		t.Fatal("a rollup read back scores differently")
	}
	for _, cut := range []int{0, 3, 5, 9, len(b) / 3, len(b) / 2, len(b) - 1} {
		if _, err := core.UnmarshalRollup(b[:cut]); err == nil {
			t.Errorf("cut at %d of %d: no error", cut, len(b))
		}
	}
	bad := bytes.Clone(b)
	bad[len("SEPR1")+1] = 0xff // the time zone's first byte, after the magic
	if _, err := core.UnmarshalRollup(bad); err == nil {
		t.Error("an altered time zone: no error")
	}
}
