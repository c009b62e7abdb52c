package lambdart

import (
	"errors"
	"fmt"
)

// Sentinel errors, matched with errors.Is. Invoke returns the first five
// inside an *InvokeError, which also carries Lambda's errorType and message.
var (
	// ErrFunction means the function reported an error through the Runtime
	// API (a handler that returned an error, or one that panicked: the Go
	// runtime library reports the panic, then exits). The environment is
	// kept unless its process exits.
	ErrFunction = errors.New("function returned an error")

	// ErrInit means the environment failed before it asked for its first
	// invocation: the runtime posted an init error, exited, could not be
	// started, or took longer than Lambda's 10 s init limit.
	ErrInit = errors.New("function init failed")

	// ErrTimeout means the invocation ran past the function's timeout. The
	// environment was killed.
	ErrTimeout = errors.New("function timed out")

	// ErrRuntimeExited means the process exited or crashed while it was
	// handling the invocation, without reporting anything.
	ErrRuntimeExited = errors.New("runtime exited during the invocation")

	// ErrResponseTooLarge means the function's response (or the error it
	// reported) was over MaxPayloadSize.
	ErrResponseTooLarge = errors.New("function response too large")

	// ErrRequestTooLarge means the invocation payload was over
	// MaxPayloadSize; no environment saw it.
	ErrRequestTooLarge = errors.New("invocation payload too large")

	// ErrClosed means the pool was closed before or during the invocation.
	ErrClosed = errors.New("pool closed")

	// ErrInvalidConfig means NewPool was given a FunctionConfig it cannot
	// run; the message names the field.
	ErrInvalidConfig = errors.New("invalid function config")
)

// Error types Lambda reports for failures that are not the function's own.
const (
	errorTypeExit     = "Runtime.ExitError"
	errorTypeTimeout  = "Sandbox.Timedout"
	errorTypeEntry    = "Runtime.InvalidEntrypoint"
	errorTypeTooLarge = "Function.ResponseSizeTooLarge"
	errorTypeUnknown  = "Runtime.Unknown"
)

// InvokeError is an invocation that ended without a response: what Lambda's
// Invoke API returns with an X-Amz-Function-Error header.
type InvokeError struct {
	// Err is the kind of failure: ErrFunction, ErrInit, ErrTimeout,
	// ErrRuntimeExited or ErrResponseTooLarge.
	Err error

	// RequestID is the invocation's request ID.
	RequestID string

	// Type is the errorType Lambda reports: the function's own (for Go, the
	// error's type name, such as "errorString") or a platform type such as
	// "Runtime.ExitError" or "Sandbox.Timedout".
	Type string

	// Message is the errorMessage Lambda reports.
	Message string

	// Payload is the error document as the runtime posted it, JSON for the
	// Go runtime library (with a stackTrace after a panic). It is empty for
	// failures the platform detected itself.
	Payload []byte
}

// Error implements error.
func (e *InvokeError) Error() string {
	return fmt.Sprintf("%v (%s): %s", e.Err, e.Type, e.Message)
}

// Unwrap returns Err, so errors.Is matches the sentinel.
func (e *InvokeError) Unwrap() error {
	return e.Err
}

// withRequestID returns a copy of e for the given invocation, so one
// environment-wide failure can be reported to the invocation it ended.
func (e *InvokeError) withRequestID(id string) *InvokeError {
	c := *e
	c.RequestID = id
	return &c
}
