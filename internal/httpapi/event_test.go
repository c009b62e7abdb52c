package httpapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/passage-cdk/passage-cdk-go/internal/httpapi"
)

// eventRoutes is the API every event test is routed through.
var eventRoutes = []string{
	"GET /items/{id}",
	"POST /items",
	"ANY /files/{proxy+}",
	"POST /upload",
	"$default",
}

// fixedInput is what the gateway knows beyond the request, fixed so that
// golden files are stable.
func fixedInput() httpapi.EventInput {
	return httpapi.EventInput{
		RequestID:      "JKJaXmPLvHcESHA=",
		AccountID:      "123456789012",
		APIID:          "abc123def4",
		SourceIP:       "203.0.113.7",
		Time:           time.Date(2026, 3, 12, 19, 3, 58, 390e6, time.UTC),
		ForwardedProto: "http",
		ForwardedPort:  "3000",
		TraceID:        "Root=1-69b30e3e-0123456789abcdef01234567",
	}
}

// TestNewEventGolden checks the whole event built for each request against
// a reviewed golden file in testdata/event_*.golden.
func TestNewEventGolden(t *testing.T) {
	router, err := httpapi.NewRouter(eventRoutes)
	if err != nil {
		t.Fatal(err)
	}
	claims := &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
		Claims: map[string]string{
			"sub": "user-1",
			"iss": "https://auth.passage.id/v1/apps/app1",
			"aud": "[https://www.example.com app1]",
			"exp": "1773345838",
		},
		Scopes: []string{"items:write"},
	}

	tests := []struct {
		name string
		head string // request line and headers, each line ending in CRLF
		body string
		jwt  *events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription
	}{
		{
			name: "query_repeats_and_escapes",
			head: "GET /items/42?repeat=one&repeat=two&redirect=https%3A%2F%2Fexample.com%2Fa" +
				"&literalPlus=a+b&encodedPlus=a%2Bb&empty=&flag&caf%C3%A9=cr%C3%A8me&&bad=%zz" +
				" HTTP/1.1\r\nHost: localhost:3000\r\nUser-Agent: curl/8.7.1\r\n" +
				"Accept: */*\r\n",
		},
		{
			name: "cookies_and_repeated_headers",
			head: "GET /items/7 HTTP/1.1\r\nHost: localhost:3000\r\n" +
				"Cookie: session=abc123; theme=dark\r\nCookie: lang=en\r\n" +
				"X-Probe: first\r\nx-probe: second\r\nAccept: text/html, application/json\r\n" +
				"X-Forwarded-For: 198.51.100.1\r\nX-Amzn-Trace-Id: Root=1-client-trace\r\n",
		},
		{
			name: "json_body_with_jwt",
			head: "POST /items HTTP/1.1\r\nHost: localhost:3000\r\n" +
				"Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln\r\n" +
				"Content-Type: application/json; charset=utf-8\r\n",
			body: `{"name":"lamp","note":"λ ünïcode"}`,
			jwt:  claims,
		},
		{
			name: "binary_body",
			head: "POST /upload HTTP/1.1\r\nHost: localhost:3000\r\n" +
				"Content-Type: application/octet-stream\r\n",
			body: "\x00\x01\xfe\xffok",
		},
		{
			name: "form_body_is_base64",
			head: "POST /upload HTTP/1.1\r\nHost: localhost:3000\r\n" +
				"Content-Type: application/x-www-form-urlencoded\r\n",
			body: "a=1&b=two+3",
		},
		{
			name: "body_without_content_type_is_base64",
			head: "POST /upload HTTP/1.1\r\nHost: localhost:3000\r\n",
			body: "hello",
		},
		{
			name: "greedy_proxy",
			head: "DELETE /files/reports/2026/q1%20final.pdf HTTP/1.1\r\n" +
				"Host: localhost:3000\r\n",
		},
		{
			name: "greedy_proxy_empty_rest",
			head: "GET /files/ HTTP/1.1\r\nHost: localhost:3000\r\n",
		},
		{
			name: "unicode_path_to_default",
			head: "GET /capture/unicode-%CE%BB-%E4%B8%96%E7%95%8C?q=%E2%9C%93 HTTP/1.1\r\n" +
				"Host: localhost:3000\r\n",
		},
		{
			name: "encoded_slash_splits_segments",
			head: "GET /items/a%252Fb HTTP/1.1\r\nHost: localhost:3000\r\n",
		},
		{
			name: "text_body_and_empty_query",
			head: "PUT /items/9? HTTP/1.1\r\nHost: localhost:3000\r\n" +
				"Content-Type: text/plain\r\n",
			body: "line1\nline2\n",
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := rawRequest(tt.head, tt.body)
			r := parseRequest(t, raw)
			body, err := io.ReadAll(r.Body)
			if err != nil {
				t.Fatal(err)
			}

			path, err := httpapi.RequestPath(r)
			if err != nil {
				t.Fatal(err)
			}
			m, ok := router.Match(r.Method, path)
			if !ok {
				t.Fatalf("no route for %s %s", r.Method, path)
			}

			in := fixedInput()
			in.JWT = tt.jwt
			ev, err := httpapi.NewEvent(r, body, m, in)
			if err != nil {
				t.Fatal(err)
			}
			wire, err := httpapi.MarshalEvent(ev)
			if err != nil {
				t.Fatal(err)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, wire, "", "  "); err != nil {
				t.Fatal(err)
			}

			var out strings.Builder
			out.WriteString("request:\n")
			out.WriteString(renderBody([]byte(strings.ReplaceAll(raw, "\r\n", "\n"))))
			out.WriteString("\nevent:\n")
			out.Write(pretty.Bytes())
			out.WriteString("\n")
			newGoldie(t).Assert(t, "event_"+tt.name, []byte(out.String()))

			// What the function decodes must equal what NewEvent built.
			var back events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(wire, &back); err != nil {
				t.Fatalf("event does not decode as APIGatewayV2HTTPRequest: %v", err)
			}
			if back.RawPath != ev.RawPath || back.Body != ev.Body ||
				back.RequestContext.RouteKey != m.RouteKey {
				t.Errorf("decoded event differs: got %+v, want %+v", back, ev)
			}
		})
	}
}

// TestNewEventDefaults checks the values NewEvent fills in when the input
// leaves them out, and that it leaves the caller's claims unshared.
func TestNewEventDefaults(t *testing.T) {
	r := parseRequest(t, "GET /x HTTP/1.1\r\nHost: api.example.com:8443\r\n\r\n")
	claims := map[string]string{"sub": "u1"}
	in := httpapi.EventInput{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
	}

	before := time.Now()
	ev, err := httpapi.NewEvent(r, nil, httpapi.Match{RouteKey: "$default"}, in)
	if err != nil {
		t.Fatal(err)
	}
	claims["sub"] = "changed after the event was built"

	rc := ev.RequestContext
	if rc.DomainName != "api.example.com" || rc.DomainPrefix != "api" {
		t.Errorf("domain = %q, prefix %q; want api.example.com, api", rc.DomainName,
			rc.DomainPrefix)
	}
	if rc.Stage != "$default" {
		t.Errorf("stage = %q, want $default", rc.Stage)
	}
	if rc.TimeEpoch < before.UnixMilli() || rc.TimeEpoch > time.Now().UnixMilli() {
		t.Errorf("timeEpoch %d is not the time NewEvent ran", rc.TimeEpoch)
	}
	if got := rc.Authorizer.JWT.Claims["sub"]; got != "u1" {
		t.Errorf("claims share the caller's map: sub = %q", got)
	}
	if ev.Body != "" || ev.IsBase64Encoded || ev.QueryStringParameters != nil ||
		ev.PathParameters != nil || ev.Cookies != nil {
		t.Errorf("empty request gave non-empty fields: %+v", ev)
	}
}

// TestNewEventBadPath checks that a path API Gateway refuses is refused.
func TestNewEventBadPath(t *testing.T) {
	r := parseRequest(t, "GET /a%25zz HTTP/1.1\r\nHost: h\r\n\r\n")
	_, err := httpapi.NewEvent(r, nil, httpapi.Match{RouteKey: "$default"}, fixedInput())
	if !errors.Is(err, httpapi.ErrBadPath) {
		t.Fatalf("err = %v, want ErrBadPath", err)
	}
}

// TestMarshalEventKeepsClientCertificate checks that MarshalEvent drops
// requestContext.authentication only when it is empty.
func TestMarshalEventKeepsClientCertificate(t *testing.T) {
	var ev events.APIGatewayV2HTTPRequest
	ev.RequestContext.Authentication.ClientCert.SubjectDN = "CN=client"

	wire, err := httpapi.MarshalEvent(ev)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(wire), `"authentication":{"clientCert":{`) ||
		!strings.Contains(string(wire), `"subjectDN":"CN=client"`) {
		t.Errorf("client certificate lost: %s", wire)
	}

	wire, err = httpapi.MarshalEvent(events.APIGatewayV2HTTPRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(wire), "authentication") {
		t.Errorf("empty authentication written: %s", wire)
	}
}
