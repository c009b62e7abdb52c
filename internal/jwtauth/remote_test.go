package jwtauth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/passage-cdk/passage-cdk-go/internal/jwtauth"
)

// TestQuotas pins the limits that API Gateway publishes and the authorizer
// must keep, whatever shortcut the tests below take.
func TestQuotas(t *testing.T) {
	iss := newIssuer(t, nil)
	a := mustNew(t, jwtauth.Config{Issuer: iss.URL(), Audience: []string{origin}})

	if got := jwtauth.FetchTimeoutOf(a); got != 1500*time.Millisecond {
		t.Errorf("an authorizer fetches with a timeout of %s, expected 1.5s", got)
	}
	if jwtauth.MaxDocumentBytes != 150_000 {
		t.Errorf("MaxDocumentBytes is %d, expected 150,000", jwtauth.MaxDocumentBytes)
	}
	if jwtauth.MaxKeyAge != 2*time.Hour {
		t.Errorf("MaxKeyAge is %s, expected 2h", jwtauth.MaxKeyAge)
	}
	if jwtauth.MaxAudiences != 50 {
		t.Errorf("MaxAudiences is %d, expected 50", jwtauth.MaxAudiences)
	}
}

// remoteFixture is an authorizer for a TLS issuer publishing key-a, with a
// short fetch timeout so that the slow-issuer cases end quickly.
type remoteFixture struct {
	issuer *issuer
	clock  *clock
	authz  *jwtauth.Authorizer
}

// shortTimeout stands in for the 1500 ms fetch timeout in these tests.
const shortTimeout = 150 * time.Millisecond

func newRemoteFixture(t *testing.T) *remoteFixture {
	t.Helper()
	iss := newIssuer(t, jwksOf(rsaJWK("key-a", "RS256", &testKeys().a.PublicKey)))
	clk := newClock()
	authz := mustNew(t, jwtauth.Config{Issuer: iss.URL(), Audience: []string{origin}},
		jwtauth.WithHTTPClient(iss.Client()), jwtauth.WithClock(clk.Now),
		jwtauth.WithFetchTimeout(shortTimeout))
	return &remoteFixture{issuer: iss, clock: clk, authz: authz}
}

// token signs the fixture's claims with key, under kid.
func (f *remoteFixture) token(kid string, key any) string {
	return sign(jwt.SigningMethodRS256, key, header("RS256", kid),
		claims(f.issuer.URL(), f.clock.Now()))
}

func (f *remoteFixture) authorize(token string) *jwtauth.Denial {
	_, denial := f.authz.Authorize(context.Background(), request("Bearer "+token), nil)
	return denial
}

// stall is a handler that answers only when the client has given up.
func stall(w http.ResponseWriter, r *http.Request) {
	<-r.Context().Done()
}

// padded returns a JWKS holding key-a, padded with spaces to exactly n bytes.
func padded(n int) []byte {
	doc := jwksOf(rsaJWK("key-a", "RS256", &testKeys().a.PublicKey))
	return append(doc, []byte(strings.Repeat(" ", n-len(doc)))...)
}

// TestKeyFetchFaults checks that every way the issuer can fail yields a 401,
// never a server error and never an accepted token.
func TestKeyFetchFaults(t *testing.T) {
	json := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, body)
		}
	}
	status := func(code int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }
	}
	body := func(b []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(b) }
	}

	tests := []struct {
		name  string
		fault func(f *remoteFixture)
	}{
		{
			name:  "issuer down",
			fault: func(f *remoteFixture) { f.issuer.server.Close() },
		},
		{
			name:  "discovery answers 500",
			fault: func(f *remoteFixture) { f.issuer.OnDiscovery(status(500)) },
		},
		{
			name:  "discovery answers 404",
			fault: func(f *remoteFixture) { f.issuer.OnDiscovery(status(404)) },
		},
		{
			name:  "discovery slower than the timeout",
			fault: func(f *remoteFixture) { f.issuer.OnDiscovery(stall) },
		},
		{
			name: "discovery body trickles past the timeout",
			fault: func(f *remoteFixture) {
				f.issuer.OnDiscovery(func(w http.ResponseWriter, r *http.Request) {
					fmt.Fprint(w, `{"jwks_uri":`)
					w.(http.Flusher).Flush()
					stall(w, r)
				})
			},
		},
		{
			name:  "discovery is garbage",
			fault: func(f *remoteFixture) { f.issuer.OnDiscovery(json(`<html>oops</html>`)) },
		},
		{
			name:  "discovery has no jwks_uri",
			fault: func(f *remoteFixture) { f.issuer.OnDiscovery(json(`{"issuer":"x"}`)) },
		},
		{
			name: "discovery names an http jwks_uri",
			fault: func(f *remoteFixture) {
				uri := strings.Replace(f.issuer.URL(), "https:", "http:", 1) + "/jwks"
				f.issuer.OnDiscovery(json(`{"jwks_uri":"` + uri + `"}`))
			},
		},
		{
			name: "discovery over 150,000 bytes",
			fault: func(f *remoteFixture) {
				doc := fmt.Sprintf(`{"jwks_uri":%q}`, f.issuer.URL()+"/jwks")
				f.issuer.OnDiscovery(body([]byte(doc + strings.Repeat(" ",
					jwtauth.MaxDocumentBytes+1-len(doc)))))
			},
		},
		{
			name: "discovery redirects to http",
			fault: func(f *remoteFixture) {
				target := strings.Replace(f.issuer.URL(), "https:", "http:", 1) + "/elsewhere"
				f.issuer.OnDiscovery(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, target, http.StatusFound)
				})
			},
		},
		{
			name:  "JWKS answers 503",
			fault: func(f *remoteFixture) { f.issuer.OnJWKS(status(503)) },
		},
		{
			name:  "JWKS slower than the timeout",
			fault: func(f *remoteFixture) { f.issuer.OnJWKS(stall) },
		},
		{
			name:  "JWKS is garbage",
			fault: func(f *remoteFixture) { f.issuer.OnJWKS(json(`{"keys":`)) },
		},
		{
			name:  "JWKS has no keys",
			fault: func(f *remoteFixture) { f.issuer.OnJWKS(json(`{"keys":[]}`)) },
		},
		{
			name: "JWKS over 150,000 bytes",
			fault: func(f *remoteFixture) {
				f.issuer.SetJWKS(padded(jwtauth.MaxDocumentBytes + 1))
			},
		},
		{
			name: "JWKS over 150,000 bytes without a Content-Length",
			fault: func(f *remoteFixture) {
				doc := padded(jwtauth.MaxDocumentBytes + 1)
				f.issuer.OnJWKS(func(w http.ResponseWriter, r *http.Request) {
					for chunk := range slicesChunk(doc, 4096) {
						_, _ = w.Write(chunk)
						w.(http.Flusher).Flush()
					}
				})
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRemoteFixture(t)
			tt.fault(f)

			denial := f.authorize(f.token("key-a", testKeys().a))
			if denial == nil {
				t.Fatal("accepted a token whose keys could not be fetched")
			}
			if denial.Status != http.StatusUnauthorized {
				t.Errorf("status %d, expected 401", denial.Status)
			}
			if !errors.Is(denial.Reason, jwtauth.ErrKeysUnavailable) {
				t.Errorf("reason %v, expected ErrKeysUnavailable", denial.Reason)
			}
			want := invalidToken("unable to get the keys of the token issuer")
			if got := denial.Header.Get("WWW-Authenticate"); got != want {
				t.Errorf("challenge %q, expected %q", got, want)
			}
		})
	}
}

// slicesChunk yields b in pieces of at most n bytes.
func slicesChunk(b []byte, n int) func(func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for len(b) > 0 {
			k := min(n, len(b))
			if !yield(b[:k]) {
				return
			}
			b = b[k:]
		}
	}
}

// TestJWKSAtTheSizeLimit checks that a JWKS of exactly 150,000 bytes is used.
func TestJWKSAtTheSizeLimit(t *testing.T) {
	f := newRemoteFixture(t)
	f.issuer.SetJWKS(padded(jwtauth.MaxDocumentBytes))
	if denial := f.authorize(f.token("key-a", testKeys().a)); denial != nil {
		t.Fatalf("denied: %v", denial.Reason)
	}
}

// TestKeysAreCached checks that keys are fetched once and reused, then fetched
// again when they reach two hours of age.
func TestKeysAreCached(t *testing.T) {
	f := newRemoteFixture(t)
	token := f.token("key-a", testKeys().a)

	for range 5 {
		if denial := f.authorize(token); denial != nil {
			t.Fatalf("denied: %v", denial.Reason)
		}
	}
	if got := f.issuer.hits(); got != [2]int32{1, 1} {
		t.Errorf("discovery and JWKS fetched %v times for five requests, expected once", got)
	}

	// Just short of two hours the cache still serves; at two hours it does
	// not. The token is re-signed so that its own dates stay valid.
	f.clock.Advance(jwtauth.MaxKeyAge - time.Second)
	if denial := f.authorize(f.token("key-a", testKeys().a)); denial != nil {
		t.Fatalf("denied: %v", denial.Reason)
	}
	if got := f.issuer.hits(); got != [2]int32{1, 1} {
		t.Errorf("fetched %v times before the keys were 2h old, expected once", got)
	}
	f.clock.Advance(time.Second)
	if denial := f.authorize(f.token("key-a", testKeys().a)); denial != nil {
		t.Fatalf("denied: %v", denial.Reason)
	}
	if got := f.issuer.hits(); got != [2]int32{2, 2} {
		t.Errorf("fetched %v times once the keys were 2h old, expected twice", got)
	}
}

// TestCachedKeysOutliveAnOutage checks that keys fetched before the issuer
// went down keep serving until they are two hours old, and not after.
func TestCachedKeysOutliveAnOutage(t *testing.T) {
	f := newRemoteFixture(t)
	if denial := f.authorize(f.token("key-a", testKeys().a)); denial != nil {
		t.Fatalf("denied: %v", denial.Reason)
	}
	f.issuer.OnDiscovery(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	})

	f.clock.Advance(time.Hour)
	if denial := f.authorize(f.token("key-a", testKeys().a)); denial != nil {
		t.Fatalf("denied within 2h of the last fetch: %v", denial.Reason)
	}
	f.clock.Advance(time.Hour)
	denial := f.authorize(f.token("key-a", testKeys().a))
	if denial == nil || !errors.Is(denial.Reason, jwtauth.ErrKeysUnavailable) {
		t.Fatalf("got %v after 2h with the issuer down, expected ErrKeysUnavailable", denial)
	}
}

// TestKeyRotation checks that a new kid is picked up by a fetch, and that a
// key the issuer has removed stops being accepted.
func TestKeyRotation(t *testing.T) {
	keys := testKeys()
	f := newRemoteFixture(t)
	if denial := f.authorize(f.token("key-a", keys.a)); denial != nil {
		t.Fatalf("denied before the rotation: %v", denial.Reason)
	}

	// The issuer rotates: key-b replaces key-a.
	f.issuer.SetJWKS(jwksOf(rsaJWK("key-b", "RS256", &keys.b.PublicKey)))

	// Right after a fetch, an unknown kid does not trigger another one.
	denial := f.authorize(f.token("key-b", keys.b))
	if denial == nil || !errors.Is(denial.Reason, jwtauth.ErrUnknownKey) {
		t.Fatalf("got %v within the refetch interval, expected ErrUnknownKey", denial)
	}
	if got := f.issuer.hits(); got != [2]int32{1, 1} {
		t.Errorf("fetched %v times, expected once", got)
	}

	// Once the interval has passed, the new kid leads to a fetch and is
	// accepted.
	f.clock.Advance(jwtauth.RefetchInterval)
	if denial := f.authorize(f.token("key-b", keys.b)); denial != nil {
		t.Fatalf("new key refused after the refetch interval: %v", denial.Reason)
	}
	if got := f.issuer.hits(); got != [2]int32{2, 2} {
		t.Errorf("fetched %v times, expected twice", got)
	}

	// The removed key is no longer trusted.
	denial = f.authorize(f.token("key-a", keys.a))
	if denial == nil || !errors.Is(denial.Reason, jwtauth.ErrUnknownKey) {
		t.Fatalf("got %v for the removed key, expected ErrUnknownKey", denial)
	}
}

// TestUnknownKidFloodIsBounded checks that tokens with made-up kids cannot
// make the authorizer fetch more than once per RefetchInterval.
func TestUnknownKidFloodIsBounded(t *testing.T) {
	f := newRemoteFixture(t)
	flood := func() {
		for i := range 50 {
			denial := f.authorize(f.token(fmt.Sprintf("random-%d", i), testKeys().attacker))
			if denial == nil || !errors.Is(denial.Reason, jwtauth.ErrUnknownKey) {
				t.Fatalf("got %v for an unknown kid, expected ErrUnknownKey", denial)
			}
		}
	}

	flood()
	if got := f.issuer.hits(); got != [2]int32{1, 1} {
		t.Errorf("50 unknown kids fetched %v times, expected once", got)
	}
	f.clock.Advance(jwtauth.RefetchInterval - time.Second)
	flood()
	if got := f.issuer.hits(); got != [2]int32{1, 1} {
		t.Errorf("a second flood within the interval fetched %v times, expected once", got)
	}
	f.clock.Advance(time.Second)
	flood()
	if got := f.issuer.hits(); got != [2]int32{2, 2} {
		t.Errorf("a flood after the interval fetched %v times, expected twice", got)
	}
}

// TestFailedFetchesAreBounded checks that a down issuer is not asked again
// on every request either.
func TestFailedFetchesAreBounded(t *testing.T) {
	f := newRemoteFixture(t)
	f.issuer.OnDiscovery(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	})
	for range 20 {
		if denial := f.authorize(f.token("key-a", testKeys().a)); denial == nil {
			t.Fatal("accepted with the issuer down")
		}
	}
	if got := f.issuer.discoveryHits.Load(); got != 1 {
		t.Errorf("discovery asked %d times for 20 requests, expected once", got)
	}

	// Once it is back, the next fetch after the interval succeeds.
	f.issuer.OnDiscovery(nil)
	f.clock.Advance(jwtauth.RefetchInterval)
	if denial := f.authorize(f.token("key-a", testKeys().a)); denial != nil {
		t.Fatalf("denied after the issuer came back: %v", denial.Reason)
	}
}

// TestConcurrentRequestsShareOneFetch checks that requests arriving together
// on a cold cache wait for one fetch rather than each starting their own.
func TestConcurrentRequestsShareOneFetch(t *testing.T) {
	f := newRemoteFixture(t)
	token := f.token("key-a", testKeys().a)

	var wg sync.WaitGroup
	denials := make(chan *jwtauth.Denial, 20)
	for range 20 {
		wg.Go(func() { denials <- f.authorize(token) })
	}
	wg.Wait()
	close(denials)
	for denial := range denials {
		if denial != nil {
			t.Errorf("denied: %v", denial.Reason)
		}
	}
	if got := f.issuer.hits(); got != [2]int32{1, 1} {
		t.Errorf("20 concurrent requests fetched %v times, expected once", got)
	}
}

// TestFetchOutlivesACancelledRequest checks that a fetch, which serves every
// request waiting on it, runs to its end even when the request that started
// it has been cancelled.
func TestFetchOutlivesACancelledRequest(t *testing.T) {
	f := newRemoteFixture(t)
	token := f.token("key-a", testKeys().a)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	if _, denial := f.authz.Authorize(ctx, request("Bearer "+token), nil); denial != nil {
		t.Fatalf("a cancelled request was denied although the keys could be fetched: %v",
			denial.Reason)
	}
	if denial := f.authorize(token); denial != nil {
		t.Fatalf("denied: %v", denial.Reason)
	}
	if got := f.issuer.hits(); got != [2]int32{1, 1} {
		t.Errorf("fetched %v times, expected once", got)
	}
}
