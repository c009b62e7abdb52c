package lambdart_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/passage-cdk/passage-cdk-go/internal/lambdart"
)

// testFunctions are the functions under testdata/, built once for the whole
// test binary.
var testFunctions = []string{"echo", "probe", "initfail"}

// binDir holds each test function as <name>/bootstrap, the layout of a
// deployed Go function.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lambdart-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "creating the build directory:", err)
		os.Exit(1)
	}
	binDir = dir

	code := 1
	if err := buildTestFunctions(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		code = m.Run()
	}

	// Every pool is closed by now, so nothing of ours may still run.
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines left after the tests:", err)
			code = 1
		}
	}
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// buildTestFunctions compiles the test functions the way AWS's packaging
// guide builds a Go function, but for this machine.
func buildTestFunctions(dir string) error {
	args := []string{"build", "-tags", "lambda.norpc", "-trimpath", "-o", dir + string(filepath.Separator)}
	for _, name := range testFunctions {
		args = append(args, "./testdata/"+name)
	}
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the test functions: %v\n%s", err, out)
	}

	for _, name := range testFunctions {
		if err := os.Mkdir(filepath.Join(dir, name+".d"), 0o755); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(dir, name), executable(name)); err != nil {
			return err
		}
	}
	return nil
}

// executable returns the path of a built test function.
func executable(name string) string {
	return filepath.Join(binDir, name+".d", "bootstrap")
}

// newPool returns a pool of the named test function, closed when the test
// ends. cfg's Executable is filled in; a nil Output records lines in out.
func newPool(t testing.TB, function string, cfg lambdart.FunctionConfig) (*lambdart.Pool, *lineRecorder) {
	t.Helper()
	out := &lineRecorder{changed: make(chan struct{})}
	if cfg.Name == "" {
		cfg.Name = function
	}
	cfg.Executable = executable(function)
	if cfg.Output == nil {
		cfg.Output = out
	}

	pool, err := lambdart.NewPool(cfg)
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}
	t.Cleanup(func() {
		if err := pool.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return pool, out
}

// probeRequest is the probe function's payload; see testdata/probe.
type probeRequest struct {
	Do      string `json:"do"`
	ID      int    `json:"id,omitempty"`
	Millis  int    `json:"millis,omitempty"`
	Code    int    `json:"code,omitempty"`
	Bytes   int    `json:"bytes,omitempty"`
	Message string `json:"message,omitempty"`
}

// probeResponse is what the probe function saw.
type probeResponse struct {
	PID         int               `json:"pid"`
	ID          int               `json:"id"`
	Env         map[string]string `json:"env"`
	Cwd         string            `json:"cwd"`
	RequestID   string            `json:"requestId"`
	FunctionARN string            `json:"functionArn"`
	DeadlineMs  int64             `json:"deadlineMs"`
	TraceID     string            `json:"traceId"`
}

// invokeProbe sends req to a probe pool; the invocation must succeed.
func invokeProbe(t testing.TB, pool *lambdart.Pool, req probeRequest) (probeResponse, lambdart.Result) {
	t.Helper()
	result, err := invoke(t, pool, req)
	if err != nil {
		t.Fatalf("Invoke(%+v): %v", req, err)
	}
	var resp probeResponse
	if err := json.Unmarshal(result.Payload, &resp); err != nil {
		t.Fatalf("probe response %q: %v", result.Payload, err)
	}
	return resp, result
}

// invoke sends req to a pool with a generous bound on the whole call.
func invoke(t testing.TB, pool *lambdart.Pool, req probeRequest) (lambdart.Result, error) {
	t.Helper()
	payload, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return pool.Invoke(ctx, payload)
}

// lineRecorder is a pool's Output: it keeps every Write and lets a test
// wait for a line.
type lineRecorder struct {
	mu      sync.Mutex
	writes  []string
	changed chan struct{} // closed and replaced on every Write
}

func (r *lineRecorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, string(p))
	close(r.changed)
	r.changed = make(chan struct{})
	return len(p), nil
}

// lines returns every Write so far.
func (r *lineRecorder) lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.writes...)
}

// count returns how many lines hold substr.
func (r *lineRecorder) count(substr string) int {
	n := 0
	for _, line := range r.lines() {
		if strings.Contains(line, substr) {
			n++
		}
	}
	return n
}

// waitFor waits up to 10 s for a line holding substr and returns it.
func (r *lineRecorder) waitFor(t testing.TB, substr string) string {
	t.Helper()
	line, ok := r.wait(substr, 10*time.Second)
	if !ok {
		t.Fatalf("no output line holds %q within 10 s; lines: %q", substr, r.lines())
	}
	return line
}

// wait waits up to timeout for a line holding substr; it may be called from
// any goroutine.
func (r *lineRecorder) wait(substr string, timeout time.Duration) (string, bool) {
	deadline := time.After(timeout)
	for {
		r.mu.Lock()
		for _, line := range r.writes {
			if strings.Contains(line, substr) {
				r.mu.Unlock()
				return line, true
			}
		}
		changed := r.changed
		r.mu.Unlock()

		select {
		case <-changed:
		case <-deadline:
			return "", false
		}
	}
}

// pidFromLine reads N from a line "... pid=N".
func pidFromLine(t testing.TB, line string) int {
	t.Helper()
	var pid int
	_, after, _ := strings.Cut(line, "pid=")
	if _, err := fmt.Sscanf(after, "%d", &pid); err != nil {
		t.Fatalf("no pid in %q", line)
	}
	return pid
}

// waitGone waits up to 10 s for a process to disappear. Pools reap their
// processes, so a pid that stays is a process the pool failed to end.
func waitGone(t testing.TB, pid int) {
	t.Helper()
	for range 1000 {
		if !processAlive(pid) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("process %d still runs 10 s after its environment should have ended", pid)
}

// jsonField reads one string field of a JSON document.
func jsonField(t testing.TB, doc []byte, field string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(doc), &m); err != nil {
		t.Fatalf("not a JSON document: %q", doc)
	}
	s, _ := m[field].(string)
	return s
}
