// Package claims turns the JWT claims that an API Gateway HTTP API's JWT
// authorizer hands to a Lambda function into typed Go values.
//
// API Gateway verifies the token before the function runs: signature, issuer,
// audience, expiry and route scopes. It then passes the token's claims in the
// payload 2.0 event under requestContext.authorizer.jwt.claims, every one of
// them as a string. Numbers arrive as their decimal text ("1612061676"), and
// an array arrives flattened into one string with brackets and single spaces
// ("[https://app.example.com appID123]"). [FromRequest] undoes that for the
// registered claims and keeps the raw strings for everything else.
//
// Nothing here verifies a token: the package trusts the authorizer context and
// reports, as [ErrNoAuthorizer], a request that has none.
package claims

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Claims holds the verified claims of one request, typed.
type Claims struct {
	// UserID is the token's subject ("sub"). For a Passage token it is the
	// Passage user ID.
	UserID string

	// Issuer is the token's "iss": for Passage,
	// https://auth.passage.id/v1/apps/{appID}.
	Issuer string

	// Audiences lists the token's "aud" values: one for a token whose aud is
	// a string (older Passage tokens: the app's Authentication Origin), several
	// for an array (newer Passage tokens: the origin and the app ID). Empty
	// only when the token has no aud and API Gateway matched ClientID instead.
	Audiences []string

	// ClientID is the token's "client_id", which API Gateway compares with its
	// configured audiences when aud is absent (Amazon Cognito access tokens).
	// Default: empty (Passage tokens carry none).
	ClientID string

	// ExpiresAt is the token's "exp".
	ExpiresAt time.Time

	// IssuedAt is the token's "iat". Default: the zero time when absent.
	IssuedAt time.Time

	// NotBefore is the token's "nbf". Default: the zero time when absent.
	NotBefore time.Time

	// Scopes lists the token's scopes: those API Gateway put in
	// requestContext.authorizer.jwt.scopes when that list is present (even
	// empty), or else the space-separated "scope" claim, or else the "scp"
	// claim (a string or an array). Default: nil when the token has none.
	Scopes []string

	// Raw holds every claim as API Gateway passed it, strings unchanged. It is
	// a copy: changing it does not change the request.
	Raw map[string]string
}

// FromRequest reads the claims that the JWT authorizer verified for req.
//
// It fails with an error wrapping [ErrNoAuthorizer] when req has no JWT
// authorizer context, [ErrMissingClaim] when sub, iss, exp, or both aud and
// client_id are absent, and [ErrMalformedClaim] when a claim cannot be read
// as its type; the latter two are [*ClaimError] values naming the claim.
func FromRequest(req events.APIGatewayV2HTTPRequest) (*Claims, error) {
	jwt, err := jwtContext(req)
	if err != nil {
		return nil, err
	}
	raw := jwt.Claims

	// The subject and issuer are what a handler keys its data on, so an empty
	// one is as useless as an absent one, but says something else went wrong.
	c := &Claims{Raw: maps.Clone(raw), ClientID: raw["client_id"]}
	if c.UserID, err = requiredText(raw, "sub"); err != nil {
		return nil, err
	}
	if c.Issuer, err = requiredText(raw, "iss"); err != nil {
		return nil, err
	}

	// API Gateway compares aud with its audiences, and client_id only when aud
	// is absent, so a token with neither could not have passed.
	if c.Audiences, err = audiences(raw); err != nil {
		return nil, err
	}

	// exp is required: API Gateway checks it against the clock, and a token
	// that never expires is no Passage token. iat and nbf are optional, but
	// when present must still be dates.
	if c.ExpiresAt, err = numericDate(raw, "exp", true); err != nil {
		return nil, err
	}
	if c.IssuedAt, err = numericDate(raw, "iat", false); err != nil {
		return nil, err
	}
	if c.NotBefore, err = numericDate(raw, "nbf", false); err != nil {
		return nil, err
	}

	if c.Scopes, err = scopes(jwt); err != nil {
		return nil, err
	}
	return c, nil
}

// HasScope reports whether scope is one of c's scopes.
func (c *Claims) HasScope(scope string) bool {
	return slices.Contains(c.Scopes, scope)
}

// List reads the claim name as a list of strings, undoing API Gateway's
// flattening of arrays: "[a b c]" gives a, b and c; a plain string gives a
// one-element list. Use it for custom array claims such as "cognito:groups".
//
// API Gateway joins elements with single spaces, so an element that itself
// held a space cannot be told apart from two elements; such claims can only be
// read whole from Raw.
//
// It fails with an error wrapping [ErrMissingClaim] when the claim is absent,
// and [ErrMalformedClaim] when its brackets are unbalanced.
func (c *Claims) List(name string) ([]string, error) {
	text, ok := c.Raw[name]
	if !ok {
		return nil, missing(name)
	}
	return parseList(name, text)
}

// jwtContext finds the JWT authorizer context of req, or says what it found in
// its place.
func jwtContext(
	req events.APIGatewayV2HTTPRequest,
) (*events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription, error) {
	auth := req.RequestContext.Authorizer
	switch {
	case auth == nil:
		return nil, fmt.Errorf("%w: expected requestContext.authorizer.jwt, found no authorizer "+
			"(a public route, or one deployed without its JWT authorizer)", ErrNoAuthorizer)
	case auth.JWT == nil && auth.Lambda != nil:
		return nil, fmt.Errorf("%w: expected requestContext.authorizer.jwt, "+
			"found a Lambda authorizer context", ErrNoAuthorizer)
	case auth.JWT == nil && auth.IAM != nil:
		return nil, fmt.Errorf("%w: expected requestContext.authorizer.jwt, "+
			"found an IAM authorizer context", ErrNoAuthorizer)
	case auth.JWT == nil:
		return nil, fmt.Errorf("%w: expected requestContext.authorizer.jwt, "+
			"found an empty authorizer", ErrNoAuthorizer)
	case len(auth.JWT.Claims) == 0:
		// A verified token always has claims; none means nothing was verified.
		return nil, fmt.Errorf("%w: expected claims in requestContext.authorizer.jwt, "+
			"found none", ErrNoAuthorizer)
	}
	return auth.JWT, nil
}

// requiredText reads a claim that must be present and not empty.
func requiredText(raw map[string]string, name string) (string, error) {
	text, ok := raw[name]
	if !ok {
		return "", missing(name)
	}
	if strings.TrimSpace(text) == "" {
		return "", malformed(name, "a non-empty string", text)
	}
	return text, nil
}

// audiences reads aud, which is either one string or a flattened array.
func audiences(raw map[string]string) ([]string, error) {
	text, ok := raw["aud"]
	if !ok {
		if raw["client_id"] != "" {
			return nil, nil
		}
		return nil, missing("aud")
	}

	list, err := parseList("aud", text)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, malformed("aud", "at least one audience", text)
	}
	return list, nil
}

// scopes prefers the list API Gateway computed, which is present (though
// possibly empty) exactly when the event carried one, and falls back to the
// token's own claims.
func scopes(jwt *events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription) ([]string, error) {
	if jwt.Scopes != nil {
		return nonEmpty(slices.Clone(jwt.Scopes)), nil
	}

	// OAuth 2.0 (RFC 8693 and RFC 9068) makes scope one space-separated string.
	if text, ok := jwt.Claims["scope"]; ok {
		return nonEmpty(strings.Fields(text)), nil
	}

	// scp is the older name; some issuers (Okta, Microsoft) make it an array,
	// which arrives flattened, others a space-separated string.
	if text, ok := jwt.Claims["scp"]; ok {
		list, err := parseList("scp", text)
		if err != nil {
			return nil, err
		}
		var scopes []string
		for _, item := range list {
			scopes = append(scopes, strings.Fields(item)...)
		}
		return nonEmpty(scopes), nil
	}
	return nil, nil
}

// nonEmpty turns an empty list into nil, so that "no scopes" has one form
// whichever source it came from.
func nonEmpty(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	return list
}
