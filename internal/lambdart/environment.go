package lambdart

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// initTimeout is Lambda's limit on the init phase of an on-demand function:
// the time from starting the runtime to its first request for work.
const initTimeout = 10 * time.Second

// waitDelay bounds how long reaping a process waits for its output pipe to
// close once the process has exited: a child the function left behind may
// hold the pipe open.
const waitDelay = time.Second

// envState is where an environment's runtime stands in the Runtime API's
// cycle: init, then next, invocation, answer, next, and so on.
type envState int

const (
	// stateInit: the process runs but has not asked for work yet.
	stateInit envState = iota
	// stateIdle: the runtime has asked for work (or will again at once).
	stateIdle
	// stateBusy: the runtime has received an invocation and not answered.
	stateBusy
	// stateAnswered: the runtime has answered and not asked for more work.
	stateAnswered
)

// envHooks connect an environment to its pool. Neither is called with the
// environment's lock held.
type envHooks struct {
	// idle is called when the runtime waits for work and none is assigned.
	idle func(*environment)
	// answered is called when the runtime has answered an invocation, just
	// before the caller learns the outcome: the environment will soon ask
	// for work again.
	answered func(*environment)
	// gone is called last, once the process is reaped and the server stopped.
	gone func(*environment)
}

// environment is one execution environment: a process of the function's
// executable and the Runtime API server it talks to. It takes one
// invocation at a time through assign; the runtime collects it with /next.
type environment struct {
	cfg       *FunctionConfig
	arn       string
	hooks     envHooks
	output    *lineWriter
	logStream string
	initLimit time.Duration // initTimeout; shorter in tests
	mux       *http.ServeMux

	mu      sync.Mutex
	state   envState
	dead    bool        // takes no more work: killed, exiting or failed
	fate    error       // why it died, when the platform decided it
	pending *invocation // assigned and not yet collected by the runtime
	current *invocation // the invocation the runtime received last
	waiting bool        // a /next request is blocked in the server
	timer   *time.Timer // the init limit, then the current invocation's
	started time.Time
	cmd     *exec.Cmd
	exited  bool // the process has been reaped
	serving bool // handlers may start; false once the server stops

	wake      chan struct{} // capacity 1: an invocation was assigned
	dying     chan struct{} // closed when the environment starts to end
	dyingOnce sync.Once

	srv      *http.Server
	served   chan struct{} // closed when srv.Serve has returned
	handlers sync.WaitGroup
}

// newEnvironment returns an environment that will run first as soon as its
// runtime asks for work. It starts nothing: see start.
func newEnvironment(cfg *FunctionConfig, arn string, sink *lineSink, hooks envHooks,
	first *invocation) *environment {

	e := &environment{
		cfg:       cfg,
		arn:       arn,
		hooks:     hooks,
		output:    &lineWriter{sink: sink},
		logStream: newLogStreamName(time.Now()),
		initLimit: initTimeout,
		pending:   first,
		serving:   true,
		wake:      make(chan struct{}, 1),
		dying:     make(chan struct{}),
		served:    make(chan struct{}),
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET "+runtimeAPIPrefix+"/invocation/next", e.handleNext)
	mux.HandleFunc("POST "+runtimeAPIPrefix+"/invocation/{id}/response", e.handleResponse)
	mux.HandleFunc("POST "+runtimeAPIPrefix+"/invocation/{id}/error", e.handleError)
	mux.HandleFunc("POST "+runtimeAPIPrefix+"/init/error", e.handleInitError)
	e.mux = mux
	return e
}

// start opens the Runtime API on a free loopback port and starts the
// process. When it fails, nothing is left running and hooks are not called.
func (e *environment) start() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("opening the runtime API on 127.0.0.1: %w", err)
	}

	// The server's own log would print to stderr; a library stays silent.
	e.srv = &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go func() {
		defer close(e.served)
		_ = e.srv.Serve(ln)
	}()

	// Stdout and stderr share one writer, so os/exec gives them one pipe
	// and their lines keep the order the function wrote them in.
	cmd := exec.Command(e.cfg.Executable)
	cmd.Dir = filepath.Dir(e.cfg.Executable)
	cmd.Env = processEnvironment(e.cfg, ln.Addr().String(), e.logStream)
	cmd.Stdout = e.output
	cmd.Stderr = e.output
	cmd.WaitDelay = waitDelay
	configureProcess(cmd)

	// The lock keeps kill from reading cmd before the process exists.
	e.mu.Lock()
	e.started = time.Now()
	if err := cmd.Start(); err != nil {
		e.dead = true
		e.mu.Unlock()
		e.closeDying()
		e.stopServer()
		return &InvokeError{Err: ErrInit, Type: errorTypeEntry, Message: err.Error()}
	}
	e.cmd = cmd
	e.timer = time.AfterFunc(e.initLimit, e.initExpired)
	e.mu.Unlock()

	go e.reap()
	return nil
}

// assign hands inv to the environment. It reports false when the
// environment died or already has work, and then inv was not taken.
func (e *environment) assign(inv *invocation) bool {
	e.mu.Lock()
	if e.dead || e.pending != nil {
		e.mu.Unlock()
		return false
	}
	e.pending = inv
	e.mu.Unlock()

	select {
	case e.wake <- struct{}{}:
	default: // a wake-up is already waiting to be seen
	}
	return true
}

// withdraw takes inv back if the runtime has not collected it yet, and
// offers an idle environment to the pool again. An invocation the runtime
// has received runs on, as on Lambda, which does not stop a function when
// its caller goes away; its timeout still bounds it.
func (e *environment) withdraw(inv *invocation) {
	e.mu.Lock()
	if e.pending != inv {
		e.mu.Unlock()
		return
	}
	e.pending = nil
	idle := e.state == stateIdle && !e.dead
	e.mu.Unlock()

	// An environment still in init offers itself when it first asks for work.
	if idle {
		e.hooks.idle(e)
	}
}

// shutdown ends the environment for the pool's Close.
func (e *environment) shutdown() {
	e.end(ErrClosed)
}

// end kills the environment; fate is what its unfinished invocation, if any,
// will be told, unless an earlier fate was already decided.
func (e *environment) end(fate error) {
	e.mu.Lock()
	e.endLocked(fate)
	e.mu.Unlock()
	e.kill()
}

func (e *environment) endLocked(fate error) {
	if e.fate == nil {
		e.fate = fate
	}
	e.dead = true
}

// kill stops the process and everything it started, and wakes a runtime
// blocked in /next. It may be called any number of times.
func (e *environment) kill() {
	e.closeDying()

	e.mu.Lock()
	cmd, exited := e.cmd, e.exited
	e.mu.Unlock()
	if cmd != nil && !exited {
		killProcessGroup(cmd.Process)
	}
}

func (e *environment) closeDying() {
	e.dyingOnce.Do(func() { close(e.dying) })
}

// initExpired ends an environment whose runtime has not asked for work
// within Lambda's init limit.
func (e *environment) initExpired() {
	e.mu.Lock()
	if e.state != stateInit || e.dead {
		e.mu.Unlock()
		return
	}
	e.endLocked(&InvokeError{
		Err:     ErrInit,
		Type:    errorTypeTimeout,
		Message: fmt.Sprintf("Init timed out after %.2f seconds", e.initLimit.Seconds()),
	})
	e.mu.Unlock()
	e.kill()
}

// expire ends an environment whose runtime has not answered inv by its
// deadline: Lambda kills the environment of a function that times out. An
// invocation counts until the runtime asks for more work, so a runtime that
// answered in time but keeps working past the deadline is killed too; its
// caller already has the answer.
func (e *environment) expire(inv *invocation) {
	e.mu.Lock()
	if e.current != inv || e.dead || (e.state != stateBusy && e.state != stateAnswered) {
		e.mu.Unlock()
		return
	}
	e.endLocked(&InvokeError{
		Err:     ErrTimeout,
		Type:    errorTypeTimeout,
		Message: fmt.Sprintf("Task timed out after %.2f seconds", e.cfg.Timeout.Seconds()),
	})
	e.mu.Unlock()
	e.kill()
}

// reap waits for the process to end, then takes the environment down and
// reports the end to the invocation it was running or about to run. It
// reports last, so that a caller told of a crash or timeout finds the
// process gone.
func (e *environment) reap() {
	waitErr := e.cmd.Wait()

	e.mu.Lock()
	e.exited = true
	e.mu.Unlock()

	// Sweep what the function started and left behind, as Lambda freezes
	// and later discards the whole sandbox. A group keeps its ID while any
	// member lives; with none left, the kill finds nothing.
	killProcessGroup(e.cmd.Process)
	e.output.flush()

	e.mu.Lock()
	e.dead = true
	e.timer.Stop()
	inv, err := e.outcomeLocked(waitErr)
	e.pending = nil
	e.mu.Unlock()

	e.closeDying()
	e.stopServer()
	if inv != nil {
		inv.finish(Result{}, err)
	}
	e.hooks.gone(e)
}

// outcomeLocked names the invocation the process's end leaves unanswered,
// if any, and what to tell it.
func (e *environment) outcomeLocked(waitErr error) (*invocation, error) {
	var inv *invocation
	switch {
	case e.state == stateBusy:
		inv = e.current
	case e.pending != nil:
		inv = e.pending
	default:
		return nil, nil
	}

	if ie, ok := e.fate.(*InvokeError); ok {
		return inv, ie.withRequestID(inv.id)
	}
	if e.fate != nil {
		return inv, e.fate
	}

	message := "Runtime exited without providing a reason"
	if waitErr != nil {
		message = "Runtime exited with error: " + waitErr.Error()
	}
	switch {
	case inv == e.current:
		return inv, &InvokeError{Err: ErrRuntimeExited, RequestID: inv.id, Type: errorTypeExit,
			Message: message}
	case e.state == stateInit:
		return inv, &InvokeError{Err: ErrInit, RequestID: inv.id, Type: errorTypeExit,
			Message: message}
	default:
		// A warm runtime died before collecting inv: it never saw it.
		return inv, errUndelivered
	}
}

// stopServer closes the Runtime API and waits for its handlers to return.
// Blocked /next handlers return because dying is closed first.
func (e *environment) stopServer() {
	e.mu.Lock()
	e.serving = false
	e.mu.Unlock()

	_ = e.srv.Close()
	<-e.served
	e.handlers.Wait()
}

// ServeHTTP serves the Runtime API, counting handlers so that stopServer
// can wait for them.
func (e *environment) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	if !e.serving {
		e.mu.Unlock()
		writeAPIError(w, errShuttingDown)
		return
	}
	e.handlers.Add(1)
	e.mu.Unlock()

	defer e.handlers.Done()
	e.mux.ServeHTTP(w, r)
}
