package httpapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/passage-cdk/passage-cdk-go/internal/httpapi"
)

// testGateway composes the package's pieces in the order the package
// documentation gives, with invoke standing in for the Lambda emulator.
// It records every event invoke received.
type testGateway struct {
	router *httpapi.Router
	cors   *httpapi.CORS
	invoke func(ev events.APIGatewayV2HTTPRequest) []byte

	mu     sync.Mutex
	events []events.APIGatewayV2HTTPRequest
}

func (g *testGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const requestID = "JKJaXmPLvHcESHA="
	w.Header().Set("Apigw-Requestid", requestID)

	path, err := httpapi.RequestPath(r)
	if err != nil {
		httpapi.WriteStatus(w, http.StatusBadRequest)
		return
	}
	if err := httpapi.CheckRequestHead(r); err != nil {
		httpapi.WriteStatus(w, http.StatusRequestEntityTooLarge)
		return
	}

	m, ok := g.router.Match(r.Method, path)
	if !ok && g.cors != nil && g.cors.IsPreflight(r) {
		g.cors.WritePreflight(w, r)
		return
	}
	if !ok {
		httpapi.WriteStatus(w, http.StatusNotFound)
		return
	}

	body, err := httpapi.ReadBody(r)
	if errors.Is(err, httpapi.ErrRequestTooLarge) {
		httpapi.WriteStatus(w, http.StatusRequestEntityTooLarge)
		return
	}
	if err != nil {
		return
	}

	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	ev, err := httpapi.NewEvent(r, body, m, httpapi.EventInput{
		RequestID: requestID, SourceIP: host, Time: time.Now(),
	})
	if err != nil {
		httpapi.WriteStatus(w, http.StatusBadRequest)
		return
	}
	g.mu.Lock()
	g.events = append(g.events, ev)
	g.mu.Unlock()

	resp, err := httpapi.ParseResponse(g.invoke(ev))
	if err != nil {
		httpapi.WriteStatus(w, http.StatusInternalServerError)
		return
	}
	if g.cors != nil {
		g.cors.Apply(resp.Header, r)
	}
	httpapi.WriteResponse(w, r, resp, requestID)
}

// startGateway serves g on a loopback port for the test's duration.
func startGateway(t *testing.T, g *testGateway) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(g)
	srv.Listener = ln
	srv.Config.ReadHeaderTimeout = 5 * time.Second
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestGatewayOverLoopback sends real HTTP requests through the composed
// pieces and checks what a client sees.
func TestGatewayOverLoopback(t *testing.T) {
	router, err := httpapi.NewRouter([]string{"GET /items/{id}", "ANY /open/{proxy+}"})
	if err != nil {
		t.Fatal(err)
	}
	cors, err := httpapi.NewCORS(httpapi.CORSConfig{
		AllowOrigins: []string{"http://localhost:5173"},
		AllowMethods: []string{"GET", "POST"},
		AllowHeaders: []string{"authorization"},
	})
	if err != nil {
		t.Fatal(err)
	}
	g := &testGateway{router: router, cors: cors}
	g.invoke = func(ev events.APIGatewayV2HTTPRequest) []byte {
		if ev.PathParameters["proxy"] == "broken" {
			return []byte(`{"statusCode":"oops"}`)
		}
		out, _ := json.Marshal(map[string]any{
			"method": ev.RequestContext.HTTP.Method, "params": ev.PathParameters,
		})
		return out
	}
	base := startGateway(t, g)
	client := &http.Client{Timeout: 10 * time.Second}

	tests := []struct {
		name       string
		method     string
		path       string
		header     http.Header
		body       io.Reader
		wantStatus int
		wantBody   string
		wantHeader http.Header
		wantEvents int // events invoke received for this request
	}{
		{
			name: "routed to the function", method: "GET", path: "/items/42",
			header:     http.Header{"Origin": {"http://localhost:5173"}},
			wantStatus: 200, wantBody: `{"method":"GET","params":{"id":"42"}}`,
			wantHeader: http.Header{
				"Content-Type":                {"application/json"},
				"Access-Control-Allow-Origin": {"http://localhost:5173"},
			},
			wantEvents: 1,
		},
		{
			name:   "preflight without a route is answered by the gateway",
			method: "OPTIONS", path: "/items/42",
			header: http.Header{
				"Origin":                        {"http://localhost:5173"},
				"Access-Control-Request-Method": {"GET"},
			},
			wantStatus: 204,
			wantHeader: http.Header{
				"Access-Control-Allow-Origin":  {"http://localhost:5173"},
				"Access-Control-Allow-Methods": {"GET,POST"},
				"Access-Control-Allow-Headers": {"authorization"},
			},
		},
		{
			name:   "preflight caught by an ANY route goes to the function",
			method: "OPTIONS", path: "/open/x",
			header: http.Header{
				"Origin":                        {"http://localhost:5173"},
				"Access-Control-Request-Method": {"GET"},
			},
			wantStatus: 200, wantBody: `{"method":"OPTIONS","params":{"proxy":"x"}}`,
			wantEvents: 1,
		},
		{
			name: "options that is not a preflight is not found", method: "OPTIONS",
			path: "/items/42", wantStatus: 404, wantBody: `{"message":"Not Found"}`,
		},
		{
			name: "no route", method: "POST", path: "/items/42",
			wantStatus: 404, wantBody: `{"message":"Not Found"}`,
		},
		{
			name: "malformed function result", method: "GET", path: "/open/broken",
			wantStatus: 500, wantBody: `{"message":"Internal Server Error"}`,
			wantEvents: 1,
		},
		{
			name: "path API Gateway refuses", method: "GET", path: "/items/a%25zz",
			wantStatus: 400, wantBody: `{"message":"Bad Request"}`,
		},
		{
			name: "head over the quota", method: "GET", path: "/items/1",
			header:     http.Header{"X-Big": {strings.Repeat("h", httpapi.MaxRequestHeadBytes)}},
			wantStatus: 413, wantBody: `{"message":"Request Entity Too Large"}`,
		},
		{
			name: "body over the quota", method: "POST", path: "/open/upload",
			// A reader of unknown length makes the client send the body
			// chunked, so the gateway has to count it; the whole body is
			// read, and the 413 never races the upload.
			body:       io.MultiReader(bytes.NewReader(make([]byte, httpapi.MaxPayloadBytes+1))),
			wantStatus: 413, wantBody: `{"message":"Request Entity Too Large"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g.mu.Lock()
			before := len(g.events)
			g.mu.Unlock()

			req, err := http.NewRequest(tt.method, base+tt.path, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				req.Header[k] = v
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}

			if resp.StatusCode != tt.wantStatus || string(body) != tt.wantBody {
				t.Errorf("got %d %s, want %d %s", resp.StatusCode, body, tt.wantStatus,
					tt.wantBody)
			}
			for k, v := range tt.wantHeader {
				if got := resp.Header.Values(k); strings.Join(got, "|") != strings.Join(v, "|") {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if resp.Header.Get("Apigw-Requestid") == "" || resp.Header.Get("Date") == "" {
				t.Errorf("apigw-requestid or date missing: %v", resp.Header)
			}

			g.mu.Lock()
			got := len(g.events) - before
			g.mu.Unlock()
			if got != tt.wantEvents {
				t.Errorf("function invoked %d times, want %d", got, tt.wantEvents)
			}
		})
	}
}
