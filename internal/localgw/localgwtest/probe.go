package localgwtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"

	"github.com/passage-cdk/passage-cdk-go/constructs/golambda"
)

// The probe fixture: a hand-written template whose one function is
// internal/localgw/testdata/probe, with a route for each behaviour the tests
// look at:
//
//	GET /probe           public
//	GET /quick           public, integration timeout 300 ms
//	GET /scoped          JWT, scope ProbeScope
//	ANY /items/{proxy+}  JWT
//
// The function's timeout is 1 s and its environment holds GREETING. The API
// allows CORS from ProbeOrigin.
const (
	// ProbePackage is the import path of the probe function.
	ProbePackage = "github.com/passage-cdk/passage-cdk-go/internal/localgw/testdata/probe"

	// ProbeStack is the name of the fixture's one stack.
	ProbeStack = "ProbeStack"

	// ProbeAudience is the audience of the fixture's authorizer.
	ProbeAudience = "https://app.example.com"

	// ProbeScope is the scope GET /scoped requires.
	ProbeScope = "orders:read"

	// ProbeOrigin is the origin the API's CORS configuration allows.
	ProbeOrigin = "http://localhost:5173"
)

// probeHashes caches the asset hash by repository root: resolving the
// package runs `go list`.
var probeHashes sync.Map

// probeAssetHash returns the asset hash CDK would give the probe function
// built by golambda for arm64: the SHA-256 of the text of its input hash.
func probeAssetHash(root string) (string, error) {
	if hash, ok := probeHashes.Load(root); ok {
		return hash.(string), nil
	}
	target, err := golambda.LambdaTarget("arm64")
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, "internal", "localgw", "testdata", "probe")
	pkg, err := golambda.Resolve(context.Background(), dir, target)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(pkg.InputHash))
	hash := hex.EncodeToString(sum[:])
	probeHashes.Store(root, hash)
	return hash, nil
}

// ProbeResources returns the resources of the probe template, for the
// repository in root and a JWT authorizer of issuer. Each call returns new
// maps, for the caller to change.
func ProbeResources(root, issuer string) (map[string]any, error) {
	hash, err := probeAssetHash(root)
	if err != nil {
		return nil, err
	}
	api := map[string]any{"Ref": "Api"}
	integration := func(timeoutMillis int) map[string]any {
		props := map[string]any{
			"ApiId":                api,
			"IntegrationType":      "AWS_PROXY",
			"IntegrationUri":       map[string]any{"Fn::GetAtt": []any{"Probe", "Arn"}},
			"PayloadFormatVersion": "2.0",
		}
		if timeoutMillis > 0 {
			props["TimeoutInMillis"] = timeoutMillis
		}
		return map[string]any{"Type": "AWS::ApiGatewayV2::Integration", "Properties": props}
	}
	route := func(key, integrationID string, jwt bool, scopes ...string) map[string]any {
		props := map[string]any{
			"ApiId":             api,
			"RouteKey":          key,
			"AuthorizationType": "NONE",
			"Target": map[string]any{"Fn::Join": []any{"", []any{
				"integrations/", map[string]any{"Ref": integrationID}}}},
		}
		if jwt {
			props["AuthorizationType"] = "JWT"
			props["AuthorizerId"] = map[string]any{"Ref": "Authorizer"}
		}
		if len(scopes) > 0 {
			props["AuthorizationScopes"] = scopes
		}
		return map[string]any{"Type": "AWS::ApiGatewayV2::Route", "Properties": props}
	}

	return map[string]any{
		"Api": map[string]any{"Type": "AWS::ApiGatewayV2::Api", "Properties": map[string]any{
			"Name": "probe-api", "ProtocolType": "HTTP",
			"CorsConfiguration": map[string]any{
				"AllowOrigins": []string{ProbeOrigin},
				"AllowMethods": []string{"GET"},
				"AllowHeaders": []string{"authorization"},
				"MaxAge":       600,
			},
		}},
		"Stage": map[string]any{"Type": "AWS::ApiGatewayV2::Stage", "Properties": map[string]any{
			"ApiId": api, "StageName": "$default", "AutoDeploy": true,
		}},
		"Authorizer": map[string]any{
			"Type": "AWS::ApiGatewayV2::Authorizer",
			"Properties": map[string]any{
				"ApiId": api, "AuthorizerType": "JWT", "Name": "ProbeJwt",
				"IdentitySource": []string{"$request.header.Authorization"},
				"JwtConfiguration": map[string]any{
					"Issuer": issuer, "Audience": []string{ProbeAudience},
				},
			},
		},
		"Probe": map[string]any{
			"Type": "AWS::Lambda::Function",
			"Properties": map[string]any{
				"Architectures": []string{"arm64"},
				"Code":          map[string]any{"S3Bucket": "assets", "S3Key": hash + ".zip"},
				"Handler":       "bootstrap",
				"Runtime":       "provided.al2023",
				"MemorySize":    128,
				"Timeout":       1,
				"Environment": map[string]any{"Variables": map[string]any{
					"GREETING":   "hello from the template",
					"ACCOUNT_ID": map[string]any{"Ref": "AWS::AccountId"},
				}},
			},
			"Metadata": map[string]any{
				"aws:cdk:path":       ProbeStack + "/Probe/Resource",
				"aws:asset:path":     "asset." + hash,
				"passage:go-package": ProbePackage,
			},
		},
		"Integration":      integration(0),
		"QuickIntegration": integration(300),
		"PublicRoute":      route("GET /probe", "Integration", false),
		"QuickRoute":       route("GET /quick", "QuickIntegration", false),
		"ScopedRoute":      route("GET /scoped", "Integration", true, ProbeScope),
		"ProxyRoute":       route("ANY /items/{proxy+}", "Integration", true),
	}, nil
}

// WriteAssembly writes a cloud assembly to dir whose one stack, ProbeStack,
// holds resources.
func WriteAssembly(dir string, resources map[string]any) error {
	template, err := json.MarshalIndent(map[string]any{"Resources": resources}, "", " ")
	if err != nil {
		return err
	}
	manifest := `{"version": "55.0.0", "artifacts": {"` + ProbeStack + `": {` +
		`"type": "aws:cloudformation:stack", ` +
		`"properties": {"templateFile": "` + ProbeStack + `.template.json"}}}}`
	for name, content := range map[string][]byte{
		"manifest.json":               []byte(manifest),
		ProbeStack + ".template.json": template,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			return err
		}
	}
	return nil
}
