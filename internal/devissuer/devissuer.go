// Package devissuer is a token issuer for local work without any identity
// provider. It keeps one RSA signing key on disk, mints RS256 tokens for any
// issuer and audience, and hands its public key to a jwtauth.Authorizer as
// the local keys of that issuer, so passage-local can check its tokens exactly
// as it checks a real provider's, with no HTTPS and no network.
//
// The key is for development only: anyone who can read the key file can mint
// tokens that the local gateway accepts. Keep its folder out of version
// control (the repository ignores .passage-local/).
package devissuer

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/passage-cdk/passage-cdk-go/internal/jwtauth"
)

// KeyFileName is the name of the signing key file in the folder given to
// LoadOrCreate.
const KeyFileName = "dev-signing-key.pem"

// keyBits is the size of a new key, and the smallest accepted from the file.
const keyBits = 2048

// Issuer signs development tokens with one RSA key.
type Issuer struct {
	key  *rsa.PrivateKey
	kid  string
	path string
}

// LoadOrCreate returns the issuer whose key is kept in dir. The first call
// makes dir (mode 0700) and a new 2048-bit key in it, written as PKCS #8 PEM
// with mode 0600; later calls load that key, so tokens minted before stay
// valid. A key file that cannot be read as an RSA key of at least 2048 bits
// is an error: it is never silently replaced.
func LoadOrCreate(dir string) (*Issuer, error) {
	path := filepath.Join(dir, KeyFileName)

	key, err := loadKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createKey(dir, path)
	}
	if err != nil {
		return nil, err
	}
	return &Issuer{key: key, kid: thumbprint(&key.PublicKey), path: path}, nil
}

// KeyID returns the kid put in every token's header: the key's RFC 7638
// thumbprint, so it stays the same for as long as the key does.
func (i *Issuer) KeyID() string { return i.kid }

// KeyPath returns the path of the key file.
func (i *Issuer) KeyPath() string { return i.path }

// PublicKey returns the public half of the signing key.
func (i *Issuer) PublicKey() *rsa.PublicKey { return &i.key.PublicKey }

// JWKS returns the public key as a JWKS document, for RS256 signatures.
func (i *Issuer) JWKS() []byte {
	pub := i.key.PublicKey
	doc, err := json.Marshal(map[string]any{"keys": []any{map[string]string{
		"kty": "RSA",
		"use": "sig",
		"alg": "RS256",
		"kid": i.kid,
		"n":   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
	if err != nil {
		// A map of strings always encodes.
		panic(fmt.Sprintf("devissuer: encoding the JWKS: %v", err))
	}
	return doc
}

// KeysFor returns the option that makes a jwtauth.Authorizer for issuer use
// this issuer's key instead of discovery: jwtauth.WithLocalKeys(issuer,
// i.JWKS()).
func (i *Issuer) KeysFor(issuer string) jwtauth.Option {
	return jwtauth.WithLocalKeys(issuer, i.JWKS())
}

// MintOptions describes a token to mint.
type MintOptions struct {
	// Issuer is the iss claim, exactly as given. Required.
	Issuer string

	// Audience is the aud claim, exactly as given: a string for one entry,
	// an array for more (as Passage writes the origin and the app ID).
	// Required.
	Audience []string

	// Subject is the sub claim.
	// Default: "dev-user".
	Subject string

	// Scopes become the scope claim, joined with spaces.
	// Default: no scope claim.
	Scopes []string

	// TTL is how long the token is valid: exp is Now plus TTL.
	// Default: one hour.
	TTL time.Duration

	// Claims are further claims. They may not set iss, aud, sub, iat, nbf,
	// exp or scope, which the fields above own.
	// Default: none.
	Claims map[string]any

	// Now is the time the token is issued: iat and nbf.
	// Default: time.Now().
	Now time.Time
}

// registered are the claims MintOptions sets from its own fields.
var registered = []string{"iss", "aud", "sub", "iat", "nbf", "exp", "scope"}

// Mint returns an RS256 token with the issuer's kid in its header, iat and
// nbf at Now (whole seconds), and exp at Now plus TTL.
func (i *Issuer) Mint(opts MintOptions) (string, error) {
	// Check the options, then fill in the defaults on a copy.
	if opts.Issuer == "" {
		return "", errors.New("devissuer: Mint: Issuer: expected a value, found none")
	}
	if len(opts.Audience) == 0 {
		return "", errors.New("devissuer: Mint: Audience: expected at least one, found none")
	}
	if opts.TTL < 0 {
		return "", fmt.Errorf("devissuer: Mint: TTL: expected a positive duration, found %s",
			opts.TTL)
	}
	for _, name := range registered {
		if _, ok := opts.Claims[name]; ok {
			return "", fmt.Errorf("devissuer: Mint: Claims: %q is set from MintOptions, "+
				"expected it only there", name)
		}
	}
	if opts.Subject == "" {
		opts.Subject = "dev-user"
	}
	if opts.TTL == 0 {
		opts.TTL = time.Hour
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}

	// Build the claims.
	claims := jwt.MapClaims{}
	for name, value := range opts.Claims {
		claims[name] = value
	}
	now := opts.Now.Truncate(time.Second)
	claims["iss"] = opts.Issuer
	claims["sub"] = opts.Subject
	claims["iat"] = now.Unix()
	claims["nbf"] = now.Unix()
	claims["exp"] = now.Add(opts.TTL).Unix()
	if len(opts.Audience) == 1 {
		claims["aud"] = opts.Audience[0]
	} else {
		claims["aud"] = opts.Audience
	}
	if len(opts.Scopes) > 0 {
		scope, err := joinScopes(opts.Scopes)
		if err != nil {
			return "", err
		}
		claims["scope"] = scope
	}

	// Sign.
	token := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	token.Header["kid"] = i.kid
	signed, err := token.SignedString(i.key)
	if err != nil {
		return "", fmt.Errorf("devissuer: Mint: signing: %w", err)
	}
	return signed, nil
}

// joinScopes joins scopes with spaces, refusing a scope that would split.
func joinScopes(scopes []string) (string, error) {
	for i, scope := range scopes {
		if scope == "" || strings.Contains(scope, " ") {
			return "", fmt.Errorf("devissuer: Mint: Scopes[%d]: expected a scope without "+
				"spaces, found %q", i, scope)
		}
	}
	return strings.Join(scopes, " "), nil
}

// loadKey reads the key file. A missing file is reported as fs.ErrNotExist;
// anything else wrong with it is an error that names the file and the fix.
func loadKey(path string) (*rsa.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("devissuer: reading the key file: %w", err)
	}
	corrupt := func(found string, args ...any) error {
		return fmt.Errorf("devissuer: key file %s: expected a PEM-encoded RSA private key "+
			"of at least %d bits, found %s; delete the file to make a new key "+
			"(tokens signed with the old key will then be refused)",
			path, keyBits, fmt.Sprintf(found, args...))
	}

	block, _ := pem.Decode(data)
	if block == nil {
		return nil, corrupt("no PEM block in %d bytes", len(data))
	}
	var parsed any
	switch block.Type {
	case "PRIVATE KEY":
		parsed, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		parsed, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, corrupt("a %q PEM block", block.Type)
	}
	if err != nil {
		return nil, corrupt("a %q block that does not parse (%v)", block.Type, err)
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, corrupt("a %T", parsed)
	}
	if key.N.BitLen() < keyBits {
		return nil, corrupt("a %d-bit key", key.N.BitLen())
	}
	if err := key.Validate(); err != nil {
		return nil, corrupt("an inconsistent key (%v)", err)
	}
	return key, nil
}

// createKey makes a new key and writes it to path without ever leaving a
// partial file there: the key is written to a temporary file first, then
// linked into place, which fails if another process got there first (its
// key is then used).
func createKey(dir, path string) (*rsa.PrivateKey, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("devissuer: making the key folder: %w", err)
	}
	key, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, fmt.Errorf("devissuer: generating a key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("devissuer: encoding the key: %w", err)
	}

	// os.CreateTemp makes the file with mode 0600.
	tmp, err := os.CreateTemp(dir, ".dev-signing-key-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("devissuer: writing the key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := pem.Encode(tmp, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("devissuer: writing the key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("devissuer: writing the key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("devissuer: writing the key: %w", err)
	}

	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return loadKey(path)
		}
		return nil, fmt.Errorf("devissuer: writing the key: %w", err)
	}
	return key, nil
}

// thumbprint returns the RFC 7638 thumbprint of an RSA public key: the
// base64url SHA-256 of its required members, e, kty and n, in that order
// with no whitespace.
func thumbprint(pub *rsa.PublicKey) string {
	members := fmt.Sprintf(`{"e":"%s","kty":"RSA","n":"%s"}`,
		base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		base64.RawURLEncoding.EncodeToString(pub.N.Bytes()))
	sum := sha256.Sum256([]byte(members))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
