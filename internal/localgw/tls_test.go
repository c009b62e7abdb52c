package localgw_test

import (
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/passage-cdk/passage-cdk-go/internal/devissuer"
	"github.com/passage-cdk/passage-cdk-go/internal/localgw"
)

// TestKeysOverTLS puts a test issuer on a loopback TLS server, names it in
// the template, and checks that the gateway finds its keys through
// discovery and the JWKS, over TLS with the client it was given.
func TestKeysOverTLS(t *testing.T) {
	t.Parallel()

	// The issuer signs with a key of its own, published as its JWKS.
	signer, err := devissuer.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var discoveries, keySets atomic.Int32
	mux := http.NewServeMux()
	var issuer string
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		discoveries.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{
			"issuer": issuer, "jwks_uri": issuer + "/keys",
		})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		keySets.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(signer.JWKS())
	})
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	issuer = srv.URL

	stack := writeAssembly(t, probeResources(t, issuer))
	_, base := startGateway(t, localgw.Config{Stack: stack, HTTPClient: srv.Client()})

	mint := func(by *devissuer.Issuer) string {
		token, err := by.Mint(devissuer.MintOptions{Issuer: issuer,
			Audience: []string{probeAudience}, Subject: "user-tls"})
		if err != nil {
			t.Fatal(err)
		}
		return token
	}
	stranger, err := devissuer.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}

	client := newClient(t)
	got := do(t, client, "DELETE", base+"/items/1", bearer(mint(signer)))
	if got.status != 200 {
		t.Fatalf("token of the issuer: %d %s, want 200", got.status, got.body)
	}
	if sub := decodeProbe(t, got.body).Event.RequestContext.Authorizer.JWT.Claims["sub"]; sub != "user-tls" {
		t.Errorf("the function saw sub %q, want user-tls", sub)
	}
	if discoveries.Load() != 1 || keySets.Load() != 1 {
		t.Errorf("%d discovery and %d JWKS fetches, want 1 of each", discoveries.Load(), keySets.Load())
	}

	// A second request uses the cached keys; a token of a key the issuer does
	// not publish is refused.
	if got := do(t, client, "DELETE", base+"/items/2", bearer(mint(signer))); got.status != 200 {
		t.Errorf("second request: %d %s, want 200", got.status, got.body)
	}
	if got := do(t, client, "DELETE", base+"/items/3", bearer(mint(stranger))); got.status != 401 {
		t.Errorf("token of another key: %d %s, want 401", got.status, got.body)
	}
}

// TestKeysOverTLSNeedTrust checks that without a client that trusts the
// issuer's certificate, no key is fetched and every token is refused, as
// API Gateway refuses tokens of an issuer it cannot reach.
func TestKeysOverTLSNeedTrust(t *testing.T) {
	t.Parallel()
	signer, err := devissuer.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var fetches atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
	}))
	// The refused handshakes are the point of the test, not news for its log.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)

	stack := writeAssembly(t, probeResources(t, srv.URL))
	_, base := startGateway(t, localgw.Config{Stack: stack})
	token, err := signer.Mint(devissuer.MintOptions{Issuer: srv.URL, Audience: []string{probeAudience}})
	if err != nil {
		t.Fatal(err)
	}
	got := do(t, newClient(t), "DELETE", base+"/items/1", bearer(token))
	if got.status != 401 || got.body != `{"message":"Unauthorized"}` {
		t.Errorf("got %d %s, want 401 Unauthorized", got.status, got.body)
	}
	if fetches.Load() != 0 {
		t.Errorf("the untrusted issuer answered %d requests, want none", fetches.Load())
	}
}
