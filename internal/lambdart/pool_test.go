package lambdart_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/passage-cdk/passage-cdk-go/internal/lambdart"
)

var (
	requestIDRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	traceIDRE   = regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$`)
)

func TestInvokeEchoesPayloads(t *testing.T) {
	t.Parallel()
	pool, _ := newPool(t, "echo", lambdart.FunctionConfig{})

	bigString, _ := json.Marshal(strings.Repeat("é", 1<<20))
	tests := []struct {
		name    string
		payload []byte
	}{
		{"object", []byte(`{"hello":"world"}`)},
		{"empty object", []byte(`{}`)},
		{"2 MiB string", bigString},
		{"array", []byte(`[1,2,3]`)},
	}

	// The first invocation starts the environment; the rest reuse it.
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			result, err := pool.Invoke(t.Context(), tt.payload)
			if err != nil {
				t.Fatalf("Invoke: %v", err)
			}
			if !bytes.Equal(result.Payload, tt.payload) {
				t.Errorf("payload = %.80q, want %.80q", result.Payload, tt.payload)
			}
			if !requestIDRE.MatchString(result.RequestID) {
				t.Errorf("request ID %q is not a version 4 UUID", result.RequestID)
			}
			if cold := result.InitDuration > 0; cold != (i == 0) {
				t.Errorf("InitDuration = %v, want it set on the first (cold) invocation only",
					result.InitDuration)
			}
		})
	}
}

func TestInvokeRejectsOversizedPayload(t *testing.T) {
	t.Parallel()
	pool, out := newPool(t, "probe", lambdart.FunctionConfig{})

	payload := []byte(`"` + strings.Repeat("x", lambdart.MaxPayloadSize-1) + `"`)
	_, err := pool.Invoke(t.Context(), payload)
	if !errors.Is(err, lambdart.ErrRequestTooLarge) {
		t.Fatalf("Invoke with %d bytes: err = %v, want ErrRequestTooLarge", len(payload), err)
	}
	if n := out.count("probe init"); n != 0 {
		t.Errorf("%d environments started for a payload that was refused, want 0", n)
	}
}

// TestInvokeConcurrently counts this binary's child processes, so it does
// not run in parallel with other tests.
func TestInvokeConcurrently(t *testing.T) {
	const (
		invocations = 50
		limit       = 4
	)
	pool, _ := newPool(t, "probe", lambdart.FunctionConfig{MaxEnvironments: limit})

	// Watch the process count while the invocations run.
	done := make(chan struct{})
	peak := make(chan int, 1)
	go func() {
		most := 0
		for range 10000 { // 10000 × 2 ms bounds the watch at ~20 s
			if n, ok := childProcesses(); ok && n > most {
				most = n
			}
			select {
			case <-done:
				peak <- most
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
		peak <- most
	}()

	var wg sync.WaitGroup
	responses := make([]probeResponse, invocations)
	errs := make([]error, invocations)
	for i := range invocations {
		wg.Go(func() {
			payload, _ := json.Marshal(probeRequest{Do: "echo", ID: i + 1, Millis: 20})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			result, err := pool.Invoke(ctx, payload)
			if err == nil {
				err = json.Unmarshal(result.Payload, &responses[i])
			}
			errs[i] = err
		})
	}
	wg.Wait()
	close(done)

	pids := map[int]int{}
	for i, resp := range responses {
		if errs[i] != nil {
			t.Errorf("invocation %d: %v", i+1, errs[i])
			continue
		}
		if resp.ID != i+1 {
			t.Errorf("invocation %d got the response to invocation %d", i+1, resp.ID)
		}
		pids[resp.PID]++
	}

	// Fifty invocations of 20 ms queue up behind four environments, so all
	// four start, and no fifth may.
	if len(pids) != limit {
		t.Errorf("invocations ran in %d processes %v, want exactly %d", len(pids), pids, limit)
	}
	if most := <-peak; most > limit {
		t.Errorf("up to %d function processes ran at once, want at most %d", most, limit)
	}
}

func TestInvokeOutcomes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		req         probeRequest
		wantErr     error
		wantType    string
		wantMessage string // a substring
		wantPayload bool   // the runtime's own error document comes back
		keepsEnv    bool   // the same process serves the next invocation
	}{
		{
			name:        "function error",
			req:         probeRequest{Do: "error", Message: "no item 42"},
			wantErr:     lambdart.ErrFunction,
			wantType:    "notFoundError",
			wantMessage: "no item 42",
			wantPayload: true,
			keepsEnv:    true,
		},
		{
			// The Go runtime library recovers a handler's panic, reports it
			// as the function's error, then exits.
			name:        "panic in the handler",
			req:         probeRequest{Do: "panic", Message: "nil map"},
			wantErr:     lambdart.ErrFunction,
			wantType:    "string",
			wantMessage: "nil map",
			wantPayload: true,
		},
		{
			name:        "panic in another goroutine",
			req:         probeRequest{Do: "crash", Message: "unrecovered"},
			wantErr:     lambdart.ErrRuntimeExited,
			wantType:    "Runtime.ExitError",
			wantMessage: "exit status 2",
		},
		{
			name:        "os.Exit",
			req:         probeRequest{Do: "exit", Code: 7},
			wantErr:     lambdart.ErrRuntimeExited,
			wantType:    "Runtime.ExitError",
			wantMessage: "exit status 7",
		},
		{
			name:        "timeout",
			req:         probeRequest{Do: "sleep", Millis: 20000},
			wantErr:     lambdart.ErrTimeout,
			wantType:    "Sandbox.Timedout",
			wantMessage: "Task timed out after 1.00 seconds",
		},
		{
			// The runtime library exits when its response is refused.
			name:        "response over the limit",
			req:         probeRequest{Do: "big", Bytes: lambdart.MaxPayloadSize},
			wantErr:     lambdart.ErrResponseTooLarge,
			wantType:    "Function.ResponseSizeTooLarge",
			wantMessage: fmt.Sprint(lambdart.MaxPayloadSize),
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pool, _ := newPool(t, "probe", lambdart.FunctionConfig{Timeout: time.Second, MaxEnvironments: 1})
			before, _ := invokeProbe(t, pool, probeRequest{Do: "echo"})

			_, err := invoke(t, pool, tt.req)

			var ie *lambdart.InvokeError
			if !errors.As(err, &ie) || !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want an *InvokeError wrapping %v", err, tt.wantErr)
			}
			if ie.Type != tt.wantType || !strings.Contains(ie.Message, tt.wantMessage) {
				t.Errorf("error type %q, message %q; want type %q, message holding %q",
					ie.Type, ie.Message, tt.wantType, tt.wantMessage)
			}
			if !requestIDRE.MatchString(ie.RequestID) {
				t.Errorf("error's request ID %q is not a version 4 UUID", ie.RequestID)
			}
			if got := jsonField(t, orEmpty(ie.Payload), "errorType"); tt.wantPayload && got != tt.wantType {
				t.Errorf("error document %q: errorType %q, want %q", ie.Payload, got, tt.wantType)
			}

			// The pool recovers: the next invocation succeeds, in the same
			// environment or in a new one once the broken one is gone.
			after, _ := invokeProbe(t, pool, probeRequest{Do: "echo"})
			if tt.keepsEnv {
				if after.PID != before.PID {
					t.Errorf("next invocation ran in process %d, want the warm %d", after.PID, before.PID)
				}
				return
			}
			if after.PID == before.PID {
				t.Errorf("next invocation ran in process %d, want a new environment", after.PID)
			}
			waitGone(t, before.PID)
		})
	}
}

// orEmpty stands in an empty JSON object for a missing document.
func orEmpty(doc []byte) []byte {
	if len(doc) == 0 {
		return []byte("{}")
	}
	return doc
}

func TestTimeoutKillsBeforeReporting(t *testing.T) {
	t.Parallel()
	pool, _ := newPool(t, "probe", lambdart.FunctionConfig{Timeout: time.Second})
	warm, _ := invokeProbe(t, pool, probeRequest{Do: "echo"})

	_, err := invoke(t, pool, probeRequest{Do: "sleep", Millis: 20000})
	if !errors.Is(err, lambdart.ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}

	// No waiting: the pool reaps a timed-out process before it reports.
	if processAlive(warm.PID) {
		t.Errorf("process %d still runs after its invocation timed out", warm.PID)
	}
}

func TestInitFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode        string
		wantType    string
		wantMessage string
		wantOutput  string
	}{
		{
			mode:        "exit",
			wantType:    "Runtime.ExitError",
			wantMessage: "Runtime exited with error: exit status 3",
			wantOutput:  "TABLE_NAME is not set",
		},
		{
			mode:        "report",
			wantType:    "ConfigError",
			wantMessage: "TABLE_NAME is not set",
			wantOutput:  "initfail pid=",
		},
	}

	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			t.Parallel()
			pool, out := newPool(t, "initfail", lambdart.FunctionConfig{
				MaxEnvironments: 1,
				Environment:     map[string]string{"INIT_FAILURE": tt.mode},
			})

			// Each invocation tries a new environment, as Lambda does, and
			// a failed one frees its slot for the next.
			for attempt := 1; attempt <= 2; attempt++ {
				_, err := invoke(t, pool, probeRequest{Do: "echo"})

				var ie *lambdart.InvokeError
				if !errors.As(err, &ie) || !errors.Is(err, lambdart.ErrInit) {
					t.Fatalf("attempt %d: err = %v, want an *InvokeError wrapping ErrInit", attempt, err)
				}
				if ie.Type != tt.wantType || ie.Message != tt.wantMessage {
					t.Errorf("attempt %d: type %q, message %q; want %q, %q",
						attempt, ie.Type, ie.Message, tt.wantType, tt.wantMessage)
				}
			}

			out.waitFor(t, tt.wantOutput)
			for _, line := range out.lines() {
				if strings.Contains(line, "initfail pid=") && processAlive(pidFromLine(t, line)) {
					t.Errorf("the process of %q still runs after its init failed", line)
				}
			}
			if n := out.count("initfail pid="); n != 2 {
				t.Errorf("%d environments started, want 2", n)
			}
		})
	}
}

func TestInvokeReportsInvocationToFunction(t *testing.T) {
	t.Parallel()
	for _, timeout := range []time.Duration{3 * time.Second, 10 * time.Second} {
		t.Run(timeout.String(), func(t *testing.T) {
			t.Parallel()
			pool, _ := newPool(t, "probe", lambdart.FunctionConfig{
				Name:      "orders-api",
				Timeout:   timeout,
				Region:    "eu-west-1",
				AccountID: "111122223333",
			})

			start := time.Now()
			resp, result := invokeProbe(t, pool, probeRequest{Do: "context"})
			end := time.Now()

			// The deadline is the moment of delivery plus the timeout, in
			// whole milliseconds; delivery lies between start and end.
			low, high := start.Add(timeout).UnixMilli(), end.Add(timeout).UnixMilli()
			if resp.DeadlineMs < low || resp.DeadlineMs > high {
				t.Errorf("function's deadline %d ms is not within [%d, %d], the invocation's span plus %v",
					resp.DeadlineMs, low, high, timeout)
			}
			if resp.RequestID != result.RequestID {
				t.Errorf("function saw request ID %q, the caller got %q", resp.RequestID, result.RequestID)
			}
			if want := "arn:aws:lambda:eu-west-1:111122223333:function:orders-api"; resp.FunctionARN != want {
				t.Errorf("function ARN = %q, want %q", resp.FunctionARN, want)
			}
			if !traceIDRE.MatchString(resp.TraceID) {
				t.Errorf("trace ID = %q, want an X-Ray trace header", resp.TraceID)
			}
		})
	}
}

func TestInvokeContextCancellation(t *testing.T) {
	t.Parallel()

	t.Run("while waiting for an environment", func(t *testing.T) {
		t.Parallel()
		pool, out := newPool(t, "probe", lambdart.FunctionConfig{MaxEnvironments: 1})
		warm, _ := invokeProbe(t, pool, probeRequest{Do: "echo"})

		busy := make(chan error, 1)
		go func() {
			_, err := invoke(t, pool, probeRequest{Do: "echo", ID: 1, Millis: 1000})
			busy <- err
		}()
		out.waitFor(t, "handling 1\n")

		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		if _, err := pool.Invoke(ctx, []byte(`{"do":"echo"}`)); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Invoke while the only environment is busy: err = %v, want DeadlineExceeded", err)
		}

		if err := <-busy; err != nil {
			t.Fatalf("the busy invocation: %v", err)
		}
		if after, _ := invokeProbe(t, pool, probeRequest{Do: "echo"}); after.PID != warm.PID {
			t.Errorf("next invocation ran in process %d, want the warm %d", after.PID, warm.PID)
		}
	})

	t.Run("during the invocation", func(t *testing.T) {
		t.Parallel()
		pool, out := newPool(t, "probe", lambdart.FunctionConfig{MaxEnvironments: 1})
		warm, _ := invokeProbe(t, pool, probeRequest{Do: "echo"})

		// Give up once the function has the invocation.
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			out.wait("handling 1\n", 10*time.Second)
			cancel()
		}()
		payload, _ := json.Marshal(probeRequest{Do: "echo", ID: 1, Millis: 300})
		if _, err := pool.Invoke(ctx, payload); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want Canceled", err)
		}

		// As on Lambda, the abandoned invocation finishes in its
		// environment, which then serves the next one.
		after, _ := invokeProbe(t, pool, probeRequest{Do: "echo", ID: 2})
		if after.PID != warm.PID {
			t.Errorf("next invocation ran in process %d, want the warm %d", after.PID, warm.PID)
		}
		if n := out.count("handling 1\n"); n != 1 {
			t.Errorf("the abandoned invocation ran %d times, want 1", n)
		}
	})

	t.Run("during init", func(t *testing.T) {
		t.Parallel()
		pool, out := newPool(t, "probe", lambdart.FunctionConfig{
			MaxEnvironments: 1,
			Environment:     map[string]string{"PROBE_INIT_DELAY_MS": "1000"},
		})

		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		_, err := pool.Invoke(ctx, []byte(`{"do":"echo","id":1}`))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want DeadlineExceeded", err)
		}

		// The withdrawn invocation never runs; the environment it started
		// finishes init and serves the next one.
		invokeProbe(t, pool, probeRequest{Do: "echo", ID: 2})
		if n := out.count("probe init"); n != 1 {
			t.Errorf("%d environments started, want 1", n)
		}
		if n := out.count("handling 1\n"); n != 0 {
			t.Errorf("the withdrawn invocation ran %d times, want 0", n)
		}
	})
}

func TestOutputComesInWholeLines(t *testing.T) {
	t.Parallel()
	pool, out := newPool(t, "probe", lambdart.FunctionConfig{})

	invokeProbe(t, pool, probeRequest{Do: "log", Message: "hello"})
	_, err := invoke(t, pool, probeRequest{Do: "exit", Code: 1, Message: "last words"})
	if !errors.Is(err, lambdart.ErrRuntimeExited) {
		t.Fatalf("err = %v, want ErrRuntimeExited", err)
	}

	// An unfinished last line still arrives, ended by the pool.
	out.waitFor(t, "last words")
	wantLines := []string{"to stdout: hello\n", "to stderr, in two writes: hello\n", "last words\n"}
	for _, want := range wantLines {
		if n := out.count(want); n != 1 {
			t.Errorf("line %q written %d times, want once", want, n)
		}
	}
	for _, line := range out.lines() {
		if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
			t.Errorf("Write(%q) is not one whole line", line)
		}
	}
}

// TestCloseStopsEverything counts this binary's child processes, so it
// does not run in parallel with other tests.
func TestCloseStopsEverything(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	pool, out := newPool(t, "probe", lambdart.FunctionConfig{MaxEnvironments: 4, Timeout: 30 * time.Second})

	// Three environments busy with long invocations, each started while the
	// others are busy, so each in a new environment; then a fourth that
	// answers at once and stays idle.
	busy := make(chan error, 3)
	for i := 1; i <= 3; i++ {
		go func() {
			_, err := invoke(t, pool, probeRequest{Do: "sleep", ID: i, Millis: 20000})
			busy <- err
		}()
	}
	for i := 1; i <= 3; i++ {
		out.waitFor(t, fmt.Sprintf("handling %d\n", i))
	}
	invokeProbe(t, pool, probeRequest{Do: "echo", ID: 4})
	n := waitChildren(t, 4)

	if err := pool.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}

	for range 3 {
		if err := <-busy; !errors.Is(err, lambdart.ErrClosed) {
			t.Errorf("invocation in progress during Close: err = %v, want ErrClosed", err)
		}
	}
	if left, ok := childProcesses(); ok && left != 0 {
		t.Errorf("%d of %d function processes survive Close", left, n)
	}
	if _, err := pool.Invoke(t.Context(), []byte(`{}`)); !errors.Is(err, lambdart.ErrClosed) {
		t.Errorf("Invoke after Close: err = %v, want ErrClosed", err)
	}
	if err := pool.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	goleak.VerifyNone(t, ignore)
}

// waitChildren waits up to 10 s for this test binary to have want child
// processes, and returns how many it has.
func waitChildren(t *testing.T, want int) int {
	t.Helper()
	n := 0
	for range 1000 {
		var ok bool
		if n, ok = childProcesses(); !ok || n >= want {
			return n
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d function processes run, want %d", n, want)
	return n
}
