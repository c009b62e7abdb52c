package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/passage-cdk/passage-cdk-go/lambdas/internal/apilog"
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

// Handle answers one request with 200 {"status":"ok"}.
//
// The route is public, so nothing in the request is verified: a signed-in
// client may still send its token, and the handler neither reads nor logs it.
func (h *Handler) Handle(
	ctx context.Context, req events.APIGatewayV2HTTPRequest,
) (events.APIGatewayV2HTTPResponse, error) {
	start := h.now()
	resp := apilog.JSONResponse(http.StatusOK, okBody)
	apilog.Request(ctx, h.logger, req, resp.StatusCode, h.now().Sub(start))
	return resp, nil
}
