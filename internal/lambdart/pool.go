package lambdart

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// maxDeliveries bounds how often one invocation is offered to a warm
// environment that dies before collecting it.
const maxDeliveries = 3

// Pool runs the execution environments of one function. Its methods are
// safe for concurrent use.
type Pool struct {
	cfg  FunctionConfig
	arn  string
	sink *lineSink

	mu     sync.Mutex
	closed bool
	live   int            // environments started or about to be
	idle   []*environment // waiting for work, most recent last
	// returning holds the environments whose runtime has answered and not
	// yet asked for more work. A caller waits for one of them rather than
	// start a new environment: a runtime asks again at once, and sequential
	// calls would otherwise each start a process.
	returning map[*environment]struct{}
	waiters   []chan *environment       // callers waiting, oldest first
	envs      map[*environment]struct{} // started and not yet gone

	// wg counts environments from the moment a slot is granted to their
	// hooks.gone, so that Close can wait for every process and server.
	wg sync.WaitGroup
}

// NewPool checks cfg and returns a pool for it. It starts no process: the
// first Invoke does.
func NewPool(cfg FunctionConfig) (*Pool, error) {
	c, err := cfg.normalized()
	if err != nil {
		return nil, err
	}

	arn := fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s",
		partition(c.Region), c.Region, c.AccountID, c.Name)
	p := &Pool{
		cfg:       c,
		arn:       arn,
		sink:      &lineSink{w: c.Output},
		envs:      map[*environment]struct{}{},
		returning: map[*environment]struct{}{},
	}
	return p, nil
}

// partition returns the AWS partition a region belongs to, for ARNs.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	default:
		return "aws"
	}
}

// Invoke runs the function once with payload (a JSON document) and returns
// its response. It uses an idle environment, or starts one if fewer than
// MaxEnvironments run, or waits for one to become free. Unlike Lambda, it
// also waits rather than start one when an environment has just answered
// and is about to ask for work again: sequential calls then share one warm
// process instead of each starting another.
//
// Every outcome other than a response is an error: an *InvokeError wrapping
// ErrFunction, ErrInit, ErrTimeout, ErrRuntimeExited or
// ErrResponseTooLarge; ErrRequestTooLarge; ErrClosed; or ctx's error. When
// ctx ends before the runtime has received the invocation, it is withdrawn
// and the environment stays in service; once received, it runs on in its
// environment (bounded by the timeout, as on Lambda) while Invoke returns.
//
// Invoke keeps no reference to payload after it returns.
func (p *Pool) Invoke(ctx context.Context, payload []byte) (Result, error) {
	if len(payload) > MaxPayloadSize {
		return Result{}, fmt.Errorf("%w: %d bytes, the limit is %d",
			ErrRequestTooLarge, len(payload), MaxPayloadSize)
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}

	id := newRequestID()
	traceID := newTraceID(time.Now())
	payload = bytes.Clone(payload)

	// More than one turn only when a warm environment died between offering
	// itself and collecting the invocation, which it then never saw.
	for range maxDeliveries {
		inv := newInvocation(id, traceID, payload)
		e, err := p.acquire(ctx, inv)
		if err != nil {
			return Result{}, err
		}

		select {
		case <-inv.done:
		case <-ctx.Done():
			e.withdraw(inv)
			return Result{}, ctx.Err()
		}
		if inv.err != errUndelivered {
			return inv.result, inv.err
		}
	}
	return Result{}, &InvokeError{
		Err:       ErrRuntimeExited,
		RequestID: id,
		Type:      errorTypeExit,
		Message:   fmt.Sprintf("%d environments exited before receiving the invocation", maxDeliveries),
	}
}

// acquire finds an environment for inv and assigns inv to it: an idle one,
// a new one if the limit allows, or the next one freed.
func (p *Pool) acquire(ctx context.Context, inv *invocation) (*environment, error) {
	// Each turn takes an environment, starts one, or waits; it repeats only
	// when the environment it got had died in the meantime.
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, ErrClosed
		}
		if n := len(p.idle); n > 0 {
			e := p.idle[n-1]
			p.idle = p.idle[:n-1]
			p.mu.Unlock()
			if e.assign(inv) {
				return e, nil
			}
			continue
		}
		if p.live < p.cfg.MaxEnvironments && len(p.returning) <= len(p.waiters) {
			p.live++
			p.wg.Add(1)
			p.mu.Unlock()
			return p.spawn(inv)
		}

		// Wait in line. A handed-over nil is a free slot to start one in.
		w := make(chan *environment, 1)
		p.waiters = append(p.waiters, w)
		p.mu.Unlock()

		select {
		case e, ok := <-w:
			switch {
			case !ok:
				return nil, ErrClosed
			case e == nil:
				return p.spawn(inv)
			case e.assign(inv):
				return e, nil
			}
		case <-ctx.Done():
			p.abandon(w)
			return nil, ctx.Err()
		}
	}
}

// abandon takes a waiter that gave up out of line, passing on whatever was
// handed to it in the meantime.
func (p *Pool) abandon(w chan *environment) {
	p.mu.Lock()
	if i := slices.Index(p.waiters, w); i >= 0 {
		p.waiters = slices.Delete(p.waiters, i, i+1)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()

	// Not in line any more, so w holds a hand-over or was closed by Close.
	e, ok := <-w
	switch {
	case !ok:
	case e == nil:
		p.mu.Lock()
		p.live--
		p.grantLocked()
		p.mu.Unlock()
		p.wg.Done()
	default:
		p.offer(e)
	}
}

// spawn starts an environment in a slot already counted in live and wg,
// with inv as its first invocation.
func (p *Pool) spawn(inv *invocation) (*environment, error) {
	hooks := envHooks{idle: p.offer, answered: p.answered, gone: p.gone}
	e := newEnvironment(&p.cfg, p.arn, p.sink, hooks, inv)
	if err := e.start(); err != nil {
		p.mu.Lock()
		p.live--
		p.grantLocked()
		p.mu.Unlock()
		p.wg.Done()

		if ie, ok := err.(*InvokeError); ok {
			return nil, ie.withRequestID(inv.id)
		}
		return nil, err
	}

	// Close may have run while the process started; it could not see it.
	p.mu.Lock()
	closed := p.closed
	if !closed {
		p.envs[e] = struct{}{}
	}
	p.mu.Unlock()
	if closed {
		e.shutdown()
	}
	return e, nil
}

// answered notes an environment whose runtime will soon ask for work.
func (p *Pool) answered(e *environment) {
	p.mu.Lock()
	defer p.mu.Unlock()

	if !p.closed {
		p.returning[e] = struct{}{}
	}
}

// offer takes an environment whose runtime waits for work: the first
// caller in line gets it, or it joins the idle ones.
func (p *Pool) offer(e *environment) {
	p.mu.Lock()
	defer p.mu.Unlock()

	delete(p.returning, e)
	if p.closed {
		return
	}
	if len(p.waiters) > 0 {
		w := p.waiters[0]
		p.waiters = p.waiters[1:]
		w <- e
		return
	}
	p.idle = append(p.idle, e)
}

// gone forgets an environment that has ended, and lets the first caller in
// line start another in its place.
func (p *Pool) gone(e *environment) {
	p.mu.Lock()
	delete(p.envs, e)
	delete(p.returning, e)
	if i := slices.Index(p.idle, e); i >= 0 {
		p.idle = slices.Delete(p.idle, i, i+1)
	}
	p.live--
	p.grantLocked()
	p.mu.Unlock()

	p.wg.Done()
}

// grantLocked hands a free slot to the first caller in line, if any.
func (p *Pool) grantLocked() {
	if p.closed || len(p.waiters) == 0 || p.live >= p.cfg.MaxEnvironments {
		return
	}
	p.live++
	p.wg.Add(1)
	w := p.waiters[0]
	p.waiters = p.waiters[1:]
	w <- nil
}

// Close stops every environment: it kills the processes (and whatever they
// started), closes their Runtime API servers and waits for all of it.
// Invocations in progress and callers waiting for an environment get
// ErrClosed, and so does every later Invoke. Close may be called more than
// once; it always returns nil.
func (p *Pool) Close() error {
	p.mu.Lock()
	var waiters []chan *environment
	var envs []*environment
	if !p.closed {
		p.closed = true
		waiters, p.waiters = p.waiters, nil
		envs = slices.Collect(maps.Keys(p.envs))
		p.idle = nil
	}
	p.mu.Unlock()

	for _, w := range waiters {
		close(w)
	}
	for _, e := range envs {
		e.shutdown()
	}
	p.wg.Wait()
	return nil
}
