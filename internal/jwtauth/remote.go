package jwtauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// remoteKeys finds an issuer's keys through OpenID discovery and its JWKS,
// and caches them.
//
// This small fetcher is written here rather than taken from keyfunc/jwkset,
// because the quotas it must honour are not reachable through their options:
// jwkset reads a JWKS body whole with no size cap (API Gateway fails one over
// 150,000 bytes), has no OpenID discovery step, refreshes on its own
// goroutines by the wall clock (so neither the 2-hour key age nor the bounded
// refetch can be tested against an injected clock), and its JWK validation
// may follow an x5u URL found in a JWKS with a one-minute timeout, which an
// authorizer bounded to 1500 ms per fetch must never do.
type remoteKeys struct {
	discoveryURL string
	client       *http.Client
	timeout      time.Duration
	now          func() time.Time

	// fetching is held while a fetch runs, so that requests missing the same
	// key wait for one fetch instead of starting their own.
	fetching sync.Mutex

	mu        sync.RWMutex
	set       keySet
	fetchedAt time.Time // when set was fetched; zero until a fetch succeeds
	triedAt   time.Time // when the last fetch began, whether or not it succeeded
}

// keysFor returns the keys published under kid. Cached keys serve until they
// are MaxKeyAge old. An unknown kid, or stale keys, lead to a fetch, but never
// to more than one per RefetchInterval, whatever the outcome of the last.
func (r *remoteKeys) keysFor(ctx context.Context, kid string) ([]publicKey, error) {
	if keys, ok := r.cached(kid); ok {
		return keys, nil
	}

	// Wait for any fetch under way, then look again: it may have brought
	// the key.
	r.fetching.Lock()
	defer r.fetching.Unlock()
	if keys, ok := r.cached(kid); ok {
		return keys, nil
	}

	// Bound the rate of fetches.
	now := r.now()
	r.mu.Lock()
	fresh := r.isFresh(now)
	if !r.triedAt.IsZero() && now.Sub(r.triedAt) < RefetchInterval {
		since := now.Sub(r.triedAt)
		r.mu.Unlock()
		if !fresh {
			return nil, fmt.Errorf("%w: no current keys, and the last fetch was %s ago "+
				"(fetches are at least %s apart)", ErrKeysUnavailable, since, RefetchInterval)
		}
		return nil, fmt.Errorf("%w: no key has kid %q, and the keys were fetched %s ago "+
			"(fetches are at least %s apart)", ErrUnknownKey, kid, since, RefetchInterval)
	}
	r.triedAt = now
	r.mu.Unlock()

	// Fetch. The fetch serves every request waiting on it, so it must not
	// end because the request that started it was cancelled.
	set, err := r.fetch(context.WithoutCancel(ctx))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeysUnavailable, err)
	}
	r.mu.Lock()
	r.set, r.fetchedAt = set, now
	r.mu.Unlock()

	if keys := set[kid]; len(keys) > 0 {
		return keys, nil
	}
	return nil, fmt.Errorf("%w: no key has kid %q in the JWKS just fetched", ErrUnknownKey, kid)
}

// cached returns the cached keys for kid while they are fresh.
func (r *remoteKeys) cached(kid string) ([]publicKey, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if !r.isFresh(r.now()) {
		return nil, false
	}
	keys := r.set[kid]
	return keys, len(keys) > 0
}

// isFresh reports whether the cached keys may still be used. r.mu is held.
func (r *remoteKeys) isFresh(now time.Time) bool {
	return !r.fetchedAt.IsZero() && now.Sub(r.fetchedAt) < MaxKeyAge
}

// fetch reads the discovery document, then the JWKS it names.
func (r *remoteKeys) fetch(ctx context.Context) (keySet, error) {
	body, err := r.get(ctx, r.discoveryURL)
	if err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	var discovery map[string]json.RawMessage
	if err := json.Unmarshal(body, &discovery); err != nil || discovery == nil {
		return nil, fmt.Errorf("discovery: %s: expected a JSON object, found %s",
			r.discoveryURL, describeJSON(body, err))
	}
	jwksURI, _ := stringMember(discovery, "jwks_uri")
	if u, err := url.Parse(jwksURI); err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("discovery: %s: expected an https jwks_uri, found %q",
			r.discoveryURL, jwksURI)
	}

	body, err = r.get(ctx, jwksURI)
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	set, err := parseJWKS(body)
	if err != nil {
		return nil, fmt.Errorf("jwks: %s: %w", jwksURI, err)
	}
	return set, nil
}

// get fetches one document within the fetch timeout and the size limit. The
// timeout covers the whole exchange, body included, so a server that
// trickles its answer fails like one that never answers.
func (r *remoteKeys) get(ctx context.Context, target string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()

	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: expected status 200, found %d", target, resp.StatusCode)
	}
	if resp.ContentLength > MaxDocumentBytes {
		return nil, fmt.Errorf("%s: expected at most %d bytes, found a Content-Length of %d",
			target, MaxDocumentBytes, resp.ContentLength)
	}

	// Read one byte past the limit: a body that reaches it is too long, and
	// is refused rather than parsed cut short.
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxDocumentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: reading the body: %w", target, err)
	}
	if len(body) > MaxDocumentBytes {
		return nil, fmt.Errorf("%s: expected at most %d bytes, found more",
			target, MaxDocumentBytes)
	}
	return body, nil
}

// httpsOnly returns a copy of client that follows redirects only to https
// URLs, so a redirect cannot move a key fetch onto plain HTTP.
func httpsOnly(client *http.Client) *http.Client {
	c := *client
	next := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != "https" {
			return fmt.Errorf("refusing a redirect to %s: only https is followed",
				req.URL.Redacted())
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &c
}
