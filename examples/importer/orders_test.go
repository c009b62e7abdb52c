package orders_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/google/go-cmp/cmp"
	"github.com/sebdah/goldie/v2"

	"example.com/orders"
)

func TestMain(m *testing.M) {
	os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "1")
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// synthesize builds the orders app with cdk-nag's AwsSolutions pack applied, and returns the
// stack and the bytes of its template file.
func synthesize(t *testing.T) (awscdk.Stack, []byte) {
	t.Helper()
	outdir := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{
		AnalyticsReporting: jsii.Bool(false),
		Outdir:             jsii.String(outdir),
		Context: &map[string]any{
			"aws:cdk:enable-path-metadata":  true,
			"aws:cdk:enable-asset-metadata": true,
		},
	})
	stack := orders.NewStack(app, "Orders")
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{
		Reports: jsii.Bool(false),
	}), nil)
	app.Synth(nil)

	template, err := os.ReadFile(filepath.Join(outdir, "Orders.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	return stack, template
}

// TestOrdersStack checks, on the template of an app that imports the construct: the snapshot
// (testdata/Orders.template.json, `go test -update` to rewrite), the authorizer of the other
// issuer, the three routes, CORS, the custom domain, and cdk-nag's verdict.
func TestOrdersStack(t *testing.T) {
	stack, template := synthesize(t)
	goldie.New(t, goldie.WithNameSuffix(".json")).Assert(t, "Orders.template", template)

	var parsed struct {
		Resources map[string]struct {
			Type       string         `json:"Type"`
			Properties map[string]any `json:"Properties"`
		} `json:"Resources"`
	}
	if err := json.Unmarshal(template, &parsed); err != nil {
		t.Fatal(err)
	}
	routes := map[string]string{}
	counts := map[string]int{}
	for _, r := range parsed.Resources {
		counts[r.Type]++
		switch r.Type {
		case "AWS::ApiGatewayV2::Authorizer":
			want := map[string]any{"Issuer": orders.Issuer, "Audience": []any{orders.Audience}}
			if diff := cmp.Diff(want, r.Properties["JwtConfiguration"]); diff != "" {
				t.Errorf("JwtConfiguration (-want +got):\n%s", diff)
			}
		case "AWS::ApiGatewayV2::Route":
			auth := r.Properties["AuthorizationType"].(string)
			if scopes, ok := r.Properties["AuthorizationScopes"].([]any); ok {
				auth += " " + scopes[0].(string)
			}
			routes[r.Properties["RouteKey"].(string)] = auth
		case "AWS::ApiGatewayV2::Api":
			origins := r.Properties["CorsConfiguration"].(map[string]any)["AllowOrigins"]
			if diff := cmp.Diff([]any{"https://shop.example.com"}, origins); diff != "" {
				t.Errorf("CORS origins (-want +got):\n%s", diff)
			}
		case "AWS::ApiGatewayV2::DomainName":
			if r.Properties["DomainName"] != "orders.example.com" {
				t.Errorf("domain name = %v", r.Properties["DomainName"])
			}
		}
	}

	wantRoutes := map[string]string{
		"GET /orders":  "JWT read:orders",
		"POST /orders": "JWT write:orders",
		"GET /health":  "NONE",
	}
	if diff := cmp.Diff(wantRoutes, routes); diff != "" {
		t.Errorf("routes (-want +got):\n%s", diff)
	}
	wantCounts := map[string]int{
		"AWS::ApiGatewayV2::Authorizer":        1,
		"AWS::ApiGatewayV2::Stage":             1,
		"AWS::ApiGatewayV2::ApiMapping":        1,
		"AWS::CertificateManager::Certificate": 1,
		"AWS::Route53::RecordSet":              1,
		"AWS::Lambda::Function":                3,
	}
	for resourceType, want := range wantCounts {
		if counts[resourceType] != want {
			t.Errorf("%d resources of type %s, want %d", counts[resourceType], resourceType, want)
		}
	}

	annotations := assertions.Annotations_FromStack(stack)
	nagRule := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-"))
	for level, found := range map[string]int{
		"error":   len(*annotations.FindError(jsii.String("*"), nagRule)),
		"warning": len(*annotations.FindWarning(jsii.String("*"), nagRule)),
	} {
		if found > 0 {
			t.Errorf("cdk-nag reports %d finding(s) at level %s", found, level)
		}
	}
	if t.Failed() {
		t.Log("template:\n" + strings.TrimSpace(string(template)))
	}
}
