package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/passage-cdk/passage-cdk-go/lambdas/internal/apilog"
)

// BenchmarkHandleInProcess is the floor that the local gateway's BenchmarkAuthorizedWhoami is
// compared with (BENCHMARKS.md, item 5): the same authorized request, decoded from API
// Gateway's JSON and handled by calling the handler directly, with no HTTP, no token check and
// no Runtime API in between.
func BenchmarkHandleInProcess(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "passage-aud-string.json"))
	if err != nil {
		b.Fatal(err)
	}
	h := NewHandler(apilog.NewLogger(io.Discard))
	ctx := context.Background()

	for b.Loop() {
		var req events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(data, &req); err != nil {
			b.Fatal(err)
		}
		resp, err := h.Handle(ctx, req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("Handle = %d, %v", resp.StatusCode, err)
		}
		if _, err := json.Marshal(resp); err != nil {
			b.Fatal(err)
		}
	}
}
