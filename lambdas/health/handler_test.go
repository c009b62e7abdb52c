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
const lambdaRequestID = "0b6f3a2e-91c4-4d7e-a5b8-2c1d0e9f8a7b"

// tick is how far the fake clock moves per reading, so a request's logged
// duration is exactly one tick.
const tick = 250 * time.Microsecond

func TestHandle(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		hasAuth bool // whether the client sent a token the logs must not show
		wantLog map[string]any
	}{
		{
			name: "anonymous probe",
			file: "health.json",
			wantLog: map[string]any{
				"level":        "INFO",
				"message":      "request",
				"routeKey":     "GET /health",
				"status":       200.0,
				"durationMs":   0.25,
				"apiRequestId": "Tq0XwGGKjoEENnQ=",
				"requestId":    lambdaRequestID,
			},
		},
		{
			name:    "signed-in client sending its token anyway",
			file:    "health-with-token.json",
			hasAuth: true,
			wantLog: map[string]any{
				"level":        "INFO",
				"message":      "request",
				"routeKey":     "GET /health",
				"status":       200.0,
				"durationMs":   0.25,
				"apiRequestId": "Tq0YAnB1joEEJvw=",
				"requestId":    lambdaRequestID,
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
			h.now = apilogtest.FakeClock(time.Date(2025, 12, 3, 16, 5, 27, 0, time.UTC), tick)
			ctx := lambdacontext.NewContext(context.Background(),
				&lambdacontext.LambdaContext{AwsRequestID: lambdaRequestID})

			resp, err := h.Handle(ctx, req)
			if err != nil {
				t.Fatalf("Handle returned error %v, want a response", err)
			}

			if resp.StatusCode != 200 {
				t.Errorf("status = %d, want 200", resp.StatusCode)
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
			if diff := cmp.Diff(map[string]any{"status": "ok"}, body); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}

			line := apilogtest.OneLogLine(t, logs.String())
			if diff := cmp.Diff(tt.wantLog, line); diff != "" {
				t.Errorf("log line (-want +got):\n%s", diff)
			}
			if tt.hasAuth {
				apilogtest.AssertNoToken(t, rawEvent, logs.String(), resp.Body)
			}

			golden.AssertJson(t, "health-"+strings.TrimSuffix(tt.file, ".json"), apilogtest.GoldenResponse{
				StatusCode: resp.StatusCode,
				Headers:    resp.Headers,
				Body:       json.RawMessage(resp.Body),
			})
		})
	}
}
