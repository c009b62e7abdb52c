// Command probe is a Lambda function for the gateway's tests: it answers with
// the event it received and its GREETING variable, or fails as the query
// string asks (sleep=DURATION first, then fail=error, panic or exit).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(ctx context.Context,
	ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {

	if d, err := time.ParseDuration(ev.QueryStringParameters["sleep"]); err == nil {
		time.Sleep(d)
	}
	switch ev.QueryStringParameters["fail"] {
	case "error":
		return events.APIGatewayV2HTTPResponse{}, errors.New("probe failed on purpose")
	case "panic":
		panic("probe panicked on purpose")
	case "exit":
		os.Exit(3)
	}

	body, err := json.Marshal(map[string]any{"greeting": os.Getenv("GREETING"), "event": ev})
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
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
