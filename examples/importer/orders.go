// Package orders is a CDK app of its own that imports passage-cdk-go as any other module
// would: an orders API behind another OIDC provider, with CORS and a custom domain.
package orders

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/passage-cdk/passage-cdk-go/constructs/golambda"
	"github.com/passage-cdk/passage-cdk-go/constructs/passageapi"
)

// Issuer and Audience are those of the shop's OIDC provider (not Passage).
const (
	Issuer   = "https://shop-tenant.eu.auth0.com/"
	Audience = "https://orders.example.com/api"
)

// NewStack defines the orders API.
func NewStack(scope constructs.Construct, id string) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), nil)
	zone := awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"),
		&awsroute53.HostedZoneAttributes{
			HostedZoneId: jsii.String("Z0123456789ABCDEFGHIJ"),
			ZoneName:     jsii.String("example.com"),
		})

	orders := &golambda.GoFunctionProps{Entry: "handlers/orders"}
	api := passageapi.NewPassageProtectedApi(stack, "Api", &passageapi.PassageProtectedApiProps{
		Issuer:    Issuer,
		Audiences: []string{Audience},
		ApiName:   "orders",
		Cors:      &passageapi.CorsOptions{AllowOrigins: []string{"https://shop.example.com"}},
		Domain:    &passageapi.DomainOptions{Name: "orders.example.com", HostedZone: zone},
		Routes: []passageapi.Route{
			{ID: "ListOrders", Method: awsapigatewayv2.HttpMethod_GET, Path: "/orders",
				Scopes: []string{"read:orders"}, GoHandler: orders},
			{ID: "CreateOrder", Method: awsapigatewayv2.HttpMethod_POST, Path: "/orders",
				Scopes: []string{"write:orders"}, GoHandler: orders,
				Throttle: &passageapi.Throttle{RateLimit: 10, BurstLimit: 20}},
			{ID: "Health", Method: awsapigatewayv2.HttpMethod_GET, Path: "/health", Public: true,
				GoHandler: &golambda.GoFunctionProps{Entry: "handlers/health"}},
		},
	})

	awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{Value: api.Url()})
	return stack
}
