package claims_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/passage-cdk/passage-cdk-go/claims"
)

const (
	passageApp    = "kTUQ5N0kpbd3qvLr0ovBQjHe"
	passageUser   = "Yb9wGkzYcxw4aXjVFPvuSDWP"
	passageIssuer = "https://auth.passage.id/v1/apps/" + passageApp
)

// issued is when every token in testdata was issued: 2025-12-03T16:00:00Z.
var issued = time.Date(2025, 12, 3, 16, 0, 0, 0, time.UTC)

// loadEvent reads a payload 2.0 event from testdata, as the Lambda runtime
// would decode it.
func loadEvent(t *testing.T, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("reading event: %v", err)
	}
	var req events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(data, &req); err != nil {
		t.Fatalf("decoding event %s: %v", name, err)
	}
	return req
}

// setClaim changes or, given remove, deletes one claim of a loaded event.
func setClaim(name, value string) func(*events.APIGatewayV2HTTPRequest) {
	return func(req *events.APIGatewayV2HTTPRequest) {
		req.RequestContext.Authorizer.JWT.Claims[name] = value
	}
}

func deleteClaim(name string) func(*events.APIGatewayV2HTTPRequest) {
	return func(req *events.APIGatewayV2HTTPRequest) {
		delete(req.RequestContext.Authorizer.JWT.Claims, name)
	}
}

func TestFromRequest(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		mutate func(*events.APIGatewayV2HTTPRequest)
		want   claims.Claims
	}{
		{
			name: "passage token with origin and app ID as audiences",
			file: "passage-aud-array.json",
			want: claims.Claims{
				UserID:    passageUser,
				Issuer:    passageIssuer,
				Audiences: []string{"https://app.example.com", passageApp},
				ExpiresAt: issued.Add(time.Hour),
				IssuedAt:  issued,
				NotBefore: issued,
			},
		},
		{
			name: "older passage token with the origin as a string audience",
			file: "passage-aud-string.json",
			want: claims.Claims{
				UserID:    passageUser,
				Issuer:    passageIssuer,
				Audiences: []string{"http://localhost:5000"},
				ExpiresAt: issued.Add(time.Hour),
				IssuedAt:  issued,
				NotBefore: issued,
			},
		},
		{
			name: "scopes from the authorizer's list win over the scope claim",
			file: "scopes-jwt-list.json",
			want: claims.Claims{
				UserID:    "auth0|65f1c2d3e4b5a6978812ab34",
				Issuer:    "https://idp.example.com/",
				Audiences: []string{"https://api.example.com"},
				ExpiresAt: issued.Add(15 * time.Minute),
				IssuedAt:  issued,
				Scopes:    []string{"orders:read"},
			},
		},
		{
			name: "scopes from the space-separated scope claim",
			file: "scope-claim.json",
			want: claims.Claims{
				UserID:    "auth0|65f1c2d3e4b5a6978812ab34",
				Issuer:    "https://idp.example.com/",
				Audiences: []string{"https://api.example.com"},
				ExpiresAt: issued.Add(15 * time.Minute),
				IssuedAt:  issued,
				Scopes:    []string{"openid", "profile", "orders:read", "orders:write"},
			},
		},
		{
			name: "scopes from a flattened scp array",
			file: "scp-array.json",
			want: claims.Claims{
				UserID:    "jane.doe@example.com",
				Issuer:    "https://example.okta.com/oauth2/default",
				Audiences: []string{"api://default"},
				ExpiresAt: issued.Add(time.Hour),
				IssuedAt:  issued,
				Scopes:    []string{"orders:read", "profile"},
			},
		},
		{
			name:   "scopes from a space-separated scp string",
			file:   "scp-array.json",
			mutate: setClaim("scp", "orders:read orders:write"),
			want: claims.Claims{
				UserID:    "jane.doe@example.com",
				Issuer:    "https://example.okta.com/oauth2/default",
				Audiences: []string{"api://default"},
				ExpiresAt: issued.Add(time.Hour),
				IssuedAt:  issued,
				Scopes:    []string{"orders:read", "orders:write"},
			},
		},
		{
			name: "an empty scopes list from the authorizer means no scopes",
			file: "scopes-jwt-list.json",
			mutate: func(req *events.APIGatewayV2HTTPRequest) {
				req.RequestContext.Authorizer.JWT.Scopes = []string{}
			},
			want: claims.Claims{
				UserID:    "auth0|65f1c2d3e4b5a6978812ab34",
				Issuer:    "https://idp.example.com/",
				Audiences: []string{"https://api.example.com"},
				ExpiresAt: issued.Add(15 * time.Minute),
				IssuedAt:  issued,
			},
		},
		{
			name: "client_id stands in for a missing aud",
			file: "scope-claim.json",
			mutate: func(req *events.APIGatewayV2HTTPRequest) {
				deleteClaim("aud")(req)
				setClaim("client_id", "3nkoep4151b7umeggnottc30u9")(req)
			},
			want: claims.Claims{
				UserID:    "auth0|65f1c2d3e4b5a6978812ab34",
				Issuer:    "https://idp.example.com/",
				ClientID:  "3nkoep4151b7umeggnottc30u9",
				ExpiresAt: issued.Add(15 * time.Minute),
				IssuedAt:  issued,
				Scopes:    []string{"openid", "profile", "orders:read", "orders:write"},
			},
		},
		{
			name: "fractional and exponent NumericDates",
			file: "passage-aud-string.json",
			mutate: func(req *events.APIGatewayV2HTTPRequest) {
				setClaim("exp", "1764781200.25")(req)
				setClaim("iat", "1.7647776e+09")(req)
				deleteClaim("nbf")(req)
			},
			want: claims.Claims{
				UserID:    passageUser,
				Issuer:    passageIssuer,
				Audiences: []string{"http://localhost:5000"},
				ExpiresAt: issued.Add(time.Hour + 250*time.Millisecond),
				IssuedAt:  issued,
			},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := loadEvent(t, tt.file)
			if tt.mutate != nil {
				tt.mutate(&req)
			}

			got, err := claims.FromRequest(req)
			if err != nil {
				t.Fatalf("FromRequest: unexpected error: %v", err)
			}
			if diff := cmp.Diff(tt.want, *got, cmpopts.IgnoreFields(claims.Claims{}, "Raw")); diff != "" {
				t.Errorf("FromRequest claims (-want +got):\n%s", diff)
			}

			// Raw must hold every claim exactly as API Gateway passed it.
			if diff := cmp.Diff(req.RequestContext.Authorizer.JWT.Claims, got.Raw); diff != "" {
				t.Errorf("FromRequest Raw (-event +got):\n%s", diff)
			}
		})
	}
}

func TestFromRequestErrors(t *testing.T) {
	tests := []struct {
		name      string
		file      string
		mutate    func(*events.APIGatewayV2HTTPRequest)
		wantErr   error
		wantClaim string // the claim a *ClaimError must name; empty for none
		wantText  string // what the message must say
	}{
		{
			name:     "public route without any authorizer",
			file:     "no-authorizer.json",
			wantErr:  claims.ErrNoAuthorizer,
			wantText: "found no authorizer",
		},
		{
			name: "route behind a Lambda authorizer",
			file: "no-authorizer.json",
			mutate: func(req *events.APIGatewayV2HTTPRequest) {
				req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
					Lambda: map[string]any{"userId": "u-1"},
				}
			},
			wantErr:  claims.ErrNoAuthorizer,
			wantText: "found a Lambda authorizer context",
		},
		{
			name: "route behind an IAM authorizer",
			file: "no-authorizer.json",
			mutate: func(req *events.APIGatewayV2HTTPRequest) {
				req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
					IAM: &events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{
						AccountID: "123456789012",
					},
				}
			},
			wantErr:  claims.ErrNoAuthorizer,
			wantText: "found an IAM authorizer context",
		},
		{
			name: "JWT context without claims",
			file: "passage-aud-array.json",
			mutate: func(req *events.APIGatewayV2HTTPRequest) {
				req.RequestContext.Authorizer.JWT.Claims = map[string]string{}
			},
			wantErr:  claims.ErrNoAuthorizer,
			wantText: "found none",
		},
		{
			name:      "sub missing",
			file:      "sub-missing.json",
			wantErr:   claims.ErrMissingClaim,
			wantClaim: "sub",
			wantText:  `claim "sub" missing`,
		},
		{
			name:      "sub empty",
			file:      "passage-aud-array.json",
			mutate:    setClaim("sub", ""),
			wantErr:   claims.ErrMalformedClaim,
			wantClaim: "sub",
			wantText:  `expected a non-empty string, found ""`,
		},
		{
			name:      "iss missing",
			file:      "passage-aud-array.json",
			mutate:    deleteClaim("iss"),
			wantErr:   claims.ErrMissingClaim,
			wantClaim: "iss",
			wantText:  `claim "iss" missing`,
		},
		{
			name:      "aud and client_id missing",
			file:      "passage-aud-array.json",
			mutate:    deleteClaim("aud"),
			wantErr:   claims.ErrMissingClaim,
			wantClaim: "aud",
			wantText:  `claim "aud" missing`,
		},
		{
			name:      "aud an empty array",
			file:      "passage-aud-array.json",
			mutate:    setClaim("aud", "[]"),
			wantErr:   claims.ErrMalformedClaim,
			wantClaim: "aud",
			wantText:  `expected at least one audience, found "[]"`,
		},
		{
			name:      "aud a cut-off array",
			file:      "passage-aud-array.json",
			mutate:    setClaim("aud", "[https://app.example.com kTUQ5N0k"),
			wantErr:   claims.ErrMalformedClaim,
			wantClaim: "aud",
			wantText:  `found "[https://app.example.com kTUQ5N0k"`,
		},
		{
			name:      "exp missing",
			file:      "passage-aud-array.json",
			mutate:    deleteClaim("exp"),
			wantErr:   claims.ErrMissingClaim,
			wantClaim: "exp",
			wantText:  `claim "exp" missing`,
		},
		{
			name:      "exp not a number",
			file:      "passage-aud-array.json",
			mutate:    setClaim("exp", "tomorrow"),
			wantErr:   claims.ErrMalformedClaim,
			wantClaim: "exp",
			wantText:  `expected a NumericDate`,
		},
		{
			name:      "exp negative",
			file:      "passage-aud-array.json",
			mutate:    setClaim("exp", "-1"),
			wantErr:   claims.ErrMalformedClaim,
			wantClaim: "exp",
			wantText:  `found "-1"`,
		},
		{
			name:      "exp past the year 9999",
			file:      "passage-aud-array.json",
			mutate:    setClaim("exp", "1e300"),
			wantErr:   claims.ErrMalformedClaim,
			wantClaim: "exp",
			wantText:  `found "1e300"`,
		},
		{
			name:      "exp infinite",
			file:      "passage-aud-array.json",
			mutate:    setClaim("exp", "Inf"),
			wantErr:   claims.ErrMalformedClaim,
			wantClaim: "exp",
			wantText:  `found "Inf"`,
		},
		{
			name:      "iat hexadecimal",
			file:      "passage-aud-array.json",
			mutate:    setClaim("iat", "0x1p30"),
			wantErr:   claims.ErrMalformedClaim,
			wantClaim: "iat",
			wantText:  `found "0x1p30"`,
		},
		{
			name:      "nbf empty",
			file:      "passage-aud-array.json",
			mutate:    setClaim("nbf", ""),
			wantErr:   claims.ErrMalformedClaim,
			wantClaim: "nbf",
			wantText:  `found ""`,
		},
		{
			name:      "scp a cut-off array",
			file:      "scp-array.json",
			mutate:    setClaim("scp", "[orders:read"),
			wantErr:   claims.ErrMalformedClaim,
			wantClaim: "scp",
			wantText:  `found "[orders:read"`,
		},
		{
			name:      "a huge claim is cut in the message",
			file:      "passage-aud-array.json",
			mutate:    setClaim("exp", strings.Repeat("9", 5000)),
			wantErr:   claims.ErrMalformedClaim,
			wantClaim: "exp",
			wantText:  `... (5000 bytes in all)`,
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := loadEvent(t, tt.file)
			if tt.mutate != nil {
				tt.mutate(&req)
			}

			got, err := claims.FromRequest(req)
			if err == nil {
				t.Fatalf("FromRequest = %+v, want an error wrapping %v", got, tt.wantErr)
			}
			if got != nil {
				t.Errorf("FromRequest returned claims %+v with its error", got)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("FromRequest error %q does not wrap %q", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("FromRequest error %q does not say %q", err, tt.wantText)
			}
			if len(err.Error()) > 300 {
				t.Errorf("FromRequest error is %d bytes long, want at most 300", len(err.Error()))
			}

			var claimErr *claims.ClaimError
			switch {
			case tt.wantClaim == "" && errors.As(err, &claimErr):
				t.Errorf("FromRequest error is a ClaimError for %q, want none", claimErr.Claim)
			case tt.wantClaim != "" && !errors.As(err, &claimErr):
				t.Errorf("FromRequest error %q is no ClaimError", err)
			case tt.wantClaim != "" && claimErr.Claim != tt.wantClaim:
				t.Errorf("ClaimError names %q, want %q", claimErr.Claim, tt.wantClaim)
			}
		})
	}
}

func TestFromRequestRawIsACopy(t *testing.T) {
	req := loadEvent(t, "passage-aud-array.json")

	got, err := claims.FromRequest(req)
	if err != nil {
		t.Fatalf("FromRequest: %v", err)
	}
	got.Raw["sub"] = "someone-else"

	if sub := req.RequestContext.Authorizer.JWT.Claims["sub"]; sub != passageUser {
		t.Errorf("changing Raw changed the event's sub to %q", sub)
	}
}

func TestList(t *testing.T) {
	tests := []struct {
		name    string
		value   string // set as the custom claim; empty leaves it out
		want    []string
		wantErr error
	}{
		{name: "flattened array", value: "[Admin Merchant Remarketer]",
			want: []string{"Admin", "Merchant", "Remarketer"}},
		{name: "one-element array", value: "[Admin]", want: []string{"Admin"}},
		{name: "empty array", value: "[]", want: nil},
		{name: "plain string", value: "Admin", want: []string{"Admin"}},
		{name: "plain string ending in a bracket", value: "Team :]", want: []string{"Team :]"}},
		{name: "cut-off array", value: "[Admin Merch", wantErr: claims.ErrMalformedClaim},
		{name: "absent", wantErr: claims.ErrMissingClaim},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := loadEvent(t, "passage-aud-array.json")
			if tt.value != "" {
				setClaim("cognito:groups", tt.value)(&req)
			}
			c, err := claims.FromRequest(req)
			if err != nil {
				t.Fatalf("FromRequest: %v", err)
			}

			got, err := c.List("cognito:groups")
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("List error = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("List (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHasScope(t *testing.T) {
	c, err := claims.FromRequest(loadEvent(t, "scope-claim.json"))
	if err != nil {
		t.Fatalf("FromRequest: %v", err)
	}

	for scope, want := range map[string]bool{
		"orders:read":  true,
		"orders:write": true,
		"orders":       false,
		"":             false,
	} {
		if got := c.HasScope(scope); got != want {
			t.Errorf("HasScope(%q) = %v, want %v", scope, got, want)
		}
	}
}
