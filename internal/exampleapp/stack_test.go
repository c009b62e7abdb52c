package exampleapp_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"
	"github.com/sebdah/goldie/v2"

	"github.com/passage-cdk/passage-cdk-go/internal/exampleapp"
)

// repoRoot is the directory of cdk.json. The tests run from there, as `cdk synth` does, so
// that the handler paths of the example app resolve the same way.
var repoRoot string

func TestMain(m *testing.M) {
	_, file, _, _ := runtime.Caller(0)
	repoRoot = filepath.Join(filepath.Dir(file), "..", "..")
	if err := os.Chdir(repoRoot); err != nil {
		panic(err)
	}
	os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "1")
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// cliContext is the context the CDK CLI gives the app: cdk.json's context, the CLI's own
// switches as cdk.json sets them, and the overrides, as `-c key=value` would.
func cliContext(t *testing.T, overrides map[string]string) map[string]any {
	t.Helper()
	data, err := os.ReadFile("cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	var settings struct {
		Context          map[string]any `json:"context"`
		VersionReporting *bool          `json:"versionReporting"`
	}
	if err := json.Unmarshal(data, &settings); err != nil {
		t.Fatal(err)
	}
	if settings.VersionReporting == nil || *settings.VersionReporting {
		t.Fatal("cdk.json must set versionReporting to false: the analytics it adds hold the Go version")
	}

	context := maps.Clone(settings.Context)
	context["aws:cdk:enable-path-metadata"] = true
	context["aws:cdk:enable-asset-metadata"] = true
	context["aws:cdk:disable-version-reporting"] = true
	context["aws:cdk:bundling-stacks"] = []any{"**"}
	for key, value := range overrides {
		context[key] = value
	}
	return context
}

// synthesize runs the example app in this process, as main.go does, into outdir and returns
// the bytes of the stack's template file.
func synthesize(t *testing.T, context map[string]any) []byte {
	t.Helper()
	outdir := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{
		AnalyticsReporting: jsii.Bool(false),
		Context:            &context,
		Outdir:             jsii.String(outdir),
	})
	props, err := exampleapp.PropsFromContext(app)
	if err != nil {
		t.Fatal(err)
	}
	exampleapp.NewStack(app, exampleapp.StackName, props)
	app.Synth(nil)

	template, err := os.ReadFile(filepath.Join(outdir, exampleapp.StackName+".template.json"))
	if err != nil {
		t.Fatal(err)
	}
	return template
}

// TestTemplateSnapshot holds the example stack's template byte for byte, in
// testdata/PassageExample.template.json at the top of the repository. Run
// `make snapshot` (go test ./internal/exampleapp -run Snapshot -update) after a change, and
// read the diff before committing.
func TestTemplateSnapshot(t *testing.T) {
	template := synthesize(t, cliContext(t, nil))
	g := goldie.New(t, goldie.WithFixtureDir(filepath.Join(repoRoot, "testdata")),
		goldie.WithNameSuffix(".json"))
	g.Assert(t, exampleapp.StackName+".template", template)
}

func TestTemplateHoldsNoPathOfThisMachine(t *testing.T) {
	template := string(synthesize(t, cliContext(t, nil)))
	home, _ := os.UserHomeDir()
	for _, path := range []string{repoRoot, os.TempDir(), home} {
		if abs, _ := filepath.Abs(path); abs != "" && strings.Contains(template, abs) {
			t.Errorf("the template holds %s, which differs between machines", abs)
		}
	}
}

// TestContextChoosesThePassageApp checks what a deployer relies on: the authorizer trusts the
// app given on the command line, /whoami needs its token, /health does not, and every
// function runs Go on arm64.
func TestContextChoosesThePassageApp(t *testing.T) {
	template := parse(t, synthesize(t, cliContext(t, map[string]string{
		exampleapp.ContextAppID:      "X",
		exampleapp.ContextAuthOrigin: "https://app.example.com",
	})))
	checkExampleTemplate(t, template, "https://auth.passage.id/v1/apps/X", "https://app.example.com")
}

func TestMissingContextIsAnError(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{exampleapp.ContextAppID: "X"}})
	_, err := exampleapp.PropsFromContext(app)
	if err == nil || !strings.Contains(err.Error(), exampleapp.ContextAuthOrigin) {
		t.Errorf("PropsFromContext without %s = %v, want an error naming it",
			exampleapp.ContextAuthOrigin, err)
	}
}

// TestCLISynthMatches runs the real CDK CLI on the example app, with context on the command
// line, and checks that it writes the very bytes this process synthesizes.
func TestCLISynthMatches(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the CDK CLI and compiles the app")
	}
	cdk := filepath.Join(repoRoot, "node_modules", ".bin", "cdk")
	if _, err := os.Stat(cdk); err != nil {
		t.Fatalf("the pinned CDK CLI is not installed (%v): run `npm ci`, as make test does", err)
	}

	outdir := t.TempDir()
	overrides := map[string]string{
		exampleapp.ContextAppID:      "X",
		exampleapp.ContextAuthOrigin: "https://app.example.com",
	}
	args := []string{"synth", "--quiet", "--output", outdir}
	for key, value := range overrides {
		args = append(args, "-c", key+"="+value)
	}
	cmd := exec.Command(cdk, args...)
	cmd.Dir = repoRoot
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		t.Fatalf("cdk synth: %v\n%s", err, output.String())
	}

	fromCLI, err := os.ReadFile(filepath.Join(outdir, exampleapp.StackName+".template.json"))
	if err != nil {
		t.Fatal(err)
	}
	inProcess := synthesize(t, cliContext(t, overrides))
	if !bytes.Equal(fromCLI, inProcess) {
		t.Errorf("the CLI's template differs from this process's:\n%s",
			cmp.Diff(string(inProcess), string(fromCLI)))
	}
	checkExampleTemplate(t, parse(t, fromCLI), "https://auth.passage.id/v1/apps/X",
		"https://app.example.com")
}

type resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
}

func parse(t *testing.T, template []byte) map[string]resource {
	t.Helper()
	var parsed struct {
		Resources map[string]resource `json:"Resources"`
	}
	if err := json.Unmarshal(template, &parsed); err != nil {
		t.Fatal(err)
	}
	return parsed.Resources
}

func checkExampleTemplate(t *testing.T, resources map[string]resource, issuer, audience string) {
	t.Helper()
	var authorizerID string
	routes := map[string]map[string]any{}
	functions := 0
	for id, r := range resources {
		switch r.Type {
		case "AWS::ApiGatewayV2::Authorizer":
			if authorizerID != "" {
				t.Error("the template has more than one authorizer")
			}
			authorizerID = id
			want := map[string]any{"Issuer": issuer, "Audience": []any{audience}}
			if diff := cmp.Diff(want, r.Properties["JwtConfiguration"]); diff != "" {
				t.Errorf("JwtConfiguration (-want +got):\n%s", diff)
			}
		case "AWS::ApiGatewayV2::Route":
			routes[r.Properties["RouteKey"].(string)] = r.Properties
		case "AWS::Lambda::Function":
			functions++
			got := []any{r.Properties["Runtime"], r.Properties["Architectures"], r.Properties["Handler"]}
			want := []any{"provided.al2023", []any{"arm64"}, "bootstrap"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("function %s runtime, architectures, handler (-want +got):\n%s", id, diff)
			}
		}
	}

	whoami, health := routes["GET /whoami"], routes["GET /health"]
	if len(routes) != 2 || whoami == nil || health == nil {
		t.Fatalf("routes = %v, want GET /whoami and GET /health", routes)
	}
	if whoami["AuthorizationType"] != "JWT" ||
		!cmp.Equal(whoami["AuthorizerId"], map[string]any{"Ref": authorizerID}) {
		t.Errorf("GET /whoami is %v by %v, want JWT by %s",
			whoami["AuthorizationType"], whoami["AuthorizerId"], authorizerID)
	}
	if health["AuthorizationType"] != "NONE" || health["AuthorizerId"] != nil {
		t.Errorf("GET /health is %v by %v, want public", health["AuthorizationType"], health["AuthorizerId"])
	}
	if functions != 2 {
		t.Errorf("the template has %d functions, want 2", functions)
	}
}
