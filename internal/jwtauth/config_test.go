package jwtauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/passage-cdk/passage-cdk-go/internal/jwtauth"
)

// TestNewRejectsConfig checks that a configuration API Gateway would not
// accept fails at start-up, naming the field and what was found.
func TestNewRejectsConfig(t *testing.T) {
	local := jwtauth.WithLocalKeys("http://localhost:3000",
		jwksOf(rsaJWK("k", "RS256", &testKeys().a.PublicKey)))
	many := make([]string, jwtauth.MaxAudiences+1)
	for i := range many {
		many[i] = origin + "/" + strings.Repeat("x", i)
	}

	tests := []struct {
		name string
		cfg  jwtauth.Config
		opts []jwtauth.Option
		want string
	}{
		{
			name: "no issuer",
			cfg:  jwtauth.Config{Audience: []string{origin}},
			want: `Issuer: expected an https URL (or local keys for it), found ""`,
		},
		{
			name: "http issuer without local keys",
			cfg:  jwtauth.Config{Issuer: "http://auth.example.com", Audience: []string{origin}},
			want: `Issuer: expected an https URL (or local keys for it), ` +
				`found "http://auth.example.com"`,
		},
		{
			name: "local keys for another issuer do not count",
			cfg:  jwtauth.Config{Issuer: "http://localhost:3001", Audience: []string{origin}},
			opts: []jwtauth.Option{local},
			want: `Issuer: expected an https URL (or local keys for it)`,
		},
		{
			name: "issuer with a query",
			cfg:  jwtauth.Config{Issuer: "https://auth.example.com?x=1", Audience: []string{origin}},
			want: "Issuer: expected no query or fragment",
		},
		{
			name: "no audience",
			cfg:  jwtauth.Config{Issuer: "https://auth.example.com"},
			want: "Audience: expected 1 to 50 entries, found 0",
		},
		{
			name: "51 audiences",
			cfg:  jwtauth.Config{Issuer: "https://auth.example.com", Audience: many},
			want: "Audience: expected 1 to 50 entries, found 51",
		},
		{
			name: "empty audience",
			cfg:  jwtauth.Config{Issuer: "https://auth.example.com", Audience: []string{origin, ""}},
			want: "Audience[1]: expected a value, found an empty string",
		},
		{
			name: "two identity sources",
			cfg: jwtauth.Config{
				Issuer:         "https://auth.example.com",
				Audience:       []string{origin},
				IdentitySource: []string{"$request.header.Authorization", "$request.querystring.t"},
			},
			want: "IdentitySource: expected one entry for a JWT authorizer, found 2",
		},
		{
			name: "cookie identity source",
			cfg: jwtauth.Config{
				Issuer:         "https://auth.example.com",
				Audience:       []string{origin},
				IdentitySource: []string{"$request.cookie.psg_auth_token"},
			},
			want: `IdentitySource: expected $request.header.NAME or $request.querystring.NAME, ` +
				`found "$request.cookie.psg_auth_token"`,
		},
		{
			name: "identity source without a name",
			cfg: jwtauth.Config{
				Issuer:         "https://auth.example.com",
				Audience:       []string{origin},
				IdentitySource: []string{"$request.header."},
			},
			want: `found "$request.header."`,
		},
		{
			name: "local keys that hold no RSA signing key",
			cfg:  jwtauth.Config{Issuer: "http://localhost:3000", Audience: []string{origin}},
			opts: []jwtauth.Option{jwtauth.WithLocalKeys("http://localhost:3000",
				[]byte(`{"keys":[{"kty":"oct","kid":"k","k":"c2VjcmV0"}]}`))},
			want: `local keys for issuer "http://localhost:3000": expected at least one RSA ` +
				`signing key with a kid, found none among 1 keys (key 0: kty is "oct", not RSA)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := jwtauth.New(tt.cfg, tt.opts...)
			if err == nil {
				t.Fatalf("New accepted %+v", tt.cfg)
			}
			if a != nil {
				t.Errorf("New returned an authorizer with the error %v", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, expected it to contain %q", err, tt.want)
			}
		})
	}
}

// TestNewMakesNoRequest checks that building an authorizer leaves the issuer
// alone: keys are fetched when the first token needs them.
func TestNewMakesNoRequest(t *testing.T) {
	iss := newIssuer(t, jwksOf(rsaJWK("key-a", "RS256", &testKeys().a.PublicKey)))
	mustNew(t, jwtauth.Config{Issuer: iss.URL(), Audience: []string{origin}},
		jwtauth.WithHTTPClient(iss.Client()))
	if n := iss.requests.Load(); n != 0 {
		t.Errorf("the issuer got %d requests, expected none", n)
	}
}

// TestIdentitySources reads the token from each kind of identity source API
// Gateway allows a JWT authorizer.
func TestIdentitySources(t *testing.T) {
	keys := testKeys()
	clk := newClock()
	const iss = "http://localhost:3000"
	token := sign(jwt.SigningMethodRS256, keys.a, header("RS256", "k"), claims(iss, clk.Now()))
	newAuthz := func(t *testing.T, source string) *jwtauth.Authorizer {
		cfg := jwtauth.Config{Issuer: iss, Audience: []string{origin}}
		if source != "" {
			cfg.IdentitySource = []string{source}
		}
		return mustNew(t, cfg, jwtauth.WithClock(clk.Now),
			jwtauth.WithLocalKeys(iss, jwksOf(rsaJWK("k", "RS256", &keys.a.PublicKey))))
	}
	get := func(target string, headers ...string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		for i := 0; i+1 < len(headers); i += 2 {
			r.Header.Add(headers[i], headers[i+1])
		}
		return r
	}

	tests := []struct {
		name    string
		source  string
		request *http.Request
		err     error // nil: accepted
	}{
		{
			name:    "default source",
			request: get("/orders", "Authorization", "Bearer "+token),
		},
		{
			name:    "query string, bare",
			source:  "$request.querystring.access_token",
			request: get("/orders?access_token=" + token),
		},
		{
			name:    "query string, with Bearer",
			source:  "$request.querystring.access_token",
			request: get("/orders?access_token=Bearer%20" + token),
		},
		{
			name:    "query string ignores the Authorization header",
			source:  "$request.querystring.access_token",
			request: get("/orders", "Authorization", "Bearer "+token),
			err:     jwtauth.ErrMissingToken,
		},
		{
			name:    "query string names are case-sensitive",
			source:  "$request.querystring.access_token",
			request: get("/orders?Access_Token=" + token),
			err:     jwtauth.ErrMissingToken,
		},
		{
			name:    "query string, empty",
			source:  "$request.querystring.access_token",
			request: get("/orders?access_token="),
			err:     jwtauth.ErrMissingToken,
		},
		{
			name:    "query string given twice",
			source:  "$request.querystring.access_token",
			request: get("/orders?access_token=" + token + "&access_token=" + token),
			err:     jwtauth.ErrAmbiguousToken,
		},
		{
			name:    "another header, named in any case",
			source:  "$request.header.x-passage-token",
			request: get("/orders", "X-Passage-Token", token),
		},
		{
			name:    "another header ignores Authorization",
			source:  "$request.header.X-Passage-Token",
			request: get("/orders", "Authorization", "Bearer "+token),
			err:     jwtauth.ErrMissingToken,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			grant, denial := newAuthz(t, tt.source).Authorize(context.Background(), tt.request,
				nil)
			switch {
			case tt.err == nil && denial != nil:
				t.Fatalf("denied: %v", denial.Reason)
			case tt.err == nil && grant.Claims["sub"] != "user-123":
				t.Errorf("claims %v, expected sub user-123", grant.Claims)
			case tt.err != nil && denial == nil:
				t.Fatalf("accepted, expected a denial for %v", tt.err)
			case tt.err != nil && !errors.Is(denial.Reason, tt.err):
				t.Errorf("reason %v, expected %v", denial.Reason, tt.err)
			}
		})
	}
}
