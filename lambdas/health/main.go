// Command health is the Lambda function behind the public GET /health route:
// it answers 200 {"status":"ok"} to show that API Gateway reaches Lambda.
//
// Build it for Lambda as a bootstrap binary:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -o bootstrap .
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/passage-cdk/passage-cdk-go/lambdas/internal/apilog"
)

func main() {
	lambda.Start(NewHandler(apilog.NewLogger(os.Stdout)).Handle)
}
