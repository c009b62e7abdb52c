package httpapi

import (
	"fmt"
	"strings"
)

// DefaultRouteKey is the route key of the catch-all route.
const DefaultRouteKey = "$default"

// routeMethods are the methods an HTTP API route key may name (the console
// and AWS::ApiGatewayV2::Route accept these and ANY).
var routeMethods = map[string]bool{
	"ANY": true, "GET": true, "POST": true, "PUT": true, "PATCH": true,
	"DELETE": true, "HEAD": true, "OPTIONS": true,
}

// segmentKind orders path segments from most to least specific.
type segmentKind int

const (
	literalSegment segmentKind = iota
	variableSegment
	greedySegment
)

type segment struct {
	kind segmentKind
	text string // the literal, or the variable's name
}

type route struct {
	key      string
	method   string
	segments []segment // empty for "/"
	order    int
}

func (r *route) greedy() bool {
	n := len(r.segments)
	return n > 0 && r.segments[n-1].kind == greedySegment
}

// Router selects the route of an HTTP API for a request, with the
// priorities of the developer guide (http-api-develop-routes, "Routing API
// requests"). A Router is safe for concurrent use.
type Router struct {
	routes     []route
	hasDefault bool
}

// Match is the route a request was routed to.
type Match struct {
	// RouteKey is the key of the matched route, such as "GET /items/{id}"
	// or "$default". It becomes routeKey in the event.
	RouteKey string

	// PathParameters holds the value of each {name} and {name+} variable,
	// taken from the decoded path (see RequestPath). It is nil when the
	// route has no variables, as API Gateway then sends no pathParameters.
	PathParameters map[string]string
}

// NewRouter returns a Router for the given route keys, in the form of
// AWS::ApiGatewayV2::Route RouteKey: "$default", or a method (ANY, GET,
// POST, PUT, PATCH, DELETE, HEAD, OPTIONS), one space, and a path such as
// /items/{id} or /files/{proxy+}.
//
// A key is refused, with an error wrapping ErrInvalidRouteKey, when
// API Gateway would refuse it or when it would make routing ambiguous:
// a path that does not start with '/', ends with '/' or has an empty
// segment; a literal segment with a character outside the RFC 3986 path
// characters, or with '%'; a variable that is not a whole segment; a
// greedy variable that is not last; a variable name used twice; a
// repeated key; and two routes
// with the same method whose paths differ only in variable names (neither
// could ever be chosen over the other).
func NewRouter(routeKeys []string) (*Router, error) {
	rt := &Router{}
	shapes := make(map[string]string, len(routeKeys))

	for i, key := range routeKeys {
		if key == DefaultRouteKey {
			if rt.hasDefault {
				return nil, fmt.Errorf("%w: %q is given twice", ErrInvalidRouteKey, key)
			}
			rt.hasDefault = true
			continue
		}

		r, err := parseRouteKey(key)
		if err != nil {
			return nil, err
		}
		r.order = i

		shape := r.method + " " + routeShape(r.segments)
		if other, dup := shapes[shape]; dup {
			return nil, fmt.Errorf("%w: %q conflicts with %q: the paths differ only in "+
				"variable names", ErrInvalidRouteKey, key, other)
		}
		shapes[shape] = key
		rt.routes = append(rt.routes, r)
	}
	return rt, nil
}

func parseRouteKey(key string) (route, error) {
	method, path, ok := strings.Cut(key, " ")
	if !ok {
		return route{}, fmt.Errorf("%w: %q: want \"$default\" or \"METHOD /path\"",
			ErrInvalidRouteKey, key)
	}
	if !routeMethods[method] {
		return route{}, fmt.Errorf("%w: %q: method %q is not one of ANY, GET, POST, PUT, "+
			"PATCH, DELETE, HEAD, OPTIONS", ErrInvalidRouteKey, key, method)
	}
	if !strings.HasPrefix(path, "/") {
		return route{}, fmt.Errorf("%w: %q: path %q does not start with '/'",
			ErrInvalidRouteKey, key, path)
	}

	r := route{key: key, method: method}
	if path == "/" {
		return r, nil
	}

	// A route path ending in '/' fails to deploy ("invalid route name
	// ending in /", reported in storacha/w3infra#166).
	parts := strings.Split(path[1:], "/")
	names := map[string]bool{}
	for i, part := range parts {
		seg, err := parseSegment(part)
		if err != nil {
			return route{}, fmt.Errorf("%w: %q: %v", ErrInvalidRouteKey, key, err)
		}
		if seg.kind == greedySegment && i != len(parts)-1 {
			return route{}, fmt.Errorf("%w: %q: greedy variable {%s+} must be the last "+
				"segment", ErrInvalidRouteKey, key, seg.text)
		}
		if seg.kind != literalSegment {
			if names[seg.text] {
				return route{}, fmt.Errorf("%w: %q: variable %q is used twice",
					ErrInvalidRouteKey, key, seg.text)
			}
			names[seg.text] = true
		}
		r.segments = append(r.segments, seg)
	}
	return r, nil
}

func parseSegment(part string) (segment, error) {
	if part == "" {
		return segment{}, fmt.Errorf("empty path segment (a '//' or a trailing '/')")
	}

	if strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}") {
		name := part[1 : len(part)-1]
		kind := variableSegment
		if n, ok := strings.CutSuffix(name, "+"); ok {
			name, kind = n, greedySegment
		}
		if name == "" || strings.IndexFunc(name, notNameRune) >= 0 {
			return segment{}, fmt.Errorf("variable %q: want a name of letters, digits, "+
				"'_', '-' or '.'", part)
		}
		return segment{kind: kind, text: name}, nil
	}

	if i := strings.IndexFunc(part, notLiteralRune); i >= 0 {
		return segment{}, fmt.Errorf("path segment %q: character %q is not allowed "+
			"(a variable must be a whole segment, as in {id})", part, part[i])
	}
	return segment{kind: literalSegment, text: part}, nil
}

// notNameRune reports runes not allowed in a variable name. API Gateway
// documents no grammar; names in its examples are letters and digits, and
// the CDK accepts '_', '-' and '.' too.
func notNameRune(c rune) bool {
	return !(isAlnum(c) || c == '_' || c == '-' || c == '.')
}

// notLiteralRune reports runes not allowed in a literal path segment: the
// RFC 3986 path characters minus '%' (a route key is matched against the
// decoded path, so it holds no escapes) and minus the braces of variables.
func notLiteralRune(c rune) bool {
	return !(isAlnum(c) || strings.ContainsRune("-._~!$&'()*+,;=:@", c))
}

func isAlnum(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// routeShape renders a path with its variable names blanked out, so that
// /items/{id} and /items/{name} compare equal.
func routeShape(segs []segment) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		switch s.kind {
		case literalSegment:
			b.WriteString(s.text)
		case variableSegment:
			b.WriteString("{}")
		case greedySegment:
			b.WriteString("{+}")
		}
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

// Match returns the route for a request method and a path decoded by
// RequestPath, and false when no route matches (API Gateway then answers
// 404 {"message":"Not Found"}).
//
// The developer guide ranks "full match for a route and method" first,
// then "a route and method with a greedy path variable", then $default,
// and says ANY "matches all methods that you haven't defined for a
// resource". Where it is silent this Router decides, in this order:
//
//  1. A route without a greedy variable beats one with it.
//  2. Then the more specific path wins, comparing segments left to right:
//     a literal beats {name}, which beats {name+}. So GET /pets/dog/{id}
//     beats GET /pets/{type}/1 for /pets/dog/1, and /a/b/{proxy+} beats
//     /a/{proxy+} for /a/b/c.
//  3. Then a route naming the request method beats ANY on the same path.
//     Path before method: ANY /pets/dog beats GET /pets/{id} for
//     GET /pets/dog.
//  4. $default catches everything else.
//
// Methods compare exactly: GET routes do not answer HEAD. {name} matches
// one non-empty segment. {name+} matches the rest of the path after its
// prefix, including an empty rest, so /files/{proxy+} matches /files/ and
// /files/a/b but not /files, and /{proxy+} matches /. A trailing slash is
// significant: /items/ does not match GET /items (reports disagree on
// what AWS does; a local 404 is the answer that fails safe).
func (rt *Router) Match(method, path string) (Match, bool) {
	var best *route
	var bestParams map[string]string

	// "/" splits into [""], "/a/" into ["a", ""]; a path without a leading
	// slash (OPTIONS *) matches no route.
	var parts []string
	if rest, ok := strings.CutPrefix(path, "/"); ok {
		parts = strings.Split(rest, "/")
	}

	for i := range rt.routes {
		r := &rt.routes[i]
		if r.method != "ANY" && r.method != method {
			continue
		}
		params, ok := r.match(parts)
		if !ok {
			continue
		}
		if best == nil || r.beats(best, method) {
			best, bestParams = r, params
		}
	}

	switch {
	case best != nil:
		return Match{RouteKey: best.key, PathParameters: bestParams}, true
	case rt.hasDefault:
		return Match{RouteKey: DefaultRouteKey}, true
	default:
		return Match{}, false
	}
}

// match reports whether the route's path matches a request path split
// into parts, and the values of its variables (nil when it has none).
func (r *route) match(parts []string) (map[string]string, bool) {
	if len(parts) == 0 {
		return nil, false
	}
	if len(r.segments) == 0 {
		return nil, len(parts) == 1 && parts[0] == ""
	}

	var params map[string]string
	set := func(name, value string) {
		if params == nil {
			params = make(map[string]string, len(r.segments))
		}
		params[name] = value
	}

	for i, seg := range r.segments {
		if seg.kind == greedySegment {
			if i >= len(parts) {
				return nil, false
			}
			set(seg.text, strings.Join(parts[i:], "/"))
			return params, true
		}
		if i >= len(parts) {
			return nil, false
		}
		switch seg.kind {
		case literalSegment:
			if parts[i] != seg.text {
				return nil, false
			}
		case variableSegment:
			if parts[i] == "" {
				return nil, false
			}
			set(seg.text, parts[i])
		}
	}
	if len(parts) != len(r.segments) {
		return nil, false
	}
	return params, true
}

// beats reports whether r is a better match than other for a request with
// the given method; both are known to match its path.
func (r *route) beats(other *route, method string) bool {
	if r.greedy() != other.greedy() {
		return !r.greedy()
	}

	// Two routes matching one path have the same length unless both are
	// greedy, and then they differ in kind at the shorter one's greedy
	// segment at the latest, so this loop always decides the path order.
	n := min(len(r.segments), len(other.segments))
	for i := range n {
		a, b := r.segments[i].kind, other.segments[i].kind
		if a != b {
			return a < b
		}
	}

	rExact, oExact := r.method == method, other.method == method
	if rExact != oExact {
		return rExact
	}
	return r.order < other.order
}
