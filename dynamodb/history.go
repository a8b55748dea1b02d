package dynamodb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/sep-project/sep/core"
)

// The scheduled run's state (core.HistoryStore) in the same table, as items
// the rollups' Load skips by their type:
//
//   - "h": a history row, key "h|day|len(account)|account", attributes d (the
//     day), v (the row as JSON); no TTL: history outlives the rollups.
//   - "st1": the "status" namespace, one item read by GetItem (smallNS).
//   - "st": an entry of another state namespace, key "st|len(ns)|ns|key", attributes ns, k, v; a
//     deleted entry keeps an empty v (UpdateItem only, the one write this
//     store's API has), which State skips.
//
// Both are plain SETs by key, idempotent, and read back by a filtered Scan
// (the table has one key; the run reads them once a day).

var _ core.HistoryStore = (*Store)(nil)

const attrNS = "ns"

func historyKey(day, account string) string {
	return "h|" + day + "|" + strconv.Itoa(len(account)) + "|" + account
}

func stateKey(ns, k string) string { return "st|" + strconv.Itoa(len(ns)) + "|" + ns + "|" + k }

// set writes attributes on one item by key (UpdateItem SET, idempotent).
func (s *Store) set(ctx context.Context, k string, attrs map[string]types.AttributeValue) error {
	names, values := map[string]string{}, map[string]types.AttributeValue{}
	expr := "SET "
	i := 0
	for name, v := range attrs {
		if i > 0 {
			expr += ", "
		}
		n, val := "#a"+strconv.Itoa(i), ":v"+strconv.Itoa(i)
		names[n], values[val] = name, v
		expr += n + " = " + val
		i++
	}
	_, err := s.api.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: &s.table, Key: key(k), UpdateExpression: &expr,
		ExpressionAttributeNames: names, ExpressionAttributeValues: values})
	return err
}

// each runs write on every item, concurrency at a time, and joins the errors.
func each[T any](items []T, write func(T) error) error { return eachN(items, concurrency, write) }

// eachN is each with n writes in flight.
func eachN[T any](items []T, n int, write func(T) error) error {
	var mu sync.Mutex
	var errs []error
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for _, it := range items {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := write(it); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// PutHistory writes each row as its item (one UpdateItem a row).
func (s *Store) PutHistory(ctx context.Context, rows []core.HistoryRow) error {
	err := each(rows, func(r core.HistoryRow) error {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		return s.set(ctx, historyKey(r.Day, r.Account), map[string]types.AttributeValue{
			attrType: str("h"), attrDay: str(r.Day), attrAccount: str(r.Account), attrValue: str(string(b))})
	})
	if err != nil {
		return fmt.Errorf("dynamodb history: %w", err)
	}
	return nil
}

// scan returns the items a filter keeps.
func (s *Store) scan(ctx context.Context, filter string, names map[string]string, values map[string]types.AttributeValue) ([]map[string]types.AttributeValue, error) {
	in := &ddb.ScanInput{TableName: &s.table, ConsistentRead: aws.Bool(true), FilterExpression: &filter,
		ExpressionAttributeNames: names, ExpressionAttributeValues: values}
	var items []map[string]types.AttributeValue
	for {
		out, err := s.api.Scan(ctx, in)
		if err != nil {
			return nil, err
		}
		items = append(items, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			return items, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// History returns the rows of the days from..to, by day then account.
func (s *Store) History(ctx context.Context, from, to string) ([]core.HistoryRow, error) {
	items, err := s.scan(ctx, "#t = :h AND #d BETWEEN :from AND :to", map[string]string{"#t": attrType, "#d": attrDay},
		map[string]types.AttributeValue{":h": str("h"), ":from": str(from), ":to": str(to)})
	if err != nil {
		return nil, fmt.Errorf("dynamodb history: %w", err)
	}
	rows := make([]core.HistoryRow, 0, len(items))
	for _, it := range items {
		var r core.HistoryRow
		if err := json.Unmarshal([]byte(getS(it, attrValue)), &r); err != nil {
			return nil, fmt.Errorf("dynamodb history item %s: %w", getS(it, attrKey), err)
		}
		rows = append(rows, r)
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Day != rows[j].Day {
			return rows[i].Day < rows[j].Day
		}
		return rows[i].Account < rows[j].Account
	})
	return rows, nil
}

// smallNS is the namespace kept in one item (a map attribute "m") and read
// with GetItem: the run's status, which /healthz reads on every call, must
// not cost a Scan of the table. The others may hold an entry per account or
// user, more than an item's 400 KB.
const smallNS = "status"

const attrMap = "m"

// itemGetter is the GetItem of *ddb.Client (the store's API interface lacks
// it; a client without it reads the status by Scan).
type itemGetter interface {
	GetItem(context.Context, *ddb.GetItemInput, ...func(*ddb.Options)) (*ddb.GetItemOutput, error)
}

func (s *Store) smallState(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	var item map[string]types.AttributeValue
	if g, ok := s.api.(itemGetter); ok {
		res, err := g.GetItem(ctx, &ddb.GetItemInput{TableName: &s.table, Key: key("st1|" + smallNS), ConsistentRead: aws.Bool(true)})
		if err != nil {
			return nil, err
		}
		item = res.Item
	} else {
		items, err := s.scan(ctx, "#k = :k", map[string]string{"#k": attrKey}, map[string]types.AttributeValue{":k": str("st1|" + smallNS)})
		if err != nil || len(items) == 0 {
			return out, err
		}
		item = items[0]
	}
	if m, ok := item[attrMap].(*types.AttributeValueMemberM); ok {
		for k, v := range m.Value {
			if sv, ok := v.(*types.AttributeValueMemberS); ok && sv.Value != "" {
				out[k] = sv.Value
			}
		}
	}
	return out, nil
}

func (s *Store) setSmallState(ctx context.Context, changes map[string]string) error {
	cur, err := s.smallState(ctx)
	if err != nil {
		return err
	}
	m := map[string]types.AttributeValue{}
	for k, v := range cur {
		m[k] = str(v)
	}
	for k, v := range changes {
		if v == "" {
			delete(m, k)
		} else {
			m[k] = str(v)
		}
	}
	return s.set(ctx, "st1|"+smallNS, map[string]types.AttributeValue{attrType: str("st1"), attrMap: &types.AttributeValueMemberM{Value: m}})
}

// State returns a namespace's keys and values.
func (s *Store) State(ctx context.Context, ns string) (map[string]string, error) {
	if ns == smallNS {
		st, err := s.smallState(ctx)
		if err != nil {
			return nil, fmt.Errorf("dynamodb state %s: %w", ns, err)
		}
		return st, nil
	}
	items, err := s.scan(ctx, "#t = :st AND #ns = :ns", map[string]string{"#t": attrType, "#ns": attrNS},
		map[string]types.AttributeValue{":st": str("st"), ":ns": str(ns)})
	if err != nil {
		return nil, fmt.Errorf("dynamodb state %s: %w", ns, err)
	}
	out := map[string]string{}
	for _, it := range items {
		if v := getS(it, attrValue); v != "" {
			out[getS(it, attrTraitK)] = v
		}
	}
	return out, nil
}

// SetState writes each changed key ("" marks it deleted).
func (s *Store) SetState(ctx context.Context, ns string, changes map[string]string) error {
	if ns == smallNS {
		if err := s.setSmallState(ctx, changes); err != nil {
			return fmt.Errorf("dynamodb state %s: %w", ns, err)
		}
		return nil
	}
	keys := make([]string, 0, len(changes))
	for k := range changes {
		keys = append(keys, k)
	}
	err := each(keys, func(k string) error {
		return s.set(ctx, stateKey(ns, k), map[string]types.AttributeValue{
			attrType: str("st"), attrNS: str(ns), attrTraitK: str(k), attrValue: str(changes[k])})
	})
	if err != nil {
		return fmt.Errorf("dynamodb state %s: %w", ns, err)
	}
	return nil
}
