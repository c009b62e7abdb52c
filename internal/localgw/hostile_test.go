package localgw_test

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/passage-cdk/passage-cdk-go/internal/localgw"
)

// TestHostileRequests sends the known attacks on a JWT authorizer, and the
// malformed requests around them, through the running gateway over real HTTP,
// and checks for each API Gateway's status, body and www-authenticate
// header, and that the request never reached the function.
//
// The issuer is an OpenID issuer on loopback TLS, found through discovery as
// a real one is, and every token is signed by its key unless the attack is
// the signature itself: each case fails for its one flaw only, which the
// accepted control requests prove.
//
// API Gateway documents the 401 and its body, and the error_description of
// a few refusals; the others are jwtauth's wording of the failed check. Where
// the answer itself is not documented, the case's undocumented field says
// what is chosen and why.
func TestHostileRequests(t *testing.T) {
	t.Parallel()
	keys := loadTestKeys(t)

	// The issuer's keys are on one loopback TLS server; an attacker's key set
	// and certificate on another, which the gateway's client would trust too,
	// so only the gateway's refusal keeps it from being fetched.
	site := newIssuerSite(t)
	const issuerPath = "/v1/apps/AppID123"
	issuer := site.issuer(issuerPath, nil, serveJSON(func() []byte { return jwks(keys.trusted) }))
	attackerSite := newIssuerSite(t)
	attackerJWKS := attackerSite.issuer("/evil", nil,
		serveJSON(func() []byte { return jwks(keys.attacker) })) + "/jwks.json"
	certificate := selfSigned(t, keys.attacker)
	attackerSite.mux.HandleFunc("GET /evil/cert.pem", func(w http.ResponseWriter, r *http.Request) {
		_ = pem.Encode(w, &pem.Block{Type: "CERTIFICATE", Bytes: certificate})
	})
	attackerCert := attackerSite.server.URL + "/evil/cert.pem"

	out := &invocationLog{}
	stack := writeAssembly(t, probeResources(t, issuer))
	_, base := startGateway(t, localgw.Config{Stack: stack, HTTPClient: site.client(),
		MaxEnvironments: 1, FunctionOutput: out})
	client := newClient(t)

	// The token every case starts from, and the control requests that show it
	// is accepted on each route the cases attack.
	claims := func(changes map[string]any) map[string]any { return claimsFor(issuer, changes) }
	valid := func() string { return keys.trusted.sign(t, nil, claims(nil)) }
	for _, control := range []struct {
		path  string
		token string
	}{
		{"/items/control", valid()},
		{"/scoped", keys.trusted.sign(t, nil, claims(map[string]any{"scope": probeScope}))},
	} {
		if got := do(t, client, "GET", base+control.path, bearer(control.token)); got.status != 200 {
			t.Fatalf("control request to %s: %d %s, want 200", control.path, got.status, got.body)
		}
	}

	// Tokens whose flaw is in their encoding rather than their claims.
	segments := func(token string) []string { return strings.Split(token, ".") }
	join := func(parts ...string) string { return strings.Join(parts, ".") }
	b64 := base64.RawURLEncoding.EncodeToString
	hs256 := func() string {
		// The classic confusion: the issuer's public key, as the PEM text a
		// verifier might load, used as an HMAC secret.
		der, err := x509.MarshalPKIXPublicKey(&keys.trusted.key.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		token := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(claims(nil)))
		token.Header["kid"] = keys.trusted.kid
		signed, err := token.SignedString(secret)
		if err != nil {
			t.Fatal(err)
		}
		return signed
	}
	unsigned := func(alg string) string {
		token := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims(claims(nil)))
		token.Header["kid"] = keys.trusted.kid
		token.Header["alg"] = alg
		signed, err := token.SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		return signed
	}
	x5c := func() string {
		return keys.attacker.sign(t, map[string]any{"kid": keys.trusted.kid,
			"x5c": []string{base64.StdEncoding.EncodeToString(certificate)}}, claims(nil))
	}
	// oneSecondAhead waits for the next whole second of the clock and returns
	// the one after it: a date that stays ahead for almost a full second, time
	// enough for the request to reach the authorizer on a loaded machine.
	oneSecondAhead := func() int64 {
		now := time.Now()
		next := now.Truncate(time.Second).Add(time.Second)
		time.Sleep(next.Sub(now))
		return next.Unix() + 1
	}

	const (
		badSignature = "crypto/rsa: verification error"
		unknownKid   = "no key of the token issuer matches the token's kid"
		badIssuer    = "token has invalid issuer"
		badAudience  = "the token does not have a valid audience"
		badSegments  = "token contains an invalid number of segments"
		insufficient = `Bearer scope="` + probeScope + `" error="insufficient_scope" ` +
			`error_description="the token does not have any of the required scopes"`
	)
	tests := []struct {
		name string
		path string // default: /items/NAME, so a line in the function output names the case
		// header returns the request's headers; it runs when the case runs,
		// so that dates are current.
		header        func() http.Header
		wantStatus    int    // default: 401
		wantBody      string // default: unauthorized
		wantChallenge string // exact www-authenticate; "" when there is none
		undocumented  string // API Gateway's answer is not documented: what is chosen, why
	}{
		// The signature and its key.
		{
			name:          "alg none",
			header:        func() http.Header { return bearer(unsigned("none")) },
			wantChallenge: invalidToken("signing method none is invalid"),
		},
		{
			name:          "alg None in another case",
			header:        func() http.Header { return bearer(unsigned("None")) },
			wantChallenge: invalidToken("signing method None is invalid"),
		},
		{
			name:          "HS256 keyed with the issuer's RSA public key",
			header:        func() http.Header { return bearer(hs256()) },
			wantChallenge: invalidToken("signing method HS256 is invalid"),
		},
		{
			name: "jwk header with the attacker's key under the issuer's kid",
			header: func() http.Header {
				return bearer(keys.attacker.sign(t, map[string]any{"kid": keys.trusted.kid,
					"jwk": keys.attacker.jwk}, claims(nil)))
			},
			wantChallenge: invalidToken(badSignature),
		},
		{
			name: "jwk header with the attacker's key and kid",
			header: func() http.Header {
				return bearer(keys.attacker.sign(t, map[string]any{"jwk": keys.attacker.jwk},
					claims(nil)))
			},
			wantChallenge: invalidToken(unknownKid),
		},
		{
			name: "jku header naming the attacker's key set",
			header: func() http.Header {
				return bearer(keys.attacker.sign(t, map[string]any{"jku": attackerJWKS},
					claims(nil)))
			},
			wantChallenge: invalidToken(unknownKid),
		},
		{
			name: "jku header under the issuer's kid",
			header: func() http.Header {
				return bearer(keys.attacker.sign(t, map[string]any{"kid": keys.trusted.kid,
					"jku": attackerJWKS}, claims(nil)))
			},
			wantChallenge: invalidToken(badSignature),
		},
		{
			name: "x5u header naming the attacker's certificate",
			header: func() http.Header {
				return bearer(keys.attacker.sign(t, map[string]any{"kid": keys.trusted.kid,
					"x5u": attackerCert}, claims(nil)))
			},
			wantChallenge: invalidToken(badSignature),
		},
		{
			name:          "x5c header with the attacker's certificate",
			header:        func() http.Header { return bearer(x5c()) },
			wantChallenge: invalidToken(badSignature),
		},
		{
			name: "signed by another key under the issuer's kid",
			header: func() http.Header {
				return bearer(keys.attacker.sign(t, map[string]any{"kid": keys.trusted.kid},
					claims(nil)))
			},
			wantChallenge: invalidToken(badSignature),
		},
		{
			name: "unknown kid",
			header: func() http.Header {
				return bearer(keys.trusted.sign(t, map[string]any{"kid": "retired-2024"},
					claims(nil)))
			},
			wantChallenge: invalidToken(unknownKid),
		},
		{
			name: "no kid",
			header: func() http.Header {
				return bearer(keys.trusted.sign(t, map[string]any{"kid": nil}, claims(nil)))
			},
			wantChallenge: invalidToken("token has no kid"),
			undocumented: "refused: API Gateway chooses the key by kid, and whether it " +
				"would try every key instead is not documented",
		},
		{
			name: "claims changed after signing",
			header: func() http.Header {
				s := segments(valid())
				return bearer(join(s[0], b64(jsonOf(t, claims(map[string]any{"sub": "admin"}))),
					s[2]))
			},
			wantChallenge: invalidToken(badSignature),
		},
		{
			name: "signature stripped",
			header: func() http.Header {
				s := segments(valid())
				return bearer(join(s[0], s[1], ""))
			},
			wantChallenge: invalidToken(badSignature),
		},

		// The dates: no leeway, as API Gateway documents none.
		{
			name: "expired by one second",
			header: func() http.Header {
				return bearer(keys.trusted.sign(t, nil,
					claims(map[string]any{"exp": time.Now().Unix() - 1})))
			},
			wantChallenge: invalidToken("token is expired"),
		},
		{
			name: "nbf one second ahead",
			header: func() http.Header {
				return bearer(keys.trusted.sign(t, nil,
					claims(map[string]any{"nbf": oneSecondAhead()})))
			},
			wantChallenge: invalidToken("token is not valid yet"),
		},
		{
			name: "iat one second ahead",
			header: func() http.Header {
				return bearer(keys.trusted.sign(t, nil,
					claims(map[string]any{"iat": oneSecondAhead()})))
			},
			wantChallenge: invalidToken("token used before issued"),
		},
		{
			name: "no exp",
			header: func() http.Header {
				return bearer(keys.trusted.sign(t, nil, claims(map[string]any{"exp": nil})))
			},
			wantChallenge: invalidToken("token is missing required claim"),
			undocumented: "refused: API Gateway requires exp to be after now, which a " +
				"token without one cannot show",
		},

		// The issuer must match exactly.
		{
			name: "issuer with a trailing slash",
			header: func() http.Header {
				return bearer(keys.trusted.sign(t, nil, claims(map[string]any{"iss": issuer + "/"})))
			},
			wantChallenge: invalidToken(badIssuer),
		},
		{
			name: "issuer over http instead of https",
			header: func() http.Header {
				iss := "http://" + strings.TrimPrefix(issuer, "https://")
				return bearer(keys.trusted.sign(t, nil, claims(map[string]any{"iss": iss})))
			},
			wantChallenge: invalidToken(badIssuer),
		},
		{
			name: "issuer in another case",
			header: func() http.Header {
				iss := strings.TrimSuffix(issuer, issuerPath) + strings.ToLower(issuerPath)
				return bearer(keys.trusted.sign(t, nil, claims(map[string]any{"iss": iss})))
			},
			wantChallenge: invalidToken(badIssuer),
		},

		// The audience.
		{
			name: "aud string matching no audience",
			header: func() http.Header {
				return bearer(keys.trusted.sign(t, nil,
					claims(map[string]any{"aud": "https://other.example.com"})))
			},
			wantChallenge: invalidToken(badAudience),
		},
		{
			name: "aud array matching no audience",
			header: func() http.Header {
				return bearer(keys.trusted.sign(t, nil, claims(map[string]any{
					"aud": []string{"https://other.example.com", "AppID123"}})))
			},
			wantChallenge: invalidToken(badAudience),
		},
		{
			name: "aud in another case",
			header: func() http.Header {
				return bearer(keys.trusted.sign(t, nil,
					claims(map[string]any{"aud": strings.ToUpper(probeAudience)})))
			},
			wantChallenge: invalidToken(badAudience),
		},
		{
			name: "client_id matching while aud does not",
			header: func() http.Header {
				return bearer(keys.trusted.sign(t, nil, claims(map[string]any{
					"aud": "https://other.example.com", "client_id": probeAudience})))
			},
			wantChallenge: invalidToken(badAudience),
		},

		// Where the token is read from, and how.
		{
			name: "token in the query string",
			path: "/items/token-in-the-query-string?" + url.Values{
				"Authorization": {"Bearer " + valid()}, "access_token": {valid()},
			}.Encode(),
			header:        func() http.Header { return nil },
			wantChallenge: "Bearer",
		},
		{
			name: "lower-case bearer",
			header: func() http.Header {
				return http.Header{"Authorization": {"bearer " + valid()}}
			},
			wantChallenge: invalidToken("tokenstring should not contain 'bearer '"),
		},
		{
			name: "two Authorization headers",
			header: func() http.Header {
				return http.Header{"Authorization": {"Bearer " + valid(), "Bearer " + valid()}}
			},
			wantChallenge: invalidToken("the identity source holds more than one value"),
			undocumented: "refused, even with two valid tokens: which one API Gateway " +
				"would read is not documented, and guessing could let the wrong one in",
		},
		{
			name: "empty Authorization header",
			header: func() http.Header {
				return http.Header{"Authorization": {""}}
			},
			wantChallenge: "Bearer",
			undocumented: "a present but empty identity source is answered as a " +
				"missing one, with the bare challenge",
		},
		{
			// HTTP drops the trailing blanks of a header value, so the
			// gateway receives "Bearer" and nothing after it.
			name: "blank token",
			header: func() http.Header {
				return http.Header{"Authorization": {"Bearer   "}}
			},
			wantChallenge: invalidToken(badSegments),
			undocumented: "\"Bearer\" alone is read as a token, as API Gateway reads " +
				"any value, and fails to decode",
		},
		{
			name: "request head over 10,240 bytes",
			header: func() http.Header {
				h := bearer(valid())
				h.Set("X-Padding", strings.Repeat("p", 10_240))
				return h
			},
			wantStatus: 413, wantBody: `{"message":"Request Entity Too Large"}`,
			undocumented: "413 before the authorizer runs: the quota has no " +
				"documented answer, and a 4xx naming the size is the safe reading",
		},
		{
			name: "token over 10,240 bytes",
			header: func() http.Header {
				return bearer(keys.trusted.sign(t, nil,
					claims(map[string]any{"padding": strings.Repeat("p", 10_240)})))
			},
			wantStatus: 413, wantBody: `{"message":"Request Entity Too Large"}`,
			undocumented: "as for any request head over the quota",
		},

		// The encoding.
		{
			name: "padded base64 in the header",
			header: func() http.Header {
				s := segments(valid())
				return bearer(join(base64.URLEncoding.EncodeToString(mustDecode(t, s[0])),
					s[1], s[2]))
			},
			wantChallenge: invalidToken("could not base64 decode header"),
		},
		{
			name: "invalid base64 in the claims",
			header: func() http.Header {
				s := segments(valid())
				return bearer(join(s[0], "!"+s[1][1:], s[2]))
			},
			wantChallenge: invalidToken("could not base64 decode claim"),
		},
		{
			name: "invalid base64 in the signature",
			header: func() http.Header {
				s := segments(valid())
				return bearer(join(s[0], s[1], s[2][:len(s[2])-1]+"*"))
			},
			wantChallenge: invalidToken("could not base64 decode signature"),
		},
		{
			name: "two segments",
			header: func() http.Header {
				s := segments(valid())
				return bearer(join(s[0], s[1]))
			},
			wantChallenge: invalidToken(badSegments),
		},
		{
			name: "four segments",
			header: func() http.Header {
				return bearer(valid() + "." + b64([]byte("extra")))
			},
			wantChallenge: invalidToken(badSegments),
		},

		// The route's scopes. What API Gateway answers for a missing scope is
		// not documented; 403 Forbidden with RFC 6750's insufficient_scope is
		// the common reading and refuses the request either way.
		{
			name: "scoped route, token without scopes",
			path: "/scoped?case=no-scopes",
			header: func() http.Header {
				return bearer(valid())
			},
			wantStatus: 403, wantBody: forbidden, wantChallenge: insufficient,
			undocumented: "403 Forbidden with insufficient_scope",
		},
		{
			name: "scoped route, token with another scope",
			path: "/scoped?case=another-scope",
			header: func() http.Header {
				return bearer(keys.trusted.sign(t, nil,
					claims(map[string]any{"scope": "orders:write profile"})))
			},
			wantStatus: 403, wantBody: forbidden, wantChallenge: insufficient,
			undocumented: "403 Forbidden with insufficient_scope",
		},
		{
			name: "scoped route, scope in another case",
			path: "/scoped?case=scope-case",
			header: func() http.Header {
				return bearer(keys.trusted.sign(t, nil,
					claims(map[string]any{"scope": strings.ToUpper(probeScope)})))
			},
			wantStatus: 403, wantBody: forbidden, wantChallenge: insufficient,
			undocumented: "403 Forbidden with insufficient_scope",
		},
		{
			name: "scoped route, scope extended",
			path: "/scoped?case=scope-extended",
			header: func() http.Header {
				return bearer(keys.trusted.sign(t, nil,
					claims(map[string]any{"scope": probeScope + "-all"})))
			},
			wantStatus: 403, wantBody: forbidden, wantChallenge: insufficient,
			undocumented: "403 Forbidden with insufficient_scope",
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path
			if path == "" {
				path = "/items/" + url.PathEscape(strings.ReplaceAll(tt.name, " ", "-"))
			}
			wantStatus, wantBody := tt.wantStatus, tt.wantBody
			if wantStatus == 0 {
				wantStatus, wantBody = 401, unauthorized
			}

			// A failure says when the answer it expects is a choice, not
			// API Gateway's documented one.
			choice := ""
			if tt.undocumented != "" {
				choice = " (undocumented by API Gateway; chosen: " + tt.undocumented + ")"
			}
			got := do(t, client, "GET", base+path, tt.header())
			if got.status != wantStatus || got.body != wantBody {
				t.Errorf("got %d %.300s, want %d %s%s", got.status, got.body, wantStatus, wantBody,
					choice)
			}
			if challenge := got.header.Get("WWW-Authenticate"); challenge != tt.wantChallenge {
				t.Errorf("www-authenticate = %q, want %q%s", challenge, tt.wantChallenge, choice)
			}
		})
	}

	// Only the control requests reached the function, and nothing was ever
	// fetched from the URLs the tokens named.
	invoked := out.settle(t, client, base)
	want := []string{"ANY /items/{proxy+} /items/control?", "GET /scoped /scoped?"}
	if !slices.Equal(invoked, want) {
		t.Errorf("the function was invoked for\n%s\nwant only the control requests\n%s",
			strings.Join(invoked, "\n"), strings.Join(want, "\n"))
	}
	if n := attackerSite.requests.Load(); n != 0 {
		t.Errorf("the attacker's server received %d requests, want none", n)
	}
	if n := site.hitsOf(issuerPath + "/jwks.json"); n < 1 {
		t.Errorf("the issuer's JWKS was fetched %d times, want at least once", n)
	}
}

// jsonOf encodes v as JSON.
func jsonOf(t testing.TB, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// mustDecode decodes one unpadded base64url segment of a token.
func mustDecode(t testing.TB, segment string) []byte {
	t.Helper()
	data, err := base64.RawURLEncoding.DecodeString(segment)
	if err != nil {
		t.Fatalf("decoding segment %q: %v", segment, err)
	}
	return data
}

// selfSigned returns a self-signed certificate for k's key, in DER.
func selfSigned(t testing.TB, k *signingKey) []byte {
	t.Helper()
	template := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &k.key.PublicKey, k.key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}
