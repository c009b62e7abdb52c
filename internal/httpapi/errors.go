package httpapi

import "errors"

// Sentinel errors. Every error that calls for one of API Gateway's own
// answers wraps one of them, so a caller can choose the answer with
// errors.Is.
var (
	// ErrInvalidRouteKey reports a route key API Gateway would refuse to
	// deploy.
	ErrInvalidRouteKey = errors.New("invalid route key")

	// ErrBadPath reports a request path API Gateway refuses; the caller
	// answers 400 {"message":"Bad Request"}.
	ErrBadPath = errors.New("bad request path")

	// ErrMalformedResponse reports a function result API Gateway cannot
	// map to an HTTP response; the caller answers 500
	// {"message":"Internal Server Error"}.
	ErrMalformedResponse = errors.New("malformed lambda response")

	// ErrRequestTooLarge reports a request over one of the HTTP API size
	// quotas; the caller answers 413 {"message":"Request Entity Too Large"}.
	ErrRequestTooLarge = errors.New("request too large")

	// ErrInvalidCORS reports a CORS configuration API Gateway would refuse.
	ErrInvalidCORS = errors.New("invalid cors configuration")
)
