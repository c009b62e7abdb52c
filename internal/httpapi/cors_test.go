package httpapi_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/passage-cdk/passage-cdk-go/internal/httpapi"
)

func TestNewCORSRejectsInvalid(t *testing.T) {
	tests := []struct {
		name string
		cfg  httpapi.CORSConfig
	}{
		{"credentials with any origin", httpapi.CORSConfig{
			AllowOrigins: []string{"https://a.example", "*"}, AllowCredentials: true}},
		{"subdomain wildcard", httpapi.CORSConfig{AllowOrigins: []string{"https://*.example.com"}}},
		{"origin with path", httpapi.CORSConfig{AllowOrigins: []string{"https://a.example/app"}}},
		{"origin with trailing slash", httpapi.CORSConfig{AllowOrigins: []string{"https://a.example/"}}},
		{"origin without scheme", httpapi.CORSConfig{AllowOrigins: []string{"a.example"}}},
		{"unknown method", httpapi.CORSConfig{AllowMethods: []string{"FETCH"}}},
		{"ANY is not a CORS method", httpapi.CORSConfig{AllowMethods: []string{"ANY"}}},
		{"header with space", httpapi.CORSConfig{AllowHeaders: []string{"x y"}}},
		{"empty expose header", httpapi.CORSConfig{ExposeHeaders: []string{""}}},
		{"max age too large", httpapi.CORSConfig{MaxAge: 86401}},
		{"max age too small", httpapi.CORSConfig{MaxAge: -2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := httpapi.NewCORS(tt.cfg); !errors.Is(err, httpapi.ErrInvalidCORS) {
				t.Fatalf("NewCORS(%+v) err = %v, want ErrInvalidCORS", tt.cfg, err)
			}
		})
	}
}

// TestCORSPreflight checks API Gateway's own answer to a preflight: 204,
// and the configured headers only for an allowed origin.
func TestCORSPreflight(t *testing.T) {
	exact := httpapi.CORSConfig{
		AllowOrigins:     []string{"https://app.example.com", "http://localhost:5173"},
		AllowMethods:     []string{"GET", "POST"},
		AllowHeaders:     []string{"authorization", "content-type"},
		ExposeHeaders:    []string{"x-request-id"},
		AllowCredentials: true,
		MaxAge:           300,
	}
	allowed := http.Header{
		"Access-Control-Allow-Origin":      {"https://app.example.com"},
		"Access-Control-Allow-Credentials": {"true"},
		"Access-Control-Allow-Methods":     {"GET,POST"},
		"Access-Control-Allow-Headers":     {"authorization,content-type"},
		"Access-Control-Max-Age":           {"300"},
	}

	tests := []struct {
		name   string
		cfg    httpapi.CORSConfig
		origin string
		want   http.Header
	}{
		{"allowed origin", exact, "https://app.example.com", allowed},
		{"origin case does not matter", exact, "HTTPS://APP.EXAMPLE.COM", http.Header{
			"Access-Control-Allow-Origin":      {"HTTPS://APP.EXAMPLE.COM"},
			"Access-Control-Allow-Credentials": {"true"},
			"Access-Control-Allow-Methods":     {"GET,POST"},
			"Access-Control-Allow-Headers":     {"authorization,content-type"},
			"Access-Control-Max-Age":           {"300"},
		}},
		{"port matters", exact, "http://localhost:3000", http.Header{}},
		{"other origin", exact, "https://evil.example", http.Header{}},
		{"no origins configured", httpapi.CORSConfig{AllowMethods: []string{"GET"}},
			"https://app.example.com", http.Header{}},
		{"any origin", httpapi.CORSConfig{AllowOrigins: []string{"*"},
			AllowMethods: []string{"*"}, AllowHeaders: []string{"*"}},
			"https://anyone.example", http.Header{
				"Access-Control-Allow-Origin":  {"*"},
				"Access-Control-Allow-Methods": {"*"},
				"Access-Control-Allow-Headers": {"*"},
			}},
		{"scheme wildcard matches", httpapi.CORSConfig{AllowOrigins: []string{"https://*"},
			AllowCredentials: true}, "https://x.example", http.Header{
			"Access-Control-Allow-Origin":      {"https://x.example"},
			"Access-Control-Allow-Credentials": {"true"},
		}},
		{"scheme wildcard refuses other scheme",
			httpapi.CORSConfig{AllowOrigins: []string{"https://*"}}, "http://x.example",
			http.Header{}},
		{"negative max age is sent", httpapi.CORSConfig{AllowOrigins: []string{"*"}, MaxAge: -1},
			"https://a.example", http.Header{
				"Access-Control-Allow-Origin": {"*"},
				"Access-Control-Max-Age":      {"-1"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cors, err := httpapi.NewCORS(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest(http.MethodOptions, "/items", nil)
			r.Header.Set("Origin", tt.origin)
			r.Header.Set("Access-Control-Request-Method", "POST")
			r.Header.Set("Access-Control-Request-Headers", "authorization")
			if !cors.IsPreflight(r) {
				t.Fatal("IsPreflight = false for a preflight request")
			}

			rec := httptest.NewRecorder()
			cors.WritePreflight(rec, r)
			if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
				t.Errorf("got %d with %d body bytes, want 204 and no body", rec.Code,
					rec.Body.Len())
			}
			if diff := cmp.Diff(tt.want, rec.Header()); diff != "" {
				t.Errorf("headers mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCORSIsPreflight(t *testing.T) {
	cors, err := httpapi.NewCORS(httpapi.CORSConfig{AllowOrigins: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		method        string
		origin, reqMt string
		want          bool
	}{
		{"preflight", "OPTIONS", "https://a.example", "GET", true},
		{"options without origin", "OPTIONS", "", "GET", false},
		{"options without requested method", "OPTIONS", "https://a.example", "", false},
		{"get with both headers", "GET", "https://a.example", "GET", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/", nil)
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			if tt.reqMt != "" {
				r.Header.Set("Access-Control-Request-Method", tt.reqMt)
			}
			if got := cors.IsPreflight(r); got != tt.want {
				t.Errorf("IsPreflight = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestCORSApply checks the headers added to an integration's response, and
// that the integration's own CORS headers never survive.
func TestCORSApply(t *testing.T) {
	backend := func() http.Header {
		return http.Header{
			"Content-Type":                     {"application/json"},
			"Access-Control-Allow-Origin":      {"*"},
			"Access-Control-Allow-Methods":     {"DELETE"},
			"Access-Control-Allow-Credentials": {"true"},
		}
	}
	creds := httpapi.CORSConfig{
		AllowOrigins:     []string{"https://app.example.com"},
		ExposeHeaders:    []string{"x-request-id", "date"},
		AllowCredentials: true,
	}

	tests := []struct {
		name   string
		cfg    httpapi.CORSConfig
		origin string
		want   http.Header
	}{
		{"allowed origin", creds, "https://app.example.com", http.Header{
			"Content-Type":                     {"application/json"},
			"Access-Control-Allow-Origin":      {"https://app.example.com"},
			"Access-Control-Allow-Credentials": {"true"},
			"Access-Control-Expose-Headers":    {"x-request-id,date"},
		}},
		{"other origin", creds, "https://evil.example", http.Header{
			"Content-Type": {"application/json"},
		}},
		{"no origin header", creds, "", http.Header{
			"Content-Type": {"application/json"},
		}},
		{"any origin", httpapi.CORSConfig{AllowOrigins: []string{"*"}}, "https://a.example",
			http.Header{
				"Content-Type":                {"application/json"},
				"Access-Control-Allow-Origin": {"*"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cors, err := httpapi.NewCORS(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest(http.MethodGet, "/items", nil)
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			h := backend()
			cors.Apply(h, r)
			if diff := cmp.Diff(tt.want, h); diff != "" {
				t.Errorf("headers mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestNewCORSCopiesConfig checks that changing the caller's slices later
// does not change the CORS behaviour.
func TestNewCORSCopiesConfig(t *testing.T) {
	cfg := httpapi.CORSConfig{AllowOrigins: []string{"https://a.example"}}
	cors, err := httpapi.NewCORS(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.AllowOrigins[0] = "https://evil.example"

	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Origin", "https://evil.example")
	h := http.Header{}
	cors.Apply(h, r)
	if len(h) != 0 {
		t.Errorf("origin changed after NewCORS was allowed: %v", h)
	}
}
