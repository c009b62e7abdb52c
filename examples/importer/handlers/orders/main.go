// Command orders answers the orders routes with the caller's user ID and scopes.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/passage-cdk/passage-cdk-go/claims"
)

func handle(
	_ context.Context, req events.APIGatewayV2HTTPRequest,
) (events.APIGatewayV2HTTPResponse, error) {
	c, err := claims.FromRequest(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{StatusCode: 500}, nil
	}
	body, _ := json.Marshal(map[string]any{"userId": c.UserID, "scopes": c.Scopes, "orders": []string{}})
	return events.APIGatewayV2HTTPResponse{
		StatusCode: 200,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(body),
	}, nil
}

func main() {
	lambda.Start(handle)
}
