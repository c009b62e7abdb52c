package jwtauth

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// The reasons a request is denied. A Denial's Reason wraps exactly one of
// them, so callers and tests can tell refusals apart with errors.Is.
var (
	// ErrMissingToken: the identity source is absent or empty.
	ErrMissingToken = errors.New("no token in the identity source")
	// ErrAmbiguousToken: the identity source holds more than one value.
	ErrAmbiguousToken = errors.New("more than one value in the identity source")
	// ErrOversizedToken: the token is longer than MaxTokenBytes.
	ErrOversizedToken = errors.New("token is too long")
	// ErrMalformedToken: the token is not a compact JWS with a JSON header
	// and a JSON object of claims.
	ErrMalformedToken = errors.New("token is malformed")
	// ErrAlgorithm: the token's alg is not an RSA signature algorithm, or
	// not the one its key is published for.
	ErrAlgorithm = errors.New("token algorithm is not accepted")
	// ErrUnknownKey: the token has no kid, or no key of the issuer has it.
	ErrUnknownKey = errors.New("token key is unknown")
	// ErrKeysUnavailable: the issuer's keys could not be fetched.
	ErrKeysUnavailable = errors.New("issuer keys are unavailable")
	// ErrSignature: the signature does not verify with the issuer's key.
	ErrSignature = errors.New("token signature is invalid")
	// ErrIssuer: iss is not exactly the configured issuer.
	ErrIssuer = errors.New("token issuer is not accepted")
	// ErrAudience: aud (or client_id, when aud is absent) matches no
	// configured audience.
	ErrAudience = errors.New("token audience is not accepted")
	// ErrExpired: exp is missing or not after now.
	ErrExpired = errors.New("token is expired")
	// ErrNotYetValid: nbf is after now.
	ErrNotYetValid = errors.New("token is not valid yet")
	// ErrIssuedInFuture: iat is after now.
	ErrIssuedInFuture = errors.New("token is issued in the future")
	// ErrScope: the token holds none of the route's authorization scopes.
	ErrScope = errors.New("token holds none of the route scopes")
)

// Denial is the response API Gateway sends instead of calling the
// integration.
type Denial struct {
	// Status is 401 for a token that is missing or not accepted, and 403 for
	// an accepted token that holds none of the route's scopes.
	Status int

	// Header holds the response headers: Content-Type and WWW-Authenticate.
	Header http.Header

	// Body is the exact response body, {"message":"Unauthorized"} or
	// {"message":"Forbidden"}.
	Body []byte

	// Reason says why the request was denied, for logs and tests. It wraps
	// one of the Err sentinels and is never sent to the client.
	Reason error
}

// Respond writes the denial to w.
func (d *Denial) Respond(w http.ResponseWriter) {
	for name, values := range d.Header {
		w.Header()[name] = append([]string(nil), values...)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(d.Body)))
	w.WriteHeader(d.Status)

	// A failed write means the client has gone; there is no one left to
	// tell.
	_, _ = w.Write(d.Body)
}

// refusal is a denial in the making: the sentinel, the error_description the
// client may see, and the detail that only the reason carries.
type refusal struct {
	kind        error
	description string
	detail      error
}

func (r *refusal) Error() string {
	if r.detail == nil {
		return r.kind.Error()
	}
	return r.kind.Error() + ": " + r.detail.Error()
}

func (r *refusal) Unwrap() []error {
	if r.detail == nil {
		return []error{r.kind}
	}
	return []error{r.kind, r.detail}
}

// refuse builds a refusal. description is what the client reads in
// error_description, so it never holds URLs, keys or library errors.
func refuse(kind error, description string, detail error) *refusal {
	return &refusal{kind: kind, description: description, detail: detail}
}

// refusef builds a refusal whose detail is formatted.
func refusef(kind error, description, format string, args ...any) *refusal {
	return refuse(kind, description, fmt.Errorf(format, args...))
}

// The error descriptions API Gateway is known to send. The audience one is
// quoted in API Gateway's troubleshooting guide. The other two are in the
// words of the Go jwt-go library family, which API Gateway's authorizer uses
// for parsing errors, and were recorded from deployed APIs: the segment count
// in users' own probe logs, the lower-case bearer prefix in
// aws/serverless-application-model issue 1300. No other description is
// published; the rest follow golang-jwt v5's wording of the same failures and
// name the check that failed, nothing more.
const (
	describeSegments    = "token contains an invalid number of segments"
	describeLowerBearer = "tokenstring should not contain 'bearer '"
	describeAudience    = "the token does not have a valid audience"
)

// denial turns the refusal into the response a client would get.
//
// A missing token gets a bare "Bearer" challenge, as deployed APIs are
// reported to answer; a refused token gets the invalid_token challenge with
// scope="" that API Gateway's troubleshooting guide shows.
//
// For a missing scope API Gateway documents nothing. Deployed APIs are
// reported (by emulators that measured them) to answer 403
// {"message":"Forbidden"}, the safe reading taken here; the challenge follows
// RFC 6750: error insufficient_scope and, in scope, the scopes the route
// accepts. Its exact wording on AWS is not known.
func (r *refusal) denial() *Denial {
	header := http.Header{}
	header.Set("Content-Type", "application/json")

	if errors.Is(r.kind, ErrScope) {
		header.Set("WWW-Authenticate", r.description)
		return &Denial{
			Status: http.StatusForbidden,
			Header: header,
			Body:   []byte(`{"message":"Forbidden"}`),
			Reason: r,
		}
	}

	challenge := "Bearer"
	if !errors.Is(r.kind, ErrMissingToken) {
		challenge = `Bearer scope="" error="invalid_token" error_description="` +
			quoted(r.description) + `"`
	}
	header.Set("WWW-Authenticate", challenge)
	return &Denial{
		Status: http.StatusUnauthorized,
		Header: header,
		Body:   []byte(`{"message":"Unauthorized"}`),
		Reason: r,
	}
}

// scopeRefusal builds the refusal for a token that holds none of the route's
// scopes. Its description is the whole challenge, as it differs in form.
func scopeRefusal(held, wanted []string) *refusal {
	challenge := `Bearer scope="` + quoted(strings.Join(wanted, " ")) +
		`" error="insufficient_scope" error_description="` +
		"the token does not have any of the required scopes" + `"`
	return refusef(ErrScope, challenge, "route accepts %q, token holds %q", wanted, held)
}

// quoted makes s safe inside a quoted-string of a header value: quotes and
// backslashes are escaped, and anything that is not printable ASCII (a token
// can put any byte in its alg) becomes '?'.
func quoted(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c > 0x7e:
			b.WriteByte('?')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
