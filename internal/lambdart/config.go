package lambdart

import (
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"time"
)

// Defaults of FunctionConfig, the values Lambda itself uses unless noted.
const (
	// DefaultMemorySize is Lambda's default memory size in MB.
	DefaultMemorySize = 128

	// DefaultTimeout is Lambda's default function timeout.
	DefaultTimeout = 3 * time.Second

	// DefaultMaxEnvironments bounds the environments of one function. Lambda
	// allows far more; locally each environment is a process, and ten serve
	// a developer's traffic while keeping a runaway client from forking
	// hundreds of them.
	DefaultMaxEnvironments = 10

	// DefaultRegion is the region reported to the function.
	DefaultRegion = "us-east-1"

	// DefaultAccountID is the account in the function's ARN: the placeholder
	// account of AWS's own documentation, so no real account leaks in.
	DefaultAccountID = "123456789012"
)

// Lambda's limits on the settings, from the Lambda API reference.
const (
	minMemorySize = 128
	maxMemorySize = 10240
	minTimeout    = time.Second
	maxTimeout    = 900 * time.Second
)

// FunctionConfig describes one Lambda function as a Pool runs it. NewPool
// copies it; changing it afterwards has no effect.
type FunctionConfig struct {
	// Name is the function's name: 1 to 64 letters, digits, hyphens or
	// underscores, as Lambda requires. It becomes AWS_LAMBDA_FUNCTION_NAME,
	// the log group name and the last part of the function's ARN.
	Name string

	// Executable is the path of the function's executable (its `bootstrap`),
	// built for this machine. It runs with no arguments, in its own
	// directory, which is also LAMBDA_TASK_ROOT.
	Executable string

	// Handler is the function's handler setting, passed as _HANDLER.
	// Default: the base name of Executable.
	Handler string

	// Environment holds the function's own variables, as in the template.
	// Names Lambda reserves for itself (AWS_REGION, _HANDLER, ...) are
	// rejected, as a deployment would reject them; PATH, LANG and TZ may be
	// overridden, as on Lambda. Nothing else reaches the process: not the
	// developer's variables, not HOME, not AWS credentials.
	// Default: none.
	Environment map[string]string

	// MemorySize is the function's memory in MB, from 128 to 10240. It is
	// reported in AWS_LAMBDA_FUNCTION_MEMORY_SIZE but not enforced.
	// Default: 128.
	MemorySize int

	// Timeout is how long one invocation may run, from 1 to 900 seconds. As
	// on Lambda it counts from the runtime receiving the invocation to its
	// asking for the next one (init does not count; its limit is 10 s), and
	// an environment that overruns it is killed.
	// Default: 3 seconds.
	Timeout time.Duration

	// MaxEnvironments is how many environments (processes) may run at once.
	// Invoke waits for a free one when all are busy.
	// Default: 10 (DefaultMaxEnvironments).
	MaxEnvironments int

	// Region is the AWS region reported in AWS_REGION, AWS_DEFAULT_REGION and
	// the function's ARN.
	// Default: "us-east-1".
	Region string

	// AccountID is the 12-digit account in the function's ARN.
	// Default: "123456789012", the documentation placeholder.
	AccountID string

	// Output receives what the function's processes write to stdout and
	// stderr, one complete line (ending in a newline) per Write call, never
	// two calls at once, so a caller can prefix lines without buffering.
	// Write errors are ignored: a stuck log must not stall the function.
	// Default: discarded.
	Output io.Writer
}

var (
	// functionNameRE is Lambda's rule for a function name (without ARN).
	functionNameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

	// envKeyRE is Lambda's rule for an environment variable name.
	envKeyRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]*$`)

	accountIDRE = regexp.MustCompile(`^[0-9]{12}$`)

	// regionRE accepts names like us-east-1 and us-gov-west-1.
	regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
)

// reservedKeys are the variables Lambda sets itself and refuses to take from
// a function's configuration. The credential variables are reserved too on
// Lambda, but this emulator sets none, so a developer may pass local
// credentials on purpose.
var reservedKeys = map[string]bool{
	"_HANDLER":                        true,
	"_X_AMZN_TRACE_ID":                true,
	"AWS_DEFAULT_REGION":              true,
	"AWS_REGION":                      true,
	"AWS_EXECUTION_ENV":               true,
	"AWS_LAMBDA_FUNCTION_NAME":        true,
	"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": true,
	"AWS_LAMBDA_FUNCTION_VERSION":     true,
	"AWS_LAMBDA_INITIALIZATION_TYPE":  true,
	"AWS_LAMBDA_LOG_GROUP_NAME":       true,
	"AWS_LAMBDA_LOG_STREAM_NAME":      true,
	"AWS_LAMBDA_RUNTIME_API":          true,
	"LAMBDA_TASK_ROOT":                true,
	"LAMBDA_RUNTIME_DIR":              true,
}

// normalized returns a copy of c with defaults filled in, or an error naming
// the first bad field. The caller's config and map are never changed.
func (c FunctionConfig) normalized() (FunctionConfig, error) {
	if !functionNameRE.MatchString(c.Name) {
		return c, configError("Name %q: want 1 to 64 letters, digits, hyphens or underscores", c.Name)
	}

	exe, err := checkExecutable(c.Executable)
	if err != nil {
		return c, err
	}
	c.Executable = exe
	if c.Handler == "" {
		c.Handler = filepath.Base(exe)
	}

	env := maps.Clone(c.Environment)
	for key := range env {
		if !envKeyRE.MatchString(key) {
			return c, configError("Environment key %q: want a letter, then letters, digits or underscores",
				key)
		}
		if reservedKeys[key] {
			return c, configError("Environment key %q is reserved by Lambda: remove it from the function's"+
				" variables", key)
		}
	}
	c.Environment = env

	switch {
	case c.MemorySize == 0:
		c.MemorySize = DefaultMemorySize
	case c.MemorySize < minMemorySize || c.MemorySize > maxMemorySize:
		return c, configError("MemorySize %d: want %d to %d MB",
			c.MemorySize, minMemorySize, maxMemorySize)
	}

	switch {
	case c.Timeout == 0:
		c.Timeout = DefaultTimeout
	case c.Timeout < minTimeout || c.Timeout > maxTimeout:
		return c, configError("Timeout %v: want %v to %v", c.Timeout, minTimeout, maxTimeout)
	}

	switch {
	case c.MaxEnvironments == 0:
		c.MaxEnvironments = DefaultMaxEnvironments
	case c.MaxEnvironments < 0:
		return c, configError("MaxEnvironments %d: want at least 1, or 0 for the default",
			c.MaxEnvironments)
	}

	if c.Region == "" {
		c.Region = DefaultRegion
	}
	if !regionRE.MatchString(c.Region) {
		return c, configError("Region %q: want a region name such as %q", c.Region, DefaultRegion)
	}

	if c.AccountID == "" {
		c.AccountID = DefaultAccountID
	}
	if !accountIDRE.MatchString(c.AccountID) {
		return c, configError("AccountID %q: want 12 digits", c.AccountID)
	}

	if c.Output == nil {
		c.Output = io.Discard
	}
	return c, nil
}

// checkExecutable returns the absolute path of a regular, executable file, so
// the process can start in the file's own directory.
func checkExecutable(path string) (string, error) {
	if path == "" {
		return "", configError("Executable is empty: want the path of the function's bootstrap")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", configError("Executable %q: %v", path, err)
	}

	info, err := os.Stat(abs)
	if err != nil {
		return "", configError("Executable %q: %v (build the function first)", path, err)
	}
	if !info.Mode().IsRegular() {
		return "", configError("Executable %q is a %v, want a regular file", path, info.Mode().Type())
	}

	// Windows has no execute bit; elsewhere a missing one would only show as
	// an init failure on the first invocation.
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o111 == 0 {
		return "", configError("Executable %q is not executable (mode %v): chmod +x it",
			path, info.Mode().Perm())
	}
	return abs, nil
}

func configError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...)
}
