package httpapi_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/passage-cdk/passage-cdk-go/internal/httpapi"
)

// headOfSize returns a request whose line and headers are exactly n bytes
// as RequestHeadSize counts them, padding one header's value.
func headOfSize(t *testing.T, n int) *http.Request {
	t.Helper()
	base := "GET /items HTTP/1.1\r\nHost: localhost:3000\r\nX-Pad: \r\n"
	// The final CRLF ending the head is not part of any line.
	pad := n - (len(base))
	if pad < 0 {
		t.Fatalf("size %d is below the base head", n)
	}
	raw := strings.Replace(base, "X-Pad: ", "X-Pad: "+strings.Repeat("p", pad), 1) + "\r\n"
	r := parseRequest(t, raw)
	if got := httpapi.RequestHeadSize(r); got != n {
		t.Fatalf("RequestHeadSize = %d, want %d", got, n)
	}
	return r
}

func TestCheckRequestHead(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		refused bool
	}{
		{"small", 200, false},
		{"at the quota", httpapi.MaxRequestHeadBytes, false},
		{"one byte over", httpapi.MaxRequestHeadBytes + 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := httpapi.CheckRequestHead(headOfSize(t, tt.size))
			if tt.refused != errors.Is(err, httpapi.ErrRequestTooLarge) {
				t.Fatalf("CheckRequestHead err = %v, want refused=%v", err, tt.refused)
			}
		})
	}
}

// TestRequestHeadSizeCountsRequestLine checks that a long query counts.
func TestRequestHeadSizeCountsRequestLine(t *testing.T) {
	short := parseRequest(t, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n")
	long := parseRequest(t, "GET /a?"+strings.Repeat("q", 100)+" HTTP/1.1\r\nHost: h\r\n\r\n")
	if d := httpapi.RequestHeadSize(long) - httpapi.RequestHeadSize(short); d != 101 {
		t.Errorf("a 101-byte query added %d bytes", d)
	}
}

func TestReadBody(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		chunked bool // no Content-Length, so the size is found by reading
		refused bool
	}{
		{"empty", 0, false, false},
		{"at the quota", httpapi.MaxPayloadBytes, false, false},
		{"over by content-length", httpapi.MaxPayloadBytes + 1, false, true},
		{"chunked at the quota", httpapi.MaxPayloadBytes, true, false},
		{"chunked over", httpapi.MaxPayloadBytes + 1, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := bytes.Repeat([]byte("b"), tt.size)
			r, err := http.NewRequest(http.MethodPost, "http://h/", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.chunked {
				r.ContentLength = -1
				r.Body = io.NopCloser(bytes.NewReader(body))
			}

			got, err := httpapi.ReadBody(r)
			if tt.refused {
				if !errors.Is(err, httpapi.ErrRequestTooLarge) {
					t.Fatalf("err = %v, want ErrRequestTooLarge", err)
				}
				return
			}
			if err != nil || len(got) != tt.size {
				t.Fatalf("ReadBody = %d bytes, %v; want %d bytes", len(got), err, tt.size)
			}
		})
	}
}
