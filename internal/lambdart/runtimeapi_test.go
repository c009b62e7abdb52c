package lambdart

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// These tests drive one environment's Runtime API by hand, as a runtime
// would, without a process: the status codes and documents a runtime gets
// back are the protocol.

const testARN = "arn:aws:lambda:us-east-1:123456789012:function:fn"

// bareEnvironment is an environment served on loopback with no process;
// offered receives it whenever its runtime waits for work.
func bareEnvironment(t *testing.T, first *invocation) (*environment, string, chan *environment) {
	t.Helper()
	offered := make(chan *environment, 4)
	cfg := &FunctionConfig{Name: "fn", Timeout: time.Minute}
	hooks := envHooks{
		idle:     func(e *environment) { offered <- e },
		answered: func(*environment) {},
		gone:     func(*environment) {},
	}
	e := newEnvironment(cfg, testARN, &lineSink{w: io.Discard}, hooks, first)

	srv := httptest.NewServer(e)
	t.Cleanup(func() {
		e.closeDying()
		srv.Close()
		e.mu.Lock()
		if e.timer != nil {
			e.timer.Stop()
		}
		e.mu.Unlock()
	})
	return e, srv.URL + runtimeAPIPrefix, offered
}

// apiCall is one request of a runtime and what it should get back.
type apiCall struct {
	name       string
	method     string
	path       string // under /2018-06-01/runtime
	body       string
	header     http.Header
	wantStatus int
	wantType   string // errorType of an error answer
}

func (c apiCall) run(t *testing.T, base string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), c.method, base+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	for key, values := range c.header {
		req.Header[key] = values
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()

	if resp.StatusCode != c.wantStatus {
		t.Fatalf("%s %s: status %d (%s), want %d", c.method, c.path, resp.StatusCode, body, c.wantStatus)
	}
	var doc struct {
		Status string `json:"status"`
		Type   string `json:"errorType"`
	}
	_ = json.Unmarshal(body, &doc)
	if c.wantStatus == http.StatusAccepted && doc.Status != "OK" {
		t.Errorf("%s %s: accepted with %s, want {\"status\":\"OK\"}", c.method, c.path, body)
	}
	if doc.Type != c.wantType {
		t.Errorf("%s %s: errorType %q (%s), want %q", c.method, c.path, doc.Type, body, c.wantType)
	}
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	return resp
}

// checkDelivery checks that a /next answer carries inv.
func checkDelivery(t *testing.T, e *environment, resp *http.Response, inv *invocation) {
	t.Helper()
	e.mu.Lock()
	wantDeadline := inv.delivered.Add(e.cfg.Timeout).UnixMilli()
	e.mu.Unlock()

	h := resp.Header
	if got := h.Get("Lambda-Runtime-Aws-Request-Id"); got != inv.id {
		t.Errorf("request ID header = %q, want %q", got, inv.id)
	}
	if got := h.Get("Lambda-Runtime-Invoked-Function-Arn"); got != testARN {
		t.Errorf("function ARN header = %q, want %q", got, testARN)
	}
	if got := h.Get("Lambda-Runtime-Trace-Id"); got != inv.traceID {
		t.Errorf("trace ID header = %q, want %q", got, inv.traceID)
	}
	deadline, err := strconv.ParseInt(h.Get("Lambda-Runtime-Deadline-Ms"), 10, 64)
	if err != nil || deadline != wantDeadline {
		t.Errorf("deadline header = %q, want %d (delivery plus the timeout)",
			h.Get("Lambda-Runtime-Deadline-Ms"), wantDeadline)
	}
	if body, _ := io.ReadAll(resp.Body); string(body) != string(inv.payload) {
		t.Errorf("payload = %q, want %q", body, inv.payload)
	}
}

// nextAsync asks for the next invocation in the background, as a runtime
// blocked in /next does.
func nextAsync(t *testing.T, base string) <-chan *http.Response {
	t.Helper()
	ch := make(chan *http.Response, 1)
	go func() {
		defer close(ch)
		resp, err := http.Get(base + "/invocation/next")
		if err != nil {
			t.Errorf("GET /invocation/next: %v", err)
			return
		}
		ch <- resp
	}()
	return ch
}

func TestRuntimeAPICycle(t *testing.T) {
	first := newInvocation("a1b2c3d4-0000-4000-8000-000000000001", "Root=1", []byte(`{"n":1}`))
	e, base, offered := bareEnvironment(t, first)
	responsePath := "/invocation/" + first.id + "/response"

	// Before any invocation, no request ID is valid.
	apiCall{"early response", "POST", responsePath, `"x"`, nil, 400, "InvalidRequestID"}.run(t, base)

	// The first /next ends init and delivers the assigned invocation.
	resp := apiCall{"first next", "GET", "/invocation/next", "", nil, 200, ""}.run(t, base)
	checkDelivery(t, e, resp, first)

	calls := []apiCall{
		{"next without answering re-delivers", "GET", "/invocation/next", "", nil, 200, ""},
		{"init error after init", "POST", "/init/error", `{}`, nil, 403, "InvalidStateTransition"},
		{"response, other ID", "POST", "/invocation/other/response", `"x"`, nil, 400, "InvalidRequestID"},
		{"response", "POST", responsePath, `"ok"`, nil, 202, ""},
		{"second response", "POST", responsePath, `"again"`, nil, 403, "InvalidStateTransition"},
		{"error after the response", "POST", "/invocation/" + first.id + "/error", `{}`, nil, 403,
			"InvalidStateTransition"},
		{"unknown path", "GET", "/nothing", "", nil, 404, ""},
		{"wrong method", "GET", responsePath, "", nil, 405, ""},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) { c.run(t, base) })
	}

	<-first.done
	if first.err != nil || string(first.result.Payload) != `"ok"` || first.result.RequestID != first.id {
		t.Errorf("first invocation ended with %+v, %v; want payload \"ok\"", first.result, first.err)
	}

	// The next /next offers the environment to the pool, and delivers
	// what the pool then assigns.
	t.Run("function error", func(t *testing.T) {
		next := nextAsync(t, base)
		<-offered
		second := newInvocation("a1b2c3d4-0000-4000-8000-000000000002", "Root=2", []byte(`{"n":2}`))
		if !e.assign(second) {
			t.Fatal("assign to an idle environment failed")
		}
		checkDelivery(t, e, <-next, second)

		header := http.Header{"Lambda-Runtime-Function-Error-Type": {"Function.Other"}}
		body := `{"errorType":"notFoundError","errorMessage":"no item 42"}`
		apiCall{"error", "POST", "/invocation/" + second.id + "/error", body, header, 202, ""}.run(t, base)

		<-second.done
		var ie *InvokeError
		if !errors.As(second.err, &ie) || ie.Err != ErrFunction || ie.Type != "notFoundError" ||
			ie.Message != "no item 42" || string(ie.Payload) != body {
			t.Errorf("second invocation ended with %v, want the posted function error", second.err)
		}
	})

	t.Run("response over the limit", func(t *testing.T) {
		next := nextAsync(t, base)
		<-offered
		third := newInvocation("a1b2c3d4-0000-4000-8000-000000000003", "Root=3", []byte(`{"n":3}`))
		e.assign(third)
		checkDelivery(t, e, <-next, third)

		body := strings.Repeat("x", MaxPayloadSize+1)
		apiCall{"big response", "POST", "/invocation/" + third.id + "/response", body, nil, 413,
			"RequestEntityTooLarge"}.run(t, base)

		<-third.done
		if !errors.Is(third.err, ErrResponseTooLarge) {
			t.Errorf("third invocation ended with %v, want ErrResponseTooLarge", third.err)
		}
	})
}

func TestRuntimeAPIInitError(t *testing.T) {
	first := newInvocation("a1b2c3d4-0000-4000-8000-000000000001", "Root=1", []byte(`{}`))
	e, base, _ := bareEnvironment(t, first)

	// A runtime may name the error type in a header only.
	header := http.Header{"Lambda-Runtime-Function-Error-Type": {"Runtime.MissingConfig"}}
	body := `{"errorMessage":"TABLE_NAME is not set"}`
	apiCall{"init error", "POST", "/init/error", body, header, 202, ""}.run(t, base)
	calls := []apiCall{
		{"second init error", "POST", "/init/error", body, header, 403, "InvalidStateTransition"},
		{"next after init error", "GET", "/invocation/next", "", nil, 403, "InvalidStateTransition"},
	}
	for _, c := range calls {
		c.run(t, base)
	}

	// What the pool's reaper reports once the process is gone.
	e.mu.Lock()
	inv, err := e.outcomeLocked(nil)
	e.mu.Unlock()
	var ie *InvokeError
	if inv != first || !errors.As(err, &ie) || ie.Err != ErrInit || ie.RequestID != first.id ||
		ie.Type != "Runtime.MissingConfig" || ie.Message != "TABLE_NAME is not set" {
		t.Errorf("outcome for %v: %v; want the posted init error for the first invocation", inv, err)
	}
}
