package localgw_test

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/passage-cdk/passage-cdk-go/internal/devissuer"
)

// This file holds what the hostile-request, fault and load tests share: RSA
// signing keys, an OpenID issuer on loopback TLS, and a way to tell from the
// probe function's own output which requests reached it.

// signingKey is an RSA key with the kid and JWK an issuer publishes for it.
type signingKey struct {
	kid string
	key *rsa.PrivateKey
	jwk map[string]any
}

// testKeys are the keys of the tests: trusted is the issuer's, rotated the
// one it rotates to, attacker one it never publishes.
type testKeys struct {
	trusted, rotated, attacker *signingKey
}

// The keys are made once per test binary: an RSA key costs tens of
// milliseconds or more to generate on a shared machine.
var (
	sharedKeysOnce sync.Once
	sharedKeys     testKeys
	sharedKeysErr  error
)

// loadTestKeys returns the test keys. They are devissuer keys, so the JWK
// each publishes is the one passage-local's own dev issuer renders.
func loadTestKeys(t testing.TB) testKeys {
	t.Helper()
	sharedKeysOnce.Do(func() {
		for name, k := range map[string]**signingKey{
			"trusted":  &sharedKeys.trusted,
			"rotated":  &sharedKeys.rotated,
			"attacker": &sharedKeys.attacker,
		} {
			*k, sharedKeysErr = newSigningKey(filepath.Join(scratch, "keys", name))
			if sharedKeysErr != nil {
				return
			}
		}
	})
	if sharedKeysErr != nil {
		t.Fatal(sharedKeysErr)
	}
	return sharedKeys
}

// newSigningKey makes a devissuer key in dir and reads back its private
// half, which devissuer keeps in a PKCS #8 PEM file.
func newSigningKey(dir string) (*signingKey, error) {
	dev, err := devissuer.LoadOrCreate(dir)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(dev.KeyPath())
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%s: expected a PEM block, found none", dev.KeyPath())
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: expected an RSA key, found %T", dev.KeyPath(), parsed)
	}

	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(dev.JWKS(), &doc); err != nil || len(doc.Keys) != 1 {
		return nil, fmt.Errorf("the dev issuer's JWKS %s: expected one key (%v)", dev.JWKS(), err)
	}
	return &signingKey{kid: dev.KeyID(), key: key, jwk: doc.Keys[0]}, nil
}

// sign returns an RS256 token of claims whose header names k's kid, with
// header's members added (or removed, for a nil value).
func (k *signingKey) sign(t testing.TB, header, claims map[string]any) string {
	t.Helper()
	token := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims(claims))
	token.Header["kid"] = k.kid
	for name, value := range header {
		if value == nil {
			delete(token.Header, name)
		} else {
			token.Header[name] = value
		}
	}
	signed, err := token.SignedString(k.key)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

// jwks renders a JWKS document of keys.
func jwks(keys ...*signingKey) []byte {
	doc := map[string]any{"keys": []any{}}
	for _, k := range keys {
		doc["keys"] = append(doc["keys"].([]any), k.jwk)
	}
	data, err := json.Marshal(doc)
	if err != nil {
		panic(err) // maps of strings always encode
	}
	return data
}

// paddedJWKS renders a JWKS document of keys that is exactly size bytes
// long, grown by a member no JWKS reader looks at.
func paddedJWKS(size int, keys ...*signingKey) []byte {
	base := jwks(keys...)
	filler := `,"padding":""}`
	pad := size - len(base) - len(filler) + 1
	if pad < 0 {
		panic(fmt.Sprintf("a JWKS of %d bytes cannot hold the keys", size))
	}
	return []byte(string(base[:len(base)-1]) + `,"padding":"` + strings.Repeat("x", pad) + `"}`)
}

// claimsFor returns the claims of a token the probe template's authorizer
// accepts from issuer: a recent Passage token, with aud holding the
// Authentication Origin and the app ID, valid from a minute ago for an
// hour. Each change sets a claim, or removes it for a nil value.
func claimsFor(issuer string, changes map[string]any) map[string]any {
	now := time.Now()
	claims := map[string]any{
		"iss": issuer,
		"aud": []string{probeAudience, "AppID123"},
		"sub": "user-7",
		"iat": now.Add(-time.Minute).Unix(),
		"nbf": now.Add(-time.Minute).Unix(),
		"exp": now.Add(time.Hour).Unix(),
	}
	for name, value := range changes {
		if value == nil {
			delete(claims, name)
		} else {
			claims[name] = value
		}
	}
	return claims
}

// issuerSite is an HTTPS server on loopback that publishes the discovery
// document and JWKS of any number of OpenID issuers, one per path, and counts
// the requests each path receives.
type issuerSite struct {
	server *httptest.Server
	mux    *http.ServeMux

	mu   sync.Mutex
	hits map[string]int // by request path

	requests atomic.Int32
}

func newIssuerSite(t testing.TB) *issuerSite {
	t.Helper()
	s := &issuerSite{mux: http.NewServeMux(), hits: map[string]int{}}
	s.server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter,
		r *http.Request) {
		s.requests.Add(1)
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.mu.Unlock()
		s.mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.server.Close)
	return s
}

// client returns a client that trusts the site's certificate. httptest gives
// every TLS server the same certificate, so it trusts them all.
func (s *issuerSite) client() *http.Client {
	return s.server.Client()
}

// issuer publishes an issuer at path, with the handlers of its discovery
// document and JWKS, and returns its URL. A nil discovery handler serves
// s.discovery(path); a nil keySet handler none.
func (s *issuerSite) issuer(path string, discovery, keySet http.HandlerFunc) string {
	if discovery == nil {
		discovery = s.discovery(path)
	}
	s.mux.HandleFunc("GET "+path+"/.well-known/openid-configuration", discovery)
	if keySet != nil {
		s.mux.HandleFunc("GET "+path+"/jwks.json", keySet)
	}
	return s.server.URL + path
}

// discovery serves the discovery document of the issuer at path, which
// names path/jwks.json as its jwks_uri.
func (s *issuerSite) discovery(path string) http.HandlerFunc {
	issuer := s.server.URL + path
	doc, err := json.Marshal(map[string]string{"issuer": issuer, "jwks_uri": issuer + "/jwks.json"})
	if err != nil {
		panic(err) // maps of strings always encode
	}
	return serveJSON(func() []byte { return doc })
}

// hitsOf reports how many requests path has received.
func (s *issuerSite) hitsOf(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// serveJSON answers with the document body returns at the time of the
// request.
func serveJSON(body func() []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body())
	}
}

// switchable holds a document a test can replace while it is served.
type switchable struct {
	mu  sync.Mutex
	doc []byte
}

func (s *switchable) set(doc []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.doc = doc
}

func (s *switchable) get() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.doc
}

// invocationLog is the gateway's FunctionOutput for the probe function, which
// writes "probe invoked: ROUTEKEY RAWPATH?QUERY" first thing in every
// invocation. With one execution environment (MaxEnvironments 1) the lines
// come through one pipe in the order of the invocations, so once the line of
// a marker request shows up, every earlier invocation's line has too.
type invocationLog struct {
	syncBuffer
	markers atomic.Int32
}

const invokedPrefix = "probe invoked: "

// settle sends a marker request to the public route and waits until its
// line is in the log. It returns the invocations logged before it, each as
// "ROUTEKEY RAWPATH?QUERY", leaving out every marker.
func (l *invocationLog) settle(t testing.TB, client *http.Client, base string) []string {
	t.Helper()
	mark := fmt.Sprintf("marker=%d", l.markers.Add(1))
	if got := do(t, client, "GET", base+"/probe?"+mark, nil); got.status != 200 {
		t.Fatalf("marker request: %d %s, want 200", got.status, got.body)
	}

	deadline := time.Now().Add(10 * time.Second)
	for {
		var invoked []string
		for line := range strings.Lines(l.String()) {
			_, call, ok := strings.Cut(strings.TrimSpace(line), invokedPrefix)
			switch {
			case !ok:
			case strings.HasSuffix(call, "?"+mark):
				return invoked
			case !strings.HasPrefix(call, "GET /probe /probe?marker="):
				invoked = append(invoked, call)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the marker request's line never reached the function output:\n%s", l)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// jwtRoute returns a route resource of the probe template whose requests
// go to the probe function through authorizer, with no scopes.
func jwtRoute(key, authorizer string) map[string]any {
	return map[string]any{"Type": "AWS::ApiGatewayV2::Route", "Properties": map[string]any{
		"ApiId":             map[string]any{"Ref": "Api"},
		"RouteKey":          key,
		"AuthorizationType": "JWT",
		"AuthorizerId":      map[string]any{"Ref": authorizer},
		"Target": map[string]any{"Fn::Join": []any{"", []any{
			"integrations/", map[string]any{"Ref": "Integration"}}}},
	}}
}

// jwtAuthorizer returns a copy of the probe template's authorizer resource
// with another name and issuer.
func jwtAuthorizer(resources map[string]any, name, issuer string) map[string]any {
	original := resources["Authorizer"].(map[string]any)["Properties"].(map[string]any)
	props := maps.Clone(original)
	props["Name"] = name
	props["JwtConfiguration"] = map[string]any{
		"Issuer":   issuer,
		"Audience": []string{probeAudience},
	}
	return map[string]any{"Type": "AWS::ApiGatewayV2::Authorizer", "Properties": props}
}

// The answers of the authorizer that the tests look for.
const (
	unauthorized = `{"message":"Unauthorized"}`
	forbidden    = `{"message":"Forbidden"}`
	serverError  = `{"message":"Internal Server Error"}`
)

// invalidToken is the challenge of a 401 for a token that is present but
// refused.
func invalidToken(description string) string {
	return `Bearer scope="" error="invalid_token" error_description="` + description + `"`
}
