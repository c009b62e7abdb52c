package assembly

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

const (
	typeAPI         = "AWS::ApiGatewayV2::Api"
	typeRoute       = "AWS::ApiGatewayV2::Route"
	typeAuthorizer  = "AWS::ApiGatewayV2::Authorizer"
	typeIntegration = "AWS::ApiGatewayV2::Integration"
	typeFunction    = "AWS::Lambda::Function"

	metadataPath      = "aws:cdk:path"
	metadataAssetPath = "aws:asset:path"

	// metadataGoPackage is golambda.MetadataGoPackage, repeated here so that reading an
	// assembly does not pull in the CDK.
	metadataGoPackage = "passage:go-package"
)

// HTTPAPI is an API Gateway HTTP API of a template.
type HTTPAPI struct {
	// LogicalID is the API's logical ID in the template.
	LogicalID string

	// Name is the API's name.
	Name string

	// Cors is the API's CORS configuration, or nil.
	Cors *Cors

	// Routes are the API's routes, sorted by path and then method.
	Routes []*Route
}

// Cors is an HTTP API's CorsConfiguration.
type Cors struct {
	AllowOrigins     []string `json:"AllowOrigins"`
	AllowMethods     []string `json:"AllowMethods"`
	AllowHeaders     []string `json:"AllowHeaders"`
	ExposeHeaders    []string `json:"ExposeHeaders"`
	AllowCredentials bool     `json:"AllowCredentials"`
	MaxAge           *int     `json:"MaxAge"`
}

// Route is one route of an HTTP API.
type Route struct {
	// LogicalID is the route's logical ID in the template.
	LogicalID string

	// Key is the route key, such as "GET /whoami" or "$default".
	Key string

	// AuthorizationType is "NONE", "JWT", "AWS_IAM" or "CUSTOM".
	AuthorizationType string

	// Authorizer is the route's JWT authorizer, or nil.
	Authorizer *Authorizer

	// Scopes are the authorization scopes the route requires.
	Scopes []string

	// Function is the Lambda function the route's integration invokes, or nil when the
	// integration is not a Lambda proxy to a function of the template.
	Function *Function
}

// Method returns the method of the route key ("ANY" for $default).
func (r *Route) Method() string {
	method, _, found := strings.Cut(r.Key, " ")
	if !found {
		return "ANY"
	}
	return method
}

// Path returns the path of the route key ("" for $default).
func (r *Route) Path() string {
	_, path, _ := strings.Cut(r.Key, " ")
	return path
}

// Authorizer is a JWT authorizer of an HTTP API.
type Authorizer struct {
	// LogicalID is the authorizer's logical ID in the template.
	LogicalID string

	// Name is the authorizer's name.
	Name string

	// Issuer is the trusted token issuer.
	Issuer string

	// Audiences are the accepted audiences.
	Audiences []string

	// IdentitySource lists where the token is read from.
	IdentitySource []string
}

// Function is a Lambda function of a template.
type Function struct {
	// LogicalID is the function's logical ID in the template.
	LogicalID string

	// Path is the function's construct path, such as "MyStack/Api/Whoami/Resource".
	Path string

	// Runtime, Handler and Architecture are the function's settings ("arm64" unless set).
	Runtime      string
	Handler      string
	Architecture string

	// MemoryMB and TimeoutSeconds are the function's limits, with Lambda's defaults (128 MB,
	// 3 seconds) where the template leaves them out.
	MemoryMB       int
	TimeoutSeconds int

	// Environment holds the function's environment variables whose values are plain strings;
	// Unresolved names those whose values are only known at deploy time.
	Environment map[string]string
	Unresolved  []string

	// GoPackage is the import path of the Go main package the function was built from, when
	// golambda built it.
	GoPackage string

	// AssetPath is the directory of the function's code in the assembly, when it is an asset.
	AssetPath string
}

// Name returns the construct path of the function without its trailing "/Resource", which is
// how a reader knows it.
func (f *Function) Name() string {
	return strings.TrimSuffix(f.Path, "/Resource")
}

// HTTPAPIs returns the HTTP APIs of the stack with their routes.
func (s *Stack) HTTPAPIs() ([]*HTTPAPI, error) {
	t := s.Template
	var apis []*HTTPAPI
	for _, apiID := range t.ofType(typeAPI) {
		var props struct {
			Name              any    `json:"Name"`
			ProtocolType      string `json:"ProtocolType"`
			CorsConfiguration *Cors  `json:"CorsConfiguration"`
		}
		if err := t.properties(apiID, &props); err != nil {
			return nil, err
		}
		if props.ProtocolType != "HTTP" {
			continue
		}
		api := &HTTPAPI{LogicalID: apiID, Name: literal(props.Name), Cors: props.CorsConfiguration}

		for _, routeID := range t.ofType(typeRoute) {
			route, apiRef, err := t.route(routeID)
			if err != nil {
				return nil, err
			}
			if apiRef == apiID {
				api.Routes = append(api.Routes, route)
			}
		}
		slices.SortFunc(api.Routes, func(a, b *Route) int {
			if c := strings.Compare(a.Path(), b.Path()); c != 0 {
				return c
			}
			return strings.Compare(a.Method(), b.Method())
		})
		apis = append(apis, api)
	}
	return apis, nil
}

// route reads one route and what it refers to, and returns the logical ID of its API.
func (t Template) route(id string) (*Route, string, error) {
	var props struct {
		ApiID               any      `json:"ApiId"`
		RouteKey            string   `json:"RouteKey"`
		AuthorizationType   string   `json:"AuthorizationType"`
		AuthorizerID        any      `json:"AuthorizerId"`
		AuthorizationScopes []string `json:"AuthorizationScopes"`
		Target              any      `json:"Target"`
	}
	if err := t.properties(id, &props); err != nil {
		return nil, "", err
	}
	route := &Route{
		LogicalID:         id,
		Key:               props.RouteKey,
		AuthorizationType: props.AuthorizationType,
		Scopes:            props.AuthorizationScopes,
	}
	if route.AuthorizationType == "" {
		route.AuthorizationType = "NONE"
	}

	if authorizerID := ref(props.AuthorizerID); authorizerID != "" {
		authorizer, err := t.authorizer(authorizerID)
		if err != nil {
			return nil, "", fmt.Errorf("route %s: %w", props.RouteKey, err)
		}
		route.Authorizer = authorizer
	}

	if integrationID := integrationRef(props.Target); integrationID != "" {
		function, err := t.integrationFunction(integrationID)
		if err != nil {
			return nil, "", fmt.Errorf("route %s: %w", props.RouteKey, err)
		}
		route.Function = function
	}
	return route, ref(props.ApiID), nil
}

func (t Template) authorizer(id string) (*Authorizer, error) {
	var props struct {
		Name             any      `json:"Name"`
		AuthorizerType   string   `json:"AuthorizerType"`
		IdentitySource   []string `json:"IdentitySource"`
		JwtConfiguration struct {
			Issuer   any   `json:"Issuer"`
			Audience []any `json:"Audience"`
		} `json:"JwtConfiguration"`
	}
	if err := t.properties(id, &props); err != nil {
		return nil, err
	}
	if props.AuthorizerType != "JWT" {
		return nil, fmt.Errorf("authorizer %s is of type %s; only JWT authorizers are read",
			id, props.AuthorizerType)
	}

	a := &Authorizer{
		LogicalID:      id,
		Name:           literal(props.Name),
		IdentitySource: props.IdentitySource,
	}
	issuer, ok := props.JwtConfiguration.Issuer.(string)
	if !ok {
		return nil, fmt.Errorf("authorizer %s: the issuer is only known at deploy time (%s)",
			id, compact(props.JwtConfiguration.Issuer))
	}
	a.Issuer = issuer
	for _, audience := range props.JwtConfiguration.Audience {
		text, ok := audience.(string)
		if !ok {
			return nil, fmt.Errorf("authorizer %s: an audience is only known at deploy time (%s)",
				id, compact(audience))
		}
		a.Audiences = append(a.Audiences, text)
	}
	return a, nil
}

// integrationFunction returns the function a Lambda proxy integration invokes, or nil for an
// integration of another kind.
func (t Template) integrationFunction(id string) (*Function, error) {
	var props struct {
		IntegrationType string `json:"IntegrationType"`
		IntegrationURI  any    `json:"IntegrationUri"`
	}
	if err := t.properties(id, &props); err != nil {
		return nil, err
	}
	functionID := getAttArn(props.IntegrationURI)
	if props.IntegrationType != "AWS_PROXY" || functionID == "" {
		return nil, nil
	}
	if t.Resources[functionID].Type != typeFunction {
		return nil, nil
	}
	return t.function(functionID)
}

func (t Template) function(id string) (*Function, error) {
	var props struct {
		Runtime       string   `json:"Runtime"`
		Handler       string   `json:"Handler"`
		Architectures []string `json:"Architectures"`
		MemorySize    *int     `json:"MemorySize"`
		Timeout       *int     `json:"Timeout"`
		Environment   struct {
			Variables map[string]any `json:"Variables"`
		} `json:"Environment"`
	}
	if err := t.properties(id, &props); err != nil {
		return nil, err
	}
	metadata := t.Resources[id].Metadata
	f := &Function{
		LogicalID:      id,
		Path:           literal(metadata[metadataPath]),
		Runtime:        props.Runtime,
		Handler:        props.Handler,
		Architecture:   "x86_64",
		MemoryMB:       128,
		TimeoutSeconds: 3,
		Environment:    map[string]string{},
		GoPackage:      literal(metadata[metadataGoPackage]),
		AssetPath:      literal(metadata[metadataAssetPath]),
	}
	if len(props.Architectures) > 0 {
		f.Architecture = props.Architectures[0]
	}
	if props.MemorySize != nil {
		f.MemoryMB = *props.MemorySize
	}
	if props.Timeout != nil {
		f.TimeoutSeconds = *props.Timeout
	}
	for _, name := range slices.Sorted(maps.Keys(props.Environment.Variables)) {
		if value, ok := props.Environment.Variables[name].(string); ok {
			f.Environment[name] = value
		} else {
			f.Unresolved = append(f.Unresolved, name)
		}
	}
	return f, nil
}

// properties decodes the properties of a resource.
func (t Template) properties(id string, into any) error {
	r, ok := t.Resources[id]
	if !ok {
		return fmt.Errorf("the template has no resource %s", id)
	}
	if len(r.Properties) == 0 {
		return nil
	}
	if err := json.Unmarshal(r.Properties, into); err != nil {
		return fmt.Errorf("reading %s %s: %w", r.Type, id, err)
	}
	return nil
}

// ref returns the logical ID of {"Ref": id}, or "".
func ref(v any) string {
	m, _ := v.(map[string]any)
	id, _ := m["Ref"].(string)
	return id
}

// getAttArn returns the logical ID of {"Fn::GetAtt": [id, "Arn"]}, or "".
func getAttArn(v any) string {
	m, _ := v.(map[string]any)
	parts, _ := m["Fn::GetAtt"].([]any)
	if len(parts) != 2 || parts[1] != "Arn" {
		return ""
	}
	id, _ := parts[0].(string)
	return id
}

// integrationRef returns the integration's logical ID from a route target, which CDK writes as
// {"Fn::Join": ["", ["integrations/", {"Ref": id}]]}, or "".
func integrationRef(v any) string {
	m, _ := v.(map[string]any)
	join, _ := m["Fn::Join"].([]any)
	if len(join) != 2 {
		return ""
	}
	parts, _ := join[1].([]any)
	if len(parts) != 2 || parts[0] != "integrations/" {
		return ""
	}
	return ref(parts[1])
}

// literal returns v when it is a plain string, else "".
func literal(v any) string {
	s, _ := v.(string)
	return s
}

func compact(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}
