// Package apilogtest holds the checks that the example handlers' tests share: events from
// testdata, the one JSON log line per request, and that no output repeats the caller's token.
package apilogtest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// GoldenResponse shows a response with its body as JSON, not as a quoted
// string, so the golden file reads as the caller would see it.
type GoldenResponse struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Body       json.RawMessage   `json:"body"`
}

// LoadEvent reads a payload 2.0 event from testdata, returning it decoded as
// the Lambda runtime would and as raw JSON.
func LoadEvent(t *testing.T, name string) (events.APIGatewayV2HTTPRequest, map[string]any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("reading event: %v", err)
	}
	var req events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(data, &req); err != nil {
		t.Fatalf("decoding event %s: %v", name, err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("decoding event %s: %v", name, err)
	}
	return req, raw
}

// FakeClock starts at start and moves one tick per reading, so a request's logged duration
// is exactly one tick.
func FakeClock(start time.Time, tick time.Duration) func() time.Time {
	now := start
	return func() time.Time {
		now = now.Add(tick)
		return now
	}
}

// OneLogLine checks that out holds exactly one JSON line with a timestamp,
// and returns its other fields.
func OneLogLine(t *testing.T, out string) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 1 || lines[0] == "" {
		t.Fatalf("got %d log lines, want exactly 1:\n%s", len(lines), out)
	}

	var line map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &line); err != nil {
		t.Fatalf("log line is not JSON: %v\n%s", err, lines[0])
	}
	stamp, _ := line["timestamp"].(string)
	if _, err := time.Parse(time.RFC3339Nano, stamp); err != nil {
		t.Errorf("log line timestamp %q is not RFC 3339: %v", stamp, err)
	}
	delete(line, "timestamp")
	return line
}

// AssertNoToken checks that no output repeats the Authorization header or any
// part of the caller's bearer token, however short the part that leaked.
func AssertNoToken(t *testing.T, rawEvent map[string]any, outputs ...string) {
	t.Helper()
	headers, _ := rawEvent["headers"].(map[string]any)
	auth, _ := headers["authorization"].(string)
	token, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || strings.Count(token, ".") != 2 {
		t.Fatalf("event's authorization header %q holds no bearer JWT to look for", auth)
	}

	// 16 characters of base64url are 96 bits: no run that long matches by
	// chance, and any slice of the token a log could hold is at least that.
	const window = 16
	for _, out := range outputs {
		for _, word := range []string{"bearer", "authorization"} {
			if strings.Contains(strings.ToLower(out), word) {
				t.Errorf("output mentions %q:\n%s", word, out)
			}
		}
		for i := 0; i+window <= len(token); i++ {
			if part := token[i : i+window]; strings.Contains(out, part) {
				t.Errorf("output repeats %q, part of the caller's token:\n%s", part, out)
				break
			}
		}
	}
}
