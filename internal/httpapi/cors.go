package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// CORSConfig is an HTTP API's CorsConfiguration (AWS::ApiGatewayV2::Api
// Cors). Every field is optional, as in CloudFormation.
type CORSConfig struct {
	// AllowOrigins lists the origins allowed to call the API: an exact
	// origin such as "https://www.example.com" (scheme, host, optional port,
	// no path), "*" for any origin, or "https://*" or "http://*" for any
	// origin with that scheme, the only wildcards the developer guide lists.
	// Default: none, so no origin is allowed.
	AllowOrigins []string

	// AllowMethods lists the methods sent in access-control-allow-methods;
	// "*" is sent as it is.
	// Default: none, and the header is not sent.
	AllowMethods []string

	// AllowHeaders lists the headers sent in access-control-allow-headers;
	// "*" is sent as it is (browsers never let "*" cover Authorization, so
	// list it when clients send a bearer token).
	// Default: none, and the header is not sent.
	AllowHeaders []string

	// ExposeHeaders lists the headers sent in access-control-expose-headers
	// on actual (not preflight) responses.
	// Default: none, and the header is not sent.
	ExposeHeaders []string

	// AllowCredentials sends access-control-allow-credentials: true. It
	// cannot be combined with the "*" origin; API Gateway refuses that with
	// "allow-credentials is not supported if 'allow-origin' is *"
	// (aws/aws-cdk#9076).
	// Default: false.
	AllowCredentials bool

	// MaxAge is sent in seconds as access-control-max-age on preflight
	// answers; API Gateway accepts -1 to 86400.
	// Default: 0, and the header is not sent.
	MaxAge int
}

// CORS applies an HTTP API's CORS configuration, following the developer
// guide (http-api-cors):
//
//   - "If you configure CORS for an API, API Gateway automatically sends a
//     response to preflight OPTIONS requests, even if there isn't an
//     OPTIONS route configured", and "the $default route catches requests
//     for all methods ..., including OPTIONS requests". So API Gateway
//     answers a preflight only when no route matches it: no OPTIONS route,
//     no ANY route and no $default for its path. When one does, the
//     request goes to that route, through its authorizer, which then
//     rejects the browser's token-less preflight (the CORS failure most
//     often reported with JWT authorizers). The caller applies this rule:
//     call WritePreflight when Router.Match fails and IsPreflight holds.
//   - "API Gateway adds the configured CORS headers to the response from
//     an integration" and "ignores CORS headers returned from your backend
//     integration": see Apply.
//   - "To return CORS headers, your request must contain an origin header.
//     For the OPTIONS method, your request must contain an origin header
//     and an Access-Control-Request-Method header."
//
// A CORS is safe for concurrent use.
type CORS struct {
	cfg       CORSConfig
	anyOrigin bool
}

// NewCORS checks cfg as API Gateway does when the API is deployed and
// returns its CORS. A refused configuration gives an error wrapping
// ErrInvalidCORS.
func NewCORS(cfg CORSConfig) (*CORS, error) {
	c := &CORS{cfg: CORSConfig{
		AllowOrigins:     slices.Clone(cfg.AllowOrigins),
		AllowMethods:     slices.Clone(cfg.AllowMethods),
		AllowHeaders:     slices.Clone(cfg.AllowHeaders),
		ExposeHeaders:    slices.Clone(cfg.ExposeHeaders),
		AllowCredentials: cfg.AllowCredentials,
		MaxAge:           cfg.MaxAge,
	}}

	for _, o := range cfg.AllowOrigins {
		if o == "*" {
			c.anyOrigin = true
			continue
		}
		if err := checkOrigin(o); err != nil {
			return nil, err
		}
	}
	if c.anyOrigin && cfg.AllowCredentials {
		return nil, fmt.Errorf("%w: AllowCredentials is true and AllowOrigins holds \"*\": "+
			"API Gateway refuses this (allow-credentials is not supported if 'allow-origin' "+
			"is *); list the origins instead", ErrInvalidCORS)
	}
	for _, m := range cfg.AllowMethods {
		upper := strings.ToUpper(m)
		if m != "*" && (upper == "ANY" || !routeMethods[upper]) {
			return nil, fmt.Errorf("%w: AllowMethods holds %q: want \"*\" or one of GET, POST, "+
				"PUT, PATCH, DELETE, HEAD, OPTIONS", ErrInvalidCORS, m)
		}
	}
	for _, list := range [][]string{cfg.AllowHeaders, cfg.ExposeHeaders} {
		for _, name := range list {
			if name != "*" && (name == "" || strings.IndexFunc(name, notTokenRune) >= 0) {
				return nil, fmt.Errorf("%w: header %q is not \"*\" or an HTTP header name",
					ErrInvalidCORS, name)
			}
		}
	}
	if cfg.MaxAge < -1 || cfg.MaxAge > 86400 {
		return nil, fmt.Errorf("%w: MaxAge is %d: want -1 to 86400 seconds",
			ErrInvalidCORS, cfg.MaxAge)
	}
	return c, nil
}

// checkOrigin accepts an exact origin or a scheme wildcard. Other
// wildcards, such as https://*.example.com, fail to deploy (reported at
// arpadt.com, "Dynamically handling origins in HTTP APIs").
func checkOrigin(o string) error {
	if o == "https://*" || o == "http://*" {
		return nil
	}
	u, err := url.Parse(o)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" || u.RawQuery != "" ||
		u.Fragment != "" || u.User != nil || strings.Contains(u.Host, "*") {
		return fmt.Errorf("%w: AllowOrigins holds %q: want \"*\", \"https://*\", \"http://*\" "+
			"or an origin such as \"https://www.example.com\"", ErrInvalidCORS, o)
	}
	return nil
}

// allowedOrigin returns the access-control-allow-origin value for a
// request's Origin, or "" when the origin is not allowed. Origins compare
// without regard to ASCII case, as hosts and schemes do. The "*" origin is
// answered with "*" (credentials are never on with it); any other match
// echoes the request's origin, which credentials require.
func (c *CORS) allowedOrigin(origin string) string {
	if origin == "" {
		return ""
	}
	if c.anyOrigin {
		return "*"
	}
	lower := strings.ToLower(origin)
	for _, o := range c.cfg.AllowOrigins {
		switch o {
		case "https://*", "http://*":
			if strings.HasPrefix(lower, o[:len(o)-1]) && len(lower) > len(o)-1 {
				return origin
			}
		default:
			if strings.EqualFold(o, origin) {
				return origin
			}
		}
	}
	return ""
}

// IsPreflight reports whether r is a CORS preflight request: an OPTIONS
// request with an Origin and an Access-Control-Request-Method header.
func (c *CORS) IsPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" &&
		r.Header.Get("Access-Control-Request-Method") != ""
}

// WritePreflight writes API Gateway's own answer to a preflight request:
// status 204 and no body. When the request's origin is allowed, it carries
// access-control-allow-origin, and the configured
// access-control-allow-methods, access-control-allow-headers,
// access-control-max-age and access-control-allow-credentials; when it is
// not, it carries no CORS header and the browser blocks the call.
//
// The lists are sent as configured, joined with ','. The guide does not
// say whether API Gateway checks the requested method and headers itself;
// sending the configured lists lets the browser make that check, with the
// same outcome for the page.
func (c *CORS) WritePreflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if origin := c.allowedOrigin(r.Header.Get("Origin")); origin != "" {
		h.Set("Access-Control-Allow-Origin", origin)
		if c.cfg.AllowCredentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if len(c.cfg.AllowMethods) > 0 {
			h.Set("Access-Control-Allow-Methods", strings.Join(c.cfg.AllowMethods, ","))
		}
		if len(c.cfg.AllowHeaders) > 0 {
			h.Set("Access-Control-Allow-Headers", strings.Join(c.cfg.AllowHeaders, ","))
		}
		if c.cfg.MaxAge != 0 {
			h.Set("Access-Control-Max-Age", strconv.Itoa(c.cfg.MaxAge))
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// Apply sets the CORS headers of an actual response in h for request r.
// It first removes every Access-Control-* header the integration returned,
// since API Gateway "ignores CORS headers returned from your backend
// integration". Then, when r's origin is allowed, it adds
// access-control-allow-origin, access-control-allow-credentials and
// access-control-expose-headers as configured.
//
// The guide speaks of integration responses only. Whether API Gateway also
// adds CORS headers to its own answers (a 401 from the authorizer, a 404)
// is not documented; the caller decides by calling Apply or not.
func (c *CORS) Apply(h http.Header, r *http.Request) {
	for key := range h {
		if strings.HasPrefix(strings.ToLower(key), "access-control-") {
			delete(h, key)
		}
	}

	origin := c.allowedOrigin(r.Header.Get("Origin"))
	if origin == "" {
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	if c.cfg.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if len(c.cfg.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(c.cfg.ExposeHeaders, ","))
	}
}
