// Package passageapi provides PassageProtectedApi: an API Gateway HTTP API whose routes are
// protected by a JWT authorizer for a Passage app (or any OIDC provider that signs RS256 tokens)
// and handled by Go Lambda functions.
//
// A request without a valid token is answered 401 by API Gateway before any function runs. A
// handler finds the verified claims, the Passage user ID (`sub`) among them, in the payload 2.0
// event; package claims of this module reads them.
//
// The construct is safe to deploy as it comes: default deny, an explicit $default stage with
// throttling and a JSON access log, functions with least-privilege roles, CORS preflight kept
// away from the authorizer, and a template that passes cdk-nag's AwsSolutions checks.
package passageapi

import (
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
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

	config     config
	httpAPI    awsapigatewayv2.HttpApi
	authorizer awsapigatewayv2authorizers.HttpJwtAuthorizer
	stage      awsapigatewayv2.HttpStage
	domainName awsapigatewayv2.DomainName
	routes     []Route
	functions  map[string]awslambda.IFunction

	// routeSettings holds the per-route throttles of the stage, by route key, spelled as
	// CloudFormation spells them: the property is free-form JSON to jsii.
	routeSettings map[string]map[string]any
}

// NewPassageProtectedApi defines the API, its authorizer, its stage and the routes in props. It
// panics with a message naming the field, its value and the fix when props cannot work, so that
// a bad configuration stops synth instead of reaching a template.
func NewPassageProtectedApi(
	scope constructs.Construct, id string, props *PassageProtectedApiProps,
) *PassageProtectedApi {
	// Check everything that can be checked before building anything, on a copy of the props.
	path := validation.ChildPath(scope, id)
	if props == nil {
		props = &PassageProtectedApiProps{}
	}
	cfg := resolveConfig(path, *props)

	a := &PassageProtectedApi{
		config:        cfg,
		functions:     map[string]awslambda.IFunction{},
		routeSettings: map[string]map[string]any{},
	}
	constructs.NewConstruct_Override(a, scope, jsii.String(id))

	// One authorizer serves every protected route, so API Gateway caches one set of keys.
	a.authorizer = awsapigatewayv2authorizers.NewHttpJwtAuthorizer(
		jsii.String("Authorizer"),
		jsii.String(cfg.issuer),
		&awsapigatewayv2authorizers.HttpJwtAuthorizerProps{
			AuthorizerName: jsii.String("JwtAuthorizer"),
			JwtAudience:    jsii.Strings(cfg.audiences...),
			IdentitySource: jsii.Strings(cfg.identitySource...),
		},
	)

	// The authorizer is the API's default too, so that a route added through HttpApi() directly
	// is protected unless it says otherwise. The stage is made below, with its settings.
	apiProps := &awsapigatewayv2.HttpApiProps{
		ApiName:            jsii.String(cfg.apiName),
		Description:        optionalString(cfg.description),
		DefaultAuthorizer:  a.authorizer,
		CreateDefaultStage: jsii.Bool(false),
		CorsPreflight:      cfg.corsPreflight(),
	}
	if cfg.domain != nil && cfg.domain.DisableExecuteApiEndpoint {
		apiProps.DisableExecuteApiEndpoint = jsii.Bool(true)
	}
	a.httpAPI = awsapigatewayv2.NewHttpApi(a, jsii.String("HttpApi"), apiProps)

	a.stage = a.newStage()
	if cfg.domain != nil {
		a.domainName = a.newDomain(*cfg.domain)
	}

	for _, route := range props.Routes {
		a.AddRoute(route)
	}
	return a
}

// AddRoute validates route against the API's other routes, builds its handler when it is a Go
// package, and adds it with its integration. It returns the API Gateway routes it made: one,
// or, for an ANY route on an API with CORS, one for each method but OPTIONS, so that preflight
// requests reach API Gateway's CORS answer instead of the authorizer. It panics like
// NewPassageProtectedApi on a bad route.
func (a *PassageProtectedApi) AddRoute(route Route) []awsapigatewayv2.HttpRoute {
	validateRoute(*a.Node().Path(), len(a.routes), route, a.routes, a.config)
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

	methods := []awsapigatewayv2.HttpMethod{route.Method}
	if route.Method == awsapigatewayv2.HttpMethod_ANY && a.config.cors != nil {
		methods = anyButOptions
	}
	options := &awsapigatewayv2.AddRoutesOptions{
		Path:        jsii.String(route.Path),
		Methods:     &methods,
		Integration: integration,
		Authorizer:  a.authorizer,
	}
	if route.Public {
		options.Authorizer = awsapigatewayv2.NewHttpNoneAuthorizer()
	}
	if len(route.Scopes) > 0 {
		options.AuthorizationScopes = jsii.Strings(route.Scopes...)
	}
	httpRoutes := *a.httpAPI.AddRoutes(options)

	for i, httpRoute := range httpRoutes {
		routeKey := fmt.Sprintf("%s %s", methods[i], route.Path)
		if route.Public {
			suppressPublicRouteFinding(httpRoute, routeKey)
		}
		if route.Throttle != nil {
			a.throttleRoute(httpRoute, routeKey, *route.Throttle)
		}
	}
	return httpRoutes
}

// anyButOptions are the methods an ANY route stands for on an API with CORS.
var anyButOptions = []awsapigatewayv2.HttpMethod{
	awsapigatewayv2.HttpMethod_GET, awsapigatewayv2.HttpMethod_HEAD,
	awsapigatewayv2.HttpMethod_POST, awsapigatewayv2.HttpMethod_PUT,
	awsapigatewayv2.HttpMethod_PATCH, awsapigatewayv2.HttpMethod_DELETE,
}

// throttleRoute gives one route its own throttle in the stage's route settings. The stage must
// be created after the route: CloudFormation refuses settings for a route key it cannot find.
func (a *PassageProtectedApi) throttleRoute(route awsapigatewayv2.HttpRoute, key string, t Throttle) {
	a.routeSettings[key] = map[string]any{
		"ThrottlingRateLimit":  t.RateLimit,
		"ThrottlingBurstLimit": t.BurstLimit,
	}
	cfnStage := a.stage.Node().DefaultChild().(awsapigatewayv2.CfnStage)
	cfnStage.SetRouteSettings(a.routeSettings)
	cfnStage.Node().AddDependency(route)
}

// suppressPublicRouteFinding records, for cdk-nag, why a public route has no authorizer
// (AwsSolutions-APIG4). The route is public only because its props say Public: true, and the
// reason says so where a security reviewer reads it.
func suppressPublicRouteFinding(route awsapigatewayv2.HttpRoute, routeKey string) {
	reason := routeKey + " is declared Public in its PassageProtectedApi props: it must answer " +
		"signed-out callers. Every other route of the API requires a valid JWT."
	cfnRoute := route.Node().DefaultChild().(awscdk.CfnResource)
	cfnRoute.AddMetadata(jsii.String("cdk_nag"), map[string]any{
		"rules_to_suppress": []map[string]any{{"id": "AwsSolutions-APIG4", "reason": reason}},
	})
}

// HttpApi returns the HTTP API, to reach settings this construct does not cover.
func (a *PassageProtectedApi) HttpApi() awsapigatewayv2.HttpApi {
	return a.httpAPI
}

// Authorizer returns the JWT authorizer that protects every non-public route.
func (a *PassageProtectedApi) Authorizer() awsapigatewayv2authorizers.HttpJwtAuthorizer {
	return a.authorizer
}

// Stage returns the API's $default stage.
func (a *PassageProtectedApi) Stage() awsapigatewayv2.HttpStage {
	return a.stage
}

// DomainName returns the custom domain name, or nil without one.
func (a *PassageProtectedApi) DomainName() awsapigatewayv2.DomainName {
	return a.domainName
}

// Issuer returns the issuer the authorizer trusts.
func (a *PassageProtectedApi) Issuer() string {
	return a.config.issuer
}

// Audiences returns the audiences the authorizer accepts, AuthOrigin first.
func (a *PassageProtectedApi) Audiences() []string {
	return slices.Clone(a.config.audiences)
}

// Function returns the function that handles the route with the given ID, or nil.
func (a *PassageProtectedApi) Function(routeID string) awslambda.IFunction {
	return a.functions[routeID]
}

// Routes returns the routes added so far, in order.
func (a *PassageProtectedApi) Routes() []Route {
	return slices.Clone(a.routes)
}

// Url returns the API's base URL, ending in "/": on the custom domain when there is one,
// else on the execute-api endpoint. It is a token until deploy time.
func (a *PassageProtectedApi) Url() *string {
	if a.config.domain != nil {
		return jsii.String("https://" + a.config.domain.Name + "/")
	}
	return a.stage.Url()
}

func optionalString(s string) *string {
	if s == "" {
		return nil
	}
	return jsii.String(s)
}
