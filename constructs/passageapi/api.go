// Package passageapi provides PassageProtectedApi: an API Gateway HTTP API whose routes are
// protected by a JWT authorizer for a Passage app (or any OIDC provider that signs RS256 tokens)
// and handled by Go Lambda functions.
//
// A request without a valid token is answered 401 by API Gateway before any function runs. A
// handler finds the verified claims, the Passage user ID (`sub`) among them, in the payload 2.0
// event; package claims of this module reads them.
package passageapi

import (
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/passage-cdk/passage-cdk-go/constructs/golambda"
	"github.com/passage-cdk/passage-cdk-go/internal/validation"
)

// PassageProtectedApi is an HTTP API with one JWT authorizer that every route uses unless it is
// declared public, and Lambda integrations (payload format 2.0) for its routes.
type PassageProtectedApi struct {
	constructs.Construct

	httpAPI    awsapigatewayv2.HttpApi
	authorizer awsapigatewayv2authorizers.HttpJwtAuthorizer
	issuer     string
	audiences  []string
	routes     []Route
	functions  map[string]awslambda.IFunction
}

// NewPassageProtectedApi defines the API, its authorizer and the routes in props. It panics with
// a message naming the field, its value and the fix when props cannot work, so that a bad
// configuration stops synth instead of reaching a template.
func NewPassageProtectedApi(
	scope constructs.Construct, id string, props *PassageProtectedApiProps,
) *PassageProtectedApi {
	// Check everything that can be checked before building anything, on a copy of the props.
	path := validation.ChildPath(scope, id)
	if props == nil {
		props = &PassageProtectedApiProps{}
	}
	config := resolveConfig(path, *props)

	a := &PassageProtectedApi{
		issuer:    config.issuer,
		audiences: config.audiences,
		functions: map[string]awslambda.IFunction{},
	}
	constructs.NewConstruct_Override(a, scope, jsii.String(id))

	// One authorizer serves every protected route, so API Gateway caches one set of keys.
	a.authorizer = awsapigatewayv2authorizers.NewHttpJwtAuthorizer(
		jsii.String("Authorizer"),
		jsii.String(config.issuer),
		&awsapigatewayv2authorizers.HttpJwtAuthorizerProps{
			AuthorizerName: jsii.String("JwtAuthorizer"),
			JwtAudience:    jsii.Strings(config.audiences...),
			IdentitySource: jsii.Strings(config.identitySource...),
		},
	)

	// The authorizer is the API's default too, so that a route added through HttpApi() directly
	// is protected unless it says otherwise.
	a.httpAPI = awsapigatewayv2.NewHttpApi(a, jsii.String("HttpApi"), &awsapigatewayv2.HttpApiProps{
		ApiName:           jsii.String(config.apiName),
		Description:       optionalString(config.description),
		DefaultAuthorizer: a.authorizer,
	})

	for _, route := range props.Routes {
		a.AddRoute(route)
	}
	return a
}

// AddRoute validates route against the API's other routes, builds its handler when it is a Go
// package, and adds it with its integration. It panics like NewPassageProtectedApi on a bad
// route.
func (a *PassageProtectedApi) AddRoute(route Route) awsapigatewayv2.HttpRoute {
	index := len(a.routes)
	validateRoute(*a.Node().Path(), index, route, a.routes)
	route.Scopes = slices.Clone(route.Scopes)
	a.routes = append(a.routes, route)

	handler := route.Function
	if route.GoHandler != nil {
		handler = golambda.NewGoFunction(a, route.ID, route.GoHandler)
	}
	a.functions[route.ID] = handler

	integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(
		jsii.String(route.ID+"Integration"),
		handler,
		&awsapigatewayv2integrations.HttpLambdaIntegrationProps{
			PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
		},
	)

	options := &awsapigatewayv2.AddRoutesOptions{
		Path:        jsii.String(route.Path),
		Methods:     &[]awsapigatewayv2.HttpMethod{route.Method},
		Integration: integration,
		Authorizer:  a.authorizer,
	}
	if route.Public {
		options.Authorizer = awsapigatewayv2.NewHttpNoneAuthorizer()
	}
	if len(route.Scopes) > 0 {
		options.AuthorizationScopes = jsii.Strings(route.Scopes...)
	}
	return (*a.httpAPI.AddRoutes(options))[0]
}

// HttpApi returns the HTTP API, to reach settings this construct does not cover.
func (a *PassageProtectedApi) HttpApi() awsapigatewayv2.HttpApi {
	return a.httpAPI
}

// Authorizer returns the JWT authorizer that protects every non-public route.
func (a *PassageProtectedApi) Authorizer() awsapigatewayv2authorizers.HttpJwtAuthorizer {
	return a.authorizer
}

// Issuer returns the issuer the authorizer trusts.
func (a *PassageProtectedApi) Issuer() string {
	return a.issuer
}

// Audiences returns the audiences the authorizer accepts, AuthOrigin first.
func (a *PassageProtectedApi) Audiences() []string {
	return slices.Clone(a.audiences)
}

// Function returns the function that handles the route with the given ID, or nil.
func (a *PassageProtectedApi) Function(routeID string) awslambda.IFunction {
	return a.functions[routeID]
}

// Routes returns the routes added so far, in order.
func (a *PassageProtectedApi) Routes() []Route {
	return slices.Clone(a.routes)
}

// Url returns the URL of the API's default stage, a token until deploy time.
func (a *PassageProtectedApi) Url() *string {
	return a.httpAPI.Url()
}

func optionalString(s string) *string {
	if s == "" {
		return nil
	}
	return jsii.String(s)
}
