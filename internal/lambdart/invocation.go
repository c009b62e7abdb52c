package lambdart

import (
	"sync"
	"time"
)

// Result is an invocation that ended with a response.
type Result struct {
	// RequestID is the invocation's request ID, as the function saw it.
	RequestID string

	// Payload is the response body the runtime posted.
	Payload []byte

	// Duration is the time from the runtime receiving the invocation to its
	// response: Lambda's billed Duration before rounding.
	Duration time.Duration

	// InitDuration is how long the environment took to start, from launching
	// its process to its first request for work, when this invocation
	// started it (a cold start). It is zero on a warm environment.
	InitDuration time.Duration
}

// invocation is one request on its way through an environment. Its fields
// up to done are fixed before it is handed over; delivered, deadline and
// initDuration belong to the environment's lock; result and err are
// written once, before done is closed.
type invocation struct {
	id      string
	traceID string
	payload []byte

	delivered    time.Time
	deadline     time.Time
	initDuration time.Duration

	once   sync.Once
	done   chan struct{}
	result Result
	err    error
}

func newInvocation(id, traceID string, payload []byte) *invocation {
	return &invocation{id: id, traceID: traceID, payload: payload, done: make(chan struct{})}
}

// finish records the outcome. Only the first call counts: an environment
// that dies just after its runtime answered must not overwrite the answer.
func (inv *invocation) finish(result Result, err error) {
	inv.once.Do(func() {
		inv.result = result
		inv.err = err
		close(inv.done)
	})
}
