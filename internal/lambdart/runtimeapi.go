package lambdart

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// MaxPayloadSize is the largest invocation payload, and the largest
// response, Lambda accepts for a synchronous invocation: 6 MiB plus 100
// bytes, the figure Lambda and its Runtime Interface Emulator enforce.
const MaxPayloadSize = 6<<20 + 100

// runtimeAPIPrefix is the Runtime API's version path.
const runtimeAPIPrefix = "/2018-06-01/runtime"

// Headers of the Runtime API.
const (
	headerRequestID   = "Lambda-Runtime-Aws-Request-Id"
	headerDeadline    = "Lambda-Runtime-Deadline-Ms"
	headerFunctionARN = "Lambda-Runtime-Invoked-Function-Arn"
	headerTraceID     = "Lambda-Runtime-Trace-Id"
	headerErrorType   = "Lambda-Runtime-Function-Error-Type"
)

// errUndelivered reports an invocation whose environment died before its
// runtime collected it; Invoke gives it to another environment.
var errUndelivered = errors.New("environment ended before receiving the invocation")

// apiError is an error answer of the Runtime API: a status code and the
// JSON document the RIE sends with it.
type apiError struct {
	status  int
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
}

var (
	errShuttingDown = &apiError{
		status:  http.StatusForbidden,
		Type:    "InvalidStateTransition",
		Message: "the execution environment is shutting down",
	}
	errTooLarge = &apiError{
		status:  http.StatusRequestEntityTooLarge,
		Type:    "RequestEntityTooLarge",
		Message: fmt.Sprintf("payload is over the limit of %d bytes", MaxPayloadSize),
	}
	errTruncated = &apiError{
		status:  http.StatusBadRequest,
		Type:    "TruncatedHTTPRequest",
		Message: "the request body ended early",
	}
)

func invalidTransition(format string, args ...any) *apiError {
	return &apiError{
		status:  http.StatusForbidden,
		Type:    "InvalidStateTransition",
		Message: fmt.Sprintf(format, args...),
	}
}

// handleNext serves GET /runtime/invocation/next: it marks the end of init
// or of the previous invocation, then blocks until an invocation is
// assigned and sends it to the runtime.
func (e *environment) handleNext(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	e.mu.Lock()
	switch {
	case e.dead:
		e.mu.Unlock()
		writeAPIError(w, errShuttingDown)
		return

	case e.waiting:
		e.mu.Unlock()
		writeAPIError(w, invalidTransition("a request for the next invocation is already waiting"))
		return

	case e.state == stateBusy:
		// Asked again without answering: like the RIE, send the same
		// invocation again rather than lose it.
		inv := e.current
		e.mu.Unlock()
		e.writeInvocation(w, inv)
		return

	case e.state == stateInit:
		e.stopTimerLocked()
		if e.pending != nil {
			e.pending.initDuration = now.Sub(e.started)
		}

	case e.state == stateAnswered:
		// The invocation is complete only now, so its timeout ends now.
		e.stopTimerLocked()
	}

	// Offer the environment to the pool unless work is already assigned
	// or it was offered before (the runtime asks again after a dropped
	// connection).
	offer := e.state != stateIdle && e.pending == nil
	e.state = stateIdle
	e.waiting = true
	e.mu.Unlock()
	if offer {
		e.hooks.idle(e)
	}

	// Each turn either delivers or waits for a wake-up; it ends when the
	// environment dies or the runtime hangs up.
	for {
		e.mu.Lock()
		inv := e.deliverLocked(time.Now())
		e.mu.Unlock()
		if inv != nil {
			e.writeInvocation(w, inv)
			return
		}

		select {
		case <-e.wake:
		case <-e.dying:
			e.stopWaiting()
			return
		case <-r.Context().Done():
			e.stopWaiting()
			return
		}
	}
}

func (e *environment) stopTimerLocked() {
	if e.timer != nil {
		e.timer.Stop()
	}
}

func (e *environment) stopWaiting() {
	e.mu.Lock()
	e.waiting = false
	e.mu.Unlock()
}

// deliverLocked hands the pending invocation, if any, to the runtime: the
// function's timeout counts from now, as on Lambda.
func (e *environment) deliverLocked(now time.Time) *invocation {
	inv := e.pending
	if inv == nil || e.dead || e.state != stateIdle {
		return nil
	}

	e.pending = nil
	e.current = inv
	e.state = stateBusy
	e.waiting = false
	inv.delivered = now
	inv.deadline = now.Add(e.cfg.Timeout)
	e.timer = time.AfterFunc(e.cfg.Timeout, func() { e.expire(inv) })
	return inv
}

func (e *environment) writeInvocation(w http.ResponseWriter, inv *invocation) {
	h := w.Header()
	h.Set(headerRequestID, inv.id)
	h.Set(headerDeadline, strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	h.Set(headerFunctionARN, e.arn)
	h.Set(headerTraceID, inv.traceID)
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(inv.payload)))
	w.WriteHeader(http.StatusOK)

	// A failed write means the runtime went away; its exit or the
	// timeout will end the invocation.
	_, _ = w.Write(inv.payload)
}

// handleResponse serves POST /runtime/invocation/{id}/response.
func (e *environment) handleResponse(w http.ResponseWriter, r *http.Request) {
	body, tooLarge, err := readPayload(r.Body)
	if err != nil {
		writeAPIError(w, errTruncated)
		return
	}

	e.mu.Lock()
	inv, apiErr := e.answerLocked(r.PathValue("id"))
	var result Result
	if inv != nil {
		result = Result{
			RequestID:    inv.id,
			Payload:      body,
			Duration:     time.Since(inv.delivered),
			InitDuration: inv.initDuration,
		}
	}
	e.mu.Unlock()

	if apiErr != nil {
		writeAPIError(w, apiErr)
		return
	}

	e.hooks.answered(e)
	if tooLarge {
		inv.finish(Result{}, responseTooLarge(inv.id))
		writeAPIError(w, errTooLarge)
		return
	}
	inv.finish(result, nil)
	writeAccepted(w)
}

// handleError serves POST /runtime/invocation/{id}/error: the function's
// own error, which leaves the environment in service.
func (e *environment) handleError(w http.ResponseWriter, r *http.Request) {
	body, tooLarge, err := readPayload(r.Body)
	if err != nil {
		writeAPIError(w, errTruncated)
		return
	}

	e.mu.Lock()
	inv, apiErr := e.answerLocked(r.PathValue("id"))
	e.mu.Unlock()

	if apiErr != nil {
		writeAPIError(w, apiErr)
		return
	}

	e.hooks.answered(e)
	if tooLarge {
		inv.finish(Result{}, responseTooLarge(inv.id))
		writeAPIError(w, errTooLarge)
		return
	}
	errorType, message := describeError(body, r.Header)
	inv.finish(Result{}, &InvokeError{
		Err:       ErrFunction,
		RequestID: inv.id,
		Type:      errorType,
		Message:   message,
		Payload:   body,
	})
	writeAccepted(w)
}

// answerLocked checks that id names the invocation the runtime is working
// on and that it has not answered yet, and records the answer. The checks
// and their codes are the RIE's: an unknown ID is a bad request, a second
// answer an invalid state transition.
func (e *environment) answerLocked(id string) (*invocation, *apiError) {
	if e.current == nil || id != e.current.id {
		return nil, &apiError{
			status:  http.StatusBadRequest,
			Type:    "InvalidRequestID",
			Message: fmt.Sprintf("request ID %q is not the invocation in progress", id),
		}
	}
	if e.dead {
		return nil, errShuttingDown
	}
	if e.state != stateBusy {
		return nil, invalidTransition("invocation %s has already been answered", id)
	}

	// The deadline keeps running until the runtime asks for more work.
	e.state = stateAnswered
	return e.current, nil
}

// handleInitError serves POST /runtime/init/error: the runtime could not
// start. Lambda then discards the environment, so this kills it.
func (e *environment) handleInitError(w http.ResponseWriter, r *http.Request) {
	body, _, err := readPayload(r.Body)
	if err != nil {
		writeAPIError(w, errTruncated)
		return
	}
	errorType, message := describeError(body, r.Header)

	e.mu.Lock()
	if e.dead || e.state != stateInit {
		e.mu.Unlock()
		writeAPIError(w, invalidTransition("init errors are accepted before the first /next only"))
		return
	}
	e.endLocked(&InvokeError{Err: ErrInit, Type: errorType, Message: message, Payload: body})
	e.mu.Unlock()

	// Answer before the kill, so the runtime sees its report accepted.
	writeAccepted(w)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	e.kill()
}

// readPayload reads a body up to MaxPayloadSize and reports whether there
// was more; it never reads more than one byte past the limit.
func readPayload(body io.Reader) (payload []byte, tooLarge bool, err error) {
	payload, err = io.ReadAll(io.LimitReader(body, MaxPayloadSize+1))
	if err != nil {
		return nil, false, err
	}
	if len(payload) > MaxPayloadSize {
		return nil, true, nil
	}
	return payload, false, nil
}

// describeError takes errorType and errorMessage from an error document as
// the Go runtime library posts it. A runtime that sends no type in the
// body may name it in a header instead.
func describeError(body []byte, header http.Header) (errorType, message string) {
	var doc struct {
		Type    string `json:"errorType"`
		Message string `json:"errorMessage"`
	}
	if json.Unmarshal(body, &doc) != nil {
		doc.Message = string(body)
	}

	errorType = doc.Type
	if errorType == "" {
		errorType = header.Get(headerErrorType)
	}
	if errorType == "" {
		errorType = errorTypeUnknown
	}
	return errorType, doc.Message
}

func responseTooLarge(id string) *InvokeError {
	return &InvokeError{
		Err:       ErrResponseTooLarge,
		RequestID: id,
		Type:      errorTypeTooLarge,
		Message:   fmt.Sprintf("response is over the payload limit of %d bytes", MaxPayloadSize),
	}
}

func writeAccepted(w http.ResponseWriter) {
	writeJSON(w, http.StatusAccepted, struct {
		Status string `json:"status"`
	}{"OK"})
}

func writeAPIError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, _ := json.Marshal(v) // plain structs of strings always marshal
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
