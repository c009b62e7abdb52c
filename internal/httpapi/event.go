package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"maps"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// DefaultStage is the stage of an HTTP API deployed with auto-deploy and
// no named stage, as the PassageProtectedApi construct deploys it.
const DefaultStage = "$default"

// timeLayout is the form of requestContext.time, as in the developer
// guide's example "12/Mar/2020:19:03:58 +0000".
const timeLayout = "02/Jan/2006:15:04:05 -0700"

// EventInput holds what API Gateway knows about a request that the HTTP
// request itself does not carry. The caller gives it, so that the same
// request always yields the same event.
type EventInput struct {
	// RequestID becomes requestContext.requestId; the caller sends the same
	// value as the apigw-requestid response header.
	RequestID string

	// AccountID becomes requestContext.accountId.
	AccountID string

	// APIID becomes requestContext.apiId.
	APIID string

	// DomainName becomes requestContext.domainName.
	// Default: the request's Host without its port.
	DomainName string

	// DomainPrefix becomes requestContext.domainPrefix.
	// Default: DomainName up to its first '.'.
	DomainPrefix string

	// Stage becomes requestContext.stage.
	// Default: DefaultStage.
	Stage string

	// SourceIP becomes requestContext.http.sourceIp and is appended to
	// the x-forwarded-for header.
	SourceIP string

	// Time is when API Gateway received the request; it becomes
	// requestContext.time and requestContext.timeEpoch (milliseconds).
	// Default: the time NewEvent runs.
	Time time.Time

	// JWT is what the JWT authorizer verified: every claim as a string
	// and the token's scopes. It becomes requestContext.authorizer.jwt.
	// Default: nil, for routes without an authorizer, which leaves out
	// requestContext.authorizer.
	JWT *events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription

	// ForwardedProto becomes the x-forwarded-proto header, which
	// API Gateway sets ("https" in AWS).
	// Default: "", which leaves the client's header, if any, as it is.
	ForwardedProto string

	// ForwardedPort becomes the x-forwarded-port header ("443" in AWS).
	// Default: "", which leaves the client's header, if any, as it is.
	ForwardedPort string

	// TraceID becomes the x-amzn-trace-id header when the client sent
	// none, as API Gateway starts an X-Ray trace for such requests.
	// Default: "", which adds no header.
	TraceID string
}

// NewEvent builds the payload format 2.0 event API Gateway sends to a
// Lambda integration for r, whose body the caller has read (see ReadBody),
// routed to m. It fails, with an error wrapping ErrBadPath, only when
// RequestPath does.
//
// The fields follow the developer guide (http-api-develop-integrations-
// lambda) and, where it is silent, live captures of payload 2.0 events
// (hotsock/voker, vokerhttp/testdata/apigwv2-request.json):
//
//   - rawPath and requestContext.http.path are the decoded path (see
//     RequestPath).
//   - rawQueryString is the query as sent, without the '?'.
//   - queryStringParameters holds each key and value decoded, '+' as a
//     space, repeated keys joined with ',' in the order sent
//     ("repeat=one&repeat=two" gives "one,two"); nil when the query is
//     empty.
//   - headers holds every request header under its lower-cased name,
//     repeated headers joined with ',' (no space), the Host header as
//     "host", but no Cookie header; plus the x-forwarded-* and
//     x-amzn-trace-id headers API Gateway adds, as EventInput describes.
//   - cookies holds every cookie of every Cookie header, one
//     "name=value" per element; nil when there are none.
//   - body is the body as text when its content type is text/*,
//     application/json, application/xml or application/javascript, and
//     base64 otherwise, with isBase64Encoded true; a missing content type
//     and application/x-www-form-urlencoded give base64 too. An empty body
//     is left out.
//
// JSON strings hold only UTF-8, so MarshalEvent writes each byte of
// invalid UTF-8 in the path, query, headers or a text body as U+FFFD.
func NewEvent(r *http.Request, body []byte, m Match,
	in EventInput) (events.APIGatewayV2HTTPRequest, error) {

	path, err := RequestPath(r)
	if err != nil {
		return events.APIGatewayV2HTTPRequest{}, err
	}

	headers, cookies := eventHeaders(r, in)
	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              m.RouteKey,
		RawPath:               path,
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: queryParameters(r.URL.RawQuery),
		PathParameters:        maps.Clone(m.PathParameters),
		RequestContext:        requestContext(r, path, m, in),
	}

	if len(body) > 0 {
		if isTextContentType(r.Header.Get("Content-Type")) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev, nil
}

func requestContext(r *http.Request, path string, m Match,
	in EventInput) events.APIGatewayV2HTTPRequestContext {

	domain := in.DomainName
	if domain == "" {
		domain = hostWithoutPort(r.Host)
	}
	prefix := in.DomainPrefix
	if prefix == "" {
		prefix, _, _ = strings.Cut(domain, ".")
	}
	stage := in.Stage
	if stage == "" {
		stage = DefaultStage
	}
	at := in.Time
	if at.IsZero() {
		at = time.Now()
	}
	proto := r.Proto
	if proto == "" {
		proto = "HTTP/1.1"
	}

	rc := events.APIGatewayV2HTTPRequestContext{
		RouteKey:     m.RouteKey,
		AccountID:    in.AccountID,
		Stage:        stage,
		RequestID:    in.RequestID,
		APIID:        in.APIID,
		DomainName:   domain,
		DomainPrefix: prefix,
		Time:         at.UTC().Format(timeLayout),
		TimeEpoch:    at.UnixMilli(),
		HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
			Method:    r.Method,
			Path:      path,
			Protocol:  proto,
			SourceIP:  in.SourceIP,
			UserAgent: r.UserAgent(),
		},
	}
	if in.JWT != nil {
		jwt := *in.JWT
		jwt.Claims = maps.Clone(jwt.Claims)
		jwt.Scopes = append([]string(nil), jwt.Scopes...)
		rc.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &jwt}
	}
	return rc
}

// eventHeaders returns the headers map and the cookies of the event.
func eventHeaders(r *http.Request, in EventInput) (map[string]string, []string) {
	headers := make(map[string]string, len(r.Header)+4)
	var cookies []string

	// Sorting the names makes the joined value of two names that differ
	// only in case (possible in a hand-built Header) deterministic.
	for _, name := range slices.Sorted(maps.Keys(r.Header)) {
		values := r.Header[name]
		lower := strings.ToLower(name)
		if lower == "cookie" {
			cookies = append(cookies, splitCookies(values)...)
			continue
		}
		if prev, ok := headers[lower]; ok {
			values = append([]string{prev}, values...)
		}
		headers[lower] = strings.Join(values, ",")
	}

	// net/http moves Host out of the header map; API Gateway passes it on.
	if r.Host != "" {
		headers["host"] = r.Host
	}

	// API Gateway adds the client address to x-forwarded-for and states
	// the port and scheme it was reached on. Appending with ", " follows
	// the usual proxy form; the captures only show a client that sent no
	// x-forwarded-for of its own.
	if in.SourceIP != "" {
		if prev := headers["x-forwarded-for"]; prev != "" {
			headers["x-forwarded-for"] = prev + ", " + in.SourceIP
		} else {
			headers["x-forwarded-for"] = in.SourceIP
		}
	}
	if in.ForwardedPort != "" {
		headers["x-forwarded-port"] = in.ForwardedPort
	}
	if in.ForwardedProto != "" {
		headers["x-forwarded-proto"] = in.ForwardedProto
	}
	if _, ok := headers["x-amzn-trace-id"]; !ok && in.TraceID != "" {
		headers["x-amzn-trace-id"] = in.TraceID
	}
	return headers, cookies
}

// splitCookies splits Cookie header values ("a=1; b=2") into one entry per
// cookie, as the captures show API Gateway does.
func splitCookies(values []string) []string {
	var out []string
	for _, v := range values {
		for _, c := range strings.Split(v, ";") {
			if c = strings.TrimSpace(c); c != "" {
				out = append(out, c)
			}
		}
	}
	return out
}

// queryParameters decodes a raw query the way the captures show:
// "literalPlus=a+b" gives "a b", "encodedPlus=a%2Bb" gives "a+b", "empty="
// gives "", and repeated keys are joined with ','. A key without '=' has
// the value "". A key or value whose escapes are invalid is kept as sent;
// what AWS does with it is not documented.
func queryParameters(raw string) map[string]string {
	var params map[string]string
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		key, value, _ := strings.Cut(pair, "=")
		key, value = unescapeQuery(key), unescapeQuery(value)

		if params == nil {
			params = make(map[string]string)
		}
		if prev, ok := params[key]; ok {
			params[key] = prev + "," + value
		} else {
			params[key] = value
		}
	}
	return params
}

func unescapeQuery(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// isTextContentType reports whether an HTTP API passes a request body of
// this content type as text rather than base64. The developer guide says
// only that binary bodies are base64-encoded. A test against a live HTTP
// API (ministackorg/ministack#766) found text only for text/*,
// application/json, application/xml and application/javascript;
// everything else, including a missing content type and
// application/x-www-form-urlencoded, arrived base64-encoded. Parameters such
// as charset do not matter. Types such as application/ld+json were not in
// that test and are treated as binary, as "everything else" was.
func isTextContentType(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	if strings.HasPrefix(mediaType, "text/") {
		return true
	}
	switch mediaType {
	case "application/json", "application/xml", "application/javascript":
		return true
	}
	return false
}

func hostWithoutPort(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}

// wireEvent and wireContext give the event the JSON form API Gateway sends.
// In aws-lambda-go the request context's Authentication field is a struct,
// so encoding/json always writes an empty "authentication" object, which
// API Gateway sends only for mutual TLS. The shallower field of the same
// JSON name wins over the embedded one, so these replace it with a pointer
// that is left out when empty.
type wireEvent struct {
	events.APIGatewayV2HTTPRequest
	RequestContext wireContext `json:"requestContext"`
}

type wireContext struct {
	events.APIGatewayV2HTTPRequestContext
	Authentication *clientAuthentication `json:"authentication,omitempty"`
}

type clientAuthentication = events.APIGatewayV2HTTPRequestContextAuthentication

// MarshalEvent returns ev as the JSON document API Gateway sends to the
// function. Unlike json.Marshal(ev), it leaves out
// requestContext.authentication when there is no client certificate.
func MarshalEvent(ev events.APIGatewayV2HTTPRequest) ([]byte, error) {
	w := wireEvent{
		APIGatewayV2HTTPRequest: ev,
		RequestContext:          wireContext{APIGatewayV2HTTPRequestContext: ev.RequestContext},
	}
	if ev.RequestContext.Authentication != (events.APIGatewayV2HTTPRequestContextAuthentication{}) {
		auth := ev.RequestContext.Authentication
		w.RequestContext.Authentication = &auth
	}

	// API Gateway writes '&', '<' and '>' as they are; encoding/json would
	// escape them as \u0026 and so on, which decodes the same but reads
	// worse in logs and golden files.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(w); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
