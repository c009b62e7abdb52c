// Package apilog writes the one structured line per request that the example handlers log,
// and builds their JSON responses.
package apilog

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// NewLogger returns the logger a function runs with: JSON lines, with the time and message keys
// named as Lambda's own JSON log format names them, so that CloudWatch Logs Insights reads both
// the same way.
func NewLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{
		ReplaceAttr: lambdacontext.ReplaceAttr,
	}))
}

// Request writes the request's one log line: route, status, duration and both request IDs,
// then extra. It names only what an operator needs to find and follow a request; the event
// itself is never logged, since its headers may carry a token. A 5xx status logs at ERROR.
func Request(
	ctx context.Context, logger *slog.Logger, req events.APIGatewayV2HTTPRequest,
	status int, duration time.Duration, extra ...slog.Attr,
) {
	level := slog.LevelInfo
	if status >= http.StatusInternalServerError {
		level = slog.LevelError
	}

	attrs := []slog.Attr{
		slog.String("routeKey", req.RouteKey),
		slog.Int("status", status),
		slog.Float64("durationMs", float64(duration.Microseconds())/1000),
		slog.String("apiRequestId", req.RequestContext.RequestID),
	}

	// requestId is Lambda's own request ID, under the key Lambda's JSON log format uses;
	// apiRequestId above is the one API Gateway's access log shows.
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		attrs = append(attrs, slog.String("requestId", lc.AwsRequestID))
	}
	attrs = append(attrs, extra...)

	logger.LogAttrs(ctx, level, "request", attrs...)
}

// JSONResponse builds a response with a JSON body that no shared cache may keep: an identity
// must not be served to another caller, and a cached "ok" would hide an outage.
func JSONResponse(status int, body string) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers: map[string]string{
			"Content-Type":  "application/json",
			"Cache-Control": "no-store",
		},
		Body: body,
	}
}
