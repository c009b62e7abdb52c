// Package jwtauth answers a request the way API Gateway's HTTP API JWT
// authorizer would, so that passage-local can serve a synthesized API on
// localhost with the same checks the deployed API makes.
//
// An Authorizer is configured like an AWS::ApiGatewayV2::Authorizer of type
// JWT. For each request it reads the token from the identity source, finds the
// issuer's key named by the token's kid (OpenID discovery, then the JWKS),
// verifies the RSA signature, and checks iss, aud (or client_id), exp, nbf,
// iat and the route's scopes, in the order API Gateway documents. It hands
// back either a Grant, holding the claims and scopes as a Lambda handler
// receives them in payload format 2.0, or a Denial, holding the exact status,
// headers and body the client would get.
//
// API Gateway documents the checks but not every detail around them. Where
// it is silent, the choice made here is written down where it is made, and
// is covered by a test.
package jwtauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The limits below are API Gateway's published quotas and behaviour; they are
// constants so that no configuration can loosen them.
const (
	// FetchTimeout bounds each fetch of the discovery document and each fetch
	// of the JWKS.
	FetchTimeout = 1500 * time.Millisecond

	// MaxDocumentBytes is the largest discovery document or JWKS accepted. A
	// longer body fails the fetch; it is never cut short and used.
	MaxDocumentBytes = 150_000

	// MaxKeyAge is how long fetched keys are trusted before they are fetched
	// again.
	MaxKeyAge = 2 * time.Hour

	// MaxAudiences is the most audiences one authorizer may list.
	MaxAudiences = 50

	// MaxTokenBytes is the longest token read. API Gateway refuses a request
	// whose request line and headers exceed 10,240 bytes, so no longer token
	// can ever reach its authorizer; refusing one here, before any decoding,
	// also keeps oversized input away from the parser (the CVE-2025-30204
	// class of attack).
	MaxTokenBytes = 10_240

	// DefaultIdentitySource is where the token is read from when the
	// configuration names no identity source.
	DefaultIdentitySource = "$request.header.Authorization"
)

// RefetchInterval is the shortest time between two fetches of an issuer's
// keys. A token whose kid is not among the cached keys triggers a fetch, so
// rotated keys are picked up, but at most one per interval, so a flood of
// tokens with made-up kids cannot hammer the issuer. API Gateway does not
// publish its own interval; ten seconds keeps a rotation visible within
// moments while bounding the load to six fetches a minute.
const RefetchInterval = 10 * time.Second

// Config is the authorizer's configuration, named as in the JwtConfiguration
// and IdentitySource properties of AWS::ApiGatewayV2::Authorizer.
type Config struct {
	// Issuer is the exact value the token's iss claim must hold. The keys are
	// found through {Issuer}/.well-known/openid-configuration, so Issuer must
	// be an https URL unless WithLocalKeys supplies its keys.
	Issuer string

	// Audience lists the values accepted in the token's aud claim, or in its
	// client_id claim when aud is absent. It holds 1 to MaxAudiences entries.
	Audience []string

	// IdentitySource names where the token is read: one entry of the form
	// $request.header.NAME or $request.querystring.NAME, as API Gateway allows
	// for JWT authorizers.
	// Default: []string{DefaultIdentitySource}.
	IdentitySource []string
}

// Option changes how an Authorizer reaches the issuer or tells the time.
type Option func(*options)

type options struct {
	client       *http.Client
	now          func() time.Time
	localKeys    map[string][]byte
	fetchTimeout time.Duration
}

// WithHTTPClient sets the client used for discovery and JWKS fetches, for
// example one that trusts a test issuer's certificate authority. Redirects to
// anything but https are refused whatever the client's own policy.
// Default: a client with the system's roots.
func WithHTTPClient(client *http.Client) Option {
	return func(o *options) { o.client = client }
}

// WithClock sets the source of the current time used for exp, nbf and iat and
// for the age of cached keys. Fetch timeouts always run on the real clock.
// Default: time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.now = now
		}
	}
}

// WithLocalKeys supplies the keys of one issuer as a JWKS document, so that
// no discovery or JWKS fetch is made for it and its URL need not be https.
// The option is ignored by an authorizer configured for another issuer, so
// one option list can serve every authorizer of an API.
func WithLocalKeys(issuer string, jwks []byte) Option {
	return func(o *options) {
		if o.localKeys == nil {
			o.localKeys = make(map[string][]byte)
		}
		o.localKeys[issuer] = jwks
	}
}

// Authorizer checks requests against one JWT authorizer configuration. It is
// safe for concurrent use.
type Authorizer struct {
	issuer    string
	audience  []string
	source    identitySource
	keys      keySource
	timeCheck *jwt.Validator
}

// Grant is what an accepted request carries to its integration.
type Grant struct {
	// Claims holds every claim of the token as API Gateway hands it to a
	// Lambda function under requestContext.authorizer.jwt.claims in payload
	// format 2.0: each value a string. Numbers keep the exact text they have
	// in the token ("1612061676", never "1.612061676e+09"), booleans are
	// "true" or "false", arrays are flattened the way Go prints a slice
	// ("[https://app.example.com appID123]"), objects are compact JSON text,
	// and claims whose value is null are left out.
	Claims map[string]string

	// Scopes holds requestContext.authorizer.jwt.scopes. API Gateway fills it
	// only for a route that has authorization scopes, and then with every
	// scope the token holds (its scope claim split at spaces, or else its scp
	// claim), not only the ones that matched. For a route without scopes it
	// is nil, which API Gateway sends as "scopes": null.
	Scopes []string
}

// New checks cfg and returns an authorizer for it. It makes no network call:
// the issuer's keys are fetched on first use.
func New(cfg Config, opts ...Option) (*Authorizer, error) {
	o := options{now: time.Now, fetchTimeout: FetchTimeout}
	for _, opt := range opts {
		opt(&o)
	}

	// Check the configuration as API Gateway would when it is created, so a
	// mistake shows at start-up instead of as a 401 on every request.
	if err := checkAudience(cfg.Audience); err != nil {
		return nil, err
	}
	source, err := parseIdentitySources(cfg.IdentitySource)
	if err != nil {
		return nil, err
	}

	// Local keys replace discovery; otherwise the issuer must be reachable
	// over https, as API Gateway's own fetches are.
	var keys keySource
	if jwks, ok := o.localKeys[cfg.Issuer]; ok && cfg.Issuer != "" {
		set, err := parseJWKS(jwks)
		if err != nil {
			return nil, fmt.Errorf("jwtauth: local keys for issuer %q: %w", cfg.Issuer, err)
		}
		keys = staticKeys(set)
	} else {
		discovery, err := discoveryURL(cfg.Issuer)
		if err != nil {
			return nil, err
		}
		client := o.client
		if client == nil {
			client = &http.Client{}
		}
		keys = &remoteKeys{
			discoveryURL: discovery,
			client:       httpsOnly(client),
			timeout:      o.fetchTimeout,
			now:          o.now,
		}
	}

	a := &Authorizer{
		issuer:   cfg.Issuer,
		audience: append([]string(nil), cfg.Audience...),
		source:   source,
		keys:     keys,

		// No leeway: API Gateway documents none. exp is required, because a
		// token that never expires cannot satisfy "exp must be after now".
		timeCheck: jwt.NewValidator(
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithTimeFunc(o.now),
		),
	}
	return a, nil
}

// Authorize decides whether r may reach a route whose authorization scopes are
// routeScopes (none for a route without scopes). Exactly one of the results is
// set: the Grant when the token is accepted, the Denial otherwise. A failure
// to reach the issuer is a 401 like any other refusal, never a server error.
func (a *Authorizer) Authorize(ctx context.Context, r *http.Request,
	routeScopes []string) (Grant, *Denial) {
	// 1. Read the token from the identity source, bare or after "Bearer ".
	token, ref := a.source.token(r)
	if ref != nil {
		return Grant{}, ref.denial()
	}

	// 2. Decode it. Nothing is trusted yet and nothing is fetched, so a
	// malformed token never costs a trip to the issuer.
	parsed, ref := parseJWS(token)
	if ref != nil {
		return Grant{}, ref.denial()
	}

	// 2-3. Find the key named by kid and verify the signature with it.
	keys, err := a.keys.keysFor(ctx, parsed.kid)
	if err != nil {
		return Grant{}, keyRefusal(err).denial()
	}
	if ref := verifySignature(parsed, keys); ref != nil {
		return Grant{}, ref.denial()
	}

	// 4-6. Check the claims: iss, then aud or client_id, then exp, nbf, iat.
	claims, ref := decodeClaims(parsed.payload)
	if ref != nil {
		return Grant{}, ref.denial()
	}
	if ref := a.checkClaims(claims); ref != nil {
		return Grant{}, ref.denial()
	}

	// 7. Check the route's scopes. Only this refusal is a 403: the token was
	// accepted, it just does not open this route.
	var scopes []string
	if len(routeScopes) > 0 {
		scopes = claims.scopes()
		if !holdsAny(scopes, routeScopes) {
			return Grant{}, scopeRefusal(scopes, routeScopes).denial()
		}
	}
	return Grant{Claims: claims.flatten(), Scopes: scopes}, nil
}

// checkAudience checks the configured audiences against API Gateway's rules.
func checkAudience(audience []string) error {
	if len(audience) == 0 || len(audience) > MaxAudiences {
		return fmt.Errorf("jwtauth: Audience: expected 1 to %d entries, found %d",
			MaxAudiences, len(audience))
	}
	for i, aud := range audience {
		if aud == "" {
			return fmt.Errorf("jwtauth: Audience[%d]: expected a value, found an empty string", i)
		}
	}
	return nil
}

// discoveryURL derives the OpenID discovery URL from the issuer. A trailing
// slash on the issuer is not doubled, as OpenID Connect Discovery prescribes.
func discoveryURL(issuer string) (string, error) {
	u, err := url.Parse(issuer)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("jwtauth: Issuer: expected an https URL (or local keys for it), "+
			"found %q", issuer)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("jwtauth: Issuer: expected no query or fragment, found %q", issuer)
	}
	return strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration", nil
}

// holdsAny reports whether held contains at least one of wanted.
func holdsAny(held, wanted []string) bool {
	for _, w := range wanted {
		for _, h := range held {
			if h == w {
				return true
			}
		}
	}
	return false
}

// keyRefusal turns a key lookup failure into the refusal the client sees. The
// detail (URLs, network errors) stays in the reason.
func keyRefusal(err error) *refusal {
	if errors.Is(err, ErrKeysUnavailable) {
		return refuse(ErrKeysUnavailable, "unable to get the keys of the token issuer", err)
	}
	return refuse(ErrUnknownKey, "no key of the token issuer matches the token's kid", err)
}
