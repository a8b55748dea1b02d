package dynamodb

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/sep-project/sep/core"
)

// compactConcurrency is how many updates Compact has in flight: a day of 1M
// users is ~208k day items, each sealed and unstaged (two updates), which
// at ~7 ms an update takes ~45 s at 64 (the Lambda's timeout is 180 s).
const compactConcurrency = 64

// sealed is a day item of a closed day after Compact sealed it: the counts it
// holds staged for the day's next version (nil: none), and its write counter
// as it was left.
type sealed struct {
	key, user, account string
	w                  int64
	counts             map[string]int64
	stagedV            int64 // its "sv" after the seal (0: none)
}

// Compact folds the day items of every closed day (before today by the
// store's clock, within the retention) into the day's snapshot, in the steps
// of snapshot.go: seal, wait Settle, write and commit each day's next
// version, take the folded items out of the live index and delete the
// replaced parts. Snapshots of days past the retention lose their parts (the
// day's input counters stay until its items' TTL would have removed them).
// It returns how many days it committed.
func (s *Store) Compact(ctx context.Context) (int, error) {
	if s.snap == nil {
		return 0, fmt.Errorf("dynamodb compact: table %s has no %q index (a table created before snapshots: docs/hosting.md)", s.table, indexLive)
	}
	r, err := core.NewRollup(s.tz)
	if err != nil {
		return 0, err
	}
	now := s.now()
	from, _ := core.RetainedDays(r, now, s.retention)
	today := r.DayOf(now.UnixMilli())
	days, err := s.manifests(ctx)
	if err != nil {
		return 0, fmt.Errorf("dynamodb compact: %w", err)
	}
	byDay, err := s.sealClosedDays(ctx, days, from, today)
	if err != nil {
		return 0, err
	}
	if len(byDay) > 0 && s.Settle > 0 {
		time.Sleep(s.Settle)
	}
	written, cleanups, err := s.commitDays(ctx, days, byDay)
	if err != nil {
		return written, err
	}
	if err := eachN(cleanups, compactConcurrency, func(f func() error) error { return f() }); err != nil {
		return written, fmt.Errorf("dynamodb compact: cleanup: %w", err)
	}
	if err := s.dropOldSnapshots(ctx, days, from); err != nil {
		return written, fmt.Errorf("dynamodb compact: retention: %w", err)
	}
	return written, nil
}

// sealClosedDays seals the live day items of the closed days from from to
// before today, each for its day's next version (after days), and returns
// them by day.
func (s *Store) sealClosedDays(ctx context.Context, days map[core.Day]manifest, from, today core.Day) (map[core.Day][]sealed, error) {
	items, err := s.scanLive(ctx, "#t = :d", map[string]string{"#t": attrType}, map[string]types.AttributeValue{":d": str("d")})
	if err != nil {
		return nil, fmt.Errorf("dynamodb compact: %w", err)
	}
	var closed []map[string]types.AttributeValue
	for _, it := range items {
		if d := core.Day(getN(it, attrDay)); d >= from && d < today {
			closed = append(closed, it)
		}
	}
	var mu sync.Mutex
	byDay := map[core.Day][]sealed{}
	err = eachN(closed, compactConcurrency, func(it map[string]types.AttributeValue) error {
		d := core.Day(getN(it, attrDay))
		sd, err := s.seal(ctx, it, days[d].version+1)
		mu.Lock()
		byDay[d] = append(byDay[d], sd)
		mu.Unlock()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("dynamodb compact: seal: %w", err)
	}
	return byDay, nil
}

// commitDays commits each sealed day's next version, oldest day first, and
// returns how many it committed and the cleanups that follow: unstage the
// folded items (or those a dead compaction left staged for a committed
// version) and delete the replaced parts.
func (s *Store) commitDays(ctx context.Context, days map[core.Day]manifest, byDay map[core.Day][]sealed) (int, []func() error, error) {
	order := make([]core.Day, 0, len(byDay))
	for d := range byDay {
		order = append(order, d)
	}
	slices.Sort(order)
	written := 0
	var cleanups []func() error
	for _, d := range order {
		ok, err := s.commitDay(ctx, d, days[d], byDay[d])
		if err != nil {
			return written, nil, fmt.Errorf("dynamodb compact %s: %w", d, err)
		}
		if !ok {
			// Items left staged for a committed version by a compaction
			// that died before its cleanup: reads skip them; take them out.
			for _, sd := range byDay[d] {
				if v := days[d].version; sd.stagedV != 0 && sd.stagedV <= v {
					cleanups = append(cleanups, func() error { return s.unstage(ctx, sd, v) })
				}
			}
			continue
		}
		written++
		next := days[d].version + 1
		for _, sd := range byDay[d] {
			cleanups = append(cleanups, func() error { return s.unstage(ctx, sd, next) })
		}
		for p := int64(0); p < days[d].parts; p++ {
			cleanups = append(cleanups, func() error { return s.deleteItem(ctx, partKey(d, days[d].version, p)) })
		}
	}
	return written, cleanups, nil
}

// seal moves a day item's live counts into its staged map for version next,
// in one update conditional on its write counter. An item that changed since
// it was read keeps its live counts (the next Compact folds them); what it
// had staged for next is folded all the same.
func (s *Store) seal(ctx context.Context, it map[string]types.AttributeValue, next int64) (sealed, error) {
	sd := sealed{key: getS(it, attrKey), user: getS(it, attrUser), account: getS(it, attrAccount), w: getN(it, attrWrites)}
	stagedCounts, sv := staged(it)
	sd.stagedV = sv
	counts := map[string]int64{}
	if sv == next {
		for k, n := range stagedCounts {
			counts[k] = n
		}
	}
	live := countsOf(it)
	if len(live) == 0 {
		sd.counts = counts
		return sd, nil
	}
	m := map[string]types.AttributeValue{}
	names := map[string]string{"#sg": attrStaged, "#sv": attrStagedV, "#w": attrWrites}
	var removes []string
	merged := map[string]int64{}
	for k, n := range counts {
		merged[k] = n
	}
	i := 0
	for k, n := range live {
		merged[k] += n
		alias := fmt.Sprintf("#c%d", i)
		names[alias] = k
		removes = append(removes, alias)
		i++
	}
	sort.Strings(removes)
	for k, n := range merged {
		m[k] = num(n)
	}
	cond := "#w = :w"
	if sd.w == 0 {
		cond = "attribute_not_exists(#w)"
	}
	values := map[string]types.AttributeValue{":sg": &types.AttributeValueMemberM{Value: m}, ":sv": num(next), ":one": num(1)}
	if sd.w != 0 {
		values[":w"] = num(sd.w)
	}
	_, err := s.api.UpdateItem(ctx, &ddb.UpdateItemInput{
		TableName: &s.table, Key: key(sd.key),
		UpdateExpression:          aws.String("SET #sg = :sg, #sv = :sv REMOVE " + strings.Join(removes, ", ") + " ADD #w :one"),
		ConditionExpression:       &cond,
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	switch {
	case err == nil:
		sd.counts, sd.w, sd.stagedV = merged, sd.w+1, next
	case isConditionFailed(err):
		sd.counts = counts
	default:
		return sd, err
	}
	return sd, nil
}

// commitDay writes the day's next snapshot version (its current one plus the
// staged counts of its items) and commits it in the snapshot index. It
// reports false, with nothing a read uses written, when nothing was staged
// or the day's version moved meanwhile (another compaction).
func (s *Store) commitDay(ctx context.Context, d core.Day, m manifest, items []sealed) (bool, error) {
	slices.SortFunc(items, func(a, b sealed) int { return strings.Compare(a.key, b.key) })
	snap := core.NewDaySnapshot(d)
	if m.parts > 0 {
		var keys []string
		for p := int64(0); p < m.parts; p++ {
			keys = append(keys, partKey(d, m.version, p))
		}
		parts, err := s.getParts(ctx, keys)
		if err != nil {
			return false, err
		}
		if err := decodeParts(d, m, parts, snap.Add); err != nil {
			return false, err
		}
	}
	next := manifest{version: m.version + 1, events: m.events, activity: m.activity}
	folded := 0
	for _, it := range items {
		names := make([]string, 0, len(it.counts))
		for k := range it.counts {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			n := it.counts[k]
			next.events += n
			folded++
			if k == attrIdent {
				continue
			}
			next.activity += n
			snap.Add(core.Count{User: it.user, Account: it.account, Event: k[2:], Navigation: k[0] == 'p', Day: d, N: uint32(n)})
		}
	}
	if folded == 0 {
		return false, nil
	}
	exp := num((int64(d) + int64(s.retention) + 2) * 86400)
	parts := snap.Parts(PartBytes)
	next.parts = int64(len(parts))
	for i, p := range parts {
		if _, err := s.api.UpdateItem(ctx, &ddb.UpdateItemInput{
			TableName: &s.table, Key: key(partKey(d, next.version, int64(i))),
			UpdateExpression:          aws.String("SET #t = :t, #b = :b, #ex = :ex"),
			ExpressionAttributeNames:  map[string]string{"#t": attrType, "#b": attrData, "#ex": attrExpires},
			ExpressionAttributeValues: map[string]types.AttributeValue{":t": str("zp"), ":b": &types.AttributeValueMemberB{Value: p}, ":ex": exp},
		}); err != nil {
			return false, err
		}
	}
	cond, values := "attribute_not_exists(#z)", map[string]types.AttributeValue{":m": str(next.String()), ":t": str("meta")}
	if m.version > 0 {
		cond, values[":pre"] = "begins_with(#z, :pre)", str(fmt.Sprintf("%d,", m.version))
	}
	_, err := s.api.UpdateItem(ctx, &ddb.UpdateItemInput{
		TableName: &s.table, Key: key(snapIndex),
		UpdateExpression:          aws.String("SET #t = :t, #z = :m"),
		ConditionExpression:       &cond,
		ExpressionAttributeNames:  map[string]string{"#t": attrType, "#z": dayAttr(d)},
		ExpressionAttributeValues: values,
	})
	if isConditionFailed(err) {
		return false, nil
	}
	return err == nil, err
}

// unstage takes a folded item out of the live index once its day's version
// next is committed: its staged counts are in the snapshot. An item that
// changed since its seal (a late event) keeps its live counts and the index.
func (s *Store) unstage(ctx context.Context, sd sealed, next int64) error {
	names := map[string]string{"#sg": attrStaged, "#sv": attrStagedV, "#w": attrWrites, "#lv": attrLive}
	cond := "#w = :w"
	values := map[string]types.AttributeValue{":w": num(sd.w), ":one": num(1)}
	if sd.w == 0 {
		cond = "attribute_not_exists(#w)"
		delete(values, ":w")
	}
	_, err := s.api.UpdateItem(ctx, &ddb.UpdateItemInput{
		TableName: &s.table, Key: key(sd.key),
		UpdateExpression: aws.String("REMOVE #sg, #sv, #lv ADD #w :one"), ConditionExpression: &cond,
		ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	})
	if !isConditionFailed(err) || sd.stagedV == 0 {
		return err
	}
	// A late event came: drop the folded staged counts only.
	delete(names, "#lv")
	_, err = s.api.UpdateItem(ctx, &ddb.UpdateItemInput{
		TableName: &s.table, Key: key(sd.key),
		UpdateExpression: aws.String("REMOVE #sg, #sv ADD #w :one"), ConditionExpression: aws.String("#sv <= :v"),
		ExpressionAttributeNames: names, ExpressionAttributeValues: map[string]types.AttributeValue{":v": num(next), ":one": num(1)},
	})
	if isConditionFailed(err) {
		return nil
	}
	return err
}

// dropOldSnapshots deletes the parts of the snapshots of days past the
// retention; their index entries keep the days' input counters (parts 0).
func (s *Store) dropOldSnapshots(ctx context.Context, days map[core.Day]manifest, from core.Day) error {
	for d, m := range days {
		if d >= from || m.parts == 0 {
			continue
		}
		kept := manifest{version: m.version, events: m.events, activity: m.activity}
		if _, err := s.api.UpdateItem(ctx, &ddb.UpdateItemInput{
			TableName: &s.table, Key: key(snapIndex),
			UpdateExpression: aws.String("SET #z = :m"), ConditionExpression: aws.String("#z = :old"),
			ExpressionAttributeNames:  map[string]string{"#z": dayAttr(d)},
			ExpressionAttributeValues: map[string]types.AttributeValue{":m": str(kept.String()), ":old": str(m.String())},
		}); err != nil && !isConditionFailed(err) {
			return err
		}
		for p := int64(0); p < m.parts; p++ {
			if err := s.deleteItem(ctx, partKey(d, m.version, p)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Store) deleteItem(ctx context.Context, k string) error {
	_, err := s.snap.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: &s.table, Key: key(k)})
	return err
}
