package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/passage-cdk/passage-cdk-go/claims"
	"github.com/passage-cdk/passage-cdk-go/lambdas/internal/apilog"
)

// internalError is the body API Gateway itself sends with a 500. The handler
// sends the same, so a caller cannot tell a misdeployed route from any other
// server fault and learns nothing about how the API is set up.
const internalError = `{"message":"Internal Server Error"}`

// Handler answers GET /whoami with the identity API Gateway's JWT authorizer
// verified for the caller. It is safe for concurrent use.
type Handler struct {
	logger *slog.Logger

	// now reads the clock; tests replace it to make durations exact.
	now func() time.Time
}

// identity is the 200 response body.
type identity struct {
	// UserID is the verified sub: for Passage, the Passage user ID.
	UserID string `json:"userId"`

	// Issuer tells which app (or OIDC provider) issued the token.
	Issuer string `json:"issuer"`

	// Audiences lets a client check which app the token was issued for.
	Audiences []string `json:"audiences"`

	// Scopes is always a list, empty rather than null, so clients can iterate.
	Scopes []string `json:"scopes"`

	// ExpiresAt tells a client when to refresh, in RFC 3339.
	ExpiresAt time.Time `json:"expiresAt"`
}

// NewHandler returns a Handler that writes one log line per request to
// logger.
func NewHandler(logger *slog.Logger) *Handler {
	return &Handler{logger: logger, now: time.Now}
}

// Handle answers one request.
//
// With verified claims it answers 200 and the caller's identity. Without them
// it answers 500 {"message":"Internal Server Error"}: the function only runs
// unauthenticated when the route was deployed without its JWT authorizer (or
// a token passed it without a readable sub, iss, aud or exp), which is an
// operator's fault the caller can neither see nor fix. A 401 would send the
// client into signing in again for nothing. The reason goes to the log only.
//
// It never returns an error: a returned error would reach API Gateway as the
// same 500, but also log a second line, outside this handler's control.
func (h *Handler) Handle(
	ctx context.Context, req events.APIGatewayV2HTTPRequest,
) (events.APIGatewayV2HTTPResponse, error) {
	start := h.now()

	// The claims were verified by API Gateway; reading them is all that is left.
	c, err := claims.FromRequest(req)
	if err != nil {
		resp := apilog.JSONResponse(http.StatusInternalServerError, internalError)
		apilog.Request(ctx, h.logger, req, resp.StatusCode, h.now().Sub(start), slog.String("error", err.Error()))
		return resp, nil
	}

	body, err := json.Marshal(identity{
		UserID:    c.UserID,
		Issuer:    c.Issuer,
		Audiences: c.Audiences,
		Scopes:    orEmpty(c.Scopes),
		ExpiresAt: c.ExpiresAt,
	})
	if err != nil {
		// Strings, string lists and a time within year 9999 always marshal;
		// this stays for safety should the body ever grow.
		resp := apilog.JSONResponse(http.StatusInternalServerError, internalError)
		apilog.Request(ctx, h.logger, req, resp.StatusCode, h.now().Sub(start), slog.String("error", err.Error()))
		return resp, nil
	}

	resp := apilog.JSONResponse(http.StatusOK, string(body))
	apilog.Request(ctx, h.logger, req, resp.StatusCode, h.now().Sub(start), slog.String("userId", c.UserID))
	return resp, nil
}

// orEmpty turns nil into an empty list, so JSON shows [] rather than null.
func orEmpty(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}
