package claims

import (
	"errors"
	"fmt"
)

// ErrNoAuthorizer reports a request that carries no JWT authorizer context:
// the route is public, sits behind another kind of authorizer, or was deployed
// without the authorizer its handler expects. Nothing in such a request was
// verified, so no claim in it can be trusted.
var ErrNoAuthorizer = errors.New("no JWT authorizer context")

// ErrMissingClaim reports a claim that a verified token should carry but the
// authorizer context lacks. The error wrapping it is a [*ClaimError] naming
// the claim.
var ErrMissingClaim = errors.New("claim missing")

// ErrMalformedClaim reports a claim whose text cannot be read as the type it
// must have. The error wrapping it is a [*ClaimError] naming the claim, what
// was expected and what was found.
var ErrMalformedClaim = errors.New("claim malformed")

// maxQuoted bounds how much of a claim's value an error message repeats, so
// that an unexpectedly large claim cannot flood a log line.
const maxQuoted = 80

// ClaimError describes one claim that is missing or malformed. It wraps
// [ErrMissingClaim] or [ErrMalformedClaim], so callers can branch with
// errors.Is and reach the claim's name with errors.As.
type ClaimError struct {
	// Claim is the claim's name as it appears in the token, such as "exp".
	Claim string

	// Expected says what the claim should have held. Empty for a missing claim.
	Expected string

	// Found is the claim's text as API Gateway passed it. Empty for a missing
	// claim.
	Found string

	// Err is ErrMissingClaim or ErrMalformedClaim.
	Err error
}

// Error says which claim is wrong and, for a malformed one, what was expected
// and what was found (cut to a bounded length).
func (e *ClaimError) Error() string {
	if errors.Is(e.Err, ErrMissingClaim) {
		return fmt.Sprintf("claim %q missing from the JWT authorizer context", e.Claim)
	}
	return fmt.Sprintf("claim %q malformed: expected %s, found %s",
		e.Claim, e.Expected, quoteBounded(e.Found))
}

// Unwrap returns the sentinel the error belongs to.
func (e *ClaimError) Unwrap() error {
	return e.Err
}

// missing builds the error for an absent claim.
func missing(claim string) error {
	return &ClaimError{Claim: claim, Err: ErrMissingClaim}
}

// malformed builds the error for a claim that cannot be read.
func malformed(claim, expected, found string) error {
	return &ClaimError{Claim: claim, Expected: expected, Found: found, Err: ErrMalformedClaim}
}

// quoteBounded quotes s, keeping at most maxQuoted bytes of it and saying how
// much was left out.
func quoteBounded(s string) string {
	if len(s) <= maxQuoted {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q... (%d bytes in all)", s[:maxQuoted], len(s))
}
