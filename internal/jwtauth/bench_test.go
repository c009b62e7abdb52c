package jwtauth_test

import (
	"context"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/passage-cdk/passage-cdk-go/internal/jwtauth"
)

// BenchmarkAuthorize measures Authorize on a valid RS256 token: with the
// issuer's keys cached after discovery over loopback TLS, as a Passage or
// other OIDC issuer is used, and with local keys, as the development issuer
// is used. Both include reading the header, verifying the signature,
// checking the claims and flattening them.
func BenchmarkAuthorize(b *testing.B) {
	keys := testKeys()
	clk := newClock()

	b.Run("remote-keys-cached", func(b *testing.B) {
		iss := newIssuer(b, jwksOf(rsaJWK("key-a", "RS256", &keys.a.PublicKey)))
		authz := mustNew(b, jwtauth.Config{Issuer: iss.URL(), Audience: []string{origin}},
			jwtauth.WithHTTPClient(iss.Client()), jwtauth.WithClock(clk.Now))
		token := sign(jwt.SigningMethodRS256, keys.a, header("RS256", "key-a"),
			claims(iss.URL(), clk.Now()))
		benchmarkAuthorize(b, authz, token)
	})

	b.Run("local-keys", func(b *testing.B) {
		const iss = "http://localhost:3000"
		authz := mustNew(b, jwtauth.Config{Issuer: iss, Audience: []string{origin}},
			jwtauth.WithClock(clk.Now),
			jwtauth.WithLocalKeys(iss, jwksOf(rsaJWK("key-a", "RS256", &keys.a.PublicKey))))
		token := sign(jwt.SigningMethodRS256, keys.a, header("RS256", "key-a"),
			claims(iss, clk.Now()))
		benchmarkAuthorize(b, authz, token)
	})
}

func benchmarkAuthorize(b *testing.B, authz *jwtauth.Authorizer, token string) {
	r := request("Bearer " + token)
	ctx := context.Background()

	// The first call fetches the keys; the loop measures the cached path.
	if _, denial := authz.Authorize(ctx, r, nil); denial != nil {
		b.Fatalf("denied: %v", denial.Reason)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, denial := authz.Authorize(ctx, r, nil); denial != nil {
			b.Fatalf("denied: %v", denial.Reason)
		}
	}
}
