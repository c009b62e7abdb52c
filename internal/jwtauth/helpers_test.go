package jwtauth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/passage-cdk/passage-cdk-go/internal/jwtauth"
)

// The audience of the test authorizers: a Passage app's Authentication Origin
// and its app ID, the two values a recent Passage token holds in aud.
const (
	origin = "https://app.example.com"
	appID  = "appID123"
)

// testKeys are generated once per test binary: an RSA key costs tens of
// milliseconds to make, and the tests need only a few.
var testKeys = sync.OnceValue(func() struct{ a, b, attacker *rsa.PrivateKey } {
	gen := func() *rsa.PrivateKey {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		return key
	}
	return struct{ a, b, attacker *rsa.PrivateKey }{gen(), gen(), gen()}
})

// clock is a settable clock for WithClock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock {
	return &clock{now: time.Unix(1_750_000_000, 0).UTC()}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// rsaJWK renders a public key as a JWK; alg may be empty.
func rsaJWK(kid, alg string, pub *rsa.PublicKey) map[string]any {
	jwk := map[string]any{
		"kty": "RSA",
		"use": "sig",
		"kid": kid,
		"n":   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}
	if alg != "" {
		jwk["alg"] = alg
	}
	return jwk
}

// jwksOf renders a JWKS document.
func jwksOf(keys ...map[string]any) []byte {
	doc, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		panic(err)
	}
	return doc
}

// issuer is an OpenID issuer on loopback TLS: a discovery document and a
// JWKS, either of which a test can replace or break.
type issuer struct {
	server *httptest.Server

	mu          sync.Mutex
	jwks        []byte
	onDiscovery http.HandlerFunc
	onJWKS      http.HandlerFunc

	requests      atomic.Int32 // every request, whatever its path
	discoveryHits atomic.Int32
	jwksHits      atomic.Int32
}

func newIssuer(t testing.TB, jwks []byte) *issuer {
	t.Helper()
	iss := &issuer{jwks: jwks}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter,
		r *http.Request) {
		iss.discoveryHits.Add(1)
		if h := iss.handler(&iss.onDiscovery); h != nil {
			h(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"issuer":%q,"jwks_uri":%q}`, iss.URL(), iss.URL()+"/jwks")
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		iss.jwksHits.Add(1)
		if h := iss.handler(&iss.onJWKS); h != nil {
			h(w, r)
			return
		}
		iss.mu.Lock()
		body := iss.jwks
		iss.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	iss.server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter,
		r *http.Request) {
		iss.requests.Add(1)
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(iss.server.Close)
	return iss
}

func (i *issuer) URL() string { return i.server.URL }

func (i *issuer) Client() *http.Client { return i.server.Client() }

func (i *issuer) handler(h *http.HandlerFunc) http.HandlerFunc {
	i.mu.Lock()
	defer i.mu.Unlock()
	return *h
}

func (i *issuer) SetJWKS(jwks []byte) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.jwks = jwks
}

func (i *issuer) OnDiscovery(h http.HandlerFunc) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.onDiscovery = h
}

func (i *issuer) OnJWKS(h http.HandlerFunc) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.onJWKS = h
}

// hits reports how many discovery and JWKS requests the issuer has served.
func (i *issuer) hits() [2]int32 {
	return [2]int32{i.discoveryHits.Load(), i.jwksHits.Load()}
}

// claims are the claims of a token the test authorizers accept at now.
func claims(iss string, now time.Time) map[string]any {
	return map[string]any{
		"iss": iss,
		"aud": []any{origin, appID},
		"sub": "user-123",
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(time.Hour).Unix(),
	}
}

// with returns a copy of m with key set to value, or removed when value is
// the remove marker.
func with(m map[string]any, key string, value any) map[string]any {
	c := make(map[string]any, len(m)+1)
	for k, v := range m {
		c[k] = v
	}
	if value == remove {
		delete(c, key)
	} else {
		c[key] = value
	}
	return c
}

// remove marks a member to drop in with.
var remove = &struct{ remove bool }{true}

// header returns a JOSE header for alg and kid, extended by pairs of name
// and value.
func header(alg, kid string, more ...any) map[string]any {
	h := map[string]any{"alg": alg, "typ": "JWT"}
	if kid != "" {
		h["kid"] = kid
	}
	for i := 0; i+1 < len(more); i += 2 {
		h[more[i].(string)] = more[i+1]
	}
	return h
}

// sign makes a token with golang-jwt, with exactly the header given. It
// panics on failure, which only a broken test can cause, so that it can be
// called from any test or subtest without a testing.T.
func sign(method jwt.SigningMethod, key any, hdr, payload map[string]any) string {
	token := &jwt.Token{Header: hdr, Claims: jwt.MapClaims(payload), Method: method}
	signed, err := token.SignedString(key)
	if err != nil {
		panic(fmt.Sprintf("signing a test token: %v", err))
	}
	return signed
}

// segment base64url-encodes a JSON value or raw bytes.
func segment(v any) string {
	if b, ok := v.([]byte); ok {
		return base64.RawURLEncoding.EncodeToString(b)
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// request returns a request to the API carrying the given Authorization
// header values.
func request(authorization ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "https://api.example.com/orders", nil)
	for _, value := range authorization {
		r.Header.Add("Authorization", value)
	}
	return r
}

// invalidToken is the challenge of a 401 for a refused token.
func invalidToken(description string) string {
	return `Bearer scope="" error="invalid_token" error_description="` + description + `"`
}

// mustNew builds an authorizer or fails the test.
func mustNew(t testing.TB, cfg jwtauth.Config, opts ...jwtauth.Option) *jwtauth.Authorizer {
	t.Helper()
	a, err := jwtauth.New(cfg, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}
