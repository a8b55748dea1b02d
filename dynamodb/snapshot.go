package dynamodb

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/sep-project/sep/core"
)

// Closed days compacted (core.Compactor). A read must not Scan the day items
// of closed days, but they keep the messageIds that deduplicate retries, so
// they stay in the table and leave the sparse index "live" instead:
//
//   - Every item a read needs carries "lv" (a shard, "0".."f"): day items
//     that hold counts, memberships, traits, input counters, the generation.
//     Load Scans the index, not the table.
//   - Compact seals each day item of a closed day: one conditional update
//     moves its counts into "sg" (a map, name -> count) stamped "sv" = the
//     day's next snapshot version. It then writes that version's snapshot
//     (core.DaySnapshot: the current one plus the staged counts) in parts
//     of at most PartBytes ("zp|day|version|part", read by BatchGetItem),
//     commits it in the snapshot index item ("meta|snapshots": one attribute
//     a day, "version,parts,events,activity", read by GetItem), and finally
//     takes the items out of the index (REMOVE sg, sv, lv).
//   - Load counts staged counts only while their version is not committed,
//     so a report is the same before, during and after a compaction, and
//     after one that died half-way (the next one resumes it).
//   - A late event for a compacted day adds to its day item as before (its
//     messageIds are there) and puts it back in the index: Load adds it
//     beside the snapshot; the next Compact folds it in.
//   - Every change to a day item adds one to its write counter "w"; each step
//     of Compact is conditional on it, so a concurrent event is never lost.
//
// The index is eventually consistent. Load reads the generation (strongly)
// first and Scans the index until the index's copy of it has caught up (the
// generation is written after each delivery's counts), and Compact waits
// Settle between sealing and committing, so a read never counts an item's
// pre-seal counts beside the committed snapshot that holds them.

var _ core.Compactor = (*Store)(nil)

// Attributes and keys of the snapshot layout.
const (
	indexLive   = "live"
	attrLive    = "lv"
	attrWrites  = "w"
	attrStaged  = "sg"
	attrStagedV = "sv"
	attrData    = "b"
	snapIndex   = "meta|snapshots"
)

// PartBytes is the most a snapshot part holds: DynamoDB's item limit is 400 KB
// (names and values); a part is read at 44 read units (eventually
// consistent, 8 KB a unit).
const PartBytes = 350_000

// Settle is how long Compact waits between sealing the day items and
// committing their snapshots: longer than the index lags behind the table
// (AWS: "typically under a second"). Tests on dynalite, which has no lag,
// set Store.Settle to 0.
const Settle = 2 * time.Second

// snapshotAPI is what the snapshot layout needs of *ddb.Client beyond API.
type snapshotAPI interface {
	itemGetter
	BatchGetItem(context.Context, *ddb.BatchGetItemInput, ...func(*ddb.Options)) (*ddb.BatchGetItemOutput, error)
	DeleteItem(context.Context, *ddb.DeleteItemInput, ...func(*ddb.Options)) (*ddb.DeleteItemOutput, error)
}

// liveShard is the index key of an item: one of 16 values, so that the
// index's writes spread over partitions.
func liveShard(k string) types.AttributeValue {
	h := fnv.New32a()
	h.Write([]byte(k))
	return str(string("0123456789abcdef"[h.Sum32()&15]))
}

// manifest is a day's committed snapshot: its version, its parts, and the
// input counters of the counts folded into it.
type manifest struct {
	version, parts, events, activity int64
}

func (m manifest) String() string {
	return fmt.Sprintf("%d,%d,%d,%d", m.version, m.parts, m.events, m.activity)
}

func dayAttr(d core.Day) string { return "z" + strconv.Itoa(int(d)) }

func partKey(d core.Day, version, part int64) string {
	return fmt.Sprintf("zp|%d|%d|%d", d, version, part)
}

// manifests reads the snapshot index item (one strongly consistent GetItem).
func (s *Store) manifests(ctx context.Context) (map[core.Day]manifest, error) {
	res, err := s.snap.GetItem(ctx, &ddb.GetItemInput{TableName: &s.table, Key: key(snapIndex), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, err
	}
	out := map[core.Day]manifest{}
	for name, v := range res.Item {
		if !strings.HasPrefix(name, "z") {
			continue
		}
		d, err := strconv.Atoi(name[1:])
		var m manifest
		if err == nil {
			_, err = fmt.Sscanf(getS(res.Item, name), "%d,%d,%d,%d", &m.version, &m.parts, &m.events, &m.activity)
		}
		if _, isS := v.(*types.AttributeValueMemberS); err != nil || !isS {
			return nil, fmt.Errorf("%w: snapshot index attribute %s", core.ErrCorruptSnapshot, name)
		}
		out[core.Day(d)] = m
	}
	return out, nil
}

// scanLive Scans the live index (four segments in parallel); with filter, only
// the items it keeps are returned (the index's read units are the same).
func (s *Store) scanLive(ctx context.Context, filter string, names map[string]string, values map[string]types.AttributeValue) ([]map[string]types.AttributeValue, error) {
	in := ddb.ScanInput{TableName: &s.table, IndexName: aws.String(indexLive)}
	if filter != "" {
		in.FilterExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues = &filter, names, values
	}
	return s.scanSegments(ctx, in)
}

// readLive returns the live items once the index has caught up with the
// generation read before (up to about 2 s, else an error: retry the read).
func (s *Store) readLive(ctx context.Context) ([]map[string]types.AttributeValue, error) {
	res, err := s.snap.GetItem(ctx, &ddb.GetItemInput{TableName: &s.table, Key: key(genKey), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, err
	}
	gen := getN(res.Item, attrN)
	for try := 0; ; try++ {
		items, err := s.scanLive(ctx, "", nil, nil)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if getS(it, attrKey) == genKey && getN(it, attrN) >= gen {
				return items, nil
			}
		}
		if gen == 0 {
			return items, nil // nothing delivered yet
		}
		if try == 20 {
			return nil, fmt.Errorf("the live index is behind the table (generation %d not in it after 2 s): retry", gen)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// loadSnapshots adds the committed snapshots of the days from..to to r, and
// the input counters of every committed day to r.Input: each day's parts
// joined, all days at once (core.Rollup.AddDaySnapshots).
func (s *Store) loadSnapshots(ctx context.Context, r *core.Rollup, days map[core.Day]manifest, from, to core.Day) error {
	var keys []string
	for d, m := range days {
		r.Input.Events += m.events
		r.Input.ActivityEvents += m.activity
		if d >= from && d <= to {
			for p := int64(0); p < m.parts; p++ {
				keys = append(keys, partKey(d, m.version, p))
			}
		}
	}
	parts, err := s.getParts(ctx, keys)
	if err != nil {
		return err
	}
	var snaps [][]byte
	for d, m := range days {
		if d < from || d > to {
			continue
		}
		b, err := joinParts(d, m, parts)
		if err != nil {
			return err
		}
		snaps = append(snaps, b)
	}
	return r.AddDaySnapshots(snaps)
}

// joinParts joins the parts of a day's snapshot.
func joinParts(d core.Day, m manifest, parts map[string][]byte) ([]byte, error) {
	var b []byte
	for p := int64(0); p < m.parts; p++ {
		part, ok := parts[partKey(d, m.version, p)]
		if !ok {
			return nil, fmt.Errorf("snapshot of %s: %w: part %d of %d missing", d, core.ErrCorruptSnapshot, p+1, m.parts)
		}
		b = append(b, part...)
	}
	return b, nil
}

// decodeParts joins the parts of a day's snapshot and decodes them.
func decodeParts(d core.Day, m manifest, parts map[string][]byte, fn func(core.Count)) error {
	b, err := joinParts(d, m, parts)
	if err != nil {
		return err
	}
	if _, err := core.DecodeDaySnapshot(b, fn); err != nil {
		return fmt.Errorf("snapshot of %s: %w", d, err)
	}
	return nil
}

// getParts reads snapshot parts by key with BatchGetItems (100 keys a call,
// unprocessed keys asked again). A part never changes once written (a new
// version has new keys), so it is read eventually consistent (half the read
// units); one not visible yet (written just before its commit) is asked
// again strongly consistent.
func (s *Store) getParts(ctx context.Context, keys []string) (map[string][]byte, error) {
	out := map[string][]byte{}
	if err := s.batchGet(ctx, keys, false, out); err != nil {
		return nil, err
	}
	var missing []string
	for _, k := range keys {
		if _, ok := out[k]; !ok {
			missing = append(missing, k)
		}
	}
	if err := s.batchGet(ctx, missing, true, out); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) batchGet(ctx context.Context, keys []string, consistent bool, out map[string][]byte) error {
	for i := 0; i < len(keys); i += 100 {
		var ks []map[string]types.AttributeValue
		for _, k := range keys[i:min(i+100, len(keys))] {
			ks = append(ks, key(k))
		}
		req := map[string]types.KeysAndAttributes{s.table: {Keys: ks, ConsistentRead: aws.Bool(consistent)}}
		for len(req) > 0 {
			res, err := s.snap.BatchGetItem(ctx, &ddb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return err
			}
			for _, it := range res.Responses[s.table] {
				if b, ok := it[attrData].(*types.AttributeValueMemberB); ok {
					out[getS(it, attrKey)] = b.Value
				}
			}
			req = res.UnprocessedKeys
		}
	}
	return nil
}

// countsOf returns the count attributes of a day item ("e:", "p:", "i") or
// of its staged map, without the zeros.
func countsOf(attrs map[string]types.AttributeValue) map[string]int64 {
	out := map[string]int64{}
	for name, v := range attrs {
		if name == attrIdent || strings.HasPrefix(name, "e:") || strings.HasPrefix(name, "p:") {
			if n := numOf(v); n != 0 {
				out[name] = n
			}
		}
	}
	return out
}

// addCounts adds a day item's counts (live or staged) to r: every count to
// the input counters, the activity of the days from..to as cells.
func addCounts(r *core.Rollup, user, account string, day core.Day, counts map[string]int64, from, to core.Day) {
	in := &r.Input
	for name, n := range counts {
		in.Events += n
		if name == attrIdent {
			continue
		}
		in.ActivityEvents += n
		if day >= from && day <= to && n > 0 {
			r.AddCount(core.Count{User: user, Account: account, Event: name[2:], Navigation: name[0] == 'p', Day: day, N: uint32(n)})
		}
	}
}

// staged returns a day item's staged counts and their version (nil, 0: none).
func staged(it map[string]types.AttributeValue) (map[string]int64, int64) {
	m, ok := it[attrStaged].(*types.AttributeValueMemberM)
	if !ok {
		return nil, 0
	}
	return countsOf(m.Value), getN(it, attrStagedV)
}

// SnapshotDays returns how many days have a snapshot (storetest.SnapshotCounter).
func (s *Store) SnapshotDays(ctx context.Context) (int, error) {
	if s.snap == nil {
		return 0, nil
	}
	days, err := s.manifests(ctx)
	n := 0
	for _, m := range days {
		if m.parts > 0 {
			n++
		}
	}
	return n, err
}
