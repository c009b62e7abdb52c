package passageapi_test

import (
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/passage-cdk/passage-cdk-go/constructs/golambda"
	"github.com/passage-cdk/passage-cdk-go/constructs/passageapi"
)

func TestMain(m *testing.M) {
	os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "1")
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// hello is a Go handler package of this module that the tests build.
func hello() *golambda.GoFunctionProps {
	return &golambda.GoFunctionProps{Entry: "testdata/hello"}
}

// template is a synthesized template as plain JSON values, with helpers to find resources.
type template map[string]any

func synthesize(t *testing.T, define func(stack awscdk.Stack)) template {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), nil)
	define(stack)
	return *assertions.Template_FromStack(stack, nil).ToJSON()
}

// ofType returns the properties of every resource of a type, by logical ID.
func (tpl template) ofType(resourceType string) map[string]map[string]any {
	found := map[string]map[string]any{}
	for id, r := range tpl["Resources"].(map[string]any) {
		if resource := r.(map[string]any); resource["Type"] == resourceType {
			found[id], _ = resource["Properties"].(map[string]any)
		}
	}
	return found
}

// routes returns the route resources by route key.
func (tpl template) routes() map[string]map[string]any {
	byKey := map[string]map[string]any{}
	for _, props := range tpl.ofType("AWS::ApiGatewayV2::Route") {
		byKey[props["RouteKey"].(string)] = props
	}
	return byKey
}

// integrationTarget returns the logical ID of the function a route's integration invokes.
func (tpl template) integrationTarget(t *testing.T, route map[string]any) string {
	t.Helper()
	// Target is {"Fn::Join": ["", ["integrations/", {"Ref": "<integration>"}]]}.
	parts := route["Target"].(map[string]any)["Fn::Join"].([]any)[1].([]any)
	integrationID := parts[1].(map[string]any)["Ref"].(string)
	integration := tpl.ofType("AWS::ApiGatewayV2::Integration")[integrationID]
	if integration == nil {
		t.Fatalf("route target %s is not an integration of the template", integrationID)
	}
	if integration["PayloadFormatVersion"] != "2.0" || integration["IntegrationType"] != "AWS_PROXY" {
		t.Errorf("integration %s is %v with payload %v, want AWS_PROXY with payload 2.0",
			integrationID, integration["IntegrationType"], integration["PayloadFormatVersion"])
	}
	uri := integration["IntegrationUri"].(map[string]any)["Fn::GetAtt"].([]any)
	return uri[0].(string)
}

func only(t *testing.T, resources map[string]map[string]any) (string, map[string]any) {
	t.Helper()
	if len(resources) != 1 {
		t.Fatalf("found %d resources, want 1", len(resources))
	}
	for id, props := range resources {
		return id, props
	}
	return "", nil
}

func TestPassageAuthorizerConfiguration(t *testing.T) {
	tpl := synthesize(t, func(stack awscdk.Stack) {
		passageapi.NewPassageProtectedApi(stack, "Api", &passageapi.PassageProtectedApiProps{
			AppID:      "abc123XYZ",
			AuthOrigin: "https://app.example.com",
			Audiences:  []string{"abc123XYZ"},
			Routes: []passageapi.Route{
				{ID: "Whoami", Method: awsapigatewayv2.HttpMethod_GET, Path: "/whoami", GoHandler: hello()},
			},
		})
	})

	_, authorizer := only(t, tpl.ofType("AWS::ApiGatewayV2::Authorizer"))
	want := map[string]any{
		"ApiId":          authorizer["ApiId"],
		"AuthorizerType": "JWT",
		"Name":           "JwtAuthorizer",
		"IdentitySource": []any{"$request.header.Authorization"},
		"JwtConfiguration": map[string]any{
			"Issuer":   "https://auth.passage.id/v1/apps/abc123XYZ",
			"Audience": []any{"https://app.example.com", "abc123XYZ"},
		},
	}
	if diff := cmp.Diff(want, authorizer); diff != "" {
		t.Errorf("authorizer (-want +got):\n%s", diff)
	}
}

func TestRoutesAreProtectedUnlessPublic(t *testing.T) {
	tpl := synthesize(t, func(stack awscdk.Stack) {
		passageapi.NewPassageProtectedApi(stack, "Api", &passageapi.PassageProtectedApiProps{
			AppID:      "abc123",
			AuthOrigin: "http://localhost:5000",
			Routes: []passageapi.Route{
				{ID: "Whoami", Method: awsapigatewayv2.HttpMethod_GET, Path: "/whoami", GoHandler: hello()},
				{ID: "Health", Method: awsapigatewayv2.HttpMethod_GET, Path: "/health", Public: true,
					GoHandler: hello()},
				{ID: "Admin", Method: awsapigatewayv2.HttpMethod_POST, Path: "/admin/{proxy+}",
					Scopes: []string{"admin", "ops"}, GoHandler: hello()},
				{ID: "Items", Method: awsapigatewayv2.HttpMethod_ANY, Path: "/items/{id}",
					GoHandler: hello()},
			},
		})
	})

	authorizerID, _ := only(t, tpl.ofType("AWS::ApiGatewayV2::Authorizer"))
	protected := map[string]any{"AuthorizationType": "JWT", "AuthorizerId": map[string]any{"Ref": authorizerID}}
	cases := map[string]struct {
		auth   map[string]any
		scopes any
	}{
		"GET /whoami":          {protected, nil},
		"ANY /items/{id}":      {protected, nil},
		"POST /admin/{proxy+}": {protected, []any{"admin", "ops"}},
		"GET /health":          {map[string]any{"AuthorizationType": "NONE"}, nil},
	}
	routes := tpl.routes()
	if len(routes) != len(cases) {
		t.Errorf("template has routes %v, want %d", sortedKeys(routes), len(cases))
	}
	for key, want := range cases {
		t.Run(key, func(t *testing.T) {
			route, ok := routes[key]
			if !ok {
				t.Fatalf("no route %s among %v", key, sortedKeys(routes))
			}
			got := map[string]any{"AuthorizationType": route["AuthorizationType"]}
			if id, ok := route["AuthorizerId"]; ok {
				got["AuthorizerId"] = id
			}
			if diff := cmp.Diff(want.auth, got); diff != "" {
				t.Errorf("authorization (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want.scopes, route["AuthorizationScopes"]); diff != "" {
				t.Errorf("scopes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEachRouteInvokesItsOwnFunction(t *testing.T) {
	var api *passageapi.PassageProtectedApi
	tpl := synthesize(t, func(stack awscdk.Stack) {
		api = passageapi.NewPassageProtectedApi(stack, "Api", &passageapi.PassageProtectedApiProps{
			AppID:      "abc123",
			AuthOrigin: "https://app.example.com",
			Routes: []passageapi.Route{
				{ID: "Whoami", Method: awsapigatewayv2.HttpMethod_GET, Path: "/whoami", GoHandler: hello()},
				{ID: "Health", Method: awsapigatewayv2.HttpMethod_GET, Path: "/health", Public: true,
					GoHandler: hello()},
			},
		})
	})

	functions := tpl.ofType("AWS::Lambda::Function")
	if len(functions) != 2 {
		t.Fatalf("template has %d functions, want 2", len(functions))
	}
	targets := map[string]bool{}
	for key, route := range tpl.routes() {
		target := tpl.integrationTarget(t, route)
		fn, ok := functions[target]
		if !ok {
			t.Fatalf("%s invokes %s, which is not a function of the template", key, target)
		}
		targets[target] = true
		got := []any{fn["Runtime"], fn["Architectures"], fn["Handler"]}
		want := []any{"provided.al2023", []any{"arm64"}, "bootstrap"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s function runtime, architectures, handler (-want +got):\n%s", key, diff)
		}
	}
	if len(targets) != 2 {
		t.Errorf("the two routes invoke %d distinct functions, want 2", len(targets))
	}

	// API Gateway may invoke each function, and only through its own route.
	permissions := tpl.ofType("AWS::Lambda::Permission")
	if len(permissions) != 2 {
		t.Errorf("template has %d invoke permissions, want 2", len(permissions))
	}
	for _, permission := range permissions {
		if permission["Principal"] != "apigateway.amazonaws.com" {
			t.Errorf("permission principal = %v", permission["Principal"])
		}
	}

	if api.Function("Whoami") == nil || api.Function("Health") == nil || api.Function("Nope") != nil {
		t.Error("Function(routeID) does not return the routes' functions")
	}
}

func TestOneAuthorizerServesEveryRoute(t *testing.T) {
	tpl := synthesize(t, func(stack awscdk.Stack) {
		api := passageapi.NewPassageProtectedApi(stack, "Api", &passageapi.PassageProtectedApiProps{
			AppID:      "abc123",
			AuthOrigin: "https://app.example.com",
		})
		for _, id := range []string{"One", "Two", "Three"} {
			api.AddRoute(passageapi.Route{ID: id, Method: awsapigatewayv2.HttpMethod_GET,
				Path: "/" + strings.ToLower(id), GoHandler: hello()})
		}
	})

	authorizerID, _ := only(t, tpl.ofType("AWS::ApiGatewayV2::Authorizer"))
	routes := tpl.routes()
	if len(routes) != 3 {
		t.Fatalf("template has %d routes, want 3", len(routes))
	}
	for key, route := range routes {
		if diff := cmp.Diff(map[string]any{"Ref": authorizerID}, route["AuthorizerId"]); diff != "" {
			t.Errorf("%s authorizer (-want +got):\n%s", key, diff)
		}
	}
}

func TestRouteAddedThroughTheHttpApiIsProtectedByDefault(t *testing.T) {
	tpl := synthesize(t, func(stack awscdk.Stack) {
		api := passageapi.NewPassageProtectedApi(stack, "Api", &passageapi.PassageProtectedApiProps{
			AppID:      "abc123",
			AuthOrigin: "https://app.example.com",
			Routes: []passageapi.Route{
				{ID: "Whoami", Method: awsapigatewayv2.HttpMethod_GET, Path: "/whoami", GoHandler: hello()},
			},
		})
		api.HttpApi().AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:    jsii.String("/raw"),
			Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET},
			Integration: awsapigatewayv2integrations.NewHttpLambdaIntegration(
				jsii.String("Raw"), api.Function("Whoami"), nil),
		})
	})

	authorizerID, _ := only(t, tpl.ofType("AWS::ApiGatewayV2::Authorizer"))
	raw := tpl.routes()["GET /raw"]
	got := []any{raw["AuthorizationType"], raw["AuthorizerId"]}
	want := []any{"JWT", map[string]any{"Ref": authorizerID}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GET /raw authorization (-want +got):\n%s", diff)
	}
}

func TestExistingFunctionAndCustomIssuer(t *testing.T) {
	var api *passageapi.PassageProtectedApi
	tpl := synthesize(t, func(stack awscdk.Stack) {
		existing := awslambda.NewFunction(stack, jsii.String("Existing"), &awslambda.FunctionProps{
			Runtime: awslambda.Runtime_NODEJS_22_X(),
			Handler: jsii.String("index.handler"),
			Code:    awslambda.Code_FromInline(jsii.String("exports.handler = async () => ({})")),
		})
		api = passageapi.NewPassageProtectedApi(stack, "Api", &passageapi.PassageProtectedApiProps{
			Issuer:         "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf",
			Audiences:      []string{"client-one", "client-two"},
			IdentitySource: []string{"$request.header.X-Token"},
			ApiName:        "orders",
			Description:    "Orders API",
			Routes: []passageapi.Route{
				{ID: "Orders", Method: awsapigatewayv2.HttpMethod_GET, Path: "/orders", Function: existing},
			},
		})
	})

	_, authorizer := only(t, tpl.ofType("AWS::ApiGatewayV2::Authorizer"))
	wantJwt := map[string]any{
		"Issuer":   "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf",
		"Audience": []any{"client-one", "client-two"},
	}
	if diff := cmp.Diff(wantJwt, authorizer["JwtConfiguration"]); diff != "" {
		t.Errorf("JwtConfiguration (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{"$request.header.X-Token"}, authorizer["IdentitySource"]); diff != "" {
		t.Errorf("IdentitySource (-want +got):\n%s", diff)
	}

	_, httpAPI := only(t, tpl.ofType("AWS::ApiGatewayV2::Api"))
	if httpAPI["Name"] != "orders" || httpAPI["Description"] != "Orders API" {
		t.Errorf("API name and description = %v, %v", httpAPI["Name"], httpAPI["Description"])
	}
	target := tpl.integrationTarget(t, tpl.routes()["GET /orders"])
	if !strings.HasPrefix(target, "Existing") {
		t.Errorf("GET /orders invokes %s, want the existing function", target)
	}
	if len(tpl.ofType("AWS::Lambda::Function")) != 1 {
		t.Error("a route with an existing function made another function")
	}
	if api.Issuer() != wantJwt["Issuer"] {
		t.Errorf("Issuer() = %q", api.Issuer())
	}
}

func TestUnresolvedTokensAreLetThrough(t *testing.T) {
	tpl := synthesize(t, func(stack awscdk.Stack) {
		appID := awscdk.NewCfnParameter(stack, jsii.String("AppId"), nil).ValueAsString()
		origin := awscdk.NewCfnParameter(stack, jsii.String("Origin"), nil).ValueAsString()
		passageapi.NewPassageProtectedApi(stack, "Api", &passageapi.PassageProtectedApiProps{
			AppID:      *appID,
			AuthOrigin: *origin,
			Routes: []passageapi.Route{
				{ID: "Whoami", Method: awsapigatewayv2.HttpMethod_GET, Path: "/whoami", GoHandler: hello()},
			},
		})
	})

	_, authorizer := only(t, tpl.ofType("AWS::ApiGatewayV2::Authorizer"))
	want := map[string]any{
		"Issuer": map[string]any{"Fn::Join": []any{"", []any{
			"https://auth.passage.id/v1/apps/", map[string]any{"Ref": "AppId"},
		}}},
		"Audience": []any{map[string]any{"Ref": "Origin"}},
	}
	if diff := cmp.Diff(want, authorizer["JwtConfiguration"]); diff != "" {
		t.Errorf("JwtConfiguration (-want +got):\n%s", diff)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
