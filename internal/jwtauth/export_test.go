package jwtauth

import "time"

// WithFetchTimeout shortens the fetch timeout so that the tests of a slow
// issuer finish quickly. It exists only in tests: production code always
// fetches with FetchTimeout, which FetchTimeoutOf lets a test confirm.
func WithFetchTimeout(d time.Duration) Option {
	return func(o *options) { o.fetchTimeout = d }
}

// FetchTimeoutOf reports the timeout an authorizer's fetches run with, or 0
// when its keys are local.
func FetchTimeoutOf(a *Authorizer) time.Duration {
	if remote, ok := a.keys.(*remoteKeys); ok {
		return remote.timeout
	}
	return 0
}
