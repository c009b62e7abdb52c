package localgw_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/passage-cdk/passage-cdk-go/internal/devissuer"
	"github.com/passage-cdk/passage-cdk-go/internal/localgw"
)

// devIssuerURL is the issuer of the probe template when the dev key stands
// in for it: an https URL, as a real template holds, that is never fetched.
const devIssuerURL = "https://issuer.invalid/v1/apps/probe"

// TestAnswers serves the probe template and checks API Gateway's answers for
// each outcome: the function's own, its failures, the integration timeout,
// scopes, CORS and paths without a route.
func TestAnswers(t *testing.T) {
	t.Parallel()
	dev, err := devissuer.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	stack := writeAssembly(t, probeResources(t, devIssuerURL))
	log := &syncBuffer{}
	_, base := startGateway(t, localgw.Config{Stack: stack, DevIssuer: dev, Log: log})

	mint := func(scopes ...string) string {
		token, err := dev.Mint(devissuer.MintOptions{Issuer: devIssuerURL,
			Audience: []string{probeAudience}, Subject: "user-7", Scopes: scopes})
		if err != nil {
			t.Fatal(err)
		}
		return token
	}
	withScope, withoutScope := mint(probeScope, "orders:write"), mint()

	const internalError = `{"message":"Internal Server Error"}`
	tests := []struct {
		name       string
		method     string
		path       string
		header     http.Header
		wantStatus int
		wantBody   string            // exact, unless empty
		wantHeader map[string]string // exact values
		check      func(t *testing.T, answer probeAnswer)
	}{
		{
			name: "the function's answer", method: "GET", path: "/probe?x=1",
			wantStatus: 200,
			check: func(t *testing.T, a probeAnswer) {
				if a.Greeting != "hello from the template" || a.Event.RouteKey != "GET /probe" ||
					a.Event.RequestContext.Stage != "$default" || a.Event.RequestContext.Authorizer != nil {
					t.Errorf("greeting %q, route key %q, stage %q, authorizer %v", a.Greeting,
						a.Event.RouteKey, a.Event.RequestContext.Stage, a.Event.RequestContext.Authorizer)
				}
			},
		},
		{
			name: "greedy path parameter and the claims", method: "DELETE",
			path: "/items/a/b", header: bearer(withoutScope), wantStatus: 200,
			check: func(t *testing.T, a probeAnswer) {
				jwt := a.Event.RequestContext.Authorizer
				if a.Event.PathParameters["proxy"] != "a/b" || jwt == nil ||
					jwt.JWT.Claims["sub"] != "user-7" || jwt.JWT.Scopes != nil {
					t.Errorf("path parameters %v, authorizer %+v", a.Event.PathParameters, jwt)
				}
			},
		},
		{
			name: "route scope held", method: "GET", path: "/scoped", header: bearer(withScope),
			wantStatus: 200,
			check: func(t *testing.T, a probeAnswer) {
				jwt := a.Event.RequestContext.Authorizer
				if jwt == nil || !slices.Equal(jwt.JWT.Scopes, []string{probeScope, "orders:write"}) {
					t.Errorf("authorizer %+v, want every scope of the token", jwt)
				}
			},
		},
		{
			name: "route scope missing", method: "GET", path: "/scoped", header: bearer(withoutScope),
			wantStatus: 403, wantBody: `{"message":"Forbidden"}`,
		},
		{
			name: "function error", method: "GET", path: "/probe?fail=error",
			wantStatus: 500, wantBody: internalError,
		},
		{
			name: "function panic", method: "GET", path: "/probe?fail=panic",
			wantStatus: 500, wantBody: internalError,
		},
		{
			name: "function exit", method: "GET", path: "/probe?fail=exit",
			wantStatus: 500, wantBody: internalError,
		},
		{
			// The function's timeout is 1 s.
			name: "function timeout", method: "GET", path: "/probe?sleep=3s",
			wantStatus: 500, wantBody: internalError,
		},
		{
			// /quick's integration times out after 300 ms, before the
			// function's own 1 s.
			name: "integration timeout", method: "GET", path: "/quick?sleep=900ms",
			wantStatus: 503, wantBody: `{"message":"Service Unavailable"}`,
		},
		{
			name: "preflight answered by the gateway", method: "OPTIONS", path: "/probe",
			header: http.Header{
				"Origin":                        {probeOrigin},
				"Access-Control-Request-Method": {"GET"},
			},
			wantStatus: 204,
			wantHeader: map[string]string{
				"Access-Control-Allow-Origin":  probeOrigin,
				"Access-Control-Allow-Methods": "GET",
				"Access-Control-Allow-Headers": "authorization",
				"Access-Control-Max-Age":       "600",
			},
		},
		{
			name: "CORS headers on the function's answer", method: "GET", path: "/probe",
			header:     http.Header{"Origin": {probeOrigin}},
			wantStatus: 200,
			wantHeader: map[string]string{"Access-Control-Allow-Origin": probeOrigin},
		},
		{
			name: "no route", method: "GET", path: "/items",
			wantStatus: 404, wantBody: `{"message":"Not Found"}`,
		},
	}
	client := newClient(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := do(t, client, tt.method, base+tt.path, tt.header)
			if got.status != tt.wantStatus || (tt.wantBody != "" && got.body != tt.wantBody) {
				t.Fatalf("got %d %s, want %d %s", got.status, got.body, tt.wantStatus, tt.wantBody)
			}
			for name, want := range tt.wantHeader {
				if v := got.header.Get(name); v != want {
					t.Errorf("header %s = %q, want %q", name, v, want)
				}
			}
			if tt.check != nil {
				tt.check(t, decodeProbe(t, got.body))
			}
		})
	}

	// The log says why each failure failed.
	for _, want := range [][]string{
		{"GET /probe 500", "probe failed on purpose"},
		{"GET /probe 500", "Sandbox.Timedout"},
		{"GET /quick 503", "integration timeout of 300ms"},
		{"GET /scoped 403", "token holds none of the route scopes"},
	} {
		if !logged(log, want...) {
			t.Errorf("no log line with %q in:\n%s", want, log)
		}
	}
}

// TestNamedStage serves an API whose only stage is named: API Gateway serves
// it under /NAME, and the event's rawPath keeps the prefix.
func TestNamedStage(t *testing.T) {
	t.Parallel()
	resources := probeResources(t, devIssuerURL)
	resources["Stage"].(map[string]any)["Properties"].(map[string]any)["StageName"] = "dev"
	dev, err := devissuer.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	g, base := startGateway(t, localgw.Config{Stack: writeAssembly(t, resources), DevIssuer: dev})
	if g.Stage() != "dev" {
		t.Errorf("Stage() = %q, want dev", g.Stage())
	}

	client := newClient(t)
	got := do(t, client, "GET", base+"/dev/probe", nil)
	if got.status != 200 {
		t.Fatalf("GET /dev/probe: %d %s", got.status, got.body)
	}
	a := decodeProbe(t, got.body)
	if a.Event.RawPath != "/dev/probe" || a.Event.RouteKey != "GET /probe" ||
		a.Event.RequestContext.Stage != "dev" {
		t.Errorf("rawPath %q, route key %q, stage %q; want /dev/probe, GET /probe, dev",
			a.Event.RawPath, a.Event.RouteKey, a.Event.RequestContext.Stage)
	}
	for _, path := range []string{"/probe", "/devprobe", "/other/probe"} {
		if got := do(t, client, "GET", base+path, nil); got.status != 404 {
			t.Errorf("GET %s: %d %s, want 404", path, got.status, got.body)
		}
	}
}

// TestRefusals checks that what cannot be served as it would be deployed is
// refused before anything runs, with an error that says why.
func TestRefusals(t *testing.T) {
	t.Parallel()
	props := func(resources map[string]any, id string) map[string]any {
		return resources[id].(map[string]any)["Properties"].(map[string]any)
	}
	tests := []struct {
		name    string
		edit    func(resources map[string]any)
		wantErr error
		want    string
	}{
		{
			name: "IAM-authorized route",
			edit: func(r map[string]any) {
				props(r, "PublicRoute")["AuthorizationType"] = "AWS_IAM"
			},
			wantErr: localgw.ErrUnsupported, want: "GET /probe uses AWS_IAM authorization",
		},
		{
			name: "function that is not a Go handler",
			edit: func(r map[string]any) {
				delete(r["Probe"].(map[string]any)["Metadata"].(map[string]any), "passage:go-package")
			},
			wantErr: localgw.ErrUnsupported, want: "ProbeStack/Probe was not built by golambda",
		},
		{
			name: "sources changed since synth",
			edit: func(r map[string]any) {
				metadata := r["Probe"].(map[string]any)["Metadata"].(map[string]any)
				metadata["aws:asset:path"] = "asset." + strings.Repeat("0", 64)
			},
			wantErr: localgw.ErrStale, want: "run `make synth`",
		},
		{
			name: "no HTTP API",
			edit: func(r map[string]any) {
				props(r, "Api")["ProtocolType"] = "WEBSOCKET"
			},
			wantErr: localgw.ErrNoAPI, want: "stack ProbeStack has none",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resources := probeResources(t, devIssuerURL)
			tt.edit(resources)
			_, err := localgw.New(context.Background(), localgw.Config{
				Stack:     writeAssembly(t, resources),
				AppDir:    repoRoot(t),
				CacheRoot: t.TempDir(),
			})
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New error = %v, want %v saying %q", err, tt.wantErr, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("the error is not one line: %q", err)
			}
		})
	}
}
