package httpapi

import (
	"fmt"
	"io"
	"net/http"
)

// The HTTP API quotas on request size (developer guide, http-api-quotas;
// neither can be increased).
//
// What API Gateway answers over either quota is not documented for HTTP
// APIs. Both are reported as ErrRequestTooLarge, for the caller to answer
// 413 {"message":"Request Entity Too Large"}: 413 is what API Gateway's
// edge sends over the payload quota, and a 4xx that names the size is the
// safe reading for the head, whose quota has no documented answer.
const (
	// MaxRequestHeadBytes is the quota "Total combined size of request line
	// and header values": 10240 bytes.
	MaxRequestHeadBytes = 10240

	// MaxPayloadBytes is the quota "Payload size": 10 MB, which AWS counts
	// as 10 MiB (its edge answers "HTTP content length exceeded 10485760
	// bytes").
	MaxPayloadBytes = 10 << 20
)

// RequestHeadSize returns the size of r's request line and headers as
// they travel in HTTP/1.1: "METHOD target HTTP/1.1", then "Name: value"
// for each header value, Host included, each line with its CRLF.
//
// The quota counts "request line and header values"; counting names,
// separators and line ends as well can only refuse a request a little
// earlier than API Gateway would, never accept one it refuses.
func RequestHeadSize(r *http.Request) int {
	target := r.RequestURI
	if target == "" {
		target = r.URL.RequestURI()
	}
	n := len(r.Method) + 1 + len(target) + 1 + len(r.Proto) + 2

	if r.Host != "" && r.Header.Get("Host") == "" {
		n += len("Host: ") + len(r.Host) + 2
	}
	for name, values := range r.Header {
		for _, v := range values {
			n += len(name) + 2 + len(v) + 2
		}
	}
	return n
}

// CheckRequestHead returns an error wrapping ErrRequestTooLarge when r's
// request line and headers exceed MaxRequestHeadBytes.
//
// The http.Server serving the gateway must accept heads of that size for
// this check to be reached: its MaxHeaderBytes must stay above 10240 (the
// default, 1 MB, does), or net/http answers 431 itself.
func CheckRequestHead(r *http.Request) error {
	if n := RequestHeadSize(r); n > MaxRequestHeadBytes {
		return fmt.Errorf("%w: request line and headers are %d bytes, over the %d-byte quota",
			ErrRequestTooLarge, n, MaxRequestHeadBytes)
	}
	return nil
}

// ReadBody reads r's body whole, or returns an error wrapping
// ErrRequestTooLarge as soon as it is known to exceed MaxPayloadBytes:
// at once when Content-Length says so, or after reading one byte past the
// quota otherwise. It never holds more than MaxPayloadBytes+1 bytes.
func ReadBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > MaxPayloadBytes {
		return nil, fmt.Errorf("%w: content-length is %d bytes, over the %d-byte quota",
			ErrRequestTooLarge, r.ContentLength, MaxPayloadBytes)
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayloadBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	if len(body) > MaxPayloadBytes {
		return nil, fmt.Errorf("%w: body is over the %d-byte quota",
			ErrRequestTooLarge, MaxPayloadBytes)
	}
	return body, nil
}
