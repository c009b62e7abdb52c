package localgw_test

import (
	"encoding/json"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/passage-cdk/passage-cdk-go/internal/jwtauth"
	"github.com/passage-cdk/passage-cdk-go/internal/localgw"
)

// TestIssuerFaults serves an API whose authorizers each depend on an issuer
// that fails in its own way, and checks that a valid token of each is
// answered 401 (never 500, never let through), as API Gateway answers when
// it cannot get an issuer's keys. One more authorizer, whose issuer
// publishes a JWKS of exactly the 150,000-byte limit, shows that the tokens
// are good and the limit itself is allowed.
//
// The faults are checked through one gateway with one authorizer each (ten
// in all, API Gateway's quota), because an authorizer that failed to fetch
// waits jwtauth.RefetchInterval before it tries again.
func TestIssuerFaults(t *testing.T) {
	t.Parallel()
	keys := loadTestKeys(t)
	site := newIssuerSite(t)
	published := serveJSON(func() []byte { return jwks(keys.trusted) })

	// A port nothing listens on any more.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "https://" + ln.Addr().String() + "/down"
	_ = ln.Close()

	// API Gateway gives each fetch 1500 ms. late gives a good answer only
	// after a longer delay, unless the gateway has given up by then; trickle
	// starts one at once but spreads it over the delay.
	const delay = 2 * time.Second
	late := func(answer http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(delay):
				answer(w, r)
			}
		}
	}
	trickle := func(body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			const pieces = 20
			for chunk := range slices.Chunk(body, (len(body)+pieces-1)/pieces) {
				if _, err := w.Write(chunk); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				time.Sleep(delay / pieces)
			}
		}
	}
	status := func(code int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, http.StatusText(code), code)
		}
	}
	text := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(body))
		}
	}
	overLimit := paddedJWKS(jwtauth.MaxDocumentBytes+1, keys.trusted)
	// chunked sends the JWKS over the limit with no Content-Length, so that
	// only reading it can tell its size.
	chunked := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for chunk := range slices.Chunk(overLimit, 16<<10) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	}

	tests := []struct {
		name       string
		issuer     func() string // registers the issuer on the site and returns its URL
		wantReason string        // in the gateway's log line, which says why it refused
	}{
		{
			name:       "discovery refusing connections",
			issuer:     func() string { return down },
			wantReason: "connection refused",
		},
		{
			name:       "discovery answering 503",
			issuer:     func() string { return site.issuer("/unavailable", status(503), published) },
			wantReason: "expected status 200, found 503",
		},
		{
			name: "discovery slower than 1500 ms",
			issuer: func() string {
				return site.issuer("/slow", late(site.discovery("/slow")), published)
			},
			wantReason: "/slow/.well-known/openid-configuration\": context deadline exceeded",
		},
		{
			name: "JWKS trickling past 1500 ms",
			issuer: func() string {
				return site.issuer("/trickle", nil, trickle(jwks(keys.trusted)))
			},
			wantReason: "/trickle/jwks.json: reading the body: context deadline exceeded",
		},
		{
			name: "discovery answering garbage",
			issuer: func() string {
				return site.issuer("/garbage", text("<html>Sign in</html>"), published)
			},
			wantReason: "expected a JSON object, found 20 bytes",
		},
		{
			name: "discovery naming an http jwks_uri",
			issuer: func() string {
				issuer := site.server.URL + "/plain"
				plain := "http://" + strings.TrimPrefix(issuer, "https://") + "/jwks.json"
				return site.issuer("/plain",
					text(`{"issuer":"`+issuer+`","jwks_uri":"`+plain+`"}`), published)
			},
			wantReason: "expected an https jwks_uri",
		},
		{
			name: "JWKS answering garbage",
			issuer: func() string {
				return site.issuer("/garbage-keys", nil, text(`{"keys": "rotate me"}`))
			},
			wantReason: "expected a keys array in the JWKS",
		},
		{
			name: "JWKS over 150,000 bytes, with its length",
			issuer: func() string {
				return site.issuer("/large", nil, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Length", strconv.Itoa(len(overLimit)))
					_, _ = w.Write(overLimit)
				})
			},
			wantReason: "expected at most 150000 bytes, found a Content-Length of 150001",
		},
		{
			name:       "JWKS over 150,000 bytes, chunked",
			issuer:     func() string { return site.issuer("/large-chunked", nil, chunked) },
			wantReason: "/large-chunked/jwks.json: expected at most 150000 bytes, found more",
		},
	}

	// The template: the probe's authorizer for the control issuer, and one
	// authorizer and route per fault.
	control := site.issuer("/control", nil, serveJSON(func() []byte {
		return paddedJWKS(jwtauth.MaxDocumentBytes, keys.trusted)
	}))
	resources := probeResources(t, control)
	issuers := make([]string, len(tests))
	for i, tt := range tests {
		issuers[i] = tt.issuer()
		id := "Fault" + strconv.Itoa(i)
		resources[id+"Authorizer"] = jwtAuthorizer(resources, id, issuers[i])
		resources[id+"Route"] = jwtRoute("GET /faults/"+strconv.Itoa(i), id+"Authorizer")
	}
	out, log := &invocationLog{}, &syncBuffer{}
	_, base := startGateway(t, localgw.Config{Stack: writeAssembly(t, resources),
		HTTPClient: site.client(), MaxEnvironments: 1, FunctionOutput: out, Log: log})
	client := newClient(t)

	token := func(issuer string) http.Header {
		return bearer(keys.trusted.sign(t, nil, claimsFor(issuer, nil)))
	}
	if got := do(t, client, "GET", base+"/items/control", token(control)); got.status != 200 {
		t.Fatalf("control: %d %s, want 200 from an issuer whose JWKS is at the limit",
			got.status, got.body)
	}

	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := base + "/faults/" + strconv.Itoa(i)

			// The second request comes within the refetch interval: it is
			// refused alike, without another fetch.
			for range 2 {
				got := do(t, client, "GET", path, token(issuers[i]))
				want := invalidToken("unable to get the keys of the token issuer")
				if got.status != 401 || got.body != unauthorized ||
					got.header.Get("WWW-Authenticate") != want {
					t.Fatalf("got %d %.300s (www-authenticate %q), want 401 %s (%q)", got.status,
						got.body, got.header.Get("WWW-Authenticate"), unauthorized, want)
				}
			}
			if !logged(log, "GET /faults/"+strconv.Itoa(i)+" 401", tt.wantReason) {
				t.Errorf("no log line says %q:\n%s", tt.wantReason, log)
			}
			discovery := strings.TrimPrefix(issuers[i], site.server.URL) +
				"/.well-known/openid-configuration"
			if n := site.hitsOf(discovery); n > 1 {
				t.Errorf("the issuer's discovery was fetched %d times, want at most once", n)
			}
		})
	}

	want := []string{"ANY /items/{proxy+} /items/control?"}
	if invoked := out.settle(t, client, base); !slices.Equal(invoked, want) {
		t.Errorf("the function was invoked for %q, want %q", invoked, want)
	}
}

// TestKeyRotation serves an API whose issuer rotates its signing key, and
// checks that a token of the new key is accepted once the gateway has
// fetched the new JWKS, and that a token of the removed key is refused from
// then on.
//
// The gateway fetches again for an unknown kid at most once per
// jwtauth.RefetchInterval (10 s); the test advances the gateway's clock past it
// instead of waiting.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	keys := loadTestKeys(t)
	site := newIssuerSite(t)
	published := &switchable{doc: jwks(keys.trusted)}
	issuer := site.issuer("/rotating", nil, serveJSON(published.get))
	out := &invocationLog{}
	clock := newTestClock()
	_, base := startGateway(t, localgw.Config{Stack: writeAssembly(t, probeResources(t, issuer)),
		HTTPClient: site.client(), MaxEnvironments: 1, FunctionOutput: out, Clock: clock.now})
	client := newClient(t)
	token := func(k *signingKey) http.Header {
		return bearer(k.sign(t, nil, claimsFor(issuer, nil)))
	}

	if got := do(t, client, "GET", base+"/items/before", token(keys.trusted)); got.status != 200 {
		t.Fatalf("before the rotation: %d %s, want 200", got.status, got.body)
	}

	// The issuer replaces its key. A token of the new one is refused until
	// the gateway fetches again, which an unknown kid makes it do once
	// RefetchInterval has passed since the last fetch; then it is accepted.
	published.set(jwks(keys.rotated))
	polls := 0
	for range 3 {
		polls++
		got := do(t, client, "GET", base+"/items/rotated", token(keys.rotated))
		if got.status != 401 {
			t.Fatalf("the new key's token within RefetchInterval: %d %s, want 401", got.status, got.body)
		}
	}
	clock.advance(jwtauth.RefetchInterval + time.Second)
	polls++
	if got := do(t, client, "GET", base+"/items/rotated", token(keys.rotated)); got.status != 200 {
		t.Fatalf("the new key's token after RefetchInterval: %d %s, want 200", got.status, got.body)
	}

	// The removed key's token is refused, with no need to wait.
	got := do(t, client, "GET", base+"/items/removed", token(keys.trusted))
	want := invalidToken("no key of the token issuer matches the token's kid")
	if got.status != 401 || got.body != unauthorized || got.header.Get("WWW-Authenticate") != want {
		t.Errorf("the removed key's token: %d %.300s (www-authenticate %q), want 401 %s (%q)",
			got.status, got.body, got.header.Get("WWW-Authenticate"), unauthorized, want)
	}

	// The refused requests did not turn into a fetch each: one fetch before
	// the rotation and one after it.
	if n := site.hitsOf("/rotating/jwks.json"); n != 2 {
		t.Errorf("the JWKS was fetched %d times for %d requests, want 2", n, polls+2)
	}
	invoked := out.settle(t, client, base)
	wantInvoked := []string{"ANY /items/{proxy+} /items/before?",
		"ANY /items/{proxy+} /items/rotated?"}
	if !slices.Equal(invoked, wantInvoked) {
		t.Errorf("the function was invoked for %q, want %q", invoked, wantInvoked)
	}
}

// TestFunctionFaults makes the function fail in each way Lambda tells apart
// and checks API Gateway's answer, that an environment the failure broke is
// replaced (a new process serves the next request) while one that merely
// answered badly stays warm, as Lambda keeps it, and that the next request
// is served normally.
func TestFunctionFaults(t *testing.T) {
	t.Parallel()

	// One environment, so that the process serving each request is the one
	// that served the last unless it was replaced.
	_, base := startGateway(t, localgw.Config{
		Stack:           writeAssembly(t, probeResources(t, devIssuerURL)),
		MaxEnvironments: 1,
	})
	client := newClient(t)
	serve := func(t *testing.T) int {
		t.Helper()
		got := do(t, client, "GET", base+"/probe", nil)
		var answer struct {
			Greeting string `json:"greeting"`
			PID      int    `json:"pid"`
		}
		if got.status != 200 || json.Unmarshal([]byte(got.body), &answer) != nil ||
			answer.Greeting != "hello from the template" || answer.PID == 0 {
			t.Fatalf("the next request: %d %s, want 200 and the probe's answer", got.status, got.body)
		}
		return answer.PID
	}

	tests := []struct {
		name     string
		query    string
		replaced bool
	}{
		{name: "panic", query: "fail=panic", replaced: true},
		// The function's timeout is 1 s; Lambda stops the environment.
		{name: "past its timeout", query: "sleep=3s", replaced: true},
		{name: "exit mid-request", query: "fail=exit", replaced: true},
		{name: "malformed JSON answer", query: "fail=malformed", replaced: false},
		{name: "error reported", query: "fail=error", replaced: false},
	}
	pid := serve(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := do(t, client, "GET", base+"/probe?"+tt.query, nil)
			if got.status != 500 || got.body != serverError {
				t.Errorf("got %d %s, want 500 %s", got.status, got.body, serverError)
			}

			next := serve(t)
			if replaced := next != pid; replaced != tt.replaced {
				t.Errorf("process %d served before and %d after: replaced %t, want %t",
					pid, next, replaced, tt.replaced)
			}
			pid = next
		})
	}
}

// testClock is a clock that moves only when told to, from the real time it started at.
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func newTestClock() *testClock { return &testClock{} }

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}
