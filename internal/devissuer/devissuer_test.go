package devissuer_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/passage-cdk/passage-cdk-go/internal/devissuer"
	"github.com/passage-cdk/passage-cdk-go/internal/jwtauth"
)

const (
	issuerURL = "http://localhost:3000/dev"
	audience  = "http://localhost:5173"
)

// authorizer returns an authorizer for issuerURL and audience that takes its
// keys from dev, reading the time from now.
func authorizer(t *testing.T, dev *devissuer.Issuer, now func() time.Time) *jwtauth.Authorizer {
	t.Helper()
	a, err := jwtauth.New(jwtauth.Config{Issuer: issuerURL, Audience: []string{audience}},
		dev.KeysFor(issuerURL), jwtauth.WithClock(now))
	if err != nil {
		t.Fatalf("jwtauth.New: %v", err)
	}
	return a
}

func authorize(a *jwtauth.Authorizer, token string, scopes ...string) (jwtauth.Grant,
	*jwtauth.Denial) {
	r := httptest.NewRequest(http.MethodGet, "http://localhost:8080/orders", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return a.Authorize(context.Background(), r, scopes)
}

func loadOrCreate(t *testing.T, dir string) *devissuer.Issuer {
	t.Helper()
	dev, err := devissuer.LoadOrCreate(dir)
	if err != nil {
		t.Fatalf("LoadOrCreate: %v", err)
	}
	return dev
}

func mint(t *testing.T, dev *devissuer.Issuer, opts devissuer.MintOptions) string {
	t.Helper()
	token, err := dev.Mint(opts)
	if err != nil {
		t.Fatalf("Mint: %v", err)
	}
	return token
}

// TestMintedTokenPassesTheAuthorizer checks a minted token end to end: the
// local gateway's authorizer accepts it and hands the handler its claims.
func TestMintedTokenPassesTheAuthorizer(t *testing.T) {
	dev := loadOrCreate(t, t.TempDir())
	token := mint(t, dev, devissuer.MintOptions{
		Issuer:   issuerURL,
		Audience: []string{audience},
		Subject:  "user-42",
		Scopes:   []string{"orders:read", "orders:write"},
		Claims:   map[string]any{"email": "dev@example.com"},
	})

	grant, denial := authorize(authorizer(t, dev, time.Now), token, "orders:read")
	if denial != nil {
		t.Fatalf("denied: %v", denial.Reason)
	}
	for name, want := range map[string]string{
		"iss":   issuerURL,
		"aud":   audience,
		"sub":   "user-42",
		"scope": "orders:read orders:write",
		"email": "dev@example.com",
	} {
		if got := grant.Claims[name]; got != want {
			t.Errorf("claim %s is %q, expected %q", name, got, want)
		}
	}
	if diff := cmp.Diff([]string{"orders:read", "orders:write"}, grant.Scopes); diff != "" {
		t.Errorf("scopes (-want +got):\n%s", diff)
	}

	// The header names the algorithm and the key.
	parsed, _, err := jwt.NewParser().ParseUnverified(token, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"alg": "RS256", "kid": dev.KeyID(), "typ": "JWT"}
	if diff := cmp.Diff(want, parsed.Header); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
}

// TestMintedTokenDates checks iat, nbf and exp through the authorizer: the
// token is valid from Now (whole seconds) until just before Now plus TTL.
func TestMintedTokenDates(t *testing.T) {
	dev := loadOrCreate(t, t.TempDir())
	issued := time.Unix(1_750_000_000, 400_000_000)
	token := mint(t, dev, devissuer.MintOptions{
		Issuer:   issuerURL,
		Audience: []string{audience},
		TTL:      90 * time.Second,
		Now:      issued,
	})
	start := issued.Truncate(time.Second)

	tests := []struct {
		name string
		at   time.Time
		err  error
	}{
		{"a second before it is issued", start.Add(-time.Second), jwtauth.ErrNotYetValid},
		{"the second it is issued", start, nil},
		{"a second before it expires", start.Add(89 * time.Second), nil},
		{"when it expires", start.Add(90 * time.Second), jwtauth.ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := func() time.Time { return tt.at }
			_, denial := authorize(authorizer(t, dev, now), token)
			switch {
			case tt.err == nil && denial != nil:
				t.Errorf("denied: %v", denial.Reason)
			case tt.err != nil && (denial == nil || !errors.Is(denial.Reason, tt.err)):
				t.Errorf("got %v, expected a denial for %v", denial, tt.err)
			}
		})
	}
}

// TestMintedTokenForAnotherIssuerOrAudience checks that the authorizer holds
// a minted token to the same rules as any other.
func TestMintedTokenForAnotherIssuerOrAudience(t *testing.T) {
	dev := loadOrCreate(t, t.TempDir())
	other := loadOrCreate(t, t.TempDir())
	a := authorizer(t, dev, time.Now)

	tests := []struct {
		name  string
		token string
		err   error
	}{
		{
			name: "another audience",
			token: mint(t, dev, devissuer.MintOptions{
				Issuer: issuerURL, Audience: []string{"http://localhost:4000"},
			}),
			err: jwtauth.ErrAudience,
		},
		{
			name: "another issuer",
			token: mint(t, dev, devissuer.MintOptions{
				Issuer: "http://localhost:3000/other", Audience: []string{audience},
			}),
			err: jwtauth.ErrIssuer,
		},
		{
			name: "the issuer URL with a trailing slash",
			token: mint(t, dev, devissuer.MintOptions{
				Issuer: issuerURL + "/", Audience: []string{audience},
			}),
			err: jwtauth.ErrIssuer,
		},
		{
			name: "another development key",
			token: mint(t, other, devissuer.MintOptions{
				Issuer: issuerURL, Audience: []string{audience},
			}),
			err: jwtauth.ErrUnknownKey,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, denial := authorize(a, tt.token)
			if denial == nil {
				t.Fatal("accepted")
			}
			if denial.Status != http.StatusUnauthorized || !errors.Is(denial.Reason, tt.err) {
				t.Errorf("denied %d for %v, expected 401 for %v", denial.Status, denial.Reason,
					tt.err)
			}
		})
	}
}

// TestAudienceArray checks the Passage shape: two audiences become an array,
// which the handler receives flattened.
func TestAudienceArray(t *testing.T) {
	dev := loadOrCreate(t, t.TempDir())
	token := mint(t, dev, devissuer.MintOptions{
		Issuer:   issuerURL,
		Audience: []string{audience, "appID123"},
	})
	grant, denial := authorize(authorizer(t, dev, time.Now), token)
	if denial != nil {
		t.Fatalf("denied: %v", denial.Reason)
	}
	if got, want := grant.Claims["aud"], "["+audience+" appID123]"; got != want {
		t.Errorf("aud is %q, expected %q", got, want)
	}
}

// TestLoadOrCreateReusesTheKey checks that the key is made once and kept.
func TestLoadOrCreateReusesTheKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".passage-local")
	first := loadOrCreate(t, dir)
	path := filepath.Join(dir, devissuer.KeyFileName)
	if first.KeyPath() != path {
		t.Errorf("key at %s, expected %s", first.KeyPath(), path)
	}
	written, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	token := mint(t, first, devissuer.MintOptions{Issuer: issuerURL, Audience: []string{audience}})

	second := loadOrCreate(t, dir)
	if second.KeyID() != first.KeyID() || !second.PublicKey().Equal(first.PublicKey()) {
		t.Errorf("the second call has key %s, expected the first's %s", second.KeyID(),
			first.KeyID())
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, written) {
		t.Error("the key file changed on the second call")
	}
	if _, denial := authorize(authorizer(t, second, time.Now), token); denial != nil {
		t.Errorf("a token minted before the reload was denied: %v", denial.Reason)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the key folder holds %d entries, expected only the key file", len(entries))
	}
}

// TestKeyFileModes checks that the key is readable by its owner only.
func TestKeyFileModes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no Unix permission bits")
	}
	dir := filepath.Join(t.TempDir(), ".passage-local")
	dev := loadOrCreate(t, dir)

	for path, want := range map[string]os.FileMode{dev.KeyPath(): 0o600, dir: 0o700} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s has mode %o, expected %o", path, got, want)
		}
	}
}

// TestCorruptKeyFile checks that a key file that is not a usable RSA key is
// reported, named, and left alone, never replaced by a new key.
func TestCorruptKeyFile(t *testing.T) {
	pemOf := func(kind string, der []byte) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	smallKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	smallDER, err := x509.MarshalPKCS8PrivateKey(smallKey)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		content []byte
		want    string
	}{
		{"empty file", nil, "found no PEM block in 0 bytes"},
		{"text", []byte("not a key\n"), "found no PEM block in 10 bytes"},
		{"certificate", pemOf("CERTIFICATE", []byte{1, 2, 3}), `found a "CERTIFICATE" PEM block`},
		{
			"truncated key", pemOf("PRIVATE KEY", smallDER[:40]),
			`"PRIVATE KEY" block that does not parse`,
		},
		{"EC key", pemOf("PRIVATE KEY", ecDER), "found a *ecdsa.PrivateKey"},
		{"1024-bit key", pemOf("PRIVATE KEY", smallDER), "found a 1024-bit key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, devissuer.KeyFileName)
			if err := os.WriteFile(path, tt.content, 0o600); err != nil {
				t.Fatal(err)
			}

			dev, err := devissuer.LoadOrCreate(dir)
			if err == nil {
				t.Fatalf("loaded key %s from a corrupt file", dev.KeyID())
			}
			for _, part := range []string{path, tt.want, "delete the file to make a new key"} {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q, expected it to contain %q", err, part)
				}
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, tt.content) {
				t.Error("the corrupt key file was changed")
			}
		})
	}
}

// TestMintRejectsOptions checks that options Mint cannot honour exactly are
// refused, naming the field.
func TestMintRejectsOptions(t *testing.T) {
	dev := loadOrCreate(t, t.TempDir())
	tests := []struct {
		name string
		opts devissuer.MintOptions
		want string
	}{
		{
			name: "no issuer",
			opts: devissuer.MintOptions{Audience: []string{audience}},
			want: "Issuer: expected a value, found none",
		},
		{
			name: "no audience",
			opts: devissuer.MintOptions{Issuer: issuerURL},
			want: "Audience: expected at least one, found none",
		},
		{
			name: "negative TTL",
			opts: devissuer.MintOptions{Issuer: issuerURL, Audience: []string{audience},
				TTL: -time.Minute},
			want: "TTL: expected a positive duration, found -1m0s",
		},
		{
			name: "a claim that a field owns",
			opts: devissuer.MintOptions{Issuer: issuerURL, Audience: []string{audience},
				Claims: map[string]any{"exp": 1}},
			want: `Claims: "exp" is set from MintOptions`,
		},
		{
			name: "a scope with a space",
			opts: devissuer.MintOptions{Issuer: issuerURL, Audience: []string{audience},
				Scopes: []string{"orders:read orders:write"}},
			want: `Scopes[0]: expected a scope without spaces, found "orders:read orders:write"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token, err := dev.Mint(tt.opts)
			if err == nil {
				t.Fatalf("minted %s", token)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, expected it to contain %q", err, tt.want)
			}
		})
	}
}
