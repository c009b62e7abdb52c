package passageapi

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/passage-cdk/passage-cdk-go/internal/validation"
)

// config is what the props resolve to once defaults are filled and every value is checked.
type config struct {
	issuer          string
	audiences       []string
	identitySource  []string
	apiName         string
	description     string
	cors            *CorsOptions
	throttle        *Throttle
	accessLog       *AccessLogOptions
	detailedMetrics bool
	domain          *DomainOptions
}

var (
	appIDPattern   = regexp.MustCompile(`^[A-Za-z0-9]+$`)
	routeIDPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)

	// literalSegment is a path segment without variables: RFC 3986 path characters, without
	// percent-encoding, which API Gateway would match against the decoded path.
	literalSegment = regexp.MustCompile(`^[A-Za-z0-9._~!$&'()*+,;=:@-]+$`)

	// variableSegment is a path variable, "{name}", or the greedy "{name+}".
	variableSegment = regexp.MustCompile(`^\{[A-Za-z0-9._-]+\+?\}$`)

	// identitySourcePattern is what a JWT authorizer reads the token from: one header or one
	// query string parameter.
	identitySourcePattern = regexp.MustCompile(`^\$request\.(header|querystring)\.[A-Za-z0-9_.-]+$`)

	httpMethods = []string{"ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}

	hostnamePattern = regexp.MustCompile(
		`^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$`)
	certificateArnPattern = regexp.MustCompile(`^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/.+$`)
)

// resolveConfig checks the API-wide props and fills their defaults. It panics with a
// *validation.Error on the first prop that cannot work.
func resolveConfig(path string, props PassageProtectedApiProps) config {
	fail := func(field string, value any, problem, fix string) {
		panic(&validation.Error{Path: path, Field: field, Value: value, Problem: problem, Fix: fix})
	}
	var c config

	// The issuer: Passage's for an app ID, or the custom one.
	switch {
	case props.Issuer != "" && props.AppID != "":
		fail("Issuer", props.Issuer, "Issuer and AppID are both set",
			"set AppID for a Passage app, or Issuer for another OIDC provider, not both")
	case props.Issuer != "":
		checkIssuer(props.Issuer, fail)
		c.issuer = props.Issuer
	case props.AppID == "":
		fail("AppID", props.AppID, "neither AppID nor Issuer is set",
			"set AppID to the Passage app ID from Passage Console, or Issuer for another provider")
	default:
		if !validation.IsToken(props.AppID) && !appIDPattern.MatchString(props.AppID) {
			fail("AppID", props.AppID, "a Passage app ID holds only letters and digits",
				"copy the app ID from Passage Console > Settings, without URL or spaces")
		}
		c.issuer = PassageIssuerPrefix + props.AppID
	}

	// The audiences: the Authentication Origin first, then the extra ones, each once.
	if props.AuthOrigin == "" && props.Issuer == "" {
		fail("AuthOrigin", props.AuthOrigin, "a Passage app needs its Authentication Origin",
			"set AuthOrigin to the origin shown in Passage Console, such as https://www.example.com")
	}
	if props.AuthOrigin != "" {
		checkOrigin(props.AuthOrigin, fail)
		c.audiences = append(c.audiences, props.AuthOrigin)
	}
	for i, audience := range props.Audiences {
		if strings.TrimSpace(audience) == "" {
			fail(fmt.Sprintf("Audiences[%d]", i), audience, "an audience cannot be blank",
				"remove it, or give the client ID or origin the tokens carry in `aud`")
		}
		if !slices.Contains(c.audiences, audience) {
			c.audiences = append(c.audiences, audience)
		}
	}
	if len(c.audiences) == 0 {
		fail("Audiences", "[]", "the authorizer needs at least one audience",
			"list the client IDs or API identifiers your provider puts in the `aud` claim")
	}
	if len(c.audiences) > MaxAudiences {
		fail("Audiences", fmt.Sprintf("%d audiences", len(c.audiences)),
			fmt.Sprintf("API Gateway accepts at most %d audiences per authorizer", MaxAudiences),
			"drop the audiences no client uses, or split the API")
	}

	// Where the token is read from.
	c.identitySource = []string{DefaultIdentitySource}
	if props.IdentitySource != nil {
		c.identitySource = slices.Clone(props.IdentitySource)
	}
	if len(c.identitySource) != 1 {
		fail("IdentitySource", fmt.Sprintf("%q", c.identitySource),
			"a JWT authorizer reads the token from exactly one identity source",
			"give one expression, such as "+DefaultIdentitySource)
	}
	if source := c.identitySource[0]; !validation.IsToken(source) &&
		!identitySourcePattern.MatchString(source) {
		fail("IdentitySource[0]", source, "a JWT token comes from one header or query parameter",
			"write $request.header.NAME or $request.querystring.NAME")
	}

	c.apiName = props.ApiName
	if c.apiName == "" {
		c.apiName = path[strings.LastIndex(path, "/")+1:]
	}
	c.description = props.Description
	c.detailedMetrics = props.DetailedMetrics

	c.cors = resolveCors(props, c.identitySource[0], fail)
	c.throttle = resolveThrottle(props, fail)
	c.accessLog = resolveAccessLog(props, fail)
	if props.Domain != nil {
		domain := *props.Domain
		checkDomain(domain, fail)
		c.domain = &domain
	}
	return c
}

// failFunc reports a prop that cannot work, by panicking with a *validation.Error.
type failFunc = func(field string, value any, problem, fix string)

// resolveCors checks the CORS options and fills their defaults, or returns nil without CORS.
func resolveCors(props PassageProtectedApiProps, identitySource string, fail failFunc) *CorsOptions {
	if props.Cors == nil {
		return nil
	}
	cors := *props.Cors
	if len(cors.AllowOrigins) == 0 {
		if props.AuthOrigin == "" {
			fail("Cors.AllowOrigins", "[]", "there is no AuthOrigin to default to",
				"list the origins of the web apps that call the API")
		}
		cors.AllowOrigins = []string{props.AuthOrigin}
	}
	for i, origin := range cors.AllowOrigins {
		field := fmt.Sprintf("Cors.AllowOrigins[%d]", i)
		if origin == "*" {
			if cors.AllowCredentials {
				fail(field, origin, "browsers refuse credentials with the wildcard origin, "+
					"and API Gateway refuses the configuration",
					"list the web app origins, or leave AllowCredentials false")
			}
			continue
		}
		checkOriginField(field, origin, fail)
	}

	if cors.AllowMethods == nil {
		cors.AllowMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}
	}
	for i, method := range cors.AllowMethods {
		if method != "*" && !slices.Contains(httpMethods, method) {
			fail(fmt.Sprintf("Cors.AllowMethods[%d]", i), method, "not an HTTP method",
				"use GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS or *")
		}
	}

	if cors.AllowHeaders == nil {
		cors.AllowHeaders = []string{"Authorization", "Content-Type"}
	}
	if header, ok := strings.CutPrefix(identitySource, "$request.header."); ok &&
		!slices.ContainsFunc(cors.AllowHeaders, func(h string) bool {
			return h == "*" || strings.EqualFold(h, header)
		}) {
		fail("Cors.AllowHeaders", fmt.Sprintf("%q", cors.AllowHeaders),
			"browsers would refuse to send the "+header+" header that carries the token",
			"add \""+header+"\" to AllowHeaders")
	}

	if cors.MaxAge == nil {
		cors.MaxAge = awscdk.Duration_Hours(jsii.Number(1))
	} else if seconds := *cors.MaxAge.ToSeconds(nil); seconds > 86400 {
		fail("Cors.MaxAge", fmt.Sprintf("%v seconds", seconds),
			"API Gateway caps the preflight cache at 86400 seconds", "give one day or less")
	}
	return &cors
}

// corsPreflight converts the resolved CORS options to the HTTP API's.
func (c config) corsPreflight() *awsapigatewayv2.CorsPreflightOptions {
	if c.cors == nil {
		return nil
	}
	methods := make([]awsapigatewayv2.CorsHttpMethod, len(c.cors.AllowMethods))
	for i, method := range c.cors.AllowMethods {
		methods[i] = awsapigatewayv2.CorsHttpMethod(method)
		if method == "*" {
			methods[i] = awsapigatewayv2.CorsHttpMethod_ANY
		}
	}
	options := &awsapigatewayv2.CorsPreflightOptions{
		AllowOrigins:     jsii.Strings(c.cors.AllowOrigins...),
		AllowMethods:     &methods,
		AllowHeaders:     jsii.Strings(c.cors.AllowHeaders...),
		AllowCredentials: jsii.Bool(c.cors.AllowCredentials),
		MaxAge:           c.cors.MaxAge,
	}
	if len(c.cors.ExposeHeaders) > 0 {
		options.ExposeHeaders = jsii.Strings(c.cors.ExposeHeaders...)
	}
	return options
}

// resolveThrottle returns the stage throttle, or nil when it is turned off.
func resolveThrottle(props PassageProtectedApiProps, fail failFunc) *Throttle {
	if props.DisableThrottle {
		if props.Throttle != nil {
			fail("Throttle", props.Throttle.String(), "Throttle is set together with DisableThrottle",
				"keep one of the two")
		}
		return nil
	}
	throttle := DefaultThrottle
	if props.Throttle != nil {
		throttle = *props.Throttle
		checkThrottle("Throttle", throttle, fail)
	}
	return &throttle
}

// checkThrottle fails unless both limits are positive: a limit left at 0 makes API Gateway
// answer every request with 429.
func checkThrottle(field string, t Throttle, fail failFunc) {
	if t.RateLimit <= 0 || t.BurstLimit < 1 {
		fail(field, t.String(),
			"a throttle needs a positive rate and a burst of at least 1; "+
				"a limit of 0 makes API Gateway refuse every request with 429",
			"set both RateLimit and BurstLimit")
	}
}

// resolveAccessLog returns the access log options with their defaults, or nil when the log is
// turned off.
func resolveAccessLog(props PassageProtectedApiProps, fail failFunc) *AccessLogOptions {
	if props.DisableAccessLog {
		if props.AccessLog != nil {
			fail("AccessLog", "set", "AccessLog is set together with DisableAccessLog",
				"keep one of the two")
		}
		return nil
	}
	var log AccessLogOptions
	if props.AccessLog != nil {
		log = *props.AccessLog
	}
	if log.Retention == "" {
		log.Retention = awslogs.RetentionDays_ONE_MONTH
	}
	if log.Format == nil {
		log.Format = AccessLogFormat
	}
	// API Gateway refuses a format without the request ID, which ties a line to the request.
	if !slices.ContainsFunc(slices.Collect(maps.Values(log.Format)), func(v string) bool {
		return strings.Contains(v, "$context.requestId") ||
			strings.Contains(v, "$context.extendedRequestId")
	}) {
		fail("AccessLog.Format", log.Format, "API Gateway requires $context.requestId "+
			"(or $context.extendedRequestId) in the access log format",
			`add "requestId": "$context.requestId"`)
	}
	return &log
}

// checkDomain fails unless the domain options can make a working custom domain.
func checkDomain(d DomainOptions, fail failFunc) {
	if !validation.IsToken(d.Name) && !hostnamePattern.MatchString(d.Name) {
		fail("Domain.Name", d.Name, "not a domain name",
			"give the host name alone, such as api.example.com, without scheme or path")
	}
	if d.CertificateArn == "" && d.HostedZone == nil {
		fail("Domain.CertificateArn", d.CertificateArn,
			"a custom domain needs a certificate, and none can be made without a hosted zone",
			"give the ARN of an ACM certificate for the name, or the HostedZone to validate one")
	}
	if d.CertificateArn != "" && !validation.IsToken(d.CertificateArn) &&
		!certificateArnPattern.MatchString(d.CertificateArn) {
		fail("Domain.CertificateArn", d.CertificateArn, "not an ACM certificate ARN",
			"give arn:aws:acm:REGION:ACCOUNT:certificate/ID, in the stack's region")
	}
}

// checkOriginField fails unless origin is a web origin, naming field.
func checkOriginField(field, origin string, fail failFunc) {
	checkOrigin(origin, func(_ string, value any, problem, fix string) {
		fail(field, value, problem, fix)
	})
}

// checkIssuer fails unless issuer is an absolute https URL, which is all API Gateway fetches
// discovery documents from.
func checkIssuer(issuer string, fail func(string, any, string, string)) {
	if validation.IsToken(issuer) {
		return
	}
	u, err := url.Parse(issuer)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		fail("Issuer", issuer, "the issuer must be an absolute https URL without query or fragment",
			"give the `iss` value your provider puts in its tokens, such as https://login.example.com")
	}
}

// checkOrigin fails unless origin is a web origin: http or https, a host, an optional port, and
// nothing else. Passage compares the origin as a whole string, so "https://app.example.com/"
// would never match a token.
func checkOrigin(origin string, fail func(string, any, string, string)) {
	if validation.IsToken(origin) {
		return
	}
	u, err := url.Parse(origin)
	fix := "give scheme, host and port only, such as https://www.example.com or " +
		"http://localhost:5000"
	switch {
	case err != nil:
		fail("AuthOrigin", origin, "it is not a URL: "+err.Error(), fix)
	case u.Scheme != "http" && u.Scheme != "https":
		fail("AuthOrigin", origin, "an Authentication Origin starts with http:// or https://", fix)
	case u.Host == "" || u.User != nil:
		fail("AuthOrigin", origin, "an Authentication Origin names a host and nothing before it", fix)
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(origin, "?") ||
		strings.HasSuffix(origin, "#"):
		fail("AuthOrigin", origin, "an origin has no path, trailing slash, query or fragment", fix)
	}
}

// validateRoute checks one route and its place among the routes added before it. It panics
// with a *validation.Error on the first problem.
func validateRoute(path string, index int, route Route, existing []Route, cfg config) {
	fail := func(field string, value any, problem, fix string) {
		panic(&validation.Error{Path: path, Field: fmt.Sprintf("Routes[%d].%s", index, field),
			Value: value, Problem: problem, Fix: fix})
	}

	if !routeIDPattern.MatchString(route.ID) {
		fail("ID", route.ID, "a route ID is letters and digits, starting with a letter",
			"name the route by what it does, such as \"Whoami\"; it names the route's function")
	}
	for _, other := range existing {
		if other.ID == route.ID {
			fail("ID", route.ID, "another route already has this ID", "give each route its own ID")
		}
	}

	method := string(route.Method)
	if !slices.Contains(httpMethods, method) {
		fail("Method", method, "not an HTTP method API Gateway routes",
			"use one of "+strings.Join(httpMethods, ", ")+" (awsapigatewayv2.HttpMethod_GET, ...)")
	}
	checkRoutePath(route.Path, func(problem string) {
		fail("Path", route.Path, problem,
			`start with "/", separate segments with single slashes, and use letters, digits, `+
				`"-._~" or path variables such as {id} and a final {proxy+}`)
	})
	for _, other := range existing {
		if other.Method == route.Method && routePattern(other.Path) == routePattern(route.Path) {
			fail("Path", route.Path,
				fmt.Sprintf("route %q already serves %s %s", other.ID, method, other.Path),
				"remove one of the two routes, or give them different paths")
		}
	}

	if route.Public && len(route.Scopes) > 0 {
		fail("Scopes", route.Scopes, "a public route has no authorizer to check scopes",
			"drop the scopes, or make the route protected (Public: false)")
	}
	if len(route.Scopes) > MaxScopesPerRoute {
		fail("Scopes", route.Scopes,
			fmt.Sprintf("API Gateway allows at most %d scopes per route", MaxScopesPerRoute),
			"require a broader scope, or split the route")
	}
	for i, scope := range route.Scopes {
		if scope == "" || strings.ContainsAny(scope, " \t\n") {
			fail(fmt.Sprintf("Scopes[%d]", i), scope, "a scope is one word",
				"give each scope as its own element, as it appears in the token's `scope` claim")
		}
	}

	if route.Method == awsapigatewayv2.HttpMethod_OPTIONS && !route.Public && cfg.cors != nil {
		fail("Method", method, "a protected OPTIONS route catches CORS preflight requests, "+
			"which carry no token, so the authorizer would refuse every preflight",
			"drop the route and let API Gateway answer preflight from Cors, or make it Public")
	}
	if route.Throttle != nil {
		checkThrottle("Throttle", *route.Throttle, fail)
	}

	if (route.GoHandler == nil) == (route.Function == nil) {
		fail("GoHandler", describeHandler(route),
			"a route needs exactly one handler",
			"set GoHandler to build a Go package, or Function to use an existing function")
	}
}

// checkRoutePath calls fail with the problem when p is not a route path API Gateway accepts.
func checkRoutePath(p string, fail func(problem string)) {
	if p == "/" {
		return
	}
	if !strings.HasPrefix(p, "/") {
		fail("a route path starts with \"/\"")
		return
	}
	if strings.HasSuffix(p, "/") {
		fail("a route path other than \"/\" does not end with \"/\"")
		return
	}
	segments := strings.Split(p[1:], "/")
	for i, segment := range segments {
		switch {
		case segment == "":
			fail("a route path has no empty segment (\"//\")")
			return
		case variableSegment.MatchString(segment):
			if strings.HasSuffix(segment, "+}") && i != len(segments)-1 {
				fail("a greedy path variable such as {proxy+} can only be the last segment")
				return
			}
		case !literalSegment.MatchString(segment):
			fail(fmt.Sprintf("segment %q has characters API Gateway does not route", segment))
			return
		}
	}
}

// routePattern erases variable names, because API Gateway sees /items/{id} and /items/{key} as
// the same route.
func routePattern(p string) string {
	segments := strings.Split(p, "/")
	for i, segment := range segments {
		if variableSegment.MatchString(segment) {
			segments[i] = "{}"
			if strings.HasSuffix(segment, "+}") {
				segments[i] = "{+}"
			}
		}
	}
	return strings.Join(segments, "/")
}

func describeHandler(route Route) string {
	if route.GoHandler == nil {
		return "neither GoHandler nor Function"
	}
	return "both GoHandler and Function"
}
