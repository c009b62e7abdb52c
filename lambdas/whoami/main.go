// Command whoami is the Lambda function behind the protected GET /whoami
// route: it answers with the Passage user ID (and audiences, scopes and expiry)
// that API Gateway's JWT authorizer verified. See Handler.Handle for what it
// answers when the route lacks its authorizer.
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
