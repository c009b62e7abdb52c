package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/passage-cdk/passage-cdk-go/internal/httpapi"
)

// TestWriteStatus checks API Gateway's own answers byte for byte.
func TestWriteStatus(t *testing.T) {
	tests := []struct {
		status int
		body   string
	}{
		{400, `{"message":"Bad Request"}`},
		{401, `{"message":"Unauthorized"}`},
		{403, `{"message":"Forbidden"}`},
		{404, `{"message":"Not Found"}`},
		{413, `{"message":"Request Entity Too Large"}`},
		{429, `{"message":"Too Many Requests"}`},
		{500, `{"message":"Internal Server Error"}`},
		{503, `{"message":"Service Unavailable"}`},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			rec := httptest.NewRecorder()
			rec.Header().Set("Www-Authenticate", `Bearer error="invalid_token"`)
			httpapi.WriteStatus(rec, tt.status)

			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			if got := rec.Body.String(); got != tt.body {
				t.Errorf("body = %s, want %s", got, tt.body)
			}
			if got := rec.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("content-type = %q, want application/json", got)
			}
			if got := rec.Header().Get("Content-Length"); got != fmt.Sprint(len(tt.body)) {
				t.Errorf("content-length = %q, want %d", got, len(tt.body))
			}
			if rec.Header().Get("Www-Authenticate") == "" {
				t.Error("a header set before WriteStatus was dropped")
			}
		})
	}
}

// TestWriteMessageQuotes checks that any message gives valid JSON that
// decodes back to it.
func TestWriteMessageQuotes(t *testing.T) {
	const msg = `say "no" \ & <stop>` + "\n"
	rec := httptest.NewRecorder()
	httpapi.WriteMessage(rec, http.StatusForbidden, msg)

	var got struct{ Message string }
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("body %s is not JSON: %v", rec.Body.Bytes(), err)
	}
	if got.Message != msg {
		t.Errorf("message = %q, want %q", got.Message, msg)
	}
}

func ExampleWriteStatus() {
	rec := httptest.NewRecorder()
	rec.Header().Set("Apigw-Requestid", "JKJaXmPLvHcESHA=")
	httpapi.WriteStatus(rec, http.StatusNotFound)

	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Println(rec.Body.String())
	// Output:
	// 404 application/json
	// {"message":"Not Found"}
}
