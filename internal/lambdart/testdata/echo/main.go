// Command echo is a test function: it answers every invocation with its
// payload.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(_ context.Context, payload json.RawMessage) (json.RawMessage, error) {
		return payload, nil
	})
}
