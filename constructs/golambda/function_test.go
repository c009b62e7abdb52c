package golambda_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/passage-cdk/passage-cdk-go/constructs/golambda"
	"github.com/passage-cdk/passage-cdk-go/internal/validation"
)

func TestMain(m *testing.M) {
	os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "1")

	// aws-cdk-lib checks every synthesized template against CloudFormation's schemas, which
	// costs about 3 seconds on the first synth of a process (it starts a WebAssembly engine).
	// These tests assert on the templates themselves, and make test runs cfn-lint on the
	// templates that are deployed, so the check would add time and no coverage.
	os.Setenv("CDK_VALIDATION", "false")
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// synthesize builds a stack with define and returns its template as plain JSON values.
func synthesize(t *testing.T, define func(stack awscdk.Stack)) map[string]any {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), nil)
	define(stack)
	template := assertions.Template_FromStack(stack, nil).ToJSON()
	return *template
}

// resourcesOfType returns the properties of each resource of a type, by logical ID.
func resourcesOfType(template map[string]any, resourceType string) map[string]map[string]any {
	found := map[string]map[string]any{}
	for id, r := range template["Resources"].(map[string]any) {
		resource := r.(map[string]any)
		if resource["Type"] == resourceType {
			props, _ := resource["Properties"].(map[string]any)
			found[id] = props
			if metadata, ok := resource["Metadata"].(map[string]any); ok {
				props["__Metadata"] = metadata
			}
		}
	}
	return found
}

func only(t *testing.T, resources map[string]map[string]any) (string, map[string]any) {
	t.Helper()
	if len(resources) != 1 {
		t.Fatalf("found %d resources, want 1: %v", len(resources), resources)
	}
	for id, props := range resources {
		return id, props
	}
	return "", nil
}

func TestGoFunctionDefaults(t *testing.T) {
	module := writeModule(t, nil)
	template := synthesize(t, func(stack awscdk.Stack) {
		golambda.NewGoFunction(stack, "Handler", &golambda.GoFunctionProps{
			Entry:     filepath.Join(module, "cmd/handler"),
			CacheRoot: t.TempDir(),
		})
	})

	_, fn := only(t, resourcesOfType(template, "AWS::Lambda::Function"))
	logGroupID, logGroup := only(t, resourcesOfType(template, "AWS::Logs::LogGroup"))
	want := map[string]any{
		"Runtime":       "provided.al2023",
		"Handler":       "bootstrap",
		"Architectures": []any{"arm64"},
		"MemorySize":    float64(golambda.DefaultMemorySize),
		"Timeout":       float64(golambda.DefaultTimeoutSeconds),
		"LoggingConfig": map[string]any{"LogGroup": map[string]any{"Ref": logGroupID}},
		"__Metadata": map[string]any{
			golambda.MetadataGoPackage: "example.com/fixture/cmd/handler",
		},
	}
	for key, value := range want {
		if diff := cmp.Diff(value, fn[key]); diff != "" {
			t.Errorf("function %s (-want +got):\n%s", key, diff)
		}
	}
	if logGroup["RetentionInDays"] != float64(30) {
		t.Errorf("log group retention = %v days, want 30", logGroup["RetentionInDays"])
	}
}

func TestGoFunctionRoleWritesItsOwnLogsOnly(t *testing.T) {
	module := writeModule(t, nil)
	cases := []struct {
		name     string
		logGroup func(stack awscdk.Stack) awslogs.ILogGroup
	}{
		{name: "the log group it makes", logGroup: func(awscdk.Stack) awslogs.ILogGroup { return nil }},
		{name: "a log group given in its props", logGroup: func(stack awscdk.Stack) awslogs.ILogGroup {
			return awslogs.NewLogGroup(stack, jsii.String("Given"), nil)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			template := synthesize(t, func(stack awscdk.Stack) {
				props := &golambda.GoFunctionProps{
					Entry:     filepath.Join(module, "cmd/handler"),
					CacheRoot: t.TempDir(),
				}
				if logGroup := tc.logGroup(stack); logGroup != nil {
					props.LogGroup = logGroup
				}
				golambda.NewGoFunction(stack, "Handler", props)
			})
			checkLeastPrivilegeRole(t, template)
		})
	}
}

// checkLeastPrivilegeRole checks that the template's one function has a role that Lambda
// alone may assume, with no managed policy, allowed to write to the template's one log group.
func checkLeastPrivilegeRole(t *testing.T, template map[string]any) {
	t.Helper()
	roleID, role := only(t, resourcesOfType(template, "AWS::IAM::Role"))
	if role["ManagedPolicyArns"] != nil {
		t.Errorf("the role has managed policies %v, want none", role["ManagedPolicyArns"])
	}
	wantTrust := []any{map[string]any{
		"Action": "sts:AssumeRole", "Effect": "Allow",
		"Principal": map[string]any{"Service": "lambda.amazonaws.com"},
	}}
	trust := role["AssumeRolePolicyDocument"].(map[string]any)["Statement"]
	if diff := cmp.Diff(wantTrust, trust); diff != "" {
		t.Errorf("trust policy (-want +got):\n%s", diff)
	}

	logGroupID, _ := only(t, resourcesOfType(template, "AWS::Logs::LogGroup"))
	_, policy := only(t, resourcesOfType(template, "AWS::IAM::Policy"))
	wantPolicy := map[string]any{
		"Statement": []any{map[string]any{
			"Action":   []any{"logs:CreateLogStream", "logs:PutLogEvents"},
			"Effect":   "Allow",
			"Resource": map[string]any{"Fn::GetAtt": []any{logGroupID, "Arn"}},
		}},
		"Version": "2012-10-17",
	}
	if diff := cmp.Diff(wantPolicy, policy["PolicyDocument"]); diff != "" {
		t.Errorf("policy (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{map[string]any{"Ref": roleID}}, policy["Roles"]); diff != "" {
		t.Errorf("policy roles (-want +got):\n%s", diff)
	}

	_, fn := only(t, resourcesOfType(template, "AWS::Lambda::Function"))
	if diff := cmp.Diff(map[string]any{"Fn::GetAtt": []any{roleID, "Arn"}}, fn["Role"]); diff != "" {
		t.Errorf("function role (-want +got):\n%s", diff)
	}
}

func TestGoFunctionTracingAndConcurrency(t *testing.T) {
	module := writeModule(t, nil)
	template := synthesize(t, func(stack awscdk.Stack) {
		golambda.NewGoFunction(stack, "Handler", &golambda.GoFunctionProps{
			Entry:     filepath.Join(module, "cmd/handler"),
			CacheRoot: t.TempDir(),
			FunctionOptions: awslambda.FunctionOptions{
				Tracing:                      awslambda.Tracing_ACTIVE,
				ReservedConcurrentExecutions: jsii.Number(5),
			},
		})
	})

	_, fn := only(t, resourcesOfType(template, "AWS::Lambda::Function"))
	if diff := cmp.Diff(map[string]any{"Mode": "Active"}, fn["TracingConfig"]); diff != "" {
		t.Errorf("TracingConfig (-want +got):\n%s", diff)
	}
	if fn["ReservedConcurrentExecutions"] != float64(5) {
		t.Errorf("ReservedConcurrentExecutions = %v, want 5", fn["ReservedConcurrentExecutions"])
	}
	_, policy := only(t, resourcesOfType(template, "AWS::IAM::Policy"))
	statements := policy["PolicyDocument"].(map[string]any)["Statement"].([]any)
	var actions []any
	for _, statement := range statements {
		actions = append(actions, statement.(map[string]any)["Action"])
	}
	want := []any{
		[]any{"logs:CreateLogStream", "logs:PutLogEvents"},
		[]any{"xray:PutTraceSegments", "xray:PutTelemetryRecords"},
	}
	if diff := cmp.Diff(want, actions); diff != "" {
		t.Errorf("policy actions (-want +got):\n%s", diff)
	}
}

func TestGoFunctionTakesOverrides(t *testing.T) {
	module := writeModule(t, nil)
	template := synthesize(t, func(stack awscdk.Stack) {
		golambda.NewGoFunction(stack, "Handler", &golambda.GoFunctionProps{
			Entry:     filepath.Join(module, "cmd/handler"),
			CacheRoot: t.TempDir(),
			FunctionOptions: awslambda.FunctionOptions{
				Architecture: awslambda.Architecture_X86_64(),
				MemorySize:   jsii.Number(1024),
				Timeout:      awscdk.Duration_Seconds(jsii.Number(25)),
				Environment:  &map[string]*string{"STAGE": jsii.String("prod")},
				Description:  jsii.String("overridden"),
			},
		})
	})

	_, fn := only(t, resourcesOfType(template, "AWS::Lambda::Function"))
	want := map[string]any{
		"Architectures": []any{"x86_64"},
		"MemorySize":    float64(1024),
		"Timeout":       float64(25),
		"Environment":   map[string]any{"Variables": map[string]any{"STAGE": "prod"}},
		"Description":   "overridden",
	}
	for key, value := range want {
		if diff := cmp.Diff(value, fn[key]); diff != "" {
			t.Errorf("function %s (-want +got):\n%s", key, diff)
		}
	}
}

func TestGoFunctionTemplateDoesNotDependOnTheMachine(t *testing.T) {
	cache := t.TempDir()
	var templates []string
	var dirs []string
	for range 2 {
		module := writeModule(t, nil)
		dirs = append(dirs, module)
		template := synthesize(t, func(stack awscdk.Stack) {
			golambda.NewGoFunction(stack, "Handler", &golambda.GoFunctionProps{
				Entry:     filepath.Join(module, "cmd/handler"),
				CacheRoot: cache,
			})
		})
		text, err := json.Marshal(template)
		if err != nil {
			t.Fatal(err)
		}
		templates = append(templates, string(text))
	}

	if templates[0] != templates[1] {
		t.Errorf("the same sources in two directories give two templates:\n%s\n%s",
			templates[0], templates[1])
	}
	for _, dir := range append(dirs, cache) {
		if strings.Contains(templates[0], dir) {
			t.Errorf("the template holds the path %s of this machine", dir)
		}
	}
}

func TestGoFunctionIsAFunctionForCDK(t *testing.T) {
	module := writeModule(t, nil)
	template := synthesize(t, func(stack awscdk.Stack) {
		fn := golambda.NewGoFunction(stack, "Handler", &golambda.GoFunctionProps{
			Entry:     filepath.Join(module, "cmd/handler"),
			CacheRoot: t.TempDir(),
		})
		// Passing the Go struct itself through jsii must reach the same function.
		fn.GrantInvoke(awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil))
		awslambda.NewAlias(stack, jsii.String("Live"), &awslambda.AliasProps{
			AliasName: jsii.String("live"),
			Version:   fn.CurrentVersion(),
		})
		if got := fn.GoPackage().ImportPath; got != "example.com/fixture/cmd/handler" {
			t.Errorf("GoPackage().ImportPath = %q", got)
		}
	})

	functionID, _ := only(t, resourcesOfType(template, "AWS::Lambda::Function"))
	_, permission := only(t, resourcesOfType(template, "AWS::Lambda::Permission"))
	wantTarget := map[string]any{"Fn::GetAtt": []any{functionID, "Arn"}}
	if diff := cmp.Diff(wantTarget, permission["FunctionName"]); diff != "" {
		t.Errorf("permission target (-want +got):\n%s", diff)
	}
	only(t, resourcesOfType(template, "AWS::Lambda::Alias"))
}

func TestGoFunctionRefusesBadEntries(t *testing.T) {
	module := writeModule(t, nil)
	cases := []struct {
		name    string
		entry   string
		problem string
	}{
		{"empty", "", "no handler package"},
		{"missing", filepath.Join(module, "cmd/nothing"), "does not exist"},
		{"a file", filepath.Join(module, "go.mod"), "not a directory"},
		{"a library", filepath.Join(module, "library"), "not a main package"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := recoverError(func() {
				synthesize(t, func(stack awscdk.Stack) {
					golambda.NewGoFunction(stack, "Handler", &golambda.GoFunctionProps{Entry: tc.entry})
				})
			})
			var propsErr *validation.Error
			if !errors.As(err, &propsErr) {
				t.Fatalf("NewGoFunction panicked with %v, want a *validation.Error", err)
			}
			if propsErr.Field != "Entry" || propsErr.Path != "Test/Handler" {
				t.Errorf("error names %s at %s, want Entry at Test/Handler", propsErr.Field, propsErr.Path)
			}
			message := propsErr.Error()
			for _, want := range []string{"Entry", tc.problem, `"` + tc.entry + `"`} {
				if !strings.Contains(message, want) {
					t.Errorf("message %q does not contain %q", message, want)
				}
			}
		})
	}
}

func TestGoFunctionStopsSynthOnACompileError(t *testing.T) {
	module := writeModule(t, map[string]string{
		"cmd/handler/main.go": "package main\n\nfunc main() { undefinedThing() }\n",
	})
	err := recoverError(func() {
		synthesize(t, func(stack awscdk.Stack) {
			golambda.NewGoFunction(stack, "Handler", &golambda.GoFunctionProps{
				Entry:     filepath.Join(module, "cmd/handler"),
				CacheRoot: t.TempDir(),
			})
		})
	})
	if err == nil || !strings.Contains(err.Error(), "undefined: undefinedThing") ||
		!strings.HasPrefix(err.Error(), "Test/Handler: ") {
		t.Errorf("panic = %v, want the construct path and the compiler's output", err)
	}
}

// recoverError runs f and returns what it panicked with, as an error.
func recoverError(f func()) (err error) {
	defer func() {
		switch r := recover().(type) {
		case nil:
		case error:
			err = r
		default:
			err = errors.New("non-error panic: " + jsonString(r))
		}
	}()
	f()
	return nil
}

func jsonString(v any) string {
	text, _ := json.Marshal(v)
	return string(text)
}
