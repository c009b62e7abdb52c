package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/google/go-cmp/cmp"
	"github.com/sebdah/goldie/v2"

	"github.com/passage-cdk/passage-cdk-go/lambdas/internal/apilog"
	"github.com/passage-cdk/passage-cdk-go/lambdas/internal/apilog/apilogtest"
)

// lambdaRequestID stands for the ID the Lambda runtime gives an invocation.
const lambdaRequestID = "5d1c7e0a-3f4b-4e1a-9c2d-8b7a6f5e4d3c"

// tick is how far the fake clock moves per reading, so a request's logged
// duration is exactly one tick.
const tick = 1500 * time.Microsecond

func TestHandle(t *testing.T) {
	tests := []struct {
		name       string
		file       string
		wantStatus int
		wantBody   map[string]any // for 200s: the fields a caller relies on
		wantLog    map[string]any // besides time, which is checked apart
	}{
		{
			name:       "passage token with origin and app ID",
			file:       "passage-aud-array.json",
			wantStatus: 200,
			wantBody: map[string]any{
				"userId":    "Yb9wGkzYcxw4aXjVFPvuSDWP",
				"issuer":    "https://auth.passage.id/v1/apps/kTUQ5N0kpbd3qvLr0ovBQjHe",
				"audiences": []any{"https://app.example.com", "kTUQ5N0kpbd3qvLr0ovBQjHe"},
				"scopes":    []any{},
				"expiresAt": "2025-12-03T17:00:00Z",
			},
			wantLog: map[string]any{
				"level":        "INFO",
				"message":      "request",
				"routeKey":     "GET /whoami",
				"status":       200.0,
				"durationMs":   1.5,
				"apiRequestId": "Tq0XnhQ1DoEEMaQ=",
				"requestId":    lambdaRequestID,
				"userId":       "Yb9wGkzYcxw4aXjVFPvuSDWP",
			},
		},
		{
			name:       "older passage token with a string audience",
			file:       "passage-aud-string.json",
			wantStatus: 200,
			wantBody: map[string]any{
				"userId":    "Yb9wGkzYcxw4aXjVFPvuSDWP",
				"issuer":    "https://auth.passage.id/v1/apps/kTUQ5N0kpbd3qvLr0ovBQjHe",
				"audiences": []any{"http://localhost:5000"},
				"scopes":    []any{},
				"expiresAt": "2025-12-03T17:00:00Z",
			},
			wantLog: map[string]any{
				"level":        "INFO",
				"message":      "request",
				"routeKey":     "GET /whoami",
				"status":       200.0,
				"durationMs":   1.5,
				"apiRequestId": "Tq0XqjV2joEEPbw=",
				"requestId":    lambdaRequestID,
				"userId":       "Yb9wGkzYcxw4aXjVFPvuSDWP",
			},
		},
		{
			name:       "OIDC token on a route with scopes",
			file:       "scopes-jwt-list.json",
			wantStatus: 200,
			wantBody: map[string]any{
				"userId":    "auth0|65f1c2d3e4b5a6978812ab34",
				"issuer":    "https://idp.example.com/",
				"audiences": []any{"https://api.example.com"},
				"scopes":    []any{"orders:read"},
				"expiresAt": "2025-12-03T16:15:00Z",
			},
			wantLog: map[string]any{
				"level":        "INFO",
				"message":      "request",
				"routeKey":     "GET /whoami",
				"status":       200.0,
				"durationMs":   1.5,
				"apiRequestId": "Tq0X0FjMDoEEMvg=",
				"requestId":    lambdaRequestID,
				"userId":       "auth0|65f1c2d3e4b5a6978812ab34",
			},
		},
		{
			name:       "route deployed without its authorizer",
			file:       "no-authorizer.json",
			wantStatus: 500,
			wantBody:   map[string]any{"message": "Internal Server Error"},
			wantLog: map[string]any{
				"level":        "ERROR",
				"message":      "request",
				"routeKey":     "GET /whoami",
				"status":       500.0,
				"durationMs":   1.5,
				"apiRequestId": "Tq0X9cQ8DoEEMsA=",
				"requestId":    lambdaRequestID,
				"error": "no JWT authorizer context: expected requestContext.authorizer.jwt, " +
					"found no authorizer (a public route, or one deployed without its JWT authorizer)",
			},
		},
		{
			name:       "verified token without sub",
			file:       "sub-missing.json",
			wantStatus: 500,
			wantBody:   map[string]any{"message": "Internal Server Error"},
			wantLog: map[string]any{
				"level":        "ERROR",
				"message":      "request",
				"routeKey":     "GET /whoami",
				"status":       500.0,
				"durationMs":   1.5,
				"apiRequestId": "Tq0Xt5WXDoEEJ8A=",
				"requestId":    lambdaRequestID,
				"error":        `claim "sub" missing from the JWT authorizer context`,
			},
		},
	}

	golden := goldie.New(t, goldie.WithFixtureDir(filepath.Join("testdata", "golden")),
		goldie.WithNameSuffix(".json"))

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, rawEvent := apilogtest.LoadEvent(t, tt.file)
			var logs bytes.Buffer
			h := NewHandler(apilog.NewLogger(&logs))
			h.now = apilogtest.FakeClock(time.Date(2025, 12, 3, 16, 5, 12, 0, time.UTC), tick)
			ctx := lambdacontext.NewContext(context.Background(),
				&lambdacontext.LambdaContext{AwsRequestID: lambdaRequestID})

			resp, err := h.Handle(ctx, req)
			if err != nil {
				t.Fatalf("Handle returned error %v, want a response", err)
			}

			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			wantHeaders := map[string]string{
				"Content-Type":  "application/json",
				"Cache-Control": "no-store",
			}
			if diff := cmp.Diff(wantHeaders, resp.Headers); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
			var body map[string]any
			if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
				t.Fatalf("body %q is not a JSON object: %v", resp.Body, err)
			}
			if diff := cmp.Diff(tt.wantBody, body); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}

			line := apilogtest.OneLogLine(t, logs.String())
			if diff := cmp.Diff(tt.wantLog, line); diff != "" {
				t.Errorf("log line (-want +got):\n%s", diff)
			}
			apilogtest.AssertNoToken(t, rawEvent, logs.String(), resp.Body)

			golden.AssertJson(t, "whoami-"+strings.TrimSuffix(tt.file, ".json"), apilogtest.GoldenResponse{
				StatusCode: resp.StatusCode,
				Headers:    resp.Headers,
				Body:       json.RawMessage(resp.Body),
			})
		})
	}
}
