package httpapi_test

import (
	"fmt"
	"testing"

	"github.com/passage-cdk/passage-cdk-go/internal/httpapi"
)

// BenchmarkRouterMatch routes through 300 routes, the HTTP API quota, to
// the greedy route that has to beat every other candidate.
func BenchmarkRouterMatch(b *testing.B) {
	keys := []string{"ANY /{proxy+}", "$default"}
	for i := range 298 {
		keys = append(keys, fmt.Sprintf("GET /r%d/{id}", i))
	}
	router, err := httpapi.NewRouter(keys)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, ok := router.Match("GET", "/r297/x/y"); !ok {
			b.Fatal("no match")
		}
	}
}

// BenchmarkNewEvent builds and encodes the event of a typical JSON POST.
func BenchmarkNewEvent(b *testing.B) {
	router, err := httpapi.NewRouter(eventRoutes)
	if err != nil {
		b.Fatal(err)
	}
	body := `{"name":"lamp","price":12.5}`
	raw := rawRequest("POST /items?x=1&x=2 HTTP/1.1\r\nHost: localhost:3000\r\n"+
		"Content-Type: application/json\r\nCookie: a=1; b=2\r\nAuthorization: Bearer t\r\n", body)
	r := parseRequest(b, raw)
	m, _ := router.Match("POST", "/items")
	in := fixedInput()

	for b.Loop() {
		ev, err := httpapi.NewEvent(r, []byte(body), m, in)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := httpapi.MarshalEvent(ev); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseResponse maps a structured response with headers and
// cookies.
func BenchmarkParseResponse(b *testing.B) {
	payload := []byte(`{"statusCode":201,"headers":{"content-type":"application/json",` +
		`"x-a":"1"},"cookies":["s=1; HttpOnly"],"body":"{\"id\":42,\"name\":\"lamp\"}"}`)
	for b.Loop() {
		if _, err := httpapi.ParseResponse(payload); err != nil {
			b.Fatal(err)
		}
	}
}
