package passageapi

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"

	"github.com/passage-cdk/passage-cdk-go/constructs/golambda"
)

// PassageIssuerPrefix is what Passage's issuer URLs start with; the app ID follows.
const PassageIssuerPrefix = "https://auth.passage.id/v1/apps/"

// DefaultIdentitySource is where API Gateway looks for the token unless told otherwise. A
// client sends `Authorization: Bearer <token>`; API Gateway strips the prefix.
const DefaultIdentitySource = "$request.header.Authorization"

// API Gateway's quotas that props are checked against.
const (
	// MaxAudiences is the most audiences one JWT authorizer accepts.
	MaxAudiences = 50

	// MaxScopesPerRoute is the most authorization scopes one route may require.
	MaxScopesPerRoute = 10
)

// PassageProtectedApiProps configures a PassageProtectedApi.
//
// For a Passage app, set AppID and AuthOrigin. For any other OIDC provider that signs RS256
// tokens (Passage was discontinued in January 2026), set Issuer and Audiences instead.
type PassageProtectedApiProps struct {
	// AppID is the Passage app ID, as shown in Passage Console: letters and digits only. The
	// issuer becomes https://auth.passage.id/v1/apps/{AppID}.
	//
	// Required unless Issuer is set.
	AppID string

	// AuthOrigin is the app's Authentication Origin in Passage Console: the full origin of the
	// web app (scheme, host and port if any, no path), such as "https://www.example.com". Passage
	// puts it in the `aud` claim, so it becomes the authorizer's first audience.
	//
	// Required when AppID is set; Default with Issuer: none.
	AuthOrigin string

	// Audiences are accepted besides AuthOrigin. A token is accepted when its `aud` holds any
	// one of them. With a custom Issuer, list the provider's client IDs or API identifiers.
	//
	// Default: none.
	Audiences []string

	// Issuer is the token issuer, for providers other than Passage: an https URL that serves
	// /.well-known/openid-configuration and an RSA JWKS. It must equal the tokens' `iss` claim
	// exactly.
	//
	// Default: https://auth.passage.id/v1/apps/{AppID}.
	Issuer string

	// IdentitySource lists where API Gateway reads the token, as identity source expressions.
	//
	// Default: []string{DefaultIdentitySource}.
	IdentitySource []string

	// ApiName is the name of the HTTP API.
	//
	// Default: the construct's id.
	ApiName string

	// Description describes the HTTP API.
	//
	// Default: none.
	Description string

	// Routes are added when the construct is made; more can be added with AddRoute.
	//
	// Default: none.
	Routes []Route
}

// Route is one method and path of the API, wired to a Lambda handler. A route is protected by
// the API's JWT authorizer unless Public is set.
type Route struct {
	// ID names the route's constructs inside the API (for a GoHandler, the function is the child
	// with this id). Letters and digits, starting with a letter, unique in the API. Keep it
	// stable: a new ID replaces the function. Required.
	ID string

	// Method is the HTTP method, or awsapigatewayv2.HttpMethod_ANY. Required.
	Method awsapigatewayv2.HttpMethod

	// Path is the route path: it starts with "/", and may hold path variables such as "{id}"
	// and a final greedy "{proxy+}". Required.
	Path string

	// Public opts the route out of the JWT authorizer. Only routes that must answer signed-out
	// callers (a health check, a webhook with its own signature) should be public.
	//
	// Default: false, the route requires a valid token.
	Public bool

	// Scopes the token must hold at least one of (in its `scope` or `scp` claim) for this
	// route. Not allowed on public routes.
	//
	// Default: none, any valid token is enough.
	Scopes []string

	// GoHandler builds the route's handler from a Go main package with golambda.NewGoFunction.
	// Set exactly one of GoHandler and Function.
	GoHandler *golambda.GoFunctionProps

	// Function is an existing function that handles the route. Set exactly one of GoHandler and
	// Function.
	Function awslambda.IFunction
}
