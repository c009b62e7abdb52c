package jwtauth

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// rsaAlgorithms are the algorithms a token may be signed with. API Gateway
// supports only RSA-based algorithms; all six of JWA's RSA signature
// algorithms are accepted, PKCS #1 v1.5 (RS*) and PSS (PS*) alike, as both
// are RSA signatures. HMAC, ECDSA, EdDSA and "none" are refused whatever the
// key.
var rsaAlgorithms = map[string]jwt.SigningMethod{
	"RS256": jwt.SigningMethodRS256,
	"RS384": jwt.SigningMethodRS384,
	"RS512": jwt.SigningMethodRS512,
	"PS256": strictPSS(jwt.SigningMethodPS256),
	"PS384": strictPSS(jwt.SigningMethodPS384),
	"PS512": strictPSS(jwt.SigningMethodPS512),
}

// strictPSS returns a copy of a golang-jwt PSS method that verifies only a
// salt as long as the hash, as RFC 7518 section 3.5 prescribes. golang-jwt's
// own methods accept any salt length when verifying, which Wycheproof's
// SaltLenChanged vectors show to be too lenient.
func strictPSS(m *jwt.SigningMethodRSAPSS) *jwt.SigningMethodRSAPSS {
	exact := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}
	return &jwt.SigningMethodRSAPSS{
		SigningMethodRSA: m.SigningMethodRSA,
		Options:          exact,
		VerifyOptions:    exact,
	}
}

// segmentEncoding decodes the parts of a compact JWS. It is strict: no
// padding, and no stray bits in the last character, so each token has exactly
// one spelling and a signature cannot be altered without breaking it.
var segmentEncoding = base64.RawURLEncoding.Strict()

// jws is a compact JWS split into its parts, not yet verified.
type jws struct {
	alg          string
	kid          string
	signingInput string
	payload      []byte
	signature    []byte
}

// parseJWS decodes a compact JWS without trusting any of it.
//
// golang-jwt's parser is not used for this step: it decodes the claims
// before it verifies, and so cannot check the signature of a payload that is
// not a JSON object, which the Wycheproof vectors need. Its signing methods
// do the verifying, and its validator checks the claims.
func parseJWS(token string) (*jws, *refusal) {
	// Length and segment count come first, before anything is allocated for
	// the token, so that oversized or dot-stuffed input costs nothing.
	if len(token) > MaxTokenBytes {
		return nil, refusef(ErrOversizedToken, "token is too long",
			"expected at most %d bytes, found %d", MaxTokenBytes, len(token))
	}
	if n := strings.Count(token, "."); n != 2 {
		return nil, refusef(ErrMalformedToken, describeSegments,
			"expected 3 segments, found %d", n+1)
	}
	head, rest, _ := strings.Cut(token, ".")
	body, sig, _ := strings.Cut(rest, ".")

	// The header says how the token claims to be signed.
	headerJSON, err := segmentEncoding.DecodeString(head)
	if err != nil {
		if strings.HasPrefix(strings.ToLower(token), "bearer ") {
			return nil, refuse(ErrMalformedToken, describeLowerBearer, err)
		}
		return nil, refuse(ErrMalformedToken, "could not base64 decode header", err)
	}
	header, ref := decodeHeader(headerJSON)
	if ref != nil {
		return nil, ref
	}

	// The payload and signature are decoded now, while still offline, so a
	// malformed token never leads to a key fetch.
	payload, err := segmentEncoding.DecodeString(body)
	if err != nil {
		return nil, refuse(ErrMalformedToken, "could not base64 decode claim", err)
	}
	signature, err := segmentEncoding.DecodeString(sig)
	if err != nil {
		return nil, refuse(ErrMalformedToken, "could not base64 decode signature", err)
	}

	header.signingInput = head + "." + body
	header.payload = payload
	header.signature = signature
	return header, nil
}

// decodeHeader reads alg and kid from a JOSE header.
//
// Members are matched by their exact names (encoding/json would also match
// "ALG" or "Kid"). The header's jwk, jku, x5u and x5c members are never read:
// keys come only from the issuer's JWKS, so a key or key URL named by the
// token itself cannot be used to verify it.
func decodeHeader(data []byte) (*jws, *refusal) {
	var header map[string]json.RawMessage
	if err := json.Unmarshal(data, &header); err != nil || header == nil {
		if err == nil {
			err = errors.New("header is null")
		}
		return nil, refuse(ErrMalformedToken, "could not JSON decode header", err)
	}

	// A critical extension must be understood or the token refused (RFC 7515
	// section 4.1.11), and none is understood here.
	if _, ok := header["crit"]; ok {
		return nil, refusef(ErrMalformedToken, "token has critical header parameters",
			"header has crit %s", header["crit"])
	}

	alg, ok := stringMember(header, "alg")
	if !ok || alg == "" {
		return nil, refusef(ErrAlgorithm, "signing method (alg) is unspecified",
			"header has no alg string")
	}
	if _, ok := rsaAlgorithms[alg]; !ok {
		return nil, refusef(ErrAlgorithm, invalidMethod(alg),
			"expected an RSA algorithm (RS256, RS384, RS512, PS256, PS384, PS512), found %q",
			alg)
	}

	// API Gateway finds the key by kid alone, so a token without one cannot
	// be verified.
	kid, ok := stringMember(header, "kid")
	if !ok || kid == "" {
		return nil, refusef(ErrUnknownKey, "token has no kid", "header has no kid string")
	}
	return &jws{alg: alg, kid: kid}, nil
}

// verifySignature checks the token's signature with the keys published under
// its kid. A key that names an algorithm is used only with that algorithm
// (RFC 7517 section 4.4), so an RS256 key cannot vouch for a PS256 token.
func verifySignature(token *jws, keys []publicKey) *refusal {
	method := rsaAlgorithms[token.alg]

	var failure *refusal
	for _, key := range keys {
		if key.alg != "" && key.alg != token.alg {
			failure = refusef(ErrAlgorithm, invalidMethod(token.alg),
				"key %q is published for %s, token is signed with %s",
				token.kid, key.alg, token.alg)
			continue
		}
		err := method.Verify(token.signingInput, token.signature, key.key)
		if err == nil {
			return nil
		}
		failure = refuse(ErrSignature, verificationFailed, err)
	}
	if failure == nil {
		failure = refusef(ErrUnknownKey, "no key of the token issuer matches the token's kid",
			"no key has kid %q", token.kid)
	}
	return failure
}

// invalidMethod describes a refused alg in jwt-go's words. The alg comes from
// the token, so it is cut short before it is echoed to the client.
func invalidMethod(alg string) string {
	const longest = 32
	if len(alg) > longest {
		alg = alg[:longest] + "..."
	}
	return fmt.Sprintf("signing method %s is invalid", alg)
}

// verificationFailed is the text crypto/rsa gives a failed verification, which
// is what jwt-go's RSA methods report.
var verificationFailed = rsa.ErrVerification.Error()

// stringMember returns the named member of a JSON object when it is a string.
func stringMember(object map[string]json.RawMessage, name string) (string, bool) {
	raw, ok := object[name]
	if !ok {
		return "", false
	}
	var value string
	if err := json.Unmarshal(raw, &value); err != nil {
		return "", false
	}
	return value, true
}
