package lambdart_test

import (
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sebdah/goldie/v2"

	"github.com/passage-cdk/passage-cdk-go/internal/lambdart"
)

var logStreamRE = regexp.MustCompile(`^[0-9]{4}/[0-9]{2}/[0-9]{2}/\[\$LATEST\][0-9a-f]{32}$`)

// TestFunctionEnvironment compares the function's whole environment with
// testdata/environment.golden, so that a variable leaking in from the
// developer's shell fails it. It sets variables of its own process, so it
// does not run in parallel.
func TestFunctionEnvironment(t *testing.T) {
	developer := map[string]string{
		"PASSAGE_DEVELOPER_SECRET": "hunter2",
		"AWS_ACCESS_KEY_ID":        "AKIADEVELOPERKEY",
		"AWS_SECRET_ACCESS_KEY":    "developer-secret",
		"AWS_PROFILE":              "production",
		"HOME":                     "/home/developer",
	}
	for key, value := range developer {
		t.Setenv(key, value)
	}

	functionVars := map[string]string{"TABLE_NAME": "orders", "LANG": "C.UTF-8"}
	pool, _ := newPool(t, "probe", lambdart.FunctionConfig{
		Name:        "orders-api",
		MemorySize:  512,
		Region:      "eu-west-1",
		Environment: functionVars,
	})
	functionVars["TABLE_NAME"] = "changed after NewPool"

	resp, _ := invokeProbe(t, pool, probeRequest{Do: "env"})

	for key := range developer {
		if value, ok := resp.Env[key]; ok {
			t.Errorf("the developer's %s=%q reached the function", key, value)
		}
	}
	taskRoot := filepath.Dir(executable("probe"))
	if resp.Cwd != taskRoot {
		t.Errorf("working directory = %q, want the task root %q", resp.Cwd, taskRoot)
	}

	// Values that differ from run to run are checked here, then masked.
	volatile := map[string]*regexp.Regexp{
		"AWS_LAMBDA_RUNTIME_API":     regexp.MustCompile(`^127\.0\.0\.1:[0-9]+$`),
		"AWS_LAMBDA_LOG_STREAM_NAME": logStreamRE,
		"_X_AMZN_TRACE_ID":           traceIDRE,
		"LAMBDA_TASK_ROOT":           regexp.MustCompile(`^` + regexp.QuoteMeta(taskRoot) + `$`),
		"LAMBDA_RUNTIME_DIR":         regexp.MustCompile(`^` + regexp.QuoteMeta(taskRoot) + `$`),
	}
	var b strings.Builder
	for _, key := range slices.Sorted(maps.Keys(resp.Env)) {
		value := resp.Env[key]
		if re, ok := volatile[key]; ok {
			if !re.MatchString(value) {
				t.Errorf("%s=%q does not match %v", key, value, re)
			}
			value = "<" + strings.ToLower(key) + ">"
		}
		fmt.Fprintf(&b, "%s=%s\n", key, value)
	}

	g := goldie.New(t, goldie.WithFixtureDir("testdata"), goldie.WithNameSuffix(".golden"))
	g.Assert(t, "environment", []byte(b.String()))
}
