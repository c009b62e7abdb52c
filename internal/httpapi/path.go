package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// RequestPath returns the path an HTTP API routes on and hands to the
// integration as rawPath and requestContext.http.path, or an error wrapping
// ErrBadPath for a path API Gateway answers with 400.
//
// HTTP APIs deliver the path percent-decoded, not as sent (the developer
// guide only says "API Gateway decodes URL-encoded request parameters").
// The exact steps below reproduce every case of a published set of live
// captures (hotsock/voker, vokerhttp/testdata/ingress-paths.json, taken
// from an HTTP API with payload 2.0 on 2026-07-10):
//
//  1. decode the path once: %20 becomes a space, %2F a slash, %23 a '#';
//  2. cut the result at the first '?': /a%3Fb arrives as /a;
//  3. decode it a second time: %252F arrives as '/', %253F as '?', and a
//     path with a lone '%' after step 1 (/a%25b) is refused with 400.
//
// Decoded slashes split segments for routing like any other slash, so
// /items/a%2Fb does not match GET /items/{id}.
func RequestPath(r *http.Request) (string, error) {
	raw := r.URL.EscapedPath()
	if raw == "" {
		raw = "/"
	}

	once, err := url.PathUnescape(raw)
	if err != nil {
		return "", fmt.Errorf("%w: %q is not percent-encoded correctly: %v", ErrBadPath, raw, err)
	}

	once, _, _ = strings.Cut(once, "?")

	twice, err := url.PathUnescape(once)
	if err != nil {
		return "", fmt.Errorf("%w: %q decodes to %q, which holds a stray '%%'",
			ErrBadPath, raw, once)
	}
	return twice, nil
}
