package passageapi

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"

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

	// Cors lets browsers on other origins call the API. API Gateway then answers preflight
	// OPTIONS requests itself, before any authorizer.
	//
	// Default: nil, no CORS headers (same-origin callers and non-browser clients only).
	Cors *CorsOptions

	// Throttle limits the requests of every route of the $default stage.
	//
	// Default: DefaultThrottle. Set DisableThrottle to leave only the account's limits.
	Throttle *Throttle

	// DisableThrottle leaves the stage without route throttling.
	//
	// Default: false.
	DisableThrottle bool

	// AccessLog configures the stage's JSON access log.
	//
	// Default: the fields of AccessLogFormat, to a new log group kept for one month. Set
	// DisableAccessLog to turn it off (cdk-nag's AwsSolutions-APIG1 then reports it).
	AccessLog *AccessLogOptions

	// DisableAccessLog turns the access log off.
	//
	// Default: false.
	DisableAccessLog bool

	// DetailedMetrics turns on per-route CloudWatch metrics, which cost extra.
	//
	// Default: false.
	DetailedMetrics bool

	// Domain serves the API on a custom domain name.
	//
	// Default: nil, only the execute-api endpoint.
	Domain *DomainOptions
}

// DefaultThrottle is the stage throttle unless props say otherwise: enough for a small
// production API, low enough that a runaway client cannot run up the Lambda bill unnoticed.
var DefaultThrottle = Throttle{RateLimit: 100, BurstLimit: 200}

// Throttle is a token-bucket limit. API Gateway answers 429 {"message":"Too Many Requests"}
// beyond it. Both fields must be set: a limit left at 0 refuses every request.
type Throttle struct {
	// RateLimit is the steady-state number of requests per second.
	RateLimit float64

	// BurstLimit is the bucket size: how many requests may arrive at once.
	BurstLimit float64
}

// String shows both limits by name.
func (t Throttle) String() string {
	return fmt.Sprintf("{RateLimit: %v, BurstLimit: %v}", t.RateLimit, t.BurstLimit)
}

// CorsOptions configures CORS for browser clients. API Gateway answers preflight requests and
// adds the CORS headers to every response; the functions need not.
type CorsOptions struct {
	// AllowOrigins are the origins allowed to call the API: "https://host[:port]", or "*".
	//
	// Default: the AuthOrigin (the web app that signs users in).
	AllowOrigins []string

	// AllowMethods are the methods allowed across origins.
	//
	// Default: GET, HEAD, POST, PUT, PATCH and DELETE.
	AllowMethods []string

	// AllowHeaders are the request headers allowed across origins. It must hold the header
	// the token comes in, or "*".
	//
	// Default: Authorization and Content-Type.
	AllowHeaders []string

	// ExposeHeaders are the response headers a browser script may read.
	//
	// Default: none.
	ExposeHeaders []string

	// AllowCredentials lets browsers send cookies. Never together with the origin "*".
	//
	// Default: false: the token travels in the Authorization header, which needs no cookies.
	AllowCredentials bool

	// MaxAge is how long a browser may cache a preflight answer.
	//
	// Default: one hour.
	MaxAge awscdk.Duration
}

// AccessLogOptions configures the stage's access log.
type AccessLogOptions struct {
	// LogGroup receives the log.
	//
	// Default: a new log group, kept for Retention.
	LogGroup awslogs.ILogGroup

	// Retention is how long the new log group keeps the log; ignored with LogGroup.
	//
	// Default: awslogs.RetentionDays_ONE_MONTH.
	Retention awslogs.RetentionDays

	// Format maps JSON field names to API Gateway $context variables.
	//
	// Default: AccessLogFormat.
	Format map[string]string
}

// AccessLogFormat is the default access log line: who called, what, with which outcome, and
// why a request failed, whether in the authorizer or the integration. The caller's user ID
// comes from the verified token; the token itself is never logged.
var AccessLogFormat = map[string]string{
	"requestId":          "$context.requestId",
	"requestTime":        "$context.requestTime",
	"sourceIp":           "$context.identity.sourceIp",
	"userAgent":          "$context.identity.userAgent",
	"method":             "$context.httpMethod",
	"path":               "$context.path",
	"routeKey":           "$context.routeKey",
	"protocol":           "$context.protocol",
	"status":             "$context.status",
	"responseLength":     "$context.responseLength",
	"responseLatency":    "$context.responseLatency",
	"integrationLatency": "$context.integrationLatency",
	"integrationStatus":  "$context.integrationStatus",
	"integrationError":   "$context.integrationErrorMessage",
	"authorizerError":    "$context.authorizer.error",
	"userId":             "$context.authorizer.claims.sub",
}

// DomainOptions serves the API on a custom domain name.
type DomainOptions struct {
	// Name is the domain name, such as "api.example.com". Required.
	Name string

	// CertificateArn is an ACM certificate for Name, in the stack's region.
	//
	// Default: a new certificate validated through HostedZone (then HostedZone is required).
	CertificateArn string

	// HostedZone is the Route 53 zone of Name. When set, an alias record points Name at the
	// API, and a new certificate is validated through it unless CertificateArn is given.
	//
	// Default: none; point Name at the API's regional domain name yourself.
	HostedZone awsroute53.IHostedZone

	// DisableExecuteApiEndpoint turns off the default execute-api URL, so that the API is only
	// reachable on Name.
	//
	// Default: false.
	DisableExecuteApiEndpoint bool
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

	// Throttle overrides the stage throttle for this route.
	//
	// Default: the stage's throttle.
	Throttle *Throttle
}
