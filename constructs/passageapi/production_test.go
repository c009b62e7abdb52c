package passageapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/passage-cdk/passage-cdk-go/constructs/passageapi"
)

// withDefaults returns props for the tests of this file: a Passage app and one protected and
// one public route, changed by edit.
func withDefaults(edit func(*passageapi.PassageProtectedApiProps)) *passageapi.PassageProtectedApiProps {
	props := &passageapi.PassageProtectedApiProps{
		AppID:      "abc123",
		AuthOrigin: "https://app.example.com",
		Routes: []passageapi.Route{
			{ID: "Whoami", Method: awsapigatewayv2.HttpMethod_GET, Path: "/whoami", GoHandler: hello()},
			{ID: "Health", Method: awsapigatewayv2.HttpMethod_GET, Path: "/health", Public: true,
				GoHandler: hello()},
		},
	}
	if edit != nil {
		edit(props)
	}
	return props
}

func (tpl template) resource(id string) map[string]any {
	return tpl["Resources"].(map[string]any)[id].(map[string]any)
}

func TestStageDefaults(t *testing.T) {
	var api *passageapi.PassageProtectedApi
	tpl := synthesize(t, func(stack awscdk.Stack) {
		api = passageapi.NewPassageProtectedApi(stack, "Api", withDefaults(nil))
		awscdk.NewCfnOutput(stack, jsii.String("Url"), &awscdk.CfnOutputProps{Value: api.Url()})
	})

	stageID, stage := only(t, tpl.ofType("AWS::ApiGatewayV2::Stage"))
	if stage["StageName"] != "$default" || stage["AutoDeploy"] != true {
		t.Errorf("stage %v auto-deploy %v, want $default with auto-deploy", stage["StageName"], stage["AutoDeploy"])
	}
	wantThrottle := map[string]any{
		"DetailedMetricsEnabled": false,
		"ThrottlingRateLimit":    float64(100),
		"ThrottlingBurstLimit":   float64(200),
	}
	if diff := cmp.Diff(wantThrottle, stage["DefaultRouteSettings"]); diff != "" {
		t.Errorf("DefaultRouteSettings (-want +got):\n%s", diff)
	}

	// The access log goes to its own log group, as one JSON object per request.
	settings := stage["AccessLogSettings"].(map[string]any)
	destination := settings["DestinationArn"].(map[string]any)["Fn::GetAtt"].([]any)
	logGroup := tpl.resource(destination[0].(string))
	if logGroup["Type"] != "AWS::Logs::LogGroup" ||
		logGroup["Properties"].(map[string]any)["RetentionInDays"] != float64(30) {
		t.Errorf("access log destination %v is not a log group kept 30 days", logGroup)
	}
	var format map[string]string
	if err := json.Unmarshal([]byte(settings["Format"].(string)), &format); err != nil {
		t.Fatalf("access log format is not JSON: %v", err)
	}
	wantFields := map[string]string{
		"requestId":        "$context.requestId",
		"sourceIp":         "$context.identity.sourceIp",
		"method":           "$context.httpMethod",
		"routeKey":         "$context.routeKey",
		"status":           "$context.status",
		"responseLatency":  "$context.responseLatency",
		"integrationError": "$context.integrationErrorMessage",
		"authorizerError":  "$context.authorizer.error",
		"userId":           "$context.authorizer.claims.sub",
	}
	for field, variable := range wantFields {
		if format[field] != variable {
			t.Errorf("access log field %s = %q, want %q", field, format[field], variable)
		}
	}
	for field, variable := range format {
		if strings.Contains(strings.ToLower(variable), "authorization") {
			t.Errorf("access log field %s logs the Authorization header", field)
		}
	}

	// The URL is the stage's.
	url := tpl["Outputs"].(map[string]any)["Url"].(map[string]any)["Value"]
	if !strings.Contains(compact(url), `"https://",{"Ref":"ApiHttpApi`) {
		t.Errorf("Url() = %s, want the execute-api URL of the stage", compact(url))
	}
	if api.Stage() == nil || stageID == "" {
		t.Error("Stage() returns nothing")
	}
}

func TestThrottleOverridesAndPerRouteLimits(t *testing.T) {
	tpl := synthesize(t, func(stack awscdk.Stack) {
		passageapi.NewPassageProtectedApi(stack, "Api", withDefaults(func(p *passageapi.PassageProtectedApiProps) {
			p.Throttle = &passageapi.Throttle{RateLimit: 10, BurstLimit: 20}
			p.Routes[1].Throttle = &passageapi.Throttle{RateLimit: 1, BurstLimit: 2}
		}))
	})

	_, stage := only(t, tpl.ofType("AWS::ApiGatewayV2::Stage"))
	defaults := stage["DefaultRouteSettings"].(map[string]any)
	if defaults["ThrottlingRateLimit"] != float64(10) || defaults["ThrottlingBurstLimit"] != float64(20) {
		t.Errorf("DefaultRouteSettings = %v, want rate 10 and burst 20", defaults)
	}
	wantRoutes := map[string]any{
		"GET /health": map[string]any{"ThrottlingRateLimit": float64(1), "ThrottlingBurstLimit": float64(2)},
	}
	if diff := cmp.Diff(wantRoutes, stage["RouteSettings"]); diff != "" {
		t.Errorf("RouteSettings (-want +got):\n%s", diff)
	}

	// CloudFormation refuses route settings for a route it has not made yet.
	var healthRouteID string
	for id, route := range tpl.ofType("AWS::ApiGatewayV2::Route") {
		if route["RouteKey"] == "GET /health" {
			healthRouteID = id
		}
	}
	for stageID := range tpl.ofType("AWS::ApiGatewayV2::Stage") {
		dependsOn, _ := tpl.resource(stageID)["DependsOn"].([]any)
		if !containsValue(dependsOn, healthRouteID) {
			t.Errorf("stage DependsOn %v, want the throttled route %s", dependsOn, healthRouteID)
		}
	}
}

func TestStageSettingsCanBeTurnedOff(t *testing.T) {
	tpl := synthesize(t, func(stack awscdk.Stack) {
		passageapi.NewPassageProtectedApi(stack, "Api", withDefaults(func(p *passageapi.PassageProtectedApiProps) {
			p.DisableThrottle = true
			p.DisableAccessLog = true
			p.DetailedMetrics = true
		}))
	})

	_, stage := only(t, tpl.ofType("AWS::ApiGatewayV2::Stage"))
	if stage["AccessLogSettings"] != nil {
		t.Errorf("AccessLogSettings = %v, want none", stage["AccessLogSettings"])
	}
	want := map[string]any{"DetailedMetricsEnabled": true}
	if diff := cmp.Diff(want, stage["DefaultRouteSettings"]); diff != "" {
		t.Errorf("DefaultRouteSettings (-want +got):\n%s", diff)
	}
	if n := len(tpl.ofType("AWS::Logs::LogGroup")); n != 2 {
		t.Errorf("template has %d log groups, want the two functions' only", n)
	}
}

func TestAccessLogToAnExistingLogGroupWithAnotherFormat(t *testing.T) {
	tpl := synthesize(t, func(stack awscdk.Stack) {
		logGroup := awslogs.NewLogGroup(stack, jsii.String("Shared"), nil)
		passageapi.NewPassageProtectedApi(stack, "Api", withDefaults(func(p *passageapi.PassageProtectedApiProps) {
			p.AccessLog = &passageapi.AccessLogOptions{
				LogGroup: logGroup,
				Format:   map[string]string{"id": "$context.requestId", "status": "$context.status"},
			}
		}))
	})

	_, stage := only(t, tpl.ofType("AWS::ApiGatewayV2::Stage"))
	settings := stage["AccessLogSettings"].(map[string]any)
	destination := settings["DestinationArn"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
	if !strings.HasPrefix(destination, "Shared") {
		t.Errorf("access log goes to %s, want the shared log group", destination)
	}
	if settings["Format"] != `{"id":"$context.requestId","status":"$context.status"}` {
		t.Errorf("format = %v", settings["Format"])
	}
}

func TestCorsPreflightNeverReachesTheAuthorizer(t *testing.T) {
	tpl := synthesize(t, func(stack awscdk.Stack) {
		passageapi.NewPassageProtectedApi(stack, "Api", withDefaults(func(p *passageapi.PassageProtectedApiProps) {
			p.Cors = &passageapi.CorsOptions{}
			p.Routes = append(p.Routes, passageapi.Route{ID: "Files", Method: awsapigatewayv2.HttpMethod_ANY,
				Path: "/files/{proxy+}", GoHandler: hello()})
		}))
	})

	_, api := only(t, tpl.ofType("AWS::ApiGatewayV2::Api"))
	wantCors := map[string]any{
		"AllowCredentials": false,
		"AllowHeaders":     []any{"Authorization", "Content-Type"},
		"AllowMethods":     []any{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"},
		"AllowOrigins":     []any{"https://app.example.com"},
		"MaxAge":           float64(3600),
	}
	if diff := cmp.Diff(wantCors, api["CorsConfiguration"]); diff != "" {
		t.Errorf("CorsConfiguration (-want +got):\n%s", diff)
	}

	// No route may catch OPTIONS, or the authorizer would see preflight requests, which carry
	// no token. The ANY route stands for every other method, each still protected.
	var keys []string
	for key, route := range tpl.routes() {
		keys = append(keys, key)
		if strings.HasPrefix(key, "OPTIONS ") || strings.HasPrefix(key, "ANY ") {
			t.Errorf("route %s catches preflight requests", key)
		}
		if strings.HasSuffix(key, "/files/{proxy+}") && route["AuthorizationType"] != "JWT" {
			t.Errorf("%s is %v, want JWT", key, route["AuthorizationType"])
		}
	}
	if len(keys) != 8 {
		t.Errorf("routes %v, want /whoami, /health and six methods of /files/{proxy+}", keys)
	}
	if n := len(tpl.ofType("AWS::ApiGatewayV2::Integration")); n != 3 {
		t.Errorf("template has %d integrations, want 3: the ANY route's methods share one", n)
	}
}

func TestAnyRouteWithoutCorsStaysOneRoute(t *testing.T) {
	tpl := synthesize(t, func(stack awscdk.Stack) {
		passageapi.NewPassageProtectedApi(stack, "Api", withDefaults(func(p *passageapi.PassageProtectedApiProps) {
			p.Routes = append(p.Routes, passageapi.Route{ID: "Files", Method: awsapigatewayv2.HttpMethod_ANY,
				Path: "/files/{proxy+}", GoHandler: hello()})
		}))
	})
	if _, ok := tpl.routes()["ANY /files/{proxy+}"]; !ok {
		t.Errorf("routes %v, want ANY /files/{proxy+}", sortedKeys(tpl.routes()))
	}
}

func TestPublicRoutesCarryTheirReason(t *testing.T) {
	tpl := synthesize(t, func(stack awscdk.Stack) {
		passageapi.NewPassageProtectedApi(stack, "Api", withDefaults(nil))
	})

	for id, route := range tpl.ofType("AWS::ApiGatewayV2::Route") {
		metadata, _ := tpl.resource(id)["Metadata"].(map[string]any)
		suppression := metadata["cdk_nag"]
		if route["RouteKey"] == "GET /whoami" {
			if suppression != nil {
				t.Errorf("protected route carries a cdk-nag suppression: %v", suppression)
			}
			continue
		}
		want := map[string]any{"rules_to_suppress": []any{map[string]any{
			"id": "AwsSolutions-APIG4",
			"reason": "GET /health is declared Public in its PassageProtectedApi props: it must " +
				"answer signed-out callers. Every other route of the API requires a valid JWT.",
		}}}
		if diff := cmp.Diff(want, suppression); diff != "" {
			t.Errorf("public route suppression (-want +got):\n%s", diff)
		}
	}
}

func TestCustomDomainWithAHostedZone(t *testing.T) {
	var api *passageapi.PassageProtectedApi
	tpl := synthesize(t, func(stack awscdk.Stack) {
		zone := awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"),
			&awsroute53.HostedZoneAttributes{HostedZoneId: jsii.String("Z123"), ZoneName: jsii.String("example.com")})
		api = passageapi.NewPassageProtectedApi(stack, "Api", withDefaults(func(p *passageapi.PassageProtectedApiProps) {
			p.Domain = &passageapi.DomainOptions{
				Name:                      "api.example.com",
				HostedZone:                zone,
				DisableExecuteApiEndpoint: true,
			}
		}))
		if got := *api.Url(); got != "https://api.example.com/" {
			t.Errorf("Url() = %s, want https://api.example.com/", got)
		}
	})

	certificateID, certificate := only(t, tpl.ofType("AWS::CertificateManager::Certificate"))
	wantCertificate := map[string]any{
		"DomainName": "api.example.com",
		"DomainValidationOptions": []any{map[string]any{
			"DomainName": "api.example.com", "HostedZoneId": "Z123",
		}},
		"ValidationMethod": "DNS",
	}
	if diff := cmp.Diff(wantCertificate, pick(certificate, wantCertificate)); diff != "" {
		t.Errorf("certificate (-want +got):\n%s", diff)
	}

	domainID, domain := only(t, tpl.ofType("AWS::ApiGatewayV2::DomainName"))
	wantDomain := map[string]any{
		"DomainName": "api.example.com",
		"DomainNameConfigurations": []any{map[string]any{
			"CertificateArn": map[string]any{"Ref": certificateID},
			"EndpointType":   "REGIONAL",
			"SecurityPolicy": "TLS_1_2",
		}},
	}
	if diff := cmp.Diff(wantDomain, pick(domain, wantDomain)); diff != "" {
		t.Errorf("domain name (-want +got):\n%s", diff)
	}

	// The mapping names the stage, and must wait for CloudFormation to create it.
	stageID, _ := only(t, tpl.ofType("AWS::ApiGatewayV2::Stage"))
	mappingID, mapping := only(t, tpl.ofType("AWS::ApiGatewayV2::ApiMapping"))
	dependsOn, _ := tpl.resource(mappingID)["DependsOn"].([]any)
	if ref(mapping["DomainName"]) != domainID || mapping["Stage"] != "$default" ||
		!containsValue(dependsOn, stageID) {
		t.Errorf("API mapping %v (DependsOn %v) does not map the domain to the stage %s",
			mapping, dependsOn, stageID)
	}

	_, record := only(t, tpl.ofType("AWS::Route53::RecordSet"))
	alias := compact(record["AliasTarget"])
	if record["Name"] != "api.example.com." || record["Type"] != "A" || record["HostedZoneId"] != "Z123" ||
		!strings.Contains(alias, `"Fn::GetAtt":["`+domainID+`","RegionalDomainName"]`) {
		t.Errorf("alias record %v does not point api.example.com at the domain", record)
	}

	_, httpAPI := only(t, tpl.ofType("AWS::ApiGatewayV2::Api"))
	if httpAPI["DisableExecuteApiEndpoint"] != true {
		t.Error("the execute-api endpoint is still on")
	}
}

func TestCustomDomainWithAnExistingCertificate(t *testing.T) {
	const arn = "arn:aws:acm:eu-west-1:123456789012:certificate/abc-123"
	tpl := synthesize(t, func(stack awscdk.Stack) {
		passageapi.NewPassageProtectedApi(stack, "Api", withDefaults(func(p *passageapi.PassageProtectedApiProps) {
			p.Domain = &passageapi.DomainOptions{Name: "api.example.com", CertificateArn: arn}
		}))
	})

	if n := len(tpl.ofType("AWS::CertificateManager::Certificate")); n != 0 {
		t.Errorf("template makes %d certificates, want none", n)
	}
	if n := len(tpl.ofType("AWS::Route53::RecordSet")); n != 0 {
		t.Errorf("template makes %d records without a hosted zone, want none", n)
	}
	_, domain := only(t, tpl.ofType("AWS::ApiGatewayV2::DomainName"))
	configuration := domain["DomainNameConfigurations"].([]any)[0].(map[string]any)
	if configuration["CertificateArn"] != arn {
		t.Errorf("domain certificate = %v, want %s", configuration["CertificateArn"], arn)
	}
}

// pick returns the fields of m that want names, so a comparison ignores the others.
func pick(m, want map[string]any) map[string]any {
	picked := map[string]any{}
	for key := range want {
		if value, ok := m[key]; ok {
			picked[key] = value
		}
	}
	return picked
}

func ref(v any) string {
	m, _ := v.(map[string]any)
	id, _ := m["Ref"].(string)
	return id
}

func compact(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

func containsValue(values []any, want string) bool {
	for _, v := range values {
		if v == want {
			return true
		}
	}
	return false
}
