package jwtauth_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/passage-cdk/passage-cdk-go/internal/jwtauth"
)

// sentinels are the reasons a Denial may give.
var sentinels = []error{
	jwtauth.ErrMissingToken, jwtauth.ErrAmbiguousToken, jwtauth.ErrOversizedToken,
	jwtauth.ErrMalformedToken, jwtauth.ErrAlgorithm, jwtauth.ErrUnknownKey,
	jwtauth.ErrKeysUnavailable, jwtauth.ErrSignature, jwtauth.ErrIssuer, jwtauth.ErrAudience,
	jwtauth.ErrExpired, jwtauth.ErrNotYetValid, jwtauth.ErrIssuedInFuture, jwtauth.ErrScope,
}

// FuzzAuthorize feeds arbitrary tokens to an authorizer and checks what must
// hold for any input: no panic; exactly one of grant and denial; a denial
// that is a well-formed 401 or 403 for one documented reason; and no token
// accepted unless it is one the issuer signed. The committed seeds in
// testdata/fuzz/FuzzAuthorize are attack shapes; the valid tokens are added
// here, since their key is made afresh on each run.
func FuzzAuthorize(f *testing.F) {
	keys := testKeys()
	clk := newClock()
	now := clk.Now()
	const iss = "http://localhost:3000"
	authz := mustNew(f, jwtauth.Config{Issuer: iss, Audience: []string{origin}},
		jwtauth.WithClock(clk.Now),
		jwtauth.WithLocalKeys(iss, jwksOf(
			rsaJWK("key-a", "RS256", &keys.a.PublicKey),
			rsaJWK("key-b", "", &keys.b.PublicKey),
		)))

	// Everything the issuer signed, accepted or not.
	signed := map[string]bool{}
	mint := func(method jwt.SigningMethod, kid string, payload map[string]any) string {
		key := keys.a
		if kid == "key-b" {
			key = keys.b
		}
		token := sign(method, key, header(method.Alg(), kid), payload)
		signed[token] = true
		return token
	}
	base := claims(iss, now)
	f.Add(mint(jwt.SigningMethodRS256, "key-a", base))
	f.Add(mint(jwt.SigningMethodPS256, "key-b", with(base, "scope", "orders:read")))
	f.Add(mint(jwt.SigningMethodRS512, "key-b", with(base, "scp", []any{"orders:read"})))
	f.Add(mint(jwt.SigningMethodRS256, "key-a", with(base, "exp", now.Unix()-1)))
	f.Add(mint(jwt.SigningMethodRS256, "key-a", with(base, "aud", remove)))

	f.Fuzz(func(t *testing.T, token string) {
		for _, scopes := range [][]string{nil, {"orders:read"}} {
			r := request()
			r.Header["Authorization"] = []string{"Bearer " + token}
			grant, denial := authz.Authorize(context.Background(), r, scopes)

			if denial == nil {
				if !signed[token] {
					t.Fatalf("accepted a token the issuer never signed: %q", token)
				}
				if grant.Claims["iss"] != iss {
					t.Fatalf("accepted with claims %v", grant.Claims)
				}
				continue
			}
			checkDenial(t, grant, denial, scopes != nil)
		}
	})
}

// checkDenial checks the shape of any denial.
func checkDenial(t *testing.T, grant jwtauth.Grant, denial *jwtauth.Denial, scoped bool) {
	t.Helper()
	if grant.Claims != nil || grant.Scopes != nil {
		t.Fatalf("a denial came with a grant: %+v", grant)
	}

	var reasons int
	for _, sentinel := range sentinels {
		if errors.Is(denial.Reason, sentinel) {
			reasons++
		}
	}
	if reasons != 1 {
		t.Fatalf("reason %v wraps %d sentinels, expected exactly one", denial.Reason, reasons)
	}

	switch {
	case denial.Status == http.StatusUnauthorized:
		if string(denial.Body) != `{"message":"Unauthorized"}` {
			t.Fatalf("401 with body %s", denial.Body)
		}
	case denial.Status == http.StatusForbidden && scoped:
		if string(denial.Body) != `{"message":"Forbidden"}` ||
			!errors.Is(denial.Reason, jwtauth.ErrScope) {
			t.Fatalf("403 with body %s for %v", denial.Body, denial.Reason)
		}
	default:
		t.Fatalf("status %d (route scoped: %v) for %v", denial.Status, scoped, denial.Reason)
	}

	// The challenge echoes parts of the token; it must stay a valid header.
	for _, c := range []byte(denial.Header.Get("WWW-Authenticate")) {
		if c < 0x20 || c > 0x7e {
			t.Fatalf("challenge %q holds byte %#x", denial.Header.Get("WWW-Authenticate"), c)
		}
	}
}
