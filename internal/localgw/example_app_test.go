package localgw_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/passage-cdk/passage-cdk-go/internal/devissuer"
	"github.com/passage-cdk/passage-cdk-go/internal/localgw"
)

// TestExampleApp synthesizes the example app with the pinned CDK CLI, serves
// the assembly with the dev issuer, and checks what a client of the deployed
// API would see.
func TestExampleApp(t *testing.T) {
	t.Parallel()
	stack := loadStack(t, exampleAssembly(t))
	dev, err := devissuer.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	log := &syncBuffer{}
	g, base := startGateway(t, localgw.Config{Stack: stack, DevIssuer: dev, Log: log})

	// Tokens as the template's authorizer expects them, and others it refuses.
	var issuer, audience string
	for _, r := range g.API().Routes {
		if r.Authorizer != nil {
			issuer, audience = r.Authorizer.Issuer, r.Authorizer.Audiences[0]
		}
	}
	mint := func(opts devissuer.MintOptions) string {
		t.Helper()
		if opts.Issuer == "" {
			opts.Issuer = issuer
		}
		if opts.Audience == nil {
			opts.Audience = []string{audience}
		}
		token, err := dev.Mint(opts)
		if err != nil {
			t.Fatal(err)
		}
		return token
	}
	good := mint(devissuer.MintOptions{Subject: "user-1234"})
	stranger, err := devissuer.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := stranger.Mint(devissuer.MintOptions{Issuer: issuer, Audience: []string{audience}})
	if err != nil {
		t.Fatal(err)
	}
	expired := mint(devissuer.MintOptions{Now: time.Now().Add(-2 * time.Hour), TTL: time.Hour})
	otherApp := mint(devissuer.MintOptions{Audience: []string{"https://other.example.com"}})

	const unauthorized = `{"message":"Unauthorized"}`
	const invalidToken = `Bearer scope="" error="invalid_token" error_description="`
	tests := []struct {
		name       string
		method     string
		path       string
		header     http.Header
		wantStatus int
		wantBody   string // exact, unless empty
		wantAuth   string // prefix of www-authenticate, unless empty
	}{
		{name: "public route without a token", method: "GET", path: "/health",
			wantStatus: 200, wantBody: `{"status":"ok"}`},
		{name: "protected route without a token", method: "GET", path: "/whoami",
			wantStatus: 401, wantBody: unauthorized, wantAuth: "Bearer"},
		{name: "malformed token", method: "GET", path: "/whoami", header: bearer("not-a-jwt"),
			wantStatus: 401, wantBody: unauthorized, wantAuth: invalidToken},
		{name: "token of another key", method: "GET", path: "/whoami", header: bearer(foreign),
			wantStatus: 401, wantBody: unauthorized, wantAuth: invalidToken},
		{name: "expired token", method: "GET", path: "/whoami", header: bearer(expired),
			wantStatus: 401, wantBody: unauthorized, wantAuth: invalidToken},
		{name: "token for another audience", method: "GET", path: "/whoami",
			header: bearer(otherApp), wantStatus: 401, wantBody: unauthorized, wantAuth: invalidToken},
		{name: "dev token", method: "GET", path: "/whoami", header: bearer(good),
			wantStatus: 200},
		{name: "unknown path", method: "GET", path: "/nowhere",
			wantStatus: 404, wantBody: `{"message":"Not Found"}`},
		{name: "method without a route", method: "POST", path: "/health",
			wantStatus: 404, wantBody: `{"message":"Not Found"}`},
	}
	client := newClient(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := do(t, client, tt.method, base+tt.path, tt.header)
			if got.status != tt.wantStatus || (tt.wantBody != "" && got.body != tt.wantBody) {
				t.Errorf("got %d %s, want %d %s", got.status, got.body, tt.wantStatus, tt.wantBody)
			}
			if auth := got.header.Get("WWW-Authenticate"); !strings.HasPrefix(auth, tt.wantAuth) ||
				(tt.wantAuth == "Bearer" && auth != "Bearer") {
				t.Errorf("www-authenticate = %q, want %q...", auth, tt.wantAuth)
			}
			if got.header.Get("Apigw-Requestid") == "" {
				t.Errorf("no apigw-requestid header: %v", got.header)
			}
		})
	}

	// The whoami handler answers with the token's sub as userId.
	got := do(t, client, "GET", base+"/whoami", bearer(good))
	var identity struct {
		UserID string `json:"userId"`
	}
	if err := json.Unmarshal([]byte(got.body), &identity); err != nil || identity.UserID != "user-1234" {
		t.Errorf("whoami answered %s, want userId user-1234", got.body)
	}

	// One access-log line per request, never with the token in it.
	if !logged(log, "GET /whoami 200") || !logged(log, "GET /nowhere 404") {
		t.Errorf("the log lacks the access lines:\n%s", log)
	}
	if strings.Contains(log.String(), good) || strings.Contains(log.String(), foreign) {
		t.Errorf("the log holds a token:\n%s", log)
	}
}
