package jwtauth_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/sebdah/goldie/v2"

	"github.com/passage-cdk/passage-cdk-go/internal/jwtauth"
)

// fixture is an authorizer for a TLS issuer on loopback, which publishes
// key-a (for RS256 only) and key-b (for any RSA algorithm), and an attacker's
// server that counts every request it gets.
type fixture struct {
	issuer   *issuer
	attacker *issuer
	clock    *clock
	authz    *jwtauth.Authorizer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	keys := testKeys()
	iss := newIssuer(t, jwksOf(
		rsaJWK("key-a", "RS256", &keys.a.PublicKey),
		rsaJWK("key-b", "", &keys.b.PublicKey),
	))
	attacker := newIssuer(t, jwksOf(rsaJWK("key-x", "RS256", &keys.attacker.PublicKey)))
	clk := newClock()
	authz := mustNew(t, jwtauth.Config{
		Issuer:   iss.URL(),
		Audience: []string{origin, "https://admin.example.com"},
	}, jwtauth.WithHTTPClient(iss.Client()), jwtauth.WithClock(clk.Now))
	return &fixture{issuer: iss, attacker: attacker, clock: clk, authz: authz}
}

// claims are the claims of a token the fixture accepts.
func (f *fixture) claims() map[string]any {
	return claims(f.issuer.URL(), f.clock.Now())
}

// signA signs payload with key-a, as the issuer does.
func (f *fixture) signA(payload map[string]any) string {
	return sign(jwt.SigningMethodRS256, testKeys().a, header("RS256", "key-a"), payload)
}

// valid is a token the fixture accepts.
func (f *fixture) valid() string {
	return f.signA(f.claims())
}

// tokenOfLength returns a token signed with key-a that is exactly n bytes
// long, by padding a claim and, where base64 cannot reach n, the header. The
// length is found from the signing input alone, since a 2048-bit signature is
// always 342 characters.
func (f *fixture) tokenOfLength(t *testing.T, n int) string {
	t.Helper()
	const signatureLength = 1 + 342
	for headerPad := 0; headerPad < 4; headerPad++ {
		hdr := header("RS256", "key-a", "pad", strings.Repeat("h", headerPad))
		padded := func(pad int) *jwt.Token {
			c := with(f.claims(), "pad", strings.Repeat("p", pad))
			return &jwt.Token{Header: hdr, Claims: jwt.MapClaims(c), Method: jwt.SigningMethodRS256}
		}
		length := func(pad int) int {
			input, err := padded(pad).SigningString()
			if err != nil {
				t.Fatal(err)
			}
			return len(input) + signatureLength
		}
		approx := (n - length(0)) * 3 / 4
		for pad := max(approx-4, 0); pad <= approx+4; pad++ {
			if length(pad) != n {
				continue
			}
			token, err := padded(pad).SignedString(testKeys().a)
			if err != nil {
				t.Fatal(err)
			}
			return token
		}
	}
	t.Fatalf("could not make a token of %d bytes", n)
	return ""
}

func (f *fixture) authorize(r *http.Request, scopes ...string) (jwtauth.Grant, *jwtauth.Denial) {
	return f.authz.Authorize(context.Background(), r, scopes)
}

// TestAuthorizeRefuses covers each check API Gateway documents and each
// attack in the project's reference list: every case must be denied with the
// status, challenge and reason shown.
func TestAuthorizeRefuses(t *testing.T) {
	f := newFixture(t)
	keys := testKeys()
	now := f.clock.Now()

	hmacWithPEM := func(t *testing.T) string {
		der, err := x509.MarshalPKIXPublicKey(&keys.a.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		return sign(jwt.SigningMethodHS256, secret, header("HS256", "key-a"), f.claims())
	}
	ecToken := func(t *testing.T) string {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return sign(jwt.SigningMethodES256, key, header("ES256", "key-a"), f.claims())
	}
	attackerJWK := rsaJWK("key-x", "RS256", &keys.attacker.PublicKey)
	parts := func(token string) []string { return strings.Split(token, ".") }

	tests := []struct {
		name      string
		request   func(t *testing.T) *http.Request
		scopes    []string
		status    int
		err       error
		challenge string
	}{
		// 1. The identity source.
		{
			name:      "no Authorization header",
			request:   func(t *testing.T) *http.Request { return request() },
			status:    401,
			err:       jwtauth.ErrMissingToken,
			challenge: "Bearer",
		},
		{
			name:      "empty Authorization header",
			request:   func(t *testing.T) *http.Request { return request("") },
			status:    401,
			err:       jwtauth.ErrMissingToken,
			challenge: "Bearer",
		},
		{
			name: "two Authorization headers",
			request: func(t *testing.T) *http.Request {
				return request("Bearer "+f.valid(), "Bearer "+f.valid())
			},
			status:    401,
			err:       jwtauth.ErrAmbiguousToken,
			challenge: invalidToken("the identity source holds more than one value"),
		},
		{
			name:      "Bearer prefix and an empty token",
			request:   func(t *testing.T) *http.Request { return request("Bearer ") },
			status:    401,
			err:       jwtauth.ErrMalformedToken,
			challenge: invalidToken("token contains an invalid number of segments"),
		},
		{
			name:      "blank token",
			request:   func(t *testing.T) *http.Request { return request("Bearer    ") },
			status:    401,
			err:       jwtauth.ErrMalformedToken,
			challenge: invalidToken("token contains an invalid number of segments"),
		},
		{
			name:      "lower-case bearer prefix is not removed",
			request:   func(t *testing.T) *http.Request { return request("bearer " + f.valid()) },
			status:    401,
			err:       jwtauth.ErrMalformedToken,
			challenge: invalidToken("tokenstring should not contain 'bearer '"),
		},
		{
			name:      "upper-case BEARER prefix is not removed",
			request:   func(t *testing.T) *http.Request { return request("BEARER " + f.valid()) },
			status:    401,
			err:       jwtauth.ErrMalformedToken,
			challenge: invalidToken("tokenstring should not contain 'bearer '"),
		},

		// 2. Decoding.
		{
			name: "one segment",
			request: func(t *testing.T) *http.Request {
				return request("Bearer " + parts(f.valid())[0])
			},
			status:    401,
			err:       jwtauth.ErrMalformedToken,
			challenge: invalidToken("token contains an invalid number of segments"),
		},
		{
			name: "two segments",
			request: func(t *testing.T) *http.Request {
				p := parts(f.valid())
				return request("Bearer " + p[0] + "." + p[1])
			},
			status:    401,
			err:       jwtauth.ErrMalformedToken,
			challenge: invalidToken("token contains an invalid number of segments"),
		},
		{
			name: "four segments",
			request: func(t *testing.T) *http.Request {
				return request("Bearer " + f.valid() + ".AAAA")
			},
			status:    401,
			err:       jwtauth.ErrMalformedToken,
			challenge: invalidToken("token contains an invalid number of segments"),
		},
		{
			name: "malformed base64 in the header",
			request: func(t *testing.T) *http.Request {
				p := parts(f.valid())
				return request("Bearer " + p[0] + "*." + p[1] + "." + p[2])
			},
			status:    401,
			err:       jwtauth.ErrMalformedToken,
			challenge: invalidToken("could not base64 decode header"),
		},
		{
			name: "padded base64 in the payload",
			request: func(t *testing.T) *http.Request {
				p := parts(f.valid())
				return request("Bearer " + p[0] + "." + p[1] + "==." + p[2])
			},
			status:    401,
			err:       jwtauth.ErrMalformedToken,
			challenge: invalidToken("could not base64 decode claim"),
		},
		{
			name: "standard base64 alphabet in the signature",
			request: func(t *testing.T) *http.Request {
				p := parts(f.valid())
				sig := strings.NewReplacer("-", "+", "_", "/").Replace(p[2]) + "+/"
				return request("Bearer " + p[0] + "." + p[1] + "." + sig)
			},
			status:    401,
			err:       jwtauth.ErrMalformedToken,
			challenge: invalidToken("could not base64 decode signature"),
		},
		{
			name: "header is not JSON",
			request: func(t *testing.T) *http.Request {
				p := parts(f.valid())
				return request("Bearer " + segment([]byte("alg=RS256")) + "." + p[1] + "." + p[2])
			},
			status:    401,
			err:       jwtauth.ErrMalformedToken,
			challenge: invalidToken("could not JSON decode header"),
		},
		{
			name: "header is a JSON array",
			request: func(t *testing.T) *http.Request {
				p := parts(f.valid())
				return request("Bearer " + segment([]string{"RS256"}) + "." + p[1] + "." + p[2])
			},
			status:    401,
			err:       jwtauth.ErrMalformedToken,
			challenge: invalidToken("could not JSON decode header"),
		},
		{
			name: "critical header extension",
			request: func(t *testing.T) *http.Request {
				hdr := header("RS256", "key-a", "crit", []string{"exp"}, "exp", 1)
				return request("Bearer " + sign(jwt.SigningMethodRS256, keys.a, hdr,
					f.claims()))
			},
			status:    401,
			err:       jwtauth.ErrMalformedToken,
			challenge: invalidToken("token has critical header parameters"),
		},
		{
			name: "oversized token",
			request: func(t *testing.T) *http.Request {
				return request("Bearer " + f.tokenOfLength(t, jwtauth.MaxTokenBytes+1))
			},
			status:    401,
			err:       jwtauth.ErrOversizedToken,
			challenge: invalidToken("token is too long"),
		},

		// Algorithms.
		{
			name: "alg none",
			request: func(t *testing.T) *http.Request {
				return request("Bearer " + segment(header("none", "key-a")) + "." +
					segment(f.claims()) + ".")
			},
			status:    401,
			err:       jwtauth.ErrAlgorithm,
			challenge: invalidToken("signing method none is invalid"),
		},
		{
			name: "alg missing",
			request: func(t *testing.T) *http.Request {
				hdr := with(header("RS256", "key-a"), "alg", remove)
				p := parts(f.valid())
				return request("Bearer " + segment(hdr) + "." + p[1] + "." + p[2])
			},
			status:    401,
			err:       jwtauth.ErrAlgorithm,
			challenge: invalidToken("signing method (alg) is unspecified"),
		},
		{
			name: "HS256 signed with the RSA public key",
			request: func(t *testing.T) *http.Request {
				return request("Bearer " + hmacWithPEM(t))
			},
			status:    401,
			err:       jwtauth.ErrAlgorithm,
			challenge: invalidToken("signing method HS256 is invalid"),
		},
		{
			name:      "ES256",
			request:   func(t *testing.T) *http.Request { return request("Bearer " + ecToken(t)) },
			status:    401,
			err:       jwtauth.ErrAlgorithm,
			challenge: invalidToken("signing method ES256 is invalid"),
		},
		{
			name: "PS256 with a key published for RS256",
			request: func(t *testing.T) *http.Request {
				return request("Bearer " + sign(jwt.SigningMethodPS256, keys.a,
					header("PS256", "key-a"), f.claims()))
			},
			status:    401,
			err:       jwtauth.ErrAlgorithm,
			challenge: invalidToken("signing method PS256 is invalid"),
		},

		// Keys.
		{
			name: "no kid",
			request: func(t *testing.T) *http.Request {
				return request("Bearer " + sign(jwt.SigningMethodRS256, keys.a,
					header("RS256", ""), f.claims()))
			},
			status:    401,
			err:       jwtauth.ErrUnknownKey,
			challenge: invalidToken("token has no kid"),
		},
		{
			name: "unknown kid",
			request: func(t *testing.T) *http.Request {
				return request("Bearer " + sign(jwt.SigningMethodRS256, keys.attacker,
					header("RS256", "key-x"), f.claims()))
			},
			status:    401,
			err:       jwtauth.ErrUnknownKey,
			challenge: invalidToken("no key of the token issuer matches the token's kid"),
		},
		{
			name: "jwk header with the attacker's key",
			request: func(t *testing.T) *http.Request {
				hdr := header("RS256", "key-x", "jwk", attackerJWK)
				return request("Bearer " + sign(jwt.SigningMethodRS256, keys.attacker, hdr,
					f.claims()))
			},
			status:    401,
			err:       jwtauth.ErrUnknownKey,
			challenge: invalidToken("no key of the token issuer matches the token's kid"),
		},
		{
			name: "jwk header with the attacker's key under the issuer's kid",
			request: func(t *testing.T) *http.Request {
				hdr := header("RS256", "key-a", "jwk", with(attackerJWK, "kid", "key-a"))
				return request("Bearer " + sign(jwt.SigningMethodRS256, keys.attacker, hdr,
					f.claims()))
			},
			status:    401,
			err:       jwtauth.ErrSignature,
			challenge: invalidToken("crypto/rsa: verification error"),
		},
		{
			name: "jku header naming the attacker's JWKS",
			request: func(t *testing.T) *http.Request {
				hdr := header("RS256", "key-x", "jku", f.attacker.URL()+"/jwks")
				return request("Bearer " + sign(jwt.SigningMethodRS256, keys.attacker, hdr,
					f.claims()))
			},
			status:    401,
			err:       jwtauth.ErrUnknownKey,
			challenge: invalidToken("no key of the token issuer matches the token's kid"),
		},
		{
			name: "x5u header naming the attacker's certificate",
			request: func(t *testing.T) *http.Request {
				hdr := header("RS256", "key-a", "x5u", f.attacker.URL()+"/cert.pem")
				return request("Bearer " + sign(jwt.SigningMethodRS256, keys.attacker, hdr,
					f.claims()))
			},
			status:    401,
			err:       jwtauth.ErrSignature,
			challenge: invalidToken("crypto/rsa: verification error"),
		},
		{
			name: "signature of another token",
			request: func(t *testing.T) *http.Request {
				p := parts(f.valid())
				other := parts(f.signA(with(f.claims(), "sub", "admin")))
				return request("Bearer " + other[0] + "." + other[1] + "." + p[2])
			},
			status:    401,
			err:       jwtauth.ErrSignature,
			challenge: invalidToken("crypto/rsa: verification error"),
		},

		// 4. The issuer, exactly.
		{
			name: "issuer with a trailing slash",
			request: func(t *testing.T) *http.Request {
				return request("Bearer " + f.signA(with(f.claims(), "iss", f.issuer.URL()+"/")))
			},
			status:    401,
			err:       jwtauth.ErrIssuer,
			challenge: invalidToken("token has invalid issuer"),
		},
		{
			name: "issuer over http",
			request: func(t *testing.T) *http.Request {
				iss := strings.Replace(f.issuer.URL(), "https://", "http://", 1)
				return request("Bearer " + f.signA(with(f.claims(), "iss", iss)))
			},
			status:    401,
			err:       jwtauth.ErrIssuer,
			challenge: invalidToken("token has invalid issuer"),
		},
		{
			name: "issuer in another case",
			request: func(t *testing.T) *http.Request {
				iss := strings.ToUpper(f.issuer.URL())
				return request("Bearer " + f.signA(with(f.claims(), "iss", iss)))
			},
			status:    401,
			err:       jwtauth.ErrIssuer,
			challenge: invalidToken("token has invalid issuer"),
		},
		{
			name: "no issuer",
			request: func(t *testing.T) *http.Request {
				return request("Bearer " + f.signA(with(f.claims(), "iss", remove)))
			},
			status:    401,
			err:       jwtauth.ErrIssuer,
			challenge: invalidToken("token has invalid issuer"),
		},
		{
			name: "issuer as an array",
			request: func(t *testing.T) *http.Request {
				return request("Bearer " + f.signA(with(f.claims(), "iss", []any{f.issuer.URL()})))
			},
			status:    401,
			err:       jwtauth.ErrIssuer,
			challenge: invalidToken("token has invalid issuer"),
		},

		// 5. The audience, then client_id only without aud.
		{
			name: "aud string matching nothing",
			request: func(t *testing.T) *http.Request {
				aud := "https://other.example"
				return request("Bearer " + f.signA(with(f.claims(), "aud", aud)))
			},
			status:    401,
			err:       jwtauth.ErrAudience,
			challenge: invalidToken("the token does not have a valid audience"),
		},
		{
			name: "aud array matching nothing",
			request: func(t *testing.T) *http.Request {
				aud := []any{"https://other.example", appID}
				return request("Bearer " + f.signA(with(f.claims(), "aud", aud)))
			},
			status:    401,
			err:       jwtauth.ErrAudience,
			challenge: invalidToken("the token does not have a valid audience"),
		},
		{
			name: "aud in another case",
			request: func(t *testing.T) *http.Request {
				aud := strings.ToUpper(origin)
				return request("Bearer " + f.signA(with(f.claims(), "aud", aud)))
			},
			status:    401,
			err:       jwtauth.ErrAudience,
			challenge: invalidToken("the token does not have a valid audience"),
		},
		{
			name: "client_id matches while aud does not",
			request: func(t *testing.T) *http.Request {
				c := with(with(f.claims(), "aud", "https://other.example"), "client_id", origin)
				return request("Bearer " + f.signA(c))
			},
			status:    401,
			err:       jwtauth.ErrAudience,
			challenge: invalidToken("the token does not have a valid audience"),
		},
		{
			name: "empty aud array is not an absent aud",
			request: func(t *testing.T) *http.Request {
				c := with(with(f.claims(), "aud", []any{}), "client_id", origin)
				return request("Bearer " + f.signA(c))
			},
			status:    401,
			err:       jwtauth.ErrAudience,
			challenge: invalidToken("the token does not have a valid audience"),
		},
		{
			name: "no aud and a client_id matching nothing",
			request: func(t *testing.T) *http.Request {
				c := with(with(f.claims(), "aud", remove), "client_id", "other-client")
				return request("Bearer " + f.signA(c))
			},
			status:    401,
			err:       jwtauth.ErrAudience,
			challenge: invalidToken("the token does not have a valid audience"),
		},
		{
			name: "neither aud nor client_id",
			request: func(t *testing.T) *http.Request {
				return request("Bearer " + f.signA(with(f.claims(), "aud", remove)))
			},
			status:    401,
			err:       jwtauth.ErrAudience,
			challenge: invalidToken("the token does not have a valid audience"),
		},

		// 6. The dates, with no leeway.
		{
			name: "expired 1 s ago",
			request: func(t *testing.T) *http.Request {
				return request("Bearer " + f.signA(with(f.claims(), "exp", now.Unix()-1)))
			},
			status:    401,
			err:       jwtauth.ErrExpired,
			challenge: invalidToken("token is expired"),
		},
		{
			name: "expiring now",
			request: func(t *testing.T) *http.Request {
				return request("Bearer " + f.signA(with(f.claims(), "exp", now.Unix())))
			},
			status:    401,
			err:       jwtauth.ErrExpired,
			challenge: invalidToken("token is expired"),
		},
		{
			name: "no exp",
			request: func(t *testing.T) *http.Request {
				return request("Bearer " + f.signA(with(f.claims(), "exp", remove)))
			},
			status:    401,
			err:       jwtauth.ErrExpired,
			challenge: invalidToken("token is missing required claim"),
		},
		{
			name: "exp as a string",
			request: func(t *testing.T) *http.Request {
				exp := now.Add(time.Hour).Format(time.RFC3339)
				return request("Bearer " + f.signA(with(f.claims(), "exp", exp)))
			},
			status:    401,
			err:       jwtauth.ErrMalformedToken,
			challenge: invalidToken("token has invalid claims"),
		},
		{
			name: "exp beyond any float",
			request: func(t *testing.T) *http.Request {
				return request("Bearer " + f.signA(with(f.claims(), "exp",
					jsonNumber("1e400"))))
			},
			status:    401,
			err:       jwtauth.ErrMalformedToken,
			challenge: invalidToken("token is malformed"),
		},
		{
			name: "nbf 1 s ahead",
			request: func(t *testing.T) *http.Request {
				return request("Bearer " + f.signA(with(f.claims(), "nbf", now.Unix()+1)))
			},
			status:    401,
			err:       jwtauth.ErrNotYetValid,
			challenge: invalidToken("token is not valid yet"),
		},
		{
			name: "iat 1 s ahead",
			request: func(t *testing.T) *http.Request {
				return request("Bearer " + f.signA(with(f.claims(), "iat", now.Unix()+1)))
			},
			status:    401,
			err:       jwtauth.ErrIssuedInFuture,
			challenge: invalidToken("token used before issued"),
		},
		{
			name: "signed payload that is not a JSON object",
			request: func(t *testing.T) *http.Request {
				body := segment([]any{"iss", f.issuer.URL()})
				hdr := segment(header("RS256", "key-a"))
				sig, err := jwt.SigningMethodRS256.Sign(hdr+"."+body, keys.a)
				if err != nil {
					t.Fatal(err)
				}
				return request("Bearer " + hdr + "." + body + "." + segment(sig))
			},
			status:    401,
			err:       jwtauth.ErrMalformedToken,
			challenge: invalidToken("could not JSON decode claim"),
		},

		// The documented order decides which fault is reported.
		{
			name: "bad signature and expired: the signature is checked first",
			request: func(t *testing.T) *http.Request {
				expired := parts(f.signA(with(f.claims(), "exp", now.Unix()-1)))
				sig := parts(f.valid())[2]
				return request("Bearer " + expired[0] + "." + expired[1] + "." + sig)
			},
			status:    401,
			err:       jwtauth.ErrSignature,
			challenge: invalidToken("crypto/rsa: verification error"),
		},
		{
			name: "wrong issuer and wrong audience: the issuer is checked first",
			request: func(t *testing.T) *http.Request {
				c := with(with(f.claims(), "iss", "https://other.example"), "aud", "x")
				return request("Bearer " + f.signA(c))
			},
			status:    401,
			err:       jwtauth.ErrIssuer,
			challenge: invalidToken("token has invalid issuer"),
		},
		{
			name: "wrong audience and expired: the audience is checked first",
			request: func(t *testing.T) *http.Request {
				c := with(with(f.claims(), "aud", "x"), "exp", now.Unix()-1)
				return request("Bearer " + f.signA(c))
			},
			status:    401,
			err:       jwtauth.ErrAudience,
			challenge: invalidToken("the token does not have a valid audience"),
		},

		// 7. Route scopes: an accepted token that opens no route scope.
		{
			name: "scope claim holding none of the route scopes",
			request: func(t *testing.T) *http.Request {
				return request("Bearer " + f.signA(with(f.claims(), "scope", "profile email")))
			},
			scopes: []string{"orders:read", "orders:write"},
			status: 403,
			err:    jwtauth.ErrScope,
			challenge: `Bearer scope="orders:read orders:write" error="insufficient_scope" ` +
				`error_description="the token does not have any of the required scopes"`,
		},
		{
			name:    "no scope claim on a scoped route",
			request: func(t *testing.T) *http.Request { return request("Bearer " + f.valid()) },
			scopes:  []string{"orders:read"},
			status:  403,
			err:     jwtauth.ErrScope,
			challenge: `Bearer scope="orders:read" error="insufficient_scope" ` +
				`error_description="the token does not have any of the required scopes"`,
		},
		{
			name: "scope in another case",
			request: func(t *testing.T) *http.Request {
				return request("Bearer " + f.signA(with(f.claims(), "scope", "Orders:Read")))
			},
			scopes: []string{"orders:read"},
			status: 403,
			err:    jwtauth.ErrScope,
			challenge: `Bearer scope="orders:read" error="insufficient_scope" ` +
				`error_description="the token does not have any of the required scopes"`,
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			grant, denial := f.authorize(tt.request(t), tt.scopes...)
			if denial == nil {
				t.Fatalf("accepted, with claims %v", grant.Claims)
			}
			if grant.Claims != nil || grant.Scopes != nil {
				t.Errorf("a denial came with a grant: %+v", grant)
			}
			if !errors.Is(denial.Reason, tt.err) {
				t.Errorf("reason %q, expected it to wrap %q", denial.Reason, tt.err)
			}

			// What the client receives, written as passage-local will.
			rec := httptest.NewRecorder()
			denial.Respond(rec)
			wantBody := `{"message":"Unauthorized"}`
			if tt.status == 403 {
				wantBody = `{"message":"Forbidden"}`
			}
			got := response{rec.Code, rec.Header().Get("WWW-Authenticate"),
				rec.Header().Get("Content-Type"), rec.Body.String()}
			want := response{tt.status, tt.challenge, "application/json", wantBody}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
			if reason := denial.Reason.Error(); strings.Contains(rec.Body.String(), reason) ||
				strings.Contains(got.Challenge, reason) {
				t.Errorf("the internal reason %q reached the client", reason)
			}
		})
	}

	// Keys named by the token itself are never fetched.
	if n := f.attacker.requests.Load(); n != 0 {
		t.Errorf("the attacker's server got %d requests, expected none", n)
	}
}

// response is what a client sees of a denial.
type response struct {
	Status      int
	Challenge   string
	ContentType string
	Body        string
}

// jsonNumber is a number written as its exact JSON text.
type jsonNumber string

func (n jsonNumber) MarshalJSON() ([]byte, error) { return []byte(n), nil }

// TestAuthorizeAccepts covers the tokens API Gateway lets through, with the
// claims and scopes the integration then receives.
func TestAuthorizeAccepts(t *testing.T) {
	f := newFixture(t)
	keys := testKeys()
	now := f.clock.Now()

	// signedByB is a request with a token that key-b signed with method.
	signedByB := func(method jwt.SigningMethod) func(t *testing.T) *http.Request {
		return func(t *testing.T) *http.Request {
			return request("Bearer " + sign(method, keys.b, header(method.Alg(), "key-b"),
				f.claims()))
		}
	}

	tests := []struct {
		name       string
		request    func(t *testing.T) *http.Request
		scopes     []string
		wantScopes []string
	}{
		{
			name:    "Bearer prefix",
			request: func(t *testing.T) *http.Request { return request("Bearer " + f.valid()) },
		},
		{
			name:    "bare token",
			request: func(t *testing.T) *http.Request { return request(f.valid()) },
		},
		{
			name: "aud string naming the second audience",
			request: func(t *testing.T) *http.Request {
				c := with(f.claims(), "aud", "https://admin.example.com")
				return request("Bearer " + f.signA(c))
			},
		},
		{
			name: "no aud, client_id naming an audience",
			request: func(t *testing.T) *http.Request {
				c := with(with(f.claims(), "aud", remove), "client_id", origin)
				return request("Bearer " + f.signA(c))
			},
		},
		{
			name: "aud null, client_id naming an audience",
			request: func(t *testing.T) *http.Request {
				c := with(with(f.claims(), "aud", nil), "client_id", origin)
				return request("Bearer " + f.signA(c))
			},
		},
		{
			name: "nbf and iat equal to now, exp 1 s ahead",
			request: func(t *testing.T) *http.Request {
				c := with(f.claims(), "exp", now.Unix()+1)
				return request("Bearer " + f.signA(c))
			},
		},
		{
			name: "no nbf and no iat",
			request: func(t *testing.T) *http.Request {
				c := with(with(f.claims(), "nbf", remove), "iat", remove)
				return request("Bearer " + f.signA(c))
			},
		},
		{
			name: "token of exactly MaxTokenBytes",
			request: func(t *testing.T) *http.Request {
				return request(f.tokenOfLength(t, jwtauth.MaxTokenBytes))
			},
		},
		{
			name: "unrecognised header members are ignored",
			request: func(t *testing.T) *http.Request {
				hdr := header("RS256", "key-a", "cty", "JWT", "x-custom", []int{1})
				return request("Bearer " + sign(jwt.SigningMethodRS256, keys.a, hdr,
					f.claims()))
			},
		},
		{
			name:    "RS384",
			request: signedByB(jwt.SigningMethodRS384),
		},
		{
			name:    "RS512",
			request: signedByB(jwt.SigningMethodRS512),
		},
		{
			name:    "PS256",
			request: signedByB(jwt.SigningMethodPS256),
		},
		{
			name:    "PS384",
			request: signedByB(jwt.SigningMethodPS384),
		},
		{
			name:    "PS512",
			request: signedByB(jwt.SigningMethodPS512),
		},
		{
			name: "scope claim holding one of the route scopes",
			request: func(t *testing.T) *http.Request {
				c := with(f.claims(), "scope", "profile orders:read  email")
				return request("Bearer " + f.signA(c))
			},
			scopes:     []string{"orders:write", "orders:read"},
			wantScopes: []string{"profile", "orders:read", "email"},
		},
		{
			name: "scp array holding one of the route scopes",
			request: func(t *testing.T) *http.Request {
				c := with(f.claims(), "scp", []any{"orders:read", "orders:write"})
				return request("Bearer " + f.signA(c))
			},
			scopes:     []string{"orders:write"},
			wantScopes: []string{"orders:read", "orders:write"},
		},
		{
			name: "scp string holding one of the route scopes",
			request: func(t *testing.T) *http.Request {
				c := with(f.claims(), "scp", "orders:read orders:write")
				return request("Bearer " + f.signA(c))
			},
			scopes:     []string{"orders:read"},
			wantScopes: []string{"orders:read", "orders:write"},
		},
		{
			name: "scopes are not reported on a route without scopes",
			request: func(t *testing.T) *http.Request {
				c := with(f.claims(), "scope", "orders:read")
				return request("Bearer " + f.signA(c))
			},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			grant, denial := f.authorize(tt.request(t), tt.scopes...)
			if denial != nil {
				t.Fatalf("denied %d: %v", denial.Status, denial.Reason)
			}
			if grant.Claims["sub"] != "user-123" {
				t.Errorf("claims %v, expected sub user-123", grant.Claims)
			}
			if diff := cmp.Diff(tt.wantScopes, grant.Scopes); diff != "" {
				t.Errorf("scopes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGrantClaims pins down the claims as a Lambda function receives them:
// every value a string, numbers as written, arrays as Go prints them, null
// claims left out. A Passage token since late 2024 carries its audience as
// an array of the origin and the app ID.
func TestGrantClaims(t *testing.T) {
	keys := testKeys()
	clk := newClock()
	const passage = "https://auth.passage.id/v1/apps/" + appID
	authz := mustNew(t, jwtauth.Config{Issuer: passage, Audience: []string{origin}},
		jwtauth.WithLocalKeys(passage, jwksOf(rsaJWK("passage-key", "RS256",
			&keys.a.PublicKey))),
		jwtauth.WithClock(clk.Now))

	payload := claims(passage, clk.Now())
	payload["iat"] = jsonNumber("1750000000")
	payload["exp"] = jsonNumber("1750003600.0")
	payload["scope"] = "openid orders:read"
	payload["email_verified"] = true
	payload["phone"] = nil
	payload["amr"] = []any{"passkey", nil, 2.5, false, []any{"a", "b"}}
	payload["address"] = jsonNumber(`{ "country": "NZ", "zip": 6011 }`)
	payload["big"] = jsonNumber("12345678901234567890")
	token := sign(jwt.SigningMethodRS256, keys.a, header("RS256", "passage-key"), payload)

	grant, denial := authz.Authorize(context.Background(), request("Bearer "+token),
		[]string{"orders:read"})
	if denial != nil {
		t.Fatalf("denied: %v", denial.Reason)
	}

	// Encoded by hand so that "<nil>" stays readable in the golden file.
	var got bytes.Buffer
	enc := json.NewEncoder(&got)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(grant); err != nil {
		t.Fatal(err)
	}
	goldie.New(t, goldie.WithFixtureDir("testdata"), goldie.WithNameSuffix(".golden.json")).
		Assert(t, "grant_passage_token", got.Bytes())
}
