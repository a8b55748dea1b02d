package dynamodb

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// NewClient returns a DynamoDB client configured the SDK's usual way (the
// Lambda role's credentials and region from the environment); a non-empty
// endpoint replaces AWS's (a local DynamoDB such as dynalite).
func NewClient(ctx context.Context, endpoint string) (*ddb.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("aws config: %w", err)
	}
	return ddb.NewFromConfig(cfg, func(o *ddb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}), nil
}
