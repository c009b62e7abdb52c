package lambdart

import (
	"maps"
	"path/filepath"
	"slices"
	"strconv"
)

// lambdaPath is PATH as provided.al2023 sets it. Using it rather than the
// developer's PATH keeps the developer's tool directories out of the
// function; the system directories it names exist on Linux and macOS.
const lambdaPath = "/usr/local/bin:/usr/bin/:/bin:/opt/bin"

// processEnvironment returns the complete environment of one environment's
// process. Nothing comes from this process's own environment except what
// hostEnvironment needs to start a program at all: in particular no HOME,
// which keeps AWS SDKs away from the developer's ~/.aws credentials, and no
// AWS_* variable of the developer's.
//
// The order of layers is Lambda's: its unreserved defaults, which the
// function's variables may override, then the reserved variables, which
// normalized has already kept out of the function's variables.
func processEnvironment(c *FunctionConfig, runtimeAPI, logStream string) []string {
	vars := map[string]string{
		"PATH": lambdaPath,
		"LANG": "en_US.UTF-8",
		"TZ":   ":UTC",
	}
	maps.Copy(vars, hostEnvironment())
	maps.Copy(vars, c.Environment)

	// AWS_EXECUTION_ENV is left unset: Lambda sets it for managed runtimes
	// only, never for the OS-only provided family a Go bootstrap runs on.
	taskRoot := filepath.Dir(c.Executable)
	platform := map[string]string{
		"_HANDLER":                        c.Handler,
		"AWS_DEFAULT_REGION":              c.Region,
		"AWS_REGION":                      c.Region,
		"AWS_LAMBDA_FUNCTION_NAME":        c.Name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(c.MemorySize),
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + c.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      logStream,
		"AWS_LAMBDA_RUNTIME_API":          runtimeAPI,
		"LAMBDA_TASK_ROOT":                taskRoot,
		"LAMBDA_RUNTIME_DIR":              taskRoot,
	}
	maps.Copy(vars, platform)

	env := make([]string, 0, len(vars))
	for key, value := range vars {
		env = append(env, key+"="+value)
	}
	slices.Sort(env)
	return env
}
