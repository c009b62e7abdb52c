package httpapi_test

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/passage-cdk/passage-cdk-go/internal/httpapi"
)

// FuzzNewEvent feeds raw HTTP/1.1 requests through path decoding, routing
// and event building. It must never panic, and every event must encode to
// JSON a function can decode, with the promised shape. The committed seed
// corpus is in testdata/fuzz/FuzzNewEvent.
func FuzzNewEvent(f *testing.F) {
	f.Add("GET /items/42?a=1&a=2 HTTP/1.1\r\nHost: h\r\nCookie: a=1; b=2\r\n\r\n")
	f.Add("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n\x00\xff\x01")

	router, err := httpapi.NewRouter(eventRoutes)
	if err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, raw string) {
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			return // not a request net/http would serve
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			return
		}

		path, err := httpapi.RequestPath(r)
		if err != nil {
			if !errors.Is(err, httpapi.ErrBadPath) {
				t.Fatalf("RequestPath error does not wrap ErrBadPath: %v", err)
			}
			return
		}
		m, ok := router.Match(r.Method, path)
		if !ok {
			t.Fatalf("no match with a $default route for %s %q", r.Method, path)
		}

		ev, err := httpapi.NewEvent(r, body, m, fixedInput())
		if err != nil {
			t.Fatalf("NewEvent failed after RequestPath succeeded: %v", err)
		}
		wire, err := httpapi.MarshalEvent(ev)
		if err != nil {
			t.Fatalf("MarshalEvent: %v", err)
		}
		var back events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(wire, &back); err != nil {
			t.Fatalf("event does not decode: %v\n%s", err, wire)
		}

		// JSON carries only UTF-8: each invalid byte arrives as U+FFFD,
		// which is what converting through []rune does too.
		if want := string([]rune(path)); back.RawPath != want || back.RouteKey != m.RouteKey {
			t.Errorf("rawPath %q routeKey %q, want %q %q", back.RawPath, back.RouteKey, want,
				m.RouteKey)
		}
		for name := range back.Headers {
			if name != strings.ToLower(name) || name == "cookie" {
				t.Errorf("header name %q is not lower-case or is cookie", name)
			}
		}
		if back.IsBase64Encoded {
			decoded, err := base64.StdEncoding.DecodeString(back.Body)
			if err != nil || string(decoded) != string(body) {
				t.Errorf("base64 body does not decode to the request body")
			}
		} else if len(body) > 0 && back.Body == "" {
			t.Errorf("non-empty text body was dropped")
		}
	})
}

// FuzzParseResponse feeds arbitrary function results through response
// mapping and writing. It must never panic; a refused result must wrap
// ErrMalformedResponse, and an accepted one must be written with its status
// and body. The committed seed corpus is in testdata/fuzz/FuzzParseResponse.
func FuzzParseResponse(f *testing.F) {
	f.Add([]byte(`{"statusCode":200,"body":"ok"}`))
	f.Add([]byte(`"text"`))

	f.Fuzz(func(t *testing.T, payload []byte) {
		resp, err := httpapi.ParseResponse(payload)
		if err != nil {
			if !errors.Is(err, httpapi.ErrMalformedResponse) {
				t.Fatalf("error does not wrap ErrMalformedResponse: %v", err)
			}
			return
		}
		if resp.StatusCode < 200 || resp.StatusCode > 599 {
			t.Fatalf("accepted status %d", resp.StatusCode)
		}

		rec := httptest.NewRecorder()
		httpapi.WriteResponse(rec, httptest.NewRequest(http.MethodGet, "/", nil), resp, "id")
		if rec.Code != resp.StatusCode {
			t.Errorf("wrote status %d, want %d", rec.Code, resp.StatusCode)
		}
		noBody := resp.StatusCode == http.StatusNoContent ||
			resp.StatusCode == http.StatusNotModified
		if !noBody && rec.Body.String() != string(resp.Body) {
			t.Errorf("wrote a body other than the parsed one")
		}
		if rec.Header().Get("Content-Type") == "" {
			t.Errorf("response without content-type")
		}
	})
}
