package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// DefaultContentType is the content type API Gateway gives a structured
// response that names none (observed and reproduced by fujiwara/ridge#9:
// "API Gateway sets it to text/plain; charset=utf-8").
const DefaultContentType = "text/plain; charset=utf-8"

// Response is the HTTP response API Gateway makes of a function's result.
type Response struct {
	// StatusCode is between 200 and 599.
	StatusCode int

	// Header holds the response headers, Set-Cookie included, in canonical
	// form. It never holds hop-by-hop headers, nor Content-Length, which
	// WriteResponse sets from Body.
	Header http.Header

	// Body is the body as sent to the client, base64 already decoded.
	Body []byte
}

// hopHeaders are the connection-level headers a gateway never forwards
// from its backend (RFC 9110 section 7.6.1), plus Content-Length, which is
// computed from the body API Gateway actually sends.
var hopHeaders = []string{
	"Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer",
	"Transfer-Encoding", "Upgrade", "Content-Length",
}

// ParseResponse maps what a function returned, in payload format 2.0, to an
// HTTP response, as the developer guide describes
// (http-api-develop-integrations-lambda, "Lambda function response for
// format 2.0"). Any failure wraps ErrMalformedResponse; API Gateway then
// answers 500 {"message":"Internal Server Error"}.
//
// A payload that is not valid JSON is malformed. A JSON object with a
// "statusCode" key is the structured form:
//
//	{"statusCode": 201, "headers": {...}, "multiValueHeaders": {...},
//	 "cookies": [...], "body": "...", "isBase64Encoded": false}
//
// Anything else is the inferred form: status 200, content-type
// application/json, and the payload as the body. For a JSON string, the
// body is the string's value (the guide's example maps "Hello from Lambda!"
// to the body Hello from Lambda!, without quotes).
//
// In the structured form, statusCode must be a JSON integer from 200 to
// 599, and each field must have the type shown above or be null; anything
// else is malformed. The guide does not say how AWS treats, for instance,
// "statusCode": "200"; refusing it surfaces the bug locally. Key names
// are matched exactly, as in JavaScript: "StatusCode" is not statusCode.
func ParseResponse(payload []byte) (*Response, error) {
	trimmed := bytes.TrimSpace(payload)
	if !json.Valid(trimmed) {
		return nil, fmt.Errorf("%w: the function returned %d bytes that are not JSON",
			ErrMalformedResponse, len(payload))
	}

	switch trimmed[0] {
	case '{':
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &fields); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformedResponse, err)
		}
		if _, ok := fields["statusCode"]; ok {
			return parseStructured(fields)
		}
		return inferred(payload), nil

	case '"':
		var s string
		if err := json.Unmarshal(trimmed, &s); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformedResponse, err)
		}
		return inferred([]byte(s)), nil

	default:
		return inferred(payload), nil
	}
}

func inferred(body []byte) *Response {
	return &Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       body,
	}
}

// structured holds the fields of the structured response form.
type structured struct {
	statusCode        int
	headers           map[string]string
	multiValueHeaders map[string][]string
	cookies           []string
	body              string
	isBase64Encoded   bool
}

func parseStructured(fields map[string]json.RawMessage) (*Response, error) {
	var s structured
	decode := []struct {
		key  string
		into any
	}{
		{"statusCode", &s.statusCode},
		{"headers", &s.headers},
		{"multiValueHeaders", &s.multiValueHeaders},
		{"cookies", &s.cookies},
		{"body", &s.body},
		{"isBase64Encoded", &s.isBase64Encoded},
	}
	for _, d := range decode {
		raw, ok := fields[d.key]
		if !ok {
			continue
		}
		if err := json.Unmarshal(raw, d.into); err != nil {
			return nil, fmt.Errorf("%w: field %q: want %s, got %s",
				ErrMalformedResponse, d.key, wantType(d.key), raw)
		}
	}

	if s.statusCode < 200 || s.statusCode > 599 {
		return nil, fmt.Errorf("%w: statusCode %s: want an integer from 200 to 599",
			ErrMalformedResponse, fields["statusCode"])
	}

	header, err := responseHeader(s)
	if err != nil {
		return nil, err
	}

	body := []byte(s.body)
	if s.isBase64Encoded {
		body, err = base64.StdEncoding.DecodeString(s.body)
		if err != nil {
			return nil, fmt.Errorf("%w: isBase64Encoded is true but body is not standard "+
				"base64: %v", ErrMalformedResponse, err)
		}
	}
	return &Response{StatusCode: s.statusCode, Header: header, Body: body}, nil
}

func wantType(key string) string {
	switch key {
	case "statusCode":
		return "an integer"
	case "headers":
		return "an object of strings"
	case "multiValueHeaders":
		return "an object of string arrays"
	case "cookies":
		return "an array of strings"
	case "isBase64Encoded":
		return "a boolean"
	default:
		return "a string"
	}
}

// responseHeader merges headers, multiValueHeaders and cookies.
//
// The format 2.0 guide documents headers and cookies ("each cookie becomes
// a set-cookie header"), not multiValueHeaders, which aws-lambda-go's
// response type still has. They are merged by the rule the REST API guide
// gives for format 1.0: both lists are combined, and a name and value
// pair given in both appears once.
//
// A header name that is not an HTTP token, or a value holding a line
// break or NUL, is malformed: API Gateway could not send it either, and
// net/http would otherwise drop or rewrite it silently.
func responseHeader(s structured) (http.Header, error) {
	h := http.Header{}

	// Names are visited in sorted order so that two names differing only
	// in case merge the same way on every run.
	multi := http.Header{}
	for _, name := range slices.Sorted(maps.Keys(s.multiValueHeaders)) {
		values := s.multiValueHeaders[name]
		if err := checkHeader(name, values...); err != nil {
			return nil, err
		}
		key := http.CanonicalHeaderKey(name)
		multi[key] = append(multi[key], values...)
	}

	for _, name := range slices.Sorted(maps.Keys(s.headers)) {
		value := s.headers[name]
		if err := checkHeader(name, value); err != nil {
			return nil, err
		}
		key := http.CanonicalHeaderKey(name)
		if slices.Contains(multi[key], value) {
			continue
		}
		h[key] = append(h[key], value)
	}
	for key, values := range multi {
		h[key] = append(h[key], values...)
	}

	for _, c := range s.cookies {
		if err := checkHeader("Set-Cookie", c); err != nil {
			return nil, err
		}
		h.Add("Set-Cookie", c)
	}

	for _, name := range hopHeaders {
		h.Del(name)
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", DefaultContentType)
	}
	return h, nil
}

func checkHeader(name string, values ...string) error {
	if name == "" || strings.IndexFunc(name, notTokenRune) >= 0 {
		return fmt.Errorf("%w: header name %q is not an HTTP token", ErrMalformedResponse, name)
	}
	for _, v := range values {
		if strings.ContainsAny(v, "\r\n\x00") {
			return fmt.Errorf("%w: header %q: value %q holds a line break or NUL",
				ErrMalformedResponse, name, v)
		}
	}
	return nil
}

// notTokenRune reports runes outside the RFC 9110 token characters.
func notTokenRune(c rune) bool {
	return !(isAlnum(c) || strings.ContainsRune("!#$%&'*+-.^_`|~", c))
}

// WriteResponse writes resp to w as API Gateway sends it: the function's
// headers, then content-length from the body and, when requestID is not
// empty, apigw-requestid (API Gateway's own request ID header on HTTP API
// responses); net/http adds date. No body is written for HEAD requests or
// for statuses that cannot have one (204, 304), and content-length is left
// out for those statuses.
func WriteResponse(w http.ResponseWriter, r *http.Request, resp *Response, requestID string) {
	h := w.Header()
	for key := range h {
		delete(h, key)
	}
	for key, values := range resp.Header {
		h[key] = append([]string(nil), values...)
	}
	if requestID != "" {
		h.Set("Apigw-Requestid", requestID)
	}

	noBody := resp.StatusCode == http.StatusNoContent ||
		resp.StatusCode == http.StatusNotModified
	if !noBody {
		h.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	}

	w.WriteHeader(resp.StatusCode)
	if noBody || r.Method == http.MethodHead {
		return
	}
	// A write error means the client went away; there is no one to tell.
	_, _ = w.Write(resp.Body)
}
