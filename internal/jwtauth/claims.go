package jwtauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// claimSet is the verified payload of a token.
type claimSet struct {
	raw    map[string]json.RawMessage // each claim as written in the token
	values jwt.MapClaims              // the same, decoded; numbers as json.Number
}

// decodeClaims reads the payload as a JSON object. Numbers are kept as
// json.Number, so their exact text survives into the Grant.
func decodeClaims(payload []byte) (*claimSet, *refusal) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(payload, &raw); err != nil || raw == nil {
		if err == nil {
			err = errors.New("payload is null")
		}
		return nil, refuse(ErrMalformedToken, "could not JSON decode claim", err)
	}

	values := make(jwt.MapClaims, len(raw))
	for name, value := range raw {
		decoder := json.NewDecoder(bytes.NewReader(value))
		decoder.UseNumber()
		var v any
		if err := decoder.Decode(&v); err != nil {
			return nil, refuse(ErrMalformedToken, "could not JSON decode claim", err)
		}
		values[name] = v
	}

	// golang-jwt turns a numeric date into a float and ignores a failed
	// conversion, and the platform then decides what an infinite exp means.
	// Such a date is refused here first.
	for _, name := range []string{"exp", "nbf", "iat"} {
		if n, ok := values[name].(json.Number); ok {
			f, err := strconv.ParseFloat(string(n), 64)
			if err != nil || math.Abs(f) > 1<<53 {
				return nil, refusef(ErrMalformedToken, "token is malformed",
					"%s is %s, not a date in seconds", name, n)
			}
		}
	}
	return &claimSet{raw: raw, values: values}, nil
}

// checkClaims checks iss, aud and the dates, in API Gateway's order, so that a
// token with several faults is refused for the first one it documents.
func (a *Authorizer) checkClaims(claims *claimSet) *refusal {
	// 4. iss must equal the configured issuer exactly: no trailing slash,
	// scheme or case is forgiven.
	iss, err := claims.values.GetIssuer()
	if err != nil || iss != a.issuer {
		return refusef(ErrIssuer, jwt.ErrTokenInvalidIssuer.Error(),
			"expected iss %q, found %s", a.issuer, claims.describe("iss"))
	}

	// 5. aud must name a configured audience. client_id is looked at only
	// when aud is absent; an aud that is present but matches nothing is
	// refused even if client_id would match.
	if ref := a.checkAudience(claims); ref != nil {
		return ref
	}

	// 6. exp must be after now; nbf and iat must not be after now.
	err = a.timeCheck.Validate(claims.values)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jwt.ErrTokenExpired):
		return refuse(ErrExpired, jwt.ErrTokenExpired.Error(), err)
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return refuse(ErrExpired, jwt.ErrTokenRequiredClaimMissing.Error(), err)
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return refuse(ErrNotYetValid, jwt.ErrTokenNotValidYet.Error(), err)
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return refuse(ErrIssuedInFuture, jwt.ErrTokenUsedBeforeIssued.Error(), err)
	default:
		// A date of the wrong type, such as a string.
		return refuse(ErrMalformedToken, jwt.ErrTokenInvalidClaims.Error(), err)
	}
}

// checkAudience checks aud, or client_id when aud is absent (missing or
// null). aud may be a string or an array of strings; entries of another type
// match nothing.
func (a *Authorizer) checkAudience(claims *claimSet) *refusal {
	if aud, present := claims.values["aud"]; present && aud != nil {
		var held []string
		switch aud := aud.(type) {
		case string:
			held = []string{aud}
		case []any:
			for _, entry := range aud {
				if s, ok := entry.(string); ok {
					held = append(held, s)
				}
			}
		}
		if holdsAny(held, a.audience) {
			return nil
		}
		return refusef(ErrAudience, describeAudience, "expected aud to hold one of %q, found %s",
			a.audience, claims.describe("aud"))
	}

	clientID, _ := claims.values["client_id"].(string)
	if holdsAny([]string{clientID}, a.audience) {
		return nil
	}
	return refusef(ErrAudience, describeAudience,
		"no aud, and expected client_id to be one of %q, found %s",
		a.audience, claims.describe("client_id"))
}

// scopes returns the scopes the token holds: its scope claim split at spaces
// (OAuth 2.0, RFC 8693) or, when it has no scope claim, its scp claim. Either
// may also be an array of strings. When a token carries both, scope decides;
// API Gateway names both without saying which wins. nil means no scopes.
func (c *claimSet) scopes() []string {
	for _, name := range []string{"scope", "scp"} {
		switch v := c.values[name].(type) {
		case nil:
			continue
		case string:
			return strings.FieldsFunc(v, func(r rune) bool { return r == ' ' })
		case []any:
			var scopes []string
			for _, entry := range v {
				if s, ok := entry.(string); ok && s != "" {
					scopes = append(scopes, s)
				}
			}
			return scopes
		default:
			return nil
		}
	}
	return nil
}

// flatten renders every claim as the string API Gateway puts in payload 2.0.
// Claims whose value is null are left out, as API Gateway leaves them out.
func (c *claimSet) flatten() map[string]string {
	flat := make(map[string]string, len(c.raw))
	for name, raw := range c.raw {
		if text, ok := renderClaim(raw, false); ok {
			flat[name] = text
		}
	}
	return flat
}

// renderClaim renders one claim value. Strings are as they are, numbers keep
// the text the token gives them, booleans are true or false. An array is
// printed the way Go prints a slice of its values, "[a b c]", and an object
// as compact JSON, as deployed APIs show them. Inside an array a null prints
// as Go prints a nil value, "<nil>"; a null claim itself is left out (ok is
// false).
func renderClaim(raw json.RawMessage, inArray bool) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false
	}

	switch raw[0] {
	case 'n':
		if inArray {
			return "<nil>", true
		}
		return "", false
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false
		}
		return s, true
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return "", false
		}
		parts := make([]string, 0, len(items))
		for _, item := range items {
			text, _ := renderClaim(item, true)
			parts = append(parts, text)
		}
		return "[" + strings.Join(parts, " ") + "]", true
	case '{':
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return "", false
		}
		return compact.String(), true
	default:
		// A number or a boolean: its JSON text is its rendering.
		return string(raw), true
	}
}

// describe shows a claim's value for a denial reason, or says it is absent.
func (c *claimSet) describe(name string) string {
	raw, ok := c.raw[name]
	if !ok {
		return "none"
	}
	const longest = 200
	if len(raw) > longest {
		return fmt.Sprintf("%s... (%d bytes)", raw[:longest], len(raw))
	}
	return string(raw)
}
