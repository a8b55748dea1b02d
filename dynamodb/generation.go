package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/sep-project/sep/core"
)

// genKey is the item counting deliveries: the generation the API's report
// cache is keyed by (core.Generationer).
const genKey = "meta|gen"

// bumpGeneration adds one to the delivery counter (one write unit). Ingest
// calls it after its writes, whether they all succeeded or not.
func (s *Store) bumpGeneration(ctx context.Context) error {
	_, err := s.api.UpdateItem(ctx, &ddb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key(genKey),
		UpdateExpression:          aws.String("SET #t = :t, #lv = :lv ADD #n :one"),
		ExpressionAttributeNames:  map[string]string{"#t": attrType, "#n": attrN, "#lv": attrLive},
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": str("g"), ":one": num(1), ":lv": liveShard(genKey)},
	})
	if err != nil {
		return fmt.Errorf("dynamodb generation: %w", err)
	}
	return nil
}

// Generation is the delivery counter, read with one strongly consistent
// GetItem (one read unit: 0.5 at the eventually consistent price), and the
// store's day (which moves retention and "today"). A client without GetItem
// has no cheap generation: the API then reads without its cache.
func (s *Store) Generation(ctx context.Context) (string, error) {
	g, ok := s.api.(itemGetter)
	if !ok {
		return "", errors.New("dynamodb generation: the client has no GetItem")
	}
	res, err := g.GetItem(ctx, &ddb.GetItemInput{TableName: &s.table, Key: key(genKey), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return "", fmt.Errorf("dynamodb generation: %w", err)
	}
	r, err := core.NewRollup(s.tz)
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(getN(res.Item, attrN), 10) + "/" + strconv.Itoa(int(r.DayOf(s.now().UnixMilli()))), nil
}
