// Package golambda builds Go Lambda handlers with the local Go toolchain, without Docker, into
// assets whose hash depends only on the handler's source, so that a synthesized template is the
// same on every machine and every Go patch version.
//
// NewGoFunction is a Lambda function on the provided.al2023 runtime, arm64 by default, whose
// code is the handler package built as `bootstrap` with AWS's recommended flags. Resolve and
// Package.Build are the same build without CDK, for tools that need the binary itself.
package golambda

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/passage-cdk/passage-cdk-go/internal/validation"
)

// Defaults of a GoFunction, for the settings its props leave unset.
const (
	// DefaultMemorySize in MB: twice Lambda's minimum, because Lambda allots CPU in proportion
	// to memory and a Go handler's cold start is mostly CPU.
	DefaultMemorySize = 256

	// DefaultTimeoutSeconds stays well under API Gateway's 30-second integration timeout, so a
	// stuck handler ends with its own log line and a 500 rather than a bare 503.
	DefaultTimeoutSeconds = 10

	// DefaultLogRetention keeps a month of logs: enough to investigate an incident, bounded in
	// cost.
	DefaultLogRetention = awslogs.RetentionDays_ONE_MONTH
)

// MetadataGoPackage is the template metadata key, on each function that NewGoFunction makes,
// whose value is the import path of the handler's main package. Tools that run the handler
// outside Lambda, such as passage-local, build it from there.
const MetadataGoPackage = "passage:go-package"

// GoFunctionProps configures a GoFunction.
type GoFunctionProps struct {
	// FunctionOptions are the settings of the Lambda function, passed through as they are,
	// except for the defaults below where a field is unset.
	//
	// Architecture Default: arm64 (20% cheaper per GB-second, faster cold starts).
	// MemorySize Default: DefaultMemorySize.
	// Timeout Default: DefaultTimeoutSeconds.
	// LogGroup Default: a new log group, sibling of the function with the id "<id>LogGroup",
	// kept for DefaultLogRetention (none is made when LogGroup or LogRetention is set).
	// Role Default: a new role, sibling of the function with the id "<id>ServiceRole", that
	// may write to the function's log group and nothing else; no AWS managed policy.
	// Tracing, ReservedConcurrentExecutions, Environment and the rest: as awslambda sets them.
	awslambda.FunctionOptions

	// Entry is the directory of the handler's main package: absolute, or relative to the
	// working directory of the CDK app (the directory of cdk.json). Required.
	Entry string

	// CacheRoot is the directory where built binaries are kept between synths, keyed by their
	// inputs and the Go version.
	//
	// Default: DefaultCacheRoot().
	CacheRoot string
}

// GoFunction is a Lambda function built from a Go main package. It is an awslambda.Function,
// usable wherever one is (grants, integrations, event sources).
type GoFunction struct {
	awslambda.Function

	goPackage *Package
}

// NewGoFunction builds the package in props.Entry for Lambda and defines a function that runs
// it. It panics with a message naming the field, its value and the fix when props cannot work,
// and with the compiler's output when the build fails; either way synth stops before any
// template is written.
func NewGoFunction(scope constructs.Construct, id string, props *GoFunctionProps) *GoFunction {
	// The construct path names the function in errors only, so it is asked of jsii only then.
	path := func() string { return validation.ChildPath(scope, id) }
	if props == nil {
		panic(&validation.Error{Path: path(), Field: "props", Value: "nil",
			Problem: "GoFunction needs props", Fix: "pass &golambda.GoFunctionProps{Entry: ...}"})
	}
	options := props.FunctionOptions

	// Architecture decides the build target, so it is settled before anything else. The
	// default's target is known without asking jsii for its name: every jsii call is a round
	// trip to the node process, and a function's calls add up to most of what a route costs.
	target := Target{GOOS: "linux", GOARCH: "arm64"}
	if options.Architecture == nil {
		options.Architecture = awslambda.Architecture_ARM_64()
	} else {
		name := *options.Architecture.Name()
		var err error
		if target, err = LambdaTarget(name); err != nil {
			panic(&validation.Error{Path: path(), Field: "Architecture", Value: name,
				Problem: err.Error(), Fix: "use awslambda.Architecture_ARM_64() or Architecture_X86_64()"})
		}
	}

	cacheRoot := props.CacheRoot
	if cacheRoot == "" {
		cacheRoot = DefaultCacheRoot()
	}
	goPackage, entryDir := resolveEntry(path, props.Entry, target, cacheRoot)
	codeDir, err := buildPlanned(context.Background(), goPackage, entryDir, cacheRoot)
	if err != nil {
		panic(fmt.Errorf("%s: %w", path(), err))
	}

	// Settle the remaining defaults.
	if options.MemorySize == nil {
		options.MemorySize = jsii.Number(DefaultMemorySize)
	}
	if options.Timeout == nil {
		options.Timeout = awscdk.Duration_Seconds(jsii.Number(DefaultTimeoutSeconds))
	}
	// LogRetention is deprecated, but a user who still sets it gets the log group it makes,
	// and CDK's default role, which can write to it.
	legacyLogRetention := options.LogRetention != "" //nolint:staticcheck
	var ownLogGroup awslogs.LogGroup
	if options.LogGroup == nil && !legacyLogRetention {
		ownLogGroup = awslogs.NewLogGroup(scope, jsii.String(id+"LogGroup"), &awslogs.LogGroupProps{
			Retention: DefaultLogRetention,
		})
		options.LogGroup = ownLogGroup
	}
	if options.Role == nil && !legacyLogRetention {
		options.Role = newLeastPrivilegeRole(scope, id, options.LogGroup, ownLogGroup)
	}

	// The asset is named by the hash of the inputs, not of the binary: the binary differs
	// between Go versions, and the template must not.
	functionProps := awslambda.FunctionProps{
		Runtime: awslambda.Runtime_PROVIDED_AL2023(),
		Handler: jsii.String(BinaryName),
		Code: awslambda.Code_FromAsset(jsii.String(codeDir), &awss3assets.AssetOptions{
			AssetHash:     jsii.String(goPackage.InputHash),
			AssetHashType: awscdk.AssetHashType_CUSTOM,
		}),
	}
	copyOptions(&functionProps, &options)

	fn := &GoFunction{goPackage: goPackage}
	awslambda.NewFunction_Override(fn, scope, jsii.String(id), &functionProps)
	cfnFunction := fn.Node().DefaultChild().(awscdk.CfnResource)
	cfnFunction.AddMetadata(jsii.String(MetadataGoPackage), jsii.String(goPackage.ImportPath))
	return fn
}

// GoPackage returns the handler package the function was built from.
func (f *GoFunction) GoPackage() *Package {
	return f.goPackage
}

// newLeastPrivilegeRole makes the function's execution role: assumable by Lambda only, allowed
// to write to the function's own log group and nothing else. CDK's default role would attach
// the AWS managed AWSLambdaBasicExecutionRole, which may write to every log group of the
// account. Grants and tracing add their own statements to it as usual. own is the log group
// NewGoFunction made, or nil when the props gave logGroup.
func newLeastPrivilegeRole(
	scope constructs.Construct, id string, logGroup interfacesawslogs.ILogGroupRef, own awslogs.LogGroup,
) awsiam.Role {
	role := awsiam.NewRole(scope, jsii.String(id+"ServiceRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Execution role of " + id + ": writes its own logs only"),
	})

	// A log group's ARN ends in ":*", which covers the streams Lambda creates in it. The log
	// group this construct made grants the two actions itself, in one jsii call where the
	// statement takes three.
	if own != nil {
		own.GrantWrite(role)
		return role
	}
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: jsii.Strings(*logGroup.LogGroupRef().LogGroupArn),
	}))
	return role
}

// resolveEntry checks that entry is a directory holding a main package and resolves it, or
// panics with a validation error. What go list found for it is kept under cacheRoot, and
// reused while the package's files are unchanged. It returns the package and the absolute
// directory it was resolved from. path names the function in errors.
func resolveEntry(path func() string, entry string, target Target, cacheRoot string) (*Package, string) {
	fail := func(problem, fix string) {
		panic(&validation.Error{Path: path(), Field: "Entry", Value: entry, Problem: problem, Fix: fix})
	}
	if entry == "" {
		fail("no handler package is given", "set Entry to the directory of a Go main package")
	}
	dir, err := filepath.Abs(entry)
	if err != nil {
		fail(err.Error(), "give a path relative to the directory of cdk.json")
	}
	info, err := os.Stat(dir)
	if err != nil {
		workDir, _ := os.Getwd()
		fail("the directory does not exist (looked in "+workDir+")",
			"give the path of a Go main package relative to the directory of cdk.json")
	}
	if !info.IsDir() {
		fail("it is a file, not a directory", "give the directory that holds the main package")
	}

	goPackage, err := resolveCached(context.Background(), dir, target, cacheRoot)
	if errors.Is(err, ErrNotMainPackage) {
		fail("it is not a main package ("+err.Error()+")",
			"point Entry at a package main whose main function calls lambda.Start")
	}
	if err != nil {
		fail("go list cannot load it: "+err.Error(), "fix the package so that `go build` succeeds")
	}
	return goPackage, dir
}

// copyOptions copies every field of options into the function props of the same name. The two
// structs share their fields by design in aws-cdk-lib, and reflection keeps the copy complete
// when a CDK upgrade adds one.
func copyOptions(props *awslambda.FunctionProps, options *awslambda.FunctionOptions) {
	source := reflect.ValueOf(options).Elem()
	target := reflect.ValueOf(props).Elem()
	for i := range source.NumField() {
		name := source.Type().Field(i).Name
		if field := target.FieldByName(name); field.IsValid() && field.CanSet() {
			field.Set(source.Field(i))
		}
	}
}
