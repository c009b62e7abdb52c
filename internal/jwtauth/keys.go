package jwtauth

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// minKeyBits is the smallest RSA modulus accepted in a JWKS. API Gateway does
// not publish one; 2048 bits is the floor of current guidance (NIST SP
// 800-131A) and what Passage and the common OIDC providers publish.
const minKeyBits = 2048

// publicKey is one RSA verification key from a JWKS.
type publicKey struct {
	alg string // the JWK's alg member, "" when it names none
	key *rsa.PublicKey
}

// keySet holds an issuer's usable keys by kid. A kid may name more than one
// key; each is tried.
type keySet map[string][]publicKey

// keySource finds the keys published under a kid.
type keySource interface {
	keysFor(ctx context.Context, kid string) ([]publicKey, error)
}

// staticKeys is a key source that never fetches: the local keys of an issuer.
type staticKeys keySet

func (s staticKeys) keysFor(_ context.Context, kid string) ([]publicKey, error) {
	if keys := s[kid]; len(keys) > 0 {
		return keys, nil
	}
	return nil, fmt.Errorf("%w: no local key has kid %q", ErrUnknownKey, kid)
}

// parseJWKS reads the RSA signing keys of a JWKS document (RFC 7517).
//
// A key that cannot serve to verify an RSA signature is skipped rather than
// failing the set: a JWKS may also publish EC keys or encryption keys, and
// one odd key must not lock out tokens signed with the others. Skipped are
// keys whose kty is not RSA, whose use is not sig, whose key_ops lack verify,
// whose alg is not an RSA signature algorithm, that have no kid (API Gateway
// selects keys by kid alone), or whose modulus is under minKeyBits. x5c and
// x5u members are ignored: the key is the one in n and e, and no URL a JWKS
// names is ever fetched.
func parseJWKS(data []byte) (keySet, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil || doc == nil {
		return nil, fmt.Errorf("expected a JSON object, found %s", describeJSON(data, err))
	}
	var entries []json.RawMessage
	if raw, ok := doc["keys"]; !ok || json.Unmarshal(raw, &entries) != nil {
		return nil, errors.New("expected a keys array in the JWKS, found none")
	}

	set := keySet{}
	var skipped []string
	for i, entry := range entries {
		kid, key, err := parseRSAJWK(entry)
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("key %d: %v", i, err))
			continue
		}
		set[kid] = append(set[kid], key)
	}
	if len(set) == 0 {
		return nil, fmt.Errorf("expected at least one RSA signing key with a kid, found none "+
			"among %d keys (%s)", len(entries), strings.Join(skipped, "; "))
	}
	return set, nil
}

// parseRSAJWK reads one JWK as an RSA verification key.
func parseRSAJWK(data json.RawMessage) (string, publicKey, error) {
	var jwk map[string]json.RawMessage
	if err := json.Unmarshal(data, &jwk); err != nil || jwk == nil {
		return "", publicKey{}, errors.New("not a JSON object")
	}

	if kty, _ := stringMember(jwk, "kty"); kty != "RSA" {
		return "", publicKey{}, fmt.Errorf("kty is %q, not RSA", kty)
	}
	if use, ok := stringMember(jwk, "use"); ok && use != "sig" {
		return "", publicKey{}, fmt.Errorf("use is %q, not sig", use)
	}
	if raw, ok := jwk["key_ops"]; ok {
		var ops []string
		if json.Unmarshal(raw, &ops) != nil || !slices.Contains(ops, "verify") {
			return "", publicKey{}, fmt.Errorf("key_ops %s lack verify", raw)
		}
	}
	alg, hasAlg := stringMember(jwk, "alg")
	if _, ok := rsaAlgorithms[alg]; hasAlg && !ok {
		return "", publicKey{}, fmt.Errorf("alg is %q, not an RSA signature algorithm", alg)
	}
	kid, _ := stringMember(jwk, "kid")
	if kid == "" {
		return "", publicKey{}, errors.New("no kid")
	}

	n, err := keyInteger(jwk, "n")
	if err != nil {
		return "", publicKey{}, err
	}
	e, err := keyInteger(jwk, "e")
	if err != nil {
		return "", publicKey{}, err
	}
	if n.BitLen() < minKeyBits {
		return "", publicKey{}, fmt.Errorf("modulus has %d bits, fewer than %d",
			n.BitLen(), minKeyBits)
	}
	if !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 || e.Bit(0) == 0 {
		return "", publicKey{}, fmt.Errorf("exponent %s is not an odd number from 3 to 2^31-1", e)
	}

	key := &rsa.PublicKey{N: n, E: int(e.Int64())}
	return kid, publicKey{alg: alg, key: key}, nil
}

// keyInteger decodes a base64url big-endian integer member of a JWK. Padding
// is tolerated: some issuers publish it, and the key is the issuer's own, not
// the token's.
func keyInteger(jwk map[string]json.RawMessage, name string) (*big.Int, error) {
	text, ok := stringMember(jwk, name)
	if !ok || text == "" {
		return nil, fmt.Errorf("no %s", name)
	}
	data, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(text, "="))
	if err != nil {
		return nil, fmt.Errorf("%s is not base64url: %w", name, err)
	}
	return new(big.Int).SetBytes(data), nil
}

// describeJSON says briefly what a document that should be JSON holds.
func describeJSON(data []byte, err error) string {
	if err != nil {
		return fmt.Sprintf("%d bytes that do not decode as one (%v)", len(data), err)
	}
	return "null"
}
