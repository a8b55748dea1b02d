// Package dynamodb is a core.Store in one DynamoDB table: the store of the AWS
// Lambda host.
//
// DynamoDB has no multi-item atomicity outside transactions, so each write here
// is a single-item conditional update that is safe to retry:
//
//   - A day item per (user, account, day) holds that day's event counts as
//     numeric attributes ("e:Name" for tracked events, "p:Name" for page and
//     screen calls, "i" for identity-only calls) and the set of delivered
//     messageIds (as 8-byte hashes). An event is added by one UpdateItem that
//     ADDs its count and its messageId together, on the condition that the
//     messageId is not in the set yet: a retried delivery adds nothing, a
//     crash between two events loses nothing, and there is no read-modify-write.
//   - Memberships and traits are latest-timestamp-wins conditional SETs, which
//     are idempotent by nature.
//   - Skipped events are counted in per-reason items per ingestion day, with
//     the same messageId condition.
//
// Every rollup item carries a TTL attribute ("ex", epoch seconds) set to its
// day plus the retention (core.DefaultRetentionDays); the messageId hashes live
// as long as the counts they vouch for.
//
// Closed days are compacted into per-day snapshots (snapshot.go, compact.go):
// Load Scans the sparse index "live" (open days, late events, memberships,
// traits, counters) and reads the snapshots' parts by key, instead of
// Scanning every day item of the table. On a table created without the
// index, Load Scans the table and Compact fails.
package dynamodb

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/sep-project/sep/core"
)

// API is the part of the DynamoDB client the store uses.
type API interface {
	UpdateItem(context.Context, *ddb.UpdateItemInput, ...func(*ddb.Options)) (*ddb.UpdateItemOutput, error)
	Scan(context.Context, *ddb.ScanInput, ...func(*ddb.Options)) (*ddb.ScanOutput, error)
	CreateTable(context.Context, *ddb.CreateTableInput, ...func(*ddb.Options)) (*ddb.CreateTableOutput, error)
	DescribeTable(context.Context, *ddb.DescribeTableInput, ...func(*ddb.Options)) (*ddb.DescribeTableOutput, error)
}

// Item attribute names.
const (
	attrKey     = "pk" // the table's only key (string)
	attrType    = "t"  // "d" day, "m" membership, "t" trait, "s" skipped, "meta"
	attrUser    = "u"
	attrAccount = "a"
	attrDay     = "d"
	attrExpires = "ex" // TTL, epoch seconds
	attrIDs     = "ids"
	attrTS      = "ts"
	attrValue   = "v"
	attrID      = "id"
	attrTraitK  = "k"
	attrReason  = "r"
	attrN       = "n"
	attrTZ      = "tz"
	attrIdent   = "i"
)

// maxGroup is how many events of one item go in one conditional update; a
// partly delivered group (a retry) falls back to one update per event.
const maxGroup = 25

// concurrency is how many updates one Ingest has in flight.
const concurrency = 16

// Store is a core.Store in a DynamoDB table.
type Store struct {
	api       API
	table     string
	tz        string
	retention int
	now       func() time.Time
	// snap is the client's calls the snapshot layout needs, nil when the
	// client lacks them or the table has no live index: Load then Scans
	// the table and Compact fails (snapshot.go).
	snap snapshotAPI
	// Settle is how long Compact waits for the live index to catch up
	// (default Settle).
	Settle time.Duration
}

// Open returns the store of the table, whose days are counted in tz. It
// records tz in the table on first use and refuses another one later.
func Open(ctx context.Context, api API, table, tz string) (*Store, error) {
	if _, err := core.NewRollup(tz); err != nil {
		return nil, err
	}
	s := &Store{api: api, table: table, tz: tz, retention: core.DefaultRetentionDays, now: time.Now, Settle: Settle}
	_, err := api.UpdateItem(ctx, &ddb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key("meta"),
		UpdateExpression:          aws.String("SET #t = :t, #tz = :tz"),
		ConditionExpression:       aws.String("attribute_not_exists(#tz) OR #tz = :tz"),
		ExpressionAttributeNames:  map[string]string{"#t": attrType, "#tz": attrTZ},
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": str("meta"), ":tz": str(tz)},
	})
	if isConditionFailed(err) {
		return nil, fmt.Errorf("dynamodb table %s counts days in another time zone than %s: use another table to change it", table, tz)
	}
	if err != nil {
		return nil, fmt.Errorf("dynamodb table %s: %w", table, err)
	}
	if sa, ok := api.(snapshotAPI); ok {
		desc, err := api.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: &s.table})
		if err != nil {
			return nil, fmt.Errorf("dynamodb table %s: %w", table, err)
		}
		for _, ix := range desc.Table.GlobalSecondaryIndexes {
			if aws.ToString(ix.IndexName) == indexLive {
				s.snap = sa
			}
		}
	}
	return s, nil
}

// CreateTable creates the table as the deployment template does (one string
// key "pk", the sparse index "live" on "lv" projecting every attribute,
// on-demand billing) and waits until it is active. The TTL attribute "ex" is
// enabled by the template; tests do without it.
func CreateTable(ctx context.Context, api API, table string) error {
	_, err := api.CreateTable(ctx, &ddb.CreateTableInput{
		TableName: &table,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(attrKey), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(attrLive), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String(attrKey), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:  aws.String(indexLive),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String(attrLive), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
		BillingMode: types.BillingModePayPerRequest,
	})
	if err != nil {
		return fmt.Errorf("create table %s: %w", table, err)
	}
	for i := 0; i < 200; i++ {
		out, err := api.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: &table})
		if err == nil && out.Table.TableStatus == types.TableStatusActive {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("create table %s: not active after 10 s", table)
}

// Close does nothing: the client has no resources of its own to release.
func (s *Store) Close() error { return nil }

// update is one conditional UpdateItem: counts added to an item, with the
// messageId hashes that must not be there yet.
type update struct {
	key    string
	set    map[string]types.AttributeValue // attributes set on every write (u, a, d, ex, ...)
	add    map[string]int64                // counters
	hashes []string                        // messageId hashes; empty: unconditional
	events []int                           // the events it carries (indexes), for the fallback
	// perEvent holds, for the fallback, each event's own counters and hash.
	perEvent []update
}

// Ingest stores the events' counts, memberships and traits. It returns how many
// events were newly stored (not seen before by messageId).
func (s *Store) Ingest(ctx context.Context, events []core.Event) (int, error) {
	clock, err := core.NewRollup(s.tz) // for the local day of a timestamp
	if err != nil {
		return 0, err
	}
	clock.SetTimeRange(core.TimeRange{Now: s.now()})
	ingestDay := s.now().UTC().Format("2006-01-02")
	received := len(events)
	groups, latest := s.groupUpdates(clock, core.FirstOfEachMessageID(events), ingestDay)
	stored, errs := s.writeUpdates(ctx, groups, latest)
	if dups := received - stored; len(errs) == 0 && dups > 0 {
		errs = append(errs, s.countDuplicates(ctx, ingestDay, dups))
	}
	errs = append(errs, s.bumpGeneration(ctx)) // after the writes, even failed ones (generation.go)
	if err := errors.Join(errs...); err != nil {
		return stored, fmt.Errorf("dynamodb ingest into %s: %w", s.table, err)
	}
	return stored, nil
}

// groupUpdates turns the events (one per messageId) into count updates,
// grouped by item (at most maxGroup events in one conditional write), in the
// order their items first appear, and the latest-wins writes (memberships,
// traits) of the events not skipped.
func (s *Store) groupUpdates(clock *core.Rollup, events []core.Event, ingestDay string) ([]*update, []func(context.Context) error) {
	current := map[string]*update{} // the open group of each item
	var groups []*update
	var latest []func(context.Context) error
	for i := range events {
		e := &events[i]
		one := s.eventUpdate(clock, e, ingestDay)
		one.events = []int{i}
		g := current[one.key]
		if g == nil || len(g.events) >= maxGroup {
			g = &update{key: one.key, set: one.set, add: map[string]int64{}}
			current[one.key] = g
			groups = append(groups, g)
		}
		for k, n := range one.add {
			g.add[k] += n
		}
		g.hashes = append(g.hashes, one.hashes...)
		g.events = append(g.events, i)
		g.perEvent = append(g.perEvent, one)
		if clock.Reject(e) == "" {
			latest = append(latest, s.latestWins(e)...)
		}
	}
	return groups, latest
}

// writeUpdates applies the count groups, then the idempotent latest-wins
// writes, each phase at most concurrency requests at a time. It returns how
// many events the count groups newly stored and every error.
func (s *Store) writeUpdates(ctx context.Context, groups []*update, latest []func(context.Context) error) (int, []error) {
	var mu sync.Mutex
	stored := 0
	var errs []error
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for _, g := range groups {
		wg.Add(1)
		sem <- struct{}{}
		go func(g *update) {
			defer wg.Done()
			defer func() { <-sem }()
			n, err := s.applyGroup(ctx, g)
			mu.Lock()
			stored += n
			if err != nil {
				errs = append(errs, err)
			}
			mu.Unlock()
		}(g)
	}
	wg.Wait()
	for _, w := range latest {
		wg.Add(1)
		sem <- struct{}{}
		go func(w func(context.Context) error) {
			defer wg.Done()
			defer func() { <-sem }()
			if err := w(ctx); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	return stored, errs
}

// DedupPerItem reports that the store drops a repeated messageId only within
// the item its first copy was counted in (the same user, account and day, or
// skip reason and day): each item keeps the hashes of the ids it counted and
// refuses them in the same conditional write. A copy that differs in user,
// account or day is counted again (storetest.PerItemDedup; docs/hosting.md).
func (s *Store) DedupPerItem() bool { return true }

// countDuplicates adds n to the day's counter of repeated messageIds (an
// unconditional ADD: a delivery retried after it ran counts its repeats again,
// as records received).
func (s *Store) countDuplicates(ctx context.Context, ingestDay string, n int) error {
	exp := s.now().AddDate(0, 0, s.retention+1).Unix()
	_, err := s.api.UpdateItem(ctx, &ddb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key("c|duplicates|" + ingestDay),
		UpdateExpression:          aws.String("SET #t = :t, #ex = :ex, #lv = :lv ADD #n :n"),
		ExpressionAttributeNames:  map[string]string{"#t": attrType, "#ex": attrExpires, "#n": attrN, "#lv": attrLive},
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": str("c"), ":ex": num(exp), ":n": num(int64(n)), ":lv": liveShard("c|duplicates|" + ingestDay)},
	})
	return err
}

// eventUpdate is the counting write of one event: which item, which counter.
func (s *Store) eventUpdate(clock *core.Rollup, e *core.Event, ingestDay string) update {
	u := update{add: map[string]int64{}}
	if e.MessageID != "" {
		u.hashes = []string{hashID(e.MessageID)}
	}
	skipped := func(reason string) update {
		// Spread over 16 items a day so that the hash sets stay small.
		shard := 0
		if len(u.hashes) > 0 {
			shard = int(u.hashes[0][0] & 15) // the hash's first character
		}
		u.key = fmt.Sprintf("s|%s|%s|%d", reason, ingestDay, shard)
		exp := s.now().AddDate(0, 0, s.retention+1).Unix()
		u.set = map[string]types.AttributeValue{attrType: str("s"), attrReason: str(reason), attrExpires: num(exp), attrLive: liveShard(u.key)}
		u.add[attrN] = 1
		return u
	}
	if reason := clock.Reject(e); reason != "" {
		return skipped(reason)
	}
	activity := e.Kind == core.KindTrack || e.Kind == core.KindPage || e.Kind == core.KindScreen
	name := ""
	if activity {
		if name = e.ActivityName(); name == "" {
			return skipped("no_event_name")
		}
	}
	account := ""
	if activity {
		account = e.AccountID
	}
	day := clock.DayOf(e.TimeMs)
	u.key = dayKey(e.UserID, account, day)
	u.set = map[string]types.AttributeValue{attrType: str("d"), attrUser: str(e.UserID), attrAccount: str(account),
		attrDay: num(int64(day)), attrExpires: num((int64(day) + int64(s.retention) + 2) * 86400), attrLive: liveShard(u.key)}
	u.add[attrWrites] = 1 // every change to a day item counts (compact.go)
	switch {
	case !activity:
		u.add[attrIdent] = 1
	case e.Kind == core.KindTrack:
		u.add["e:"+name] = 1
	default:
		u.add["p:"+name] = 1
	}
	return u
}

// applyGroup adds a group of events to one item in one conditional update; if
// some of them were stored before (a retried delivery), it adds them one by one.
func (s *Store) applyGroup(ctx context.Context, g *update) (int, error) {
	err := s.apply(ctx, g)
	if err == nil {
		return len(g.events), nil
	}
	if !isConditionFailed(err) {
		return 0, err
	}
	if len(g.perEvent) == 1 {
		return 0, nil // seen before
	}
	stored := 0
	for i := range g.perEvent {
		err := s.apply(ctx, &g.perEvent[i])
		switch {
		case err == nil:
			stored++
		case isConditionFailed(err):
		default:
			return stored, err
		}
	}
	return stored, nil
}

func (s *Store) apply(ctx context.Context, u *update) error {
	names := map[string]string{}
	values := map[string]types.AttributeValue{}
	var sets, adds []string
	keys := make([]string, 0, len(u.set))
	for k := range u.set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		n, v := fmt.Sprintf("#s%d", i), fmt.Sprintf(":s%d", i)
		names[n], values[v] = k, u.set[k]
		sets = append(sets, n+" = "+v)
	}
	keys = keys[:0]
	for k := range u.add {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		n, v := fmt.Sprintf("#a%d", i), fmt.Sprintf(":a%d", i)
		names[n], values[v] = k, num(u.add[k])
		adds = append(adds, n+" "+v)
	}
	in := &ddb.UpdateItemInput{TableName: &s.table, Key: key(u.key), ExpressionAttributeNames: names, ExpressionAttributeValues: values}
	if len(u.hashes) > 0 {
		names["#ids"] = attrIDs
		values[":ids"] = &types.AttributeValueMemberSS{Value: u.hashes}
		adds = append(adds, "#ids :ids")
		var any []string
		for i, h := range u.hashes {
			v := fmt.Sprintf(":h%d", i)
			values[v] = str(h)
			any = append(any, "contains(#ids, "+v+")")
		}
		in.ConditionExpression = aws.String("attribute_not_exists(#ids) OR NOT (" + strings.Join(any, " OR ") + ")")
	}
	expr := "SET " + strings.Join(sets, ", ")
	if len(adds) > 0 {
		expr += " ADD " + strings.Join(adds, ", ")
	}
	in.UpdateExpression = &expr
	_, err := s.api.UpdateItem(ctx, in)
	return err
}

// latestWins returns the membership and trait writes of an event: each keeps
// the value with the latest timestamp (ties: the larger value), so applying one
// twice, or in any order, gives the same item.
func (s *Store) latestWins(e *core.Event) []func(context.Context) error {
	if e.UserID == "" {
		return nil
	}
	var out []func(context.Context) error
	write := func(k string, set map[string]types.AttributeValue, ts int64, v string) {
		set[attrTS], set[attrValue], set[attrLive] = num(ts), str(v), liveShard(k)
		out = append(out, func(ctx context.Context) error {
			names := map[string]string{"#ts": attrTS, "#v": attrValue}
			values := map[string]types.AttributeValue{}
			var sets []string
			i := 0
			for a, val := range set {
				n, p := fmt.Sprintf("#x%d", i), fmt.Sprintf(":x%d", i)
				names[n], values[p] = a, val
				sets = append(sets, n+" = "+p)
				i++
			}
			values[":ts"], values[":v"] = num(ts), str(v)
			_, err := s.api.UpdateItem(ctx, &ddb.UpdateItemInput{
				TableName:                 &s.table,
				Key:                       key(k),
				UpdateExpression:          aws.String("SET " + strings.Join(sets, ", ")),
				ConditionExpression:       aws.String("attribute_not_exists(#ts) OR #ts < :ts OR (#ts = :ts AND #v < :v)"),
				ExpressionAttributeNames:  names,
				ExpressionAttributeValues: values,
			})
			if isConditionFailed(err) {
				return nil // a later value is stored
			}
			return err
		})
	}
	trait := func(account bool, id string, traits map[string]string) {
		kind := "u"
		if account {
			kind = "a"
		}
		for k, v := range traits {
			write("t|"+kind+"|"+strconv.Itoa(len(id))+"|"+id+"|"+k,
				map[string]types.AttributeValue{attrType: str("t"), attrAccount: &types.AttributeValueMemberBOOL{Value: account}, attrID: str(id), attrTraitK: str(k)},
				e.TimeMs, v)
		}
	}
	switch e.Kind {
	case core.KindTrack, core.KindPage, core.KindScreen:
		if e.ActivityName() != "" && len(e.Traits) > 0 {
			trait(false, e.UserID, e.Traits)
		}
	case core.KindGroup:
		if e.AccountID != "" {
			write("m|"+e.UserID, map[string]types.AttributeValue{attrType: str("m"), attrUser: str(e.UserID)}, e.TimeMs, e.AccountID)
			if len(e.Traits) > 0 {
				trait(true, e.AccountID, e.Traits)
			}
		}
	case core.KindIdentify:
		if len(e.Traits) > 0 {
			trait(false, e.UserID, e.Traits)
		}
	}
	return out
}

// Load reads the store into a Rollup: with the live index, the live items
// (an index Scan), the snapshot index (one GetItem) and the parts of the
// retained days' snapshots (BatchGetItem), snapshot.go; without it, a Scan of
// the table (four segments in parallel). Day items more than the retention
// before today by the store's clock, or after tomorrow, are left out
// (core.RetainedDays).
//
// A compaction that commits a day while a read runs takes the day's items
// out of the index and deletes the parts of the day's replaced snapshot: the
// read would miss those counts, or find a part gone. The snapshot index is
// read again at the end (one more GetItem), and a read it changed under is
// done again (loadTries in all, then an error to retry).
func (s *Store) Load(ctx context.Context) (*core.Rollup, error) {
	for try := 1; ; try++ {
		r, moved, err := s.loadOnce(ctx)
		if err != nil {
			return nil, fmt.Errorf("dynamodb load from %s: %w", s.table, err)
		}
		if !moved {
			return r, ctx.Err()
		}
		if try == loadTries {
			return nil, fmt.Errorf("dynamodb load from %s: compactions committed snapshots during %d reads in a row: retry", s.table, try)
		}
	}
}

// loadTries is how many times Load reads while compactions commit under it.
const loadTries = 5

// loadOnce reads the store once; moved reports that the snapshot index
// changed during the read (its rollup is then nil, and so is a read error,
// which the change may have caused: a part deleted).
func (s *Store) loadOnce(ctx context.Context) (r *core.Rollup, moved bool, err error) {
	r, err = core.NewRollup(s.tz)
	if err != nil {
		return nil, false, err
	}
	from, to := core.RetainedDays(r, s.now(), s.retention)
	if s.snap == nil {
		items, err := s.scanTable(ctx)
		if err != nil {
			return nil, false, err
		}
		for _, it := range items {
			addItem(r, it, nil, from, to)
		}
		return r, false, nil
	}
	days, err := s.manifests(ctx)
	if err != nil {
		return nil, false, err
	}
	items, err := s.readLive(ctx)
	if err == nil {
		for _, it := range items {
			addItem(r, it, days, from, to)
		}
		err = s.loadSnapshots(ctx, r, days, from, to)
	}
	after, aerr := s.manifests(ctx)
	if aerr != nil {
		return nil, false, errors.Join(err, aerr)
	}
	if !maps.Equal(days, after) {
		return nil, true, nil
	}
	return r, false, err
}

// scanTable Scans the whole table, four segments in parallel.
func (s *Store) scanTable(ctx context.Context) ([]map[string]types.AttributeValue, error) {
	return s.scanSegments(ctx, ddb.ScanInput{TableName: &s.table, ConsistentRead: aws.Bool(true)})
}

// scanSegments runs the Scan in four segments in parallel, each to its last
// page, and returns every item read.
func (s *Store) scanSegments(ctx context.Context, scan ddb.ScanInput) ([]map[string]types.AttributeValue, error) {
	const segments = 4
	parts := make([][]map[string]types.AttributeValue, segments)
	errs := make([]error, segments)
	var wg sync.WaitGroup
	for seg := 0; seg < segments; seg++ {
		wg.Add(1)
		go func(seg int) {
			defer wg.Done()
			in := scan
			in.Segment, in.TotalSegments = aws.Int32(int32(seg)), aws.Int32(segments)
			for {
				out, err := s.api.Scan(ctx, &in)
				if err != nil {
					errs[seg] = err
					return
				}
				parts[seg] = append(parts[seg], out.Items...)
				if len(out.LastEvaluatedKey) == 0 {
					return
				}
				in.ExclusiveStartKey = out.LastEvaluatedKey
			}
		}(seg)
	}
	wg.Wait()
	return slices.Concat(parts...), errors.Join(errs...)
}

// addItem adds one stored item to r: a day item's live counts, and its
// staged counts while their version is not committed in days; memberships,
// traits and input counters. Other items (meta, history, snapshot parts) are
// skipped.
func addItem(r *core.Rollup, it map[string]types.AttributeValue, days map[core.Day]manifest, from, to core.Day) {
	in := &r.Input
	switch getS(it, attrType) {
	case "d":
		day := core.Day(getN(it, attrDay))
		user, account := getS(it, attrUser), getS(it, attrAccount)
		addCounts(r, user, account, day, countsOf(it), from, to)
		if counts, v := staged(it); counts != nil && v > days[day].version {
			addCounts(r, user, account, day, counts, from, to)
		}
	case "m":
		r.AddMembership(core.Membership{User: getS(it, attrUser), Account: getS(it, attrValue), TimeMs: getN(it, attrTS)})
	case "t":
		acct := false
		if b, ok := it[attrAccount].(*types.AttributeValueMemberBOOL); ok {
			acct = b.Value
		}
		r.AddTrait(core.Trait{Account: acct, ID: getS(it, attrID), Key: getS(it, attrTraitK), Value: getS(it, attrValue), TimeMs: getN(it, attrTS)})
	case "c":
		n := getN(it, attrN)
		in.Events += n
		in.Duplicates += n
	case "s":
		n := getN(it, attrN)
		in.Events += n
		in.Skipped += n
		if in.SkippedByReason == nil {
			in.SkippedByReason = map[string]int64{}
		}
		in.SkippedByReason[getS(it, attrReason)] += n
	}
}

func dayKey(user, account string, day core.Day) string {
	return "d|" + strconv.Itoa(int(day)) + "|" + strconv.Itoa(len(user)) + "|" + user + "|" + account
}

// hashID is the 64-bit FNV-1a hash a messageId is remembered by, as 11
// base64 characters in a string set: a day item holds some 35,000 events of
// one user and account within DynamoDB's 400 KB item limit, and a collision
// among them has odds of about 1 in 10^10. (A binary set would be 8 bytes a
// hash, but dynalite compares binary values as UTF-8 text, which merges
// distinct hashes; strings behave the same everywhere.)
func hashID(id string) string {
	h := fnv.New64a()
	h.Write([]byte(id))
	return base64.RawStdEncoding.EncodeToString(binary.BigEndian.AppendUint64(nil, h.Sum64()))
}

func key(k string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrKey: str(k)}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func getS(it map[string]types.AttributeValue, k string) string {
	if v, ok := it[k].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func getN(it map[string]types.AttributeValue, k string) int64 { return numOf(it[k]) }

func numOf(v types.AttributeValue) int64 {
	if n, ok := v.(*types.AttributeValueMemberN); ok {
		x, _ := strconv.ParseInt(n.Value, 10, 64)
		return x
	}
	return 0
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// SetClock sets the store's clock (time.Now by default): retention, "today"
// and the plausible event times count from it. Tests set a fixed one.
func (s *Store) SetClock(now func() time.Time) { s.now = now }
