// Command probe is a test function whose payload says what to do, so that
// one executable can show every outcome the emulator must tell apart and
// report what the function sees of its environment.
//
// At start it prints "probe init pid=N"; PROBE_INIT_DELAY_MS delays its
// first request for work. For every invocation it prints "handling ID".
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// request is the payload: Do names the action, the other fields are its
// arguments.
type request struct {
	Do      string `json:"do"`
	ID      int    `json:"id"`
	Millis  int    `json:"millis"`
	Code    int    `json:"code"`
	Bytes   int    `json:"bytes"`
	Message string `json:"message"`
}

// response tells the test what the function saw.
type response struct {
	PID         int               `json:"pid"`
	ID          int               `json:"id"`
	Env         map[string]string `json:"env,omitempty"`
	Cwd         string            `json:"cwd,omitempty"`
	RequestID   string            `json:"requestId,omitempty"`
	FunctionARN string            `json:"functionArn,omitempty"`
	DeadlineMs  int64             `json:"deadlineMs,omitempty"`
	TraceID     string            `json:"traceId,omitempty"`
	Data        string            `json:"data,omitempty"`
}

// notFoundError gives the reported errorType a recognisable name.
type notFoundError struct{ message string }

func (e notFoundError) Error() string { return e.message }

func handle(ctx context.Context, req request) (response, error) {
	fmt.Printf("handling %d\n", req.ID)
	resp := response{PID: os.Getpid(), ID: req.ID}

	switch req.Do {
	case "echo":
		time.Sleep(time.Duration(req.Millis) * time.Millisecond)

	case "env":
		resp.Env = map[string]string{}
		for _, kv := range os.Environ() {
			key, value, _ := strings.Cut(kv, "=")
			resp.Env[key] = value
		}
		resp.Cwd, _ = os.Getwd()

	case "context":
		lc, _ := lambdacontext.FromContext(ctx)
		deadline, _ := ctx.Deadline()
		resp.RequestID = lc.AwsRequestID
		resp.FunctionARN = lc.InvokedFunctionArn
		resp.DeadlineMs = deadline.UnixMilli()
		resp.TraceID, _ = ctx.Value("x-amzn-trace-id").(string)

	case "error":
		return resp, notFoundError{req.Message}

	case "panic":
		panic(req.Message)

	case "crash":
		// A panic outside the handler's goroutine: nothing recovers it.
		go func() { panic(req.Message) }()
		time.Sleep(time.Minute)

	case "exit":
		fmt.Print(req.Message) // no newline: the emulator must still pass it on
		os.Exit(req.Code)

	case "sleep":
		// Ignores ctx on purpose, like a handler stuck in a call.
		time.Sleep(time.Duration(req.Millis) * time.Millisecond)

	case "big":
		resp.Data = strings.Repeat("x", req.Bytes)

	case "log":
		fmt.Println("to stdout: " + req.Message)
		fmt.Fprint(os.Stderr, "to stderr, ")
		fmt.Fprintln(os.Stderr, "in two writes: "+req.Message)

	default:
		return resp, fmt.Errorf("unknown action %q", req.Do)
	}
	return resp, nil
}

func main() {
	fmt.Printf("probe init pid=%d\n", os.Getpid())
	if ms, err := strconv.Atoi(os.Getenv("PROBE_INIT_DELAY_MS")); err == nil {
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}
	lambda.Start(handle)
}
