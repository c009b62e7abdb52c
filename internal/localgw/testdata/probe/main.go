// Command probe is a Lambda function for the gateway's tests: it answers with
// the event it received, its GREETING variable and its process ID, or fails
// as the query string asks (sleep=DURATION first, then fail=error, panic,
// exit or malformed).
//
// Each invocation first writes one line, "probe invoked: ROUTEKEY
// RAWPATH?QUERY", to stdout, so that a test reading the function's output can
// tell whether a request reached the function at all.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

// handle returns any rather than the response type, so that fail=malformed
// can hand the runtime raw bytes: aws-lambda-go passes an io.Reader result
// through unencoded.
func handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (any, error) {
	fmt.Printf("probe invoked: %s %s?%s\n", ev.RouteKey, ev.RawPath, ev.RawQueryString)

	if d, err := time.ParseDuration(ev.QueryStringParameters["sleep"]); err == nil {
		time.Sleep(d)
	}
	switch ev.QueryStringParameters["fail"] {
	case "error":
		return nil, errors.New("probe failed on purpose")
	case "panic":
		panic("probe panicked on purpose")
	case "exit":
		os.Exit(3)
	case "malformed":
		return strings.NewReader(`{"statusCode": 200, "body": "cut sho`), nil
	}

	body, err := json.Marshal(map[string]any{
		"greeting": os.Getenv("GREETING"),
		"pid":      os.Getpid(),
		"event":    ev,
	})
	if err != nil {
		return nil, err
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: 200,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(body),
	}, nil
}

func main() {
	lambda.Start(handle)
}
