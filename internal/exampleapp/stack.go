// Package exampleapp defines the example stack that main.go synthesizes: a Passage-protected
// API with a protected GET /whoami and a public GET /health, both Go handlers from lambdas/.
package exampleapp

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/passage-cdk/passage-cdk-go/constructs/golambda"
	"github.com/passage-cdk/passage-cdk-go/constructs/passageapi"
)

// StackName is the id, and so the CloudFormation name, of the example stack.
const StackName = "PassageExample"

// Context keys the example app reads, from cdk.json or `cdk synth -c key=value`.
const (
	ContextAppID      = "passageAppId"
	ContextAuthOrigin = "passageAuthOrigin"
)

// Props configures the example stack.
type Props struct {
	awscdk.StackProps

	// AppID is the Passage app ID.
	AppID string

	// AuthOrigin is the Passage app's Authentication Origin.
	AuthOrigin string
}

// PropsFromContext reads the Passage app from the CDK context of scope.
func PropsFromContext(scope constructs.Construct) (Props, error) {
	var props Props
	for key, target := range map[string]*string{
		ContextAppID:      &props.AppID,
		ContextAuthOrigin: &props.AuthOrigin,
	} {
		value := scope.Node().TryGetContext(jsii.String(key))
		text, ok := value.(string)
		if !ok {
			return Props{}, fmt.Errorf("context value %s is %v, want a string: "+
				"set it in cdk.json or with `cdk synth -c %s=...`", key, value, key)
		}
		*target = text
	}
	return props, nil
}

// NewStack defines the example stack with its API and outputs the API's URL.
func NewStack(scope constructs.Construct, id string, props Props) awscdk.Stack {
	stackProps := props.StackProps
	if stackProps.Description == nil {
		stackProps.Description = jsii.String("Go API behind Passage sign-in (passage-cdk-go example)")
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &stackProps)

	api := passageapi.NewPassageProtectedApi(stack, "Api", &passageapi.PassageProtectedApiProps{
		AppID:       props.AppID,
		AuthOrigin:  props.AuthOrigin,
		ApiName:     "passage-example",
		Description: "Example API: GET /whoami needs a Passage token, GET /health does not",
		Routes: []passageapi.Route{
			{
				ID:        "Whoami",
				Method:    awsapigatewayv2.HttpMethod_GET,
				Path:      "/whoami",
				GoHandler: &golambda.GoFunctionProps{Entry: "lambdas/whoami"},
			},
			{
				ID:        "Health",
				Method:    awsapigatewayv2.HttpMethod_GET,
				Path:      "/health",
				Public:    true,
				GoHandler: &golambda.GoFunctionProps{Entry: "lambdas/health"},
			},
		},
	})

	awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("Base URL of the API"),
		Value:       api.Url(),
	})
	return stack
}
