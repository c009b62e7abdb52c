package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// okBody is the whole answer: the function ran, so the path from API Gateway
// to Lambda works. It checks nothing further on purpose: a public endpoint
// that probes dependencies hands anyone a way to load them.
const okBody = `{"status":"ok"}`

// Handler answers the public GET /health route. It is safe for concurrent use.
type Handler struct {
	logger *slog.Logger

	// now reads the clock; tests replace it to make durations exact.
	now func() time.Time
}

// NewHandler returns a Handler that writes one log line per request to
// logger.
func NewHandler(logger *slog.Logger) *Handler {
	return &Handler{logger: logger, now: time.Now}
}

// newLogger returns the logger the function runs with: JSON lines, with the
// time and message keys named as Lambda's own JSON log format names them, so
// that CloudWatch Logs Insights reads both the same way.
func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{
		ReplaceAttr: lambdacontext.ReplaceAttr,
	}))
}

// Handle answers one request with 200 {"status":"ok"}.
//
// The route is public, so nothing in the request is verified: a signed-in
// client may still send its token, and the handler neither reads nor logs it.
func (h *Handler) Handle(
	ctx context.Context, req events.APIGatewayV2HTTPRequest,
) (events.APIGatewayV2HTTPResponse, error) {
	start := h.now()

	resp := events.APIGatewayV2HTTPResponse{
		StatusCode: http.StatusOK,
		Headers: map[string]string{
			"Content-Type": "application/json",
			// A cached "ok" would hide an outage from whoever polls this.
			"Cache-Control": "no-store",
		},
		Body: okBody,
	}

	h.logRequest(ctx, req, resp.StatusCode, start)
	return resp, nil
}

// logRequest writes the request's one log line. It names only what an operator
// needs to find and follow a request; the event itself is never logged, since
// its headers may carry a token.
func (h *Handler) logRequest(
	ctx context.Context, req events.APIGatewayV2HTTPRequest, status int, start time.Time,
) {
	attrs := []slog.Attr{
		slog.String("routeKey", req.RouteKey),
		slog.Int("status", status),
		slog.Float64("durationMs", float64(h.now().Sub(start).Microseconds())/1000),
		slog.String("apiRequestId", req.RequestContext.RequestID),
	}

	// requestId is Lambda's own request ID, under the key Lambda's JSON log
	// format uses; apiRequestId above is the one API Gateway's access log shows.
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		attrs = append(attrs, slog.String("requestId", lc.AwsRequestID))
	}

	h.logger.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
}
