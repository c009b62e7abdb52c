package jwtauth

import (
	"fmt"
	"net/http"
	"strings"
)

const (
	headerSourcePrefix = "$request.header."
	querySourcePrefix  = "$request.querystring."
)

// identitySource is where a token is read from: a header or a query string
// parameter.
type identitySource struct {
	header bool
	name   string
}

// parseIdentitySources reads the configured identity source. API Gateway
// takes exactly one for a JWT authorizer, a header or a query parameter.
func parseIdentitySources(sources []string) (identitySource, error) {
	if len(sources) == 0 {
		sources = []string{DefaultIdentitySource}
	}
	if len(sources) > 1 {
		return identitySource{}, fmt.Errorf("jwtauth: IdentitySource: expected one entry "+
			"for a JWT authorizer, found %d: %q", len(sources), sources)
	}

	source := sources[0]
	if name, ok := strings.CutPrefix(source, headerSourcePrefix); ok && validName(name) {
		return identitySource{header: true, name: http.CanonicalHeaderKey(name)}, nil
	}
	if name, ok := strings.CutPrefix(source, querySourcePrefix); ok && validName(name) {
		return identitySource{name: name}, nil
	}
	return identitySource{}, fmt.Errorf("jwtauth: IdentitySource: expected "+
		"$request.header.NAME or $request.querystring.NAME, found %q", source)
}

// validName reports whether name can name a header or a query parameter.
func validName(name string) bool {
	return name != "" && !strings.ContainsAny(name, " \t\r\n:=&?")
}

// token reads the token from r. An absent or empty source is a missing
// token. More than one value is refused outright: which one API Gateway
// would read is not documented, and guessing could let the wrong token in.
//
// Only the exact prefix "Bearer " is removed. API Gateway leaves any other
// spelling in place, so "bearer <token>" fails to decode, as it does there.
func (s identitySource) token(r *http.Request) (string, *refusal) {
	var values []string
	if s.header {
		values = r.Header.Values(s.name)
	} else {
		values = r.URL.Query()[s.name]
	}

	switch {
	case len(values) == 0 || len(values) == 1 && values[0] == "":
		return "", refusef(ErrMissingToken, "", "%s is absent or empty", s)
	case len(values) > 1:
		return "", refusef(ErrAmbiguousToken, "the identity source holds more than one value",
			"%s has %d values", s, len(values))
	}

	token, _ := strings.CutPrefix(values[0], "Bearer ")
	return token, nil
}

// String names the source the way the configuration does.
func (s identitySource) String() string {
	if s.header {
		return headerSourcePrefix + s.name
	}
	return querySourcePrefix + s.name
}
