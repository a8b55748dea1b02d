package dynamodb

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/storetest"
	"github.com/sep-project/sep/internal/testenv"
)

var internalTables atomic.Int64

func openInternal(t *testing.T) *Store {
	t.Helper()
	ctx := context.Background()
	api := ddb.New(ddb.Options{Region: "us-east-1", BaseEndpoint: aws.String(testenv.Dynalite(t)),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	table := fmt.Sprintf("sep-internal-%d", internalTables.Add(1))
	if err := CreateTable(ctx, api, table); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, api, table, "UTC")
	if err != nil {
		t.Fatal(err)
	}
	if s.snap == nil {
		t.Fatal("a table made by CreateTable has no live index")
	}
	s.Settle = 0
	s.SetClock(func() time.Time { return storetest.Clock })
	return s
}

// A compaction that died after sealing every closed day item (its counts
// staged, nothing committed), then a late event on a sealed item: reads stay
// exact, and the next Compact folds both.
func TestCompactionDiedAfterSealing(t *testing.T) {
	ctx := context.Background()
	s := openInternal(t)
	evs := storetest.Product()
	if _, err := s.Ingest(ctx, evs); err != nil {
		t.Fatal(err)
	}
	st := core.Settings{Window: 14}
	want := storetest.Want(t, "UTC", evs, st)
	items, err := s.scanLive(ctx, "#t = :d", map[string]string{"#t": attrType}, map[string]types.AttributeValue{":d": str("d")})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if _, err := s.seal(ctx, it, 1); err != nil {
			t.Fatal(err)
		}
	}
	if got := storetest.Got(t, s, st); got != want {
		t.Fatalf("with every item sealed, nothing committed:\n%s\nwant:\n%s", got, want)
	}
	late := []core.Event{{MessageID: "late", UserID: "u1", Name: "Feature 1", Kind: core.KindTrack, TimeMs: time.Date(2026, 7, 31, 9, 10, 0, 0, time.UTC).UnixMilli()}}
	if n, err := s.Ingest(ctx, late); err != nil || n != 1 {
		t.Fatalf("late event: %d, %v", n, err)
	}
	all := append(evs, late...)
	want = storetest.Want(t, "UTC", all, st)
	if got := storetest.Got(t, s, st); got != want {
		t.Fatalf("a late event on a sealed item:\n%s\nwant:\n%s", got, want)
	}
	days, err := s.Compact(ctx)
	if err != nil || days < 60 {
		t.Fatalf("Compact: %d, %v", days, err)
	}
	if got := storetest.Got(t, s, st); got != want {
		t.Fatalf("after the compaction resumed:\n%s\nwant:\n%s", got, want)
	}
	// Only today's and tomorrow's day items are left in the index.
	items, err = s.scanLive(ctx, "#t = :d", map[string]string{"#t": attrType}, map[string]types.AttributeValue{":d": str("d")})
	if err != nil {
		t.Fatal(err)
	}
	today := core.Day(storetest.Clock.Unix() / 86400)
	for _, it := range items {
		if core.Day(getN(it, attrDay)) < today {
			t.Errorf("a closed day's item is still in the live index: %v", getS(it, attrKey))
		}
	}
	if n, err := s.Ingest(ctx, late); err != nil || n != 0 {
		t.Fatalf("the late event again, after it was folded: stored %d, %v; want 0", n, err)
	}
	want = storetest.Want(t, "UTC", append(all, late...), st) // a duplicate counted
	// A compaction that died before its cleanup: an item still staged for
	// the committed version, in the index. Reads skip its staged counts; the
	// next Compact takes it out.
	k := dayKey("u1", "", core.Day(20665)) // 2026-07-31
	if _, err := s.api.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: &s.table, Key: key(k),
		UpdateExpression:          aws.String("SET #sg = :sg, #sv = :v, #lv = :lv"),
		ExpressionAttributeNames:  map[string]string{"#sg": attrStaged, "#sv": attrStagedV, "#lv": attrLive},
		ExpressionAttributeValues: map[string]types.AttributeValue{":sg": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"e:Feature 1": num(2)}}, ":v": num(1), ":lv": liveShard(k)},
	}); err != nil {
		t.Fatal(err)
	}
	if got := storetest.Got(t, s, st); got != want {
		t.Fatalf("with an item left staged for a committed version:\n%s\nwant:\n%s", got, want)
	}
	if days, err := s.Compact(ctx); err != nil || days != 0 {
		t.Fatalf("Compact: %d, %v; want 0 days", days, err)
	}
	items, err = s.scanLive(ctx, "#t = :d", map[string]string{"#t": attrType}, map[string]types.AttributeValue{":d": str("d")})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if getS(it, attrKey) == k {
			t.Fatalf("the item left staged is still in the index: %v", it)
		}
	}
	if got := storetest.Got(t, s, st); got != want {
		t.Fatalf("after the cleanup:\n%s\nwant:\n%s", got, want)
	}
}

// A snapshot larger than a part is stored in several and read back whole.
func TestSnapshotInParts(t *testing.T) {
	ctx := context.Background()
	s := openInternal(t)
	var evs []core.Event
	pad := fmt.Sprintf("%0900d", 0)
	for u := 0; u < 900; u++ { // 900 users of ~900 bytes: 0.8 MB, 3 parts
		evs = append(evs, core.Event{UserID: fmt.Sprintf("%s-%d", pad, u), Name: "Feature", Kind: core.KindTrack,
			TimeMs: time.Date(2026, 9, 20, 10, 0, 0, 0, time.UTC).UnixMilli()})
	}
	if _, err := s.Ingest(ctx, evs); err != nil {
		t.Fatal(err)
	}
	st := core.Settings{Window: 14}
	want := storetest.Want(t, "UTC", evs, st)
	if days, err := s.Compact(ctx); err != nil || days != 1 {
		t.Fatalf("Compact: %d days, %v", days, err)
	}
	m, err := s.manifests(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p := m[core.Day(20716)].parts; p < 2 {
		t.Fatalf("the day's snapshot is in %d part(s) (%v); the test needs several", p, m)
	}
	if got := storetest.Got(t, s, st); got != want {
		t.Fatalf("a snapshot in parts:\n%s\nwant:\n%s", got, want)
	}
}

// A table created before snapshots (no live index): reads Scan the table as
// before, and Compact says why it cannot run.
func TestTableWithoutLiveIndex(t *testing.T) {
	ctx := context.Background()
	api := ddb.New(ddb.Options{Region: "us-east-1", BaseEndpoint: aws.String(testenv.Dynalite(t)),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	table := fmt.Sprintf("sep-internal-%d", internalTables.Add(1))
	if _, err := api.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:            &table,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(attrKey), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(attrKey), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	}); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, api, table, "UTC")
	if err != nil {
		t.Fatal(err)
	}
	if s.snap != nil {
		t.Fatal("a table without the live index is read through it")
	}
	s.SetClock(func() time.Time { return storetest.Clock })
	evs := storetest.Product()
	if _, err := s.Ingest(ctx, evs); err != nil {
		t.Fatal(err)
	}
	st := core.Settings{Window: 14}
	if got, want := storetest.Got(t, s, st), storetest.Want(t, "UTC", evs, st); got != want {
		t.Fatalf("read by Scan:\n%s\nwant:\n%s", got, want)
	}
	if _, err := s.Compact(ctx); err == nil || !strings.Contains(err.Error(), `no "live" index`) {
		t.Fatalf("Compact on a table without the index: %v", err)
	}
}

// compactOnScan is the store's API that runs a compaction once, just before
// the first Scan of the live index: a read that read the snapshot index
// before the compaction committed, and Scans after it cleaned up.
type compactOnScan struct {
	API
	once    sync.Once
	compact func()
}

func (c *compactOnScan) Scan(ctx context.Context, in *ddb.ScanInput, opt ...func(*ddb.Options)) (*ddb.ScanOutput, error) {
	if aws.ToString(in.IndexName) == indexLive {
		c.once.Do(c.compact)
	}
	return c.API.Scan(ctx, in, opt...)
}

// A compaction that commits while a read runs: the first read's items left
// the index and its snapshot's parts were deleted under it; the read is done
// again and is exact. Once on a fresh table (the read would miss every
// closed day), once with a committed snapshot and a late event (the read
// would find its parts gone).
func TestReadDuringCompaction(t *testing.T) {
	ctx := context.Background()
	s := openInternal(t)
	evs := storetest.Product()
	if _, err := s.Ingest(ctx, evs); err != nil {
		t.Fatal(err)
	}
	st := core.Settings{Window: 14}
	readDuring := func(what string, want string) {
		t.Helper()
		compacted := 0
		reader := *s
		reader.api = &compactOnScan{API: s.api, compact: func() {
			n, err := s.Compact(ctx)
			if err != nil {
				t.Errorf("Compact during the read: %v", err)
			}
			compacted = n
		}}
		if got := storetest.Got(t, &reader, st); got != want {
			t.Errorf("%s, a read during a compaction:\n%s\nwant:\n%s", what, got, want)
		}
		if compacted == 0 {
			t.Fatalf("%s: the compaction during the read committed no day", what)
		}
	}
	readDuring("a fresh table", storetest.Want(t, "UTC", evs, st))
	late := []core.Event{{MessageID: "late", UserID: "u1", Name: "Feature 1", Kind: core.KindTrack, TimeMs: time.Date(2026, 7, 31, 9, 10, 0, 0, time.UTC).UnixMilli()}}
	if n, err := s.Ingest(ctx, late); err != nil || n != 1 {
		t.Fatalf("late event: %d, %v", n, err)
	}
	readDuring("a late event on a compacted day", storetest.Want(t, "UTC", append(evs, late...), st))
}
