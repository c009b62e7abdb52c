package httpapi_test

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/sebdah/goldie/v2"
)

// rawRequest joins a request head (request line and header lines, each
// ending in CRLF) and a body, adding Content-Length when there is a body.
func rawRequest(head, body string) string {
	if body == "" {
		return head + "\r\n"
	}
	return fmt.Sprintf("%sContent-Length: %d\r\n\r\n%s", head, len(body), body)
}

// parseRequest reads a raw HTTP/1.1 request the way net/http's server does,
// so tests see the same *http.Request a gateway would.
func parseRequest(t testing.TB, raw string) *http.Request {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatalf("parse request %q: %v", raw, err)
	}
	return r
}

// renderResponse writes a recorded response as text for golden files:
// status line, headers sorted by name, a blank line, then the body, shown
// as is when it is printable UTF-8 and Go-quoted otherwise.
func renderResponse(rec *httptest.ResponseRecorder) string {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\n", rec.Code, http.StatusText(rec.Code))
	for _, name := range slices.Sorted(maps.Keys(rec.Header())) {
		for _, v := range rec.Header()[name] {
			fmt.Fprintf(&b, "%s: %s\n", name, v)
		}
	}
	b.WriteString("\n")
	b.WriteString(renderBody(rec.Body.Bytes()))
	return b.String()
}

func renderBody(body []byte) string {
	if len(body) == 0 {
		return "(no body)\n"
	}
	printable := utf8.Valid(body) && !bytes.ContainsFunc(body, func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\t'
	})
	if printable {
		return string(body) + "\n"
	}
	return fmt.Sprintf("(%d bytes, quoted) %q\n", len(body), body)
}

func newGoldie(t *testing.T) *goldie.Goldie {
	return goldie.New(t, goldie.WithFixtureDir("testdata"), goldie.WithNameSuffix(".golden"))
}
